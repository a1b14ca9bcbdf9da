"""The Rekognition provider: translates AWS shapes to service calls and back (errors: oculi.aws.error_map)."""
