# Two commands on a fresh machine:
#   make run   - creates the virtual environment if missing, installs gp_guard, starts the app
#   make test  - same set-up plus the system packages the tests need (tools/packages/*.txt, when
#                root or with sudo), then the whole test suite (GUI tests offscreen)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean dist

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dist]'
	@touch $(STAMP)

run: $(STAMP)
	@REQUIRED=1 sh tools/system-packages.sh tools/packages/qt.txt
	$(VENV)/bin/gp-guard

test: $(STAMP)
	@sh tools/system-packages.sh tools/packages/qt.txt tools/packages/test.txt
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check gp_guard tests bench
	$(VENV)/bin/mypy gp_guard/audit gp_guard/vault gp_guard/breach gp_guard/checklist gp_guard/report \
		gp_guard/host.py gp_guard/store.py gp_guard/i18n.py gp_guard/settings.py

bench: $(STAMP)
	$(PY) bench/audit.py
	@if [ "$$(id -u)" = 0 ]; then $(PY) bench/exposure.py; else echo "bench/exposure.py needs root (network namespaces): skipped"; fi
	$(PY) bench/vault.py

# The installers this machine can build (Linux .deb, Windows setup.exe) into dist/; see installer/README.md.
dist: $(STAMP)
	$(PY) installer/build_deb.py --out dist
	$(PY) installer/build_windows.py --out dist

clean:
	rm -rf $(VENV) build *.egg-info
