"""Language selection: ?lang=, then the session, then the browser; Vietnamese by default."""

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_babel import get_locale

from .extensions import babel
from .machines import wants_json


def select_locale() -> str:
    """The locale for this request."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a CLI command: Vietnamese, the default everywhere
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    """The language of this request ("vi" or "en"), the default outside a request: the one
    answer to "which language" for views, templates and renderers."""
    locale = str(get_locale() or "")
    if locale in current_app.config["LANGUAGES"]:
        return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_choice() -> None:
    """Keep an explicit ?lang= choice for the rest of the visit (pages with a session)."""
    if current_app.session_interface.is_null_session(session) or wants_json():
        return  # JSON APIs remember nothing: the language is asked for on each request
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"] and session.get("lang") != asked:
        session["lang"] = asked


def switch_language_url(lang: str) -> str:
    """This page again, in another language (other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    if request.endpoint is None or request.endpoint == "static":
        return url_for("main.index", lang=lang)
    if request.method != "GET":
        # A page shown in answer to a POST: its address may not answer a GET (that link would
        # be a 405); then the home page in the other language is the sensible place to go.
        adapter = current_app.create_url_adapter(request)
        if adapter is None or not adapter.test(request.path, method="GET"):
            return url_for("main.index", lang=lang)
    # The same path with the query string rebuilt by hand: passing the arguments to url_for
    # would let a query argument named like a path part or like url_for's own options
    # (`_anchor`, `_external`…) break the page or point the link at another host.
    query = urlencode([(key, value) for key, values in args.items() for value in values], safe="/")
    return f"{request.script_root}{request.path}?{query}"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to the top-level translations folder."""
    translations = Path(app.root_path).parent / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(translations))
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(_remember_choice)
    app.jinja_env.globals.update(
        switch_language_url=switch_language_url,
        current_locale=current_language,
        LANGUAGE_NAMES={"vi": "Tiếng Việt", "en": "English"},
    )
