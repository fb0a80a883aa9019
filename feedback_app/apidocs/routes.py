"""GET /api/v1/openapi.json: the OpenAPI document, public and without a cookie like the API."""

from flask import Blueprint, current_app, jsonify

from ..machines import serves_machines
from .spec import openapi_document

bp = serves_machines(Blueprint("apidocs", __name__))


@bp.get("/openapi.json")
def openapi_document_json():
    """The OpenAPI 3.1 document of /api/v1, for integrators and their tools."""
    return jsonify(
        openapi_document(
            languages=current_app.config["LANGUAGES"],
            public_base_url=current_app.config.get("PUBLIC_BASE_URL"),
        )
    )
