"""The citizen-feedback platform for one-stop desks (Bộ phận Một cửa)."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import DefaultConfig


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application. It never migrates and never touches the database here."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(DefaultConfig)
    if test_config is None:
        _load_deployment_config(app)
    else:
        app.config.update(test_config)
    _finish_config(app)

    from . import changes, cli, errors, hardening, i18n, security
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    changes.init_app(app)  # first: its check runs after every other after-request hook
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    hardening.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    _register_blueprints(app)
    if app.config["PROXY_COUNT"]:
        # Behind a reverse proxy: trust its X-Forwarded-* headers, and only that many hops.
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    return app


def _load_deployment_config(app: Flask) -> None:
    """Instance folder first, then FEEDBACK_* variables, then DATABASE_URL."""
    app.config.from_pyfile("config.py", silent=True)
    secret_file = Path(app.instance_path) / "secret_key"
    if secret_file.is_file():
        app.config["SECRET_KEY"] = secret_file.read_text(encoding="utf-8").strip()
    app.config.from_prefixed_env("FEEDBACK")
    if os.environ.get("DATABASE_URL") and not os.environ.get("FEEDBACK_SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]


def _finish_config(app: Flask) -> None:
    """Derive settings that depend on others, and refuse unsafe production settings."""
    env = app.config["ENV"]
    if env in ("development", "testing") or app.config.get("TESTING"):
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    if not app.config.get("SECRET_KEY"):
        if env == "testing" or app.config.get("TESTING"):
            app.config["SECRET_KEY"] = "testing-only"  # noqa: S105 - tests never leave the machine
        else:
            raise ConfigurationError(
                "FEEDBACK_SECRET_KEY is not set. Set it in the environment or write a random "
                f"value to {Path(app.instance_path) / 'secret_key'} ('make install' does this)."
            )
    app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"])  # env values may parse as JSON
    if env not in ("development", "testing") and not app.config.get("TESTING"):
        _require_hotline_settings(app)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "feedback.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _require_hotline_settings(app: Flask) -> None:
    """Production checks every webhook's signature, so it needs the token and the public URL."""
    for name in ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL"):
        if not app.config.get(name):
            raise ConfigurationError(
                f"FEEDBACK_{name} is not set. The hotline's webhooks are checked against it; "
                "set it in the environment or in the instance folder's config.py."
            )
    app.config["TWILIO_AUTH_TOKEN"] = str(app.config["TWILIO_AUTH_TOKEN"])


def _normalise_database_url(uri: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def _register_blueprints(app: Flask) -> None:
    """One blueprint per feature."""
    from .apidocs.routes import bp as apidocs_bp
    from .auth.routes import bp as auth_bp
    from .cases.routes import bp as cases_bp
    from .cases.routes import public_bp as track_bp
    from .dossiers.routes import bp as dossiers_bp
    from .hotline.routes import bp as hotline_bp
    from .hotline.webhooks import bp as hotline_webhooks_bp
    from .intake.routes import bp as intake_bp
    from .main.routes import bp as main_bp
    from .reports.routes import api_bp as reports_api_bp
    from .reports.routes import bp as reports_bp
    from .results.routes import bp as results_bp
    from .surveys.admin import bp as surveys_admin_bp
    from .surveys.kiosk_api import bp as kiosk_api_bp
    from .surveys.kiosk_page import bp as kiosk_bp
    from .surveys.paper_entry import bp as paper_bp
    from .surveys.web_survey import bp as web_survey_bp
    from .units.routes import bp as units_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(units_bp, url_prefix="/units")
    app.register_blueprint(cases_bp, url_prefix="/cases")
    app.register_blueprint(track_bp)
    app.register_blueprint(kiosk_api_bp, url_prefix="/api/v1/kiosk")
    app.register_blueprint(apidocs_bp, url_prefix="/api/v1")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(reports_api_bp, url_prefix="/api/v1/reports")
    app.register_blueprint(results_bp, url_prefix="/results")
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(intake_bp, url_prefix="/intake")
    app.register_blueprint(dossiers_bp, url_prefix="/dossiers")
    app.register_blueprint(surveys_admin_bp, url_prefix="/surveys")
    app.register_blueprint(paper_bp, url_prefix="/surveys/paper")
    app.register_blueprint(web_survey_bp)
    app.register_blueprint(hotline_webhooks_bp, url_prefix="/hotline")
    app.register_blueprint(hotline_bp, url_prefix="/hotline")
