"""Rekognition's JSON 1.1 wire API, driven by botocore's service model."""
