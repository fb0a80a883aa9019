# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: install run test lint translations-extract translations-update translations-compile check-translations bench clean

install: $(STAMP) instance/secret_key translations-compile

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,units]'
	touch $(STAMP)

# A random secret for this checkout; production sets FEEDBACK_SECRET_KEY instead.
instance/secret_key:
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

translations-compile: $(STAMP)
	$(BIN)/pybabel -q compile -d translations

# The demo runs in development mode: no Twilio token or public URL is needed. A first start seeds
# the last three months: DEMO_RESPONSES ratings with the cases, calls, paper and dossier figures
# to match (a few seconds), so the summary page is full; later starts keep what is there.
DEMO_RESPONSES ?= 20000
run: export FEEDBACK_ENV = development
run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty --responses $(DEMO_RESPONSES)
	@FEEDBACK_PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) $(FLASK) demo logins
	@echo "Serving on http://127.0.0.1:$(PORT)  (sign in at http://127.0.0.1:$(PORT)/auth/login)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_layers.py

check-translations: $(STAMP)
	$(BIN)/python scripts/check_translations.py

test: install lint check-translations
	$(BIN)/python scripts/ensure_browser.py
	$(BIN)/pytest

# Benchmarks, not tests: the figures the issues ask for (each prints its targets, met or missed).
# `make bench BENCH_ARGS=--postgres` runs them on a scratch PostgreSQL database instead of SQLite.
bench: $(STAMP)
	$(BIN)/python bench/kiosk_submissions.py $(BENCH_ARGS)
	$(BIN)/python bench/hotline_sms.py $(BENCH_ARGS)
	$(BIN)/python bench/cases_list.py $(BENCH_ARGS)
	$(BIN)/python bench/reports_summary.py $(BENCH_ARGS)
	$(BIN)/python bench/reports_exports.py $(BENCH_ARGS)

# Translators: after adding or changing a string, run this, then fill translations/vi.
translations-update: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project feedback-app -o translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
