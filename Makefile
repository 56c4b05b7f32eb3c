# The two commands: `make run` (whole system on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test lint pytest faults bench bench-system bench-triage clean

$(RUNTIME): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(RUNTIME)
	$(PY) -m clinic.development.devserver

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Every test has its own database and broker (Redis database, RabbitMQ vhost): all in parallel.
# Work stealing: a worker that runs out takes half of another's queue, so the long tests
# (spread through the collection by tests/conftest.py) are not left behind one worker.
pytest: $(DEV)
	$(PY) -m pytest -n 3 --dist worksteal -m "not faults"

test: lint pytest

# The fault tests (tests/e2e, marker `faults`): PostgreSQL, Redis and RabbitMQ cut or
# stalled through a TCP proxy, two sweeps at once. Their own target, not `make test`: they
# take minutes, and CI must stay under 30. Each cell records what it measured
# (test-artifacts/faults/); the table of the run is printed at the end, pass or fail.
faults: $(DEV)
	rm -rf test-artifacts/faults
	$(PY) -m pytest -n 3 --dist worksteal -m faults tests/e2e; status=$$?; \
	$(PY) -m tests.support.fault_table; exit $$status

bench: $(DEV)
	$(PY) -m pytest bench/bench_scoring.py bench/bench_decide.py --benchmark-only

# The project against a bare Flask + Flask-SQLAlchemy insert, side by side under gunicorn
# (production settings, PostgreSQL + Redis at TEST_DATABASE_URL / TEST_REDIS_URL, a database
# of its own): submit throughput ratios, worker drain rate, submit -> routed latency, and the
# console at BENCH_REFERRALS (1,000,000) seeded referrals. BENCH_ARGS=--quick for a short run.
bench-system: $(DEV)
	$(PY) -m bench.system $(BENCH_ARGS)

# The timed walk: 20 referrals triaged in Chromium; prints the page loads per referral (target <= 2).
bench-triage: $(DEV)
	$(PY) -m pytest -p no:xdist -q tests/e2e/test_triage_walk.py
	@cat test-artifacts/bench-triage.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
