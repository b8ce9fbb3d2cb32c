# StudyGroup: `make run` starts the app on embedded defaults, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker test lint format bench bench-experiments bench-worker-memory bench-scale messages clean

$(VENV)/.installed: requirements.txt $(wildcard requirements/*.txt)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddemo
	@echo "StudyGroup on http://$(HOST):$(PORT)/  (a Celery worker runs beside it; Ctrl-C stops both)"
	@$(VENV)/bin/celery -A studygroup worker -Q gpu,celery --beat --concurrency 1 \
	  --prefetch-multiplier 1 --loglevel WARNING & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# One per GPU host (see README): runs demo experiments one at a time. The reaper of runs whose
# worker died is scheduled by beat: run `celery -A studygroup beat` once per deployment.
worker: install
	$(VENV)/bin/celery -A studygroup worker -Q gpu,celery --concurrency 1 --prefetch-multiplier 1 \
	  --loglevel INFO

# The Schemathesis module resets sequences and loads one world for all its cases, so it runs in
# a pytest process (and test database) of its own. Exit 5 means "-k selected nothing here".
test: install
	$(PY) -m pytest --ignore=tests/api/test_fuzz.py $(PYTEST_ARGS)
	$(PY) -m pytest tests/api/test_fuzz.py $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m tests.bench

# Every demo's full preset on the best device here (CUDA if present), with wall times.
bench-experiments: install
	$(PY) -m reviews.experiments.bench $(BENCH_ARGS)

# A real worker on Redis (TEST_REDIS_URL, emptied) runs 50 tiny demos; the pool process's RSS
# after each. See docs/benchmarks.md, "Worker memory".
bench-worker-memory: install
	$(PY) -m tests.bench_worker $(BENCH_ARGS)

# A whole school on PostgreSQL (DATABASE_URL, sg_scale by default; built once, then reused):
# every page and API list under gunicorn beside a bare psycopg baseline. See docs/benchmarks.md,
# "At scale"; BENCH_ARGS=--rebuild builds the dataset anew.
bench-scale: install
	$(PY) -m tests.bench_scale $(BENCH_ARGS)

messages: install
	$(PY) manage.py makemessages --locale ko --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --locale ko --ignore '.venv/*' --ignore 'var/*'

clean:
	rm -rf $(VENV) var .pytest_cache
