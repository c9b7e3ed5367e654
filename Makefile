# The two commands: `make run` (the site on an embedded default) and `make test`.
PORT ?= 8000
# uv from PATH, else the one pip installs (found through Python wherever pip put it).
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
MANAGE := $(UV) run --frozen python manage.py

.PHONY: run test bench sync uv lint messages

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

sync: uv
	@$(UV) sync --frozen --quiet

run: sync
	@mkdir -p var/mail
	$(MANAGE) migrate --database keys --no-input -v0
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (emails: console and var/mail/)"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: sync
	@$(UV) run --frozen python bin/check-services
	@bin/install-chromium
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(UV) run --frozen python manage.py makemigrations --check --dry-run
	$(UV) run --frozen pytest $(PYTEST_ARGS)

bench: sync
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk) || sudo apt-get install -y -qq wrk
	@# Both benchmarks run; a missed API target still fails the target at the end.
	$(UV) run --frozen python bench/run.py $(BENCH_ARGS); api=$$?; \
	$(UV) run --frozen python bench/sweep.py && exit $$api

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

# Refresh the Norwegian catalog after changing user-facing text, then translate it.
messages: sync
	$(MANAGE) makemessages -l nb --no-obsolete --no-location -i ".venv/*" -i "var/*" -i "tests/*" -i "bench/*"
	$(MANAGE) compilemessages -l nb -i .venv
