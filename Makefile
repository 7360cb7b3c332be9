# Two commands for a fresh machine (Python 3.11 and make): `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
DATE   ?= $(shell date +%F)
DATA   := data
KEY    := $(DATA)/.pseudonym_key
# The demo's Prefect home stays inside the checkout so nothing leaks into ~/.prefect.
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: setup demo test lint clean

$(BIN)/vnhealth: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@

setup: $(BIN)/vnhealth

$(KEY):
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(KEY)
	chmod 600 $(KEY)

demo: setup $(KEY)
	rm -rf $(DATA)/landing
	$(BIN)/vnhealth generate --out $(DATA)/landing --date $(DATE)
	VNHEALTH_PSEUDONYM_KEY_FILE=$(KEY) $(BIN)/vnhealth run --landing $(DATA)/landing --date $(DATE) \
		--warehouse $(DATA)/warehouse.duckdb
	$(BIN)/vnhealth report --warehouse $(DATA)/warehouse.duckdb --out $(DATA)/reports
	@echo
	@echo "Warehouse (analysts, read-only):  $(DATA)/warehouse.duckdb"
	@echo "Restricted (engineers):           $(DATA)/restricted.duckdb"
	@echo "Report:                           $(DATA)/reports/"
	@echo "Try: $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(DATA)/warehouse.duckdb', read_only=True).sql('from progress.database_scorecard'))\""

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check flows transforms validations tests

clean:
	rm -rf $(VENV) $(DATA)/landing $(DATA)/reports $(DATA)/*.duckdb* .prefect
