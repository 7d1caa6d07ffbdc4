#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs all tests.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# Browser tests drive Debian's Chromium with Playwright (Playwright cannot download browsers here).
# CJK and emoji fonts make Japanese/emoji screenshots readable.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
fi

export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec python3 -m pytest "$@"
