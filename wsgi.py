"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from feedback_app import ConfigurationError, create_app

try:
    app = create_app()
except ConfigurationError as exc:  # say why, without a traceback
    sys.exit(f"Cannot start: {exc}")
