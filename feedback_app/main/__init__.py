"""The staff home page and the health check."""
