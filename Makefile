# Two commands do everything on a fresh machine:
#   make site   set up a virtualenv, install, build seeds/ + content/ into _site/
#   make test   set up (virtualenv, test packages, Debian's chromium), run every test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: site test setup setup-test browser lint serve clean

site: $(VENV)/.installed
	$(BIN)/python build.py --seeds seeds --content content --output _site

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Browser tests drive Debian's chromium; Playwright's own browser download
# is never used (it cannot work offline).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

setup-test: $(VENV)/.installed-test browser

# pytest exits 5 when it collects no test (e.g. a -k filter that matches
# nothing): report it and pass, as pytest's other "nothing failed" outcomes do.
PYTEST_ARGS ?=
test: setup-test
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; \
	exit $$status

lint: $(VENV)/.installed-test
	$(BIN)/ruff check site_builder tests build.py

clean:
	rm -rf _site .build-cache .pytest_cache
