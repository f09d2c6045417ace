# Two commands do all setup: `make report` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SCENARIO_DIR := data/raw/zibo
STORE_DIR    := data/processed/zibo
REPORT_MONTH ?= 2021-02
JOBS   ?= 2

.PHONY: report test lab synth benchmark clean-data help

help:
	@echo "make report   set up .venv and run the main job on the default Zibo scenario"
	@echo "make test     set up .venv and run the whole test suite"
	@echo "make lab      open notebooks/exploratory.ipynb in JupyterLab with the project .venv"
	@echo "make benchmark  full-scale timing and memory runs (not part of make test)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(SCENARIO_DIR)/ground_truth.json: | $(STAMP)
	$(BIN)/hotline synth --scenario zibo --out $(SCENARIO_DIR)

synth: $(SCENARIO_DIR)/ground_truth.json

report: $(STAMP) $(SCENARIO_DIR)/ground_truth.json
	$(BIN)/hotline ingest $(SCENARIO_DIR) --preset zibo12345 --store $(STORE_DIR) --jobs $(JOBS)
	$(BIN)/hotline report --store $(STORE_DIR) --month $(REPORT_MONTH)
	@echo "Raw export and ground truth: $(SCENARIO_DIR)/   store and ledgers: $(STORE_DIR)/"
	@echo "Report: reports/zibo/$(REPORT_MONTH)/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/exploratory.ipynb

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_summary.py
	$(BIN)/python benchmarks/bench_recovery.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_topics.py
	$(BIN)/python benchmarks/calibrate_trend.py

clean-data:
	rm -rf data/raw/zibo data/processed/* reports/*/
