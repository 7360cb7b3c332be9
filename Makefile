# Two commands for a fresh machine (Python 3.11 and make): `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
DATE   ?= $(shell date +%F)
DATA   := data
KEY    := $(DATA)/.pseudonym_key
# The demo's Prefect home stays inside the checkout so nothing leaks into ~/.prefect.
export PREFECT_HOME ?= $(CURDIR)/.prefect

CODE   := flows transforms validations sample tests scripts

.PHONY: setup demo test test-fast lint clean

# The exact versions of uv.lock (the project itself editable, with its dev tools). --inexact
# keeps uv, installed by pip first, in the venv. After changing dependencies: `uv lock`.
$(BIN)/vnhealth: pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --quiet --frozen --inexact --extra dev \
		--compile-bytecode --python $(BIN)/python
	touch $@

setup: $(BIN)/vnhealth

$(KEY):
	mkdir -p $(DATA)
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(KEY)
	chmod 600 $(KEY)

# The demo is a short history (DEMO_NIGHTS small nights ending at DATE, with planted
# anomalies on the last ones), run in one process (one Prefect server for all nights), so
# that the report's trends and plausibility findings are not empty.
DEMO_NIGHTS ?= 8
DEMO_SCALE  ?= 0.2
DEMO_FIRST  := $(shell date -d "$(DATE) - $$(( $(DEMO_NIGHTS) - 1 )) days" +%F)

demo: setup $(KEY)
	rm -rf $(DATA)/landing $(DATA)/reports $(DATA)/warehouse.duckdb* $(DATA)/*.segments \
		$(DATA)/restricted $(DATA)/snapshots $(DATA)/restricted.duckdb*
	$(BIN)/vnhealth generate --out $(DATA)/landing --date $(DATE) --nights $(DEMO_NIGHTS) \
		--scale $(DEMO_SCALE)
	VNHEALTH_PSEUDONYM_KEY_FILE=$(KEY) $(BIN)/vnhealth run --landing $(DATA)/landing \
		--date $(DEMO_FIRST) --until $(DATE) --warehouse $(DATA)/warehouse.duckdb > /dev/null
	$(BIN)/vnhealth score --landing $(DATA)/landing --date $(DATE) --warehouse $(DATA)/warehouse.duckdb
	$(BIN)/vnhealth report --warehouse $(DATA)/warehouse.duckdb --out $(DATA)/reports
	@echo
	@echo "Warehouse (analysts, read-only):  $(DATA)/warehouse.duckdb"
	@echo "Restricted (engineers):           $(DATA)/restricted/restricted.duckdb"
	@echo "Report:                           $(DATA)/reports/"
	@echo "Prefect runs (UI, stops itself when idle; stop now: PREFECT_HOME=$(PREFECT_HOME) $(BIN)/vnhealth server stop):"
	@$(BIN)/vnhealth server status || true
	@echo "Try: $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(DATA)/warehouse.duckdb', read_only=True).sql('from progress.database_scorecard'))\""

test: setup
	@# Headless Chromium renders the HTML report in tests/integration/test_report.py; installed
	@# when missing and the machine allows it (root + apt-get), else that one test is skipped.
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends chromium fonts-dejavu-core >/dev/null; } \
		|| echo "chromium not installed: the HTML rendering test will be skipped"
	@# PostgreSQL (Debian's package) holds the Prefect server's database in
	@# tests/integration/test_deployment.py, which starts a cluster of its own: installed when
	@# missing and the machine allows it (root + apt-get), else that test fails and says so.
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null 2>&1 && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		postgresql >/dev/null; } || echo "postgresql not installed: the deployment test will fail"
	$(BIN)/python -m pytest -q

# While changing code: the unit tests only (no Prefect server, no flow runs).
test-fast: setup
	$(BIN)/python -m pytest -q tests/unit

# What CI runs before `make test`: uv.lock up to date with pyproject.toml, lint, format, the
# import layers (pyproject's [tool.importlinter]) and types (mypy; strict for validations and
# the warehouse package).
lint: setup
	$(BIN)/uv lock --check --quiet
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	@# The local Prefect server that runs leave (its database is in .prefect): stopped first.
	-@[ -x $(BIN)/vnhealth ] && $(BIN)/vnhealth server stop --force >/dev/null 2>&1; true
	rm -rf $(VENV) $(DATA)/landing $(DATA)/reports $(DATA)/*.duckdb* $(DATA)/*.segments \
		$(DATA)/restricted $(DATA)/snapshots .prefect
