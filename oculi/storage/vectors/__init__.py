"""Face-vector search backends."""
