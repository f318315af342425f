# The whole set-up on a fresh machine is `make lab` or `make test`: each builds .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do command -v $$p >/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
DEMO_MEDIA := notebooks/media
# The notebook `make lab` opens (its folder is the Lab root); the printed URL opens it too (also with
# LAB_ARGS=--no-browser).
QUICKSTART := notebooks/quickstart.ipynb
LAB_ARGS ?=
# JupyterLab refuses to start as root unless told; containers and CI often are root.
ROOT_ARGS := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_ARGS ?=
NPM ?= npm
WIDGETS := extension/widgets

.PHONY: lab test bench lint typecheck demo-media clean system-deps js-test widgets

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "timeline_lab needs Python >= 3.11; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.lab-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[lab]'
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	@touch $@ $(VENV)/.lab-installed

demo-media: $(VENV)/.lab-installed
	$(PY) -c "from timeline_lab.media.synth import make_demo_media; make_demo_media('$(DEMO_MEDIA)')"

## make lab: set up, make the demo media if absent, open JupyterLab on the quickstart notebook
lab: demo-media
	@$(PY) -m compileall -q timeline_lab >/dev/null
	$(VENV)/bin/jupyter lab $(QUICKSTART) --LabApp.default_url=/lab/tree/$(notdir $(QUICKSTART)) $(ROOT_ARGS) $(LAB_ARGS)

# Debian packages the tests use, installed when we are root (CI) and they are missing:
# ffmpeg (the reference CLI the render tests compare against; without it those are skipped) and
# chromium (the browser tests drive it with Playwright; never `playwright install`).
system-deps:
	@missing=""; command -v ffmpeg >/dev/null || missing="ffmpeg"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-dejavu-core"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian packages for the tests:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The widgets' TypeScript (bundled into timeline_lab/widgets/static, committed) and its unit tests.
$(WIDGETS)/node_modules/.installed: $(WIDGETS)/package-lock.json
	$(NPM) --prefix $(WIDGETS) ci --no-audit --no-fund
	@touch $@

js-test: $(WIDGETS)/node_modules/.installed
	$(NPM) --prefix $(WIDGETS) run typecheck
	$(NPM) --prefix $(WIDGETS) test

## make widgets: regenerate the widget's types from the model's JSON Schemas, rebuild the bundle
widgets: $(WIDGETS)/node_modules/.installed | $(VENV)/.lab-installed
	PYTHON=$(abspath $(PY)) $(NPM) --prefix $(WIDGETS) run types
	$(NPM) --prefix $(WIDGETS) run build

## make test: set up, then run every test (JS units, then Python: unit, media, render, notebook, browser)
test: $(VENV)/.test-installed system-deps js-test
	$(PY) -m pytest $(PYTEST_ARGS)

## make bench: side-by-side ratios against the anchors (ffmpeg CLI, MoviePy), widget responsiveness
bench: $(VENV)/.test-installed system-deps
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	@# MoviePy 2.2 pins Pillow < 12, which would leave this venv unlike a test one (Pillow 11 warns
	@# where the tests fail on warnings); MoviePy runs this benchmark with the newer Pillow too
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pillow 2>&1 | grep -v "dependency resolver\|moviepy .* requires pillow" || true
	@# bytecode up front: with PYTHONDONTWRITEBYTECODE set, each timed process would compile the package
	$(PY) -m compileall -q timeline_lab >/dev/null
	$(PY) benchmarks/render.py --rounds 5 --hour 60
	$(PY) benchmarks/smart.py
	$(PY) benchmarks/server.py --rounds 5
	$(PY) benchmarks/widgets.py
	$(PY) benchmarks/model_scale.py
	$(PY) benchmarks/exactness.py --examples 200
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/scale.py --seconds 50
	$(PY) benchmarks/analysis.py

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check timeline_lab tests benchmarks
	$(VENV)/bin/ruff format --check timeline_lab tests benchmarks
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.test-installed
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(DEMO_MEDIA)
