"""The deployment kit (deploy/) agrees with the app it deploys: nginx takes every body the app
accepts and waits as long as gunicorn, systemd lets gunicorn finish its requests, every setting
in env.example is one the app reads (a misspelt name would silently do nothing), and every
scheduled job names a command that exists. Files only, no database: a few milliseconds."""

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Config

from feedback_app import create_app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = DEPLOY / "nginx" / "feedback.conf"
SERVICE = DEPLOY / "systemd" / "feedback.service"
SOCKET = DEPLOY / "systemd" / "feedback.socket"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
ENV_EXAMPLE = DEPLOY / "env.example"
CRONTAB = DEPLOY / "cron" / "feedback"
# Where the kit installs the checkout (nginx's static alias, systemd's paths, cron's lines).
CHECKOUT = "/srv/feedback"

SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
SPAN_UNITS = {"ms": 0.001, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
ENV_LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


@pytest.fixture(scope="module")
def config_app():
    """The app as configured by default (no tables: nothing here touches the database)."""
    return create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "tests",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


def nginx_values(directive: str) -> list[str]:
    """Every value given to a directive in the nginx site (comments ignored)."""
    text = re.sub(r"#[^\n]*", "", NGINX.read_text(encoding="utf-8"))
    return re.findall(rf"^\s*{directive}\s+([^;{{}}]+);", text, re.MULTILINE)


def nginx_size(value: str) -> int:
    """nginx's size notation (12m, 512k, 1048576) in bytes."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value.strip())
    assert match, f"not an nginx size: {value!r}"
    return int(match.group(1)) * SIZE_UNITS[match.group(2).lower()]


def seconds(value: str) -> float:
    """A systemd or nginx time span (45s, 1min 30s, 35, 500ms) in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value.strip())
    assert parts, f"not a time span: {value!r}"
    return sum(float(number) * SPAN_UNITS[unit or "s"] for number, unit in parts)


def unit_settings(path: Path) -> dict[str, list[str]]:
    """A systemd unit's Key=value lines (every value of a repeated key, in order)."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def gunicorn_settings(monkeypatch) -> dict:
    """deploy/gunicorn.conf.py as gunicorn reads it (no GUNICORN_* variables set)."""
    if not GUNICORN_CONF.is_file():
        pytest.skip("deploy/gunicorn.conf.py is not written yet: its timeouts cannot be compared")
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "WEB_CONCURRENCY", "GUNICORN_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(GUNICORN_CONF))


def env_example_names() -> list[str]:
    """Every variable env.example sets or shows commented out."""
    return ENV_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8"))


def config_keys_in_source() -> set[str]:
    """Config keys the app reads with a default in the code rather than in DefaultConfig."""
    keys: set[str] = set()
    for path in (ROOT / "feedback_app").rglob("*.py"):
        keys.update(re.findall(r"[\"']([A-Z][A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
    return keys


# nginx


def test_nginx_accepts_every_body_the_app_accepts(config_app):
    sizes = [nginx_size(value) for value in nginx_values("client_max_body_size")]
    assert sizes, "deploy/nginx/feedback.conf sets no client_max_body_size (nginx's 1 MB)"
    largest = max(
        config_app.config["MAX_CONTENT_LENGTH"], config_app.config["ATTACHMENT_MAX_BYTES"]
    )
    assert min(sizes) >= largest


def test_nginx_waits_for_gunicorn_and_serves_the_apps_static_folder(config_app, monkeypatch):
    static = Path(config_app.static_folder).relative_to(ROOT)
    assert nginx_values("alias") == [f"{CHECKOUT}/{static.as_posix()}/"]
    (read_timeout,) = nginx_values("proxy_read_timeout")
    # Longer than gunicorn's own limit: the app decides, nginx never drops a request it serves.
    assert seconds(read_timeout) > gunicorn_settings(monkeypatch)["timeout"]


# systemd


def test_gunicorn_listens_on_the_socket_systemd_holds_where_nginx_sends():
    """The address is held by feedback.socket across restarts; gunicorn takes it from systemd
    (LISTEN_FDS) rather than binding its own, and nginx's upstream names it."""
    assert unit_settings(SERVICE)["Requires"] == ["feedback.socket"]
    (listen,) = unit_settings(SOCKET)["ListenStream"]
    (first_upstream, *_others) = nginx_values("server")
    assert first_upstream.split()[0] == listen


