"""Oculi: self-hosted image recognition answering Amazon Rekognition's wire API with local models."""

__version__ = "0.1.0"
