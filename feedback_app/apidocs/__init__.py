"""The machine API's own description: the OpenAPI 3.1 document of everything under /api/v1."""