def test_systemd_gives_gunicorn_time_to_finish_its_requests(monkeypatch):
    settings = unit_settings(SERVICE)
    # SIGTERM is gunicorn's graceful stop and HUP its graceful reload (SIGINT/QUIT are not).
    assert settings["KillSignal"] == ["SIGTERM"]
    assert settings["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    (start,) = settings["ExecStart"]
    assert f"-c {CHECKOUT}/deploy/gunicorn.conf.py" in start
    assert settings["ReadWritePaths"] == [f"{CHECKOUT}/instance"]
    (stop_timeout,) = settings["TimeoutStopSec"]
    assert seconds(stop_timeout) > gunicorn_settings(monkeypatch)["graceful_timeout"]


# env.example


def test_every_setting_in_env_example_is_one_the_app_reads(config_app):
    names = env_example_names()
    known = set(config_app.config) | config_keys_in_source()
    gunicorn_conf = GUNICORN_CONF.read_text(encoding="utf-8") if GUNICORN_CONF.is_file() else ""
    unknown = []
    for name in names:
        if name.startswith("FEEDBACK_"):
            ok = name.removeprefix("FEEDBACK_") in known
        elif name.startswith("GUNICORN_"):
            ok = name in gunicorn_conf
        else:
            ok = name == "DATABASE_URL"
        if not ok:
            unknown.append(name)
    assert "FEEDBACK_SECRET_KEY" in names
    assert unknown == []


def test_env_example_values_parse_as_the_app_expects(config_app, monkeypatch, tmp_path):
    """Every line, commented ones included, read by sh as cron reads it, then as the app does:
    each value has the type of the app's default (a quoting slip turns 5 into '5' or worse)."""
    sh = shutil.which("sh")
    assert sh, "no sh on this machine"
    uncommented = re.sub(r"^#([A-Z])", r"\1", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.M)
    env_file = tmp_path / "env"
    env_file.write_text(uncommented, encoding="utf-8")
    script = f'set -a; . "{env_file}"; set +a; env -0'
    printed = subprocess.run(  # noqa: S603 - a fixed script on a file this test wrote
        [sh, "-c", script], capture_output=True, check=True, env={"PATH": "/usr/bin:/bin"}
    ).stdout.decode("utf-8")
    environment = dict(item.split("=", 1) for item in printed.split("\0") if "=" in item)
    for name in [name for name in os.environ if name.startswith("FEEDBACK_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        if name.startswith("FEEDBACK_"):
            monkeypatch.setenv(name, value)
    parsed = Config(str(tmp_path))
    parsed.from_prefixed_env("FEEDBACK")
    assert len(parsed) == sum(name.startswith("FEEDBACK_") for name in env_example_names())
    wrong = {
        key: value
        for key, value in parsed.items()
        if config_app.config.get(key) is not None
        and type(value) is not type(config_app.config[key])
    }
    assert wrong == {}
    assert isinstance(parsed["REPORT_RECIPIENTS"], list)
    assert parsed["REPORT_SIGNER_TITLE"].splitlines() == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]


def test_every_setting_in_the_readme_is_in_env_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    configuration = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"\bFEEDBACK_[A-Z0-9_]+[A-Z0-9]", configuration))
    assert documented, "README.md has no Configuration section naming FEEDBACK_ settings"
    assert documented - set(env_example_names()) == set()


# cron


def cron_jobs() -> list[list[str]]:
    """The arguments each scheduled line passes to deploy/feedback-flask."""
    jobs = []
    for line in CRONTAB.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields or line.startswith("#") or "=" in fields[0]:
            continue
        command = fields[6:]  # minute hour day month weekday user, then the command
        assert command[0] == f"{CHECKOUT}/deploy/feedback-flask", line
        args = []
        for word in command[1:]:
            if word in ("&&", "||", ";", "|"):
                break
            args.append(word)
        jobs.append(args)
    return jobs


def test_cron_runs_commands_that_exist_with_options_they_take(config_app):
    wrapper = DEPLOY / "feedback-flask"
    assert wrapper.is_file() and wrapper.stat().st_mode & 0o111, "deploy/feedback-flask"
    jobs = cron_jobs()
    assert [job[:2] for job in jobs] == [
        ["retention", "purge"],
        ["maintenance", "analyze"],
        ["backup", "create"],
    ]
    runner = config_app.test_cli_runner()
    for job in jobs:
        result = runner.invoke(args=[*job[:2], "--help"])
        assert result.exit_code == 0, f"flask --app wsgi {' '.join(job[:2])}: {result.output}"
        for option in (word for word in job[2:] if word.startswith("--")):
            assert option in result.output, f"{' '.join(job[:2])} has no {option}"
