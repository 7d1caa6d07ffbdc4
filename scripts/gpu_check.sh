#!/usr/bin/env bash
# The one command for a lent GPU (issue #28): the app's task and backend layers on CUDA against plain transformers
# on CUDA, and tokens/s / time to first token beside model.generate. Needs only torch + transformers (no gradio)
# and no network. Meant to end within ~8 minutes on an H100/H200; compiling the app's decode step for each model
# (--decode auto's mode on CUDA) is the slow part, and `--modes dynamic` leaves it out.
# Usage: bash scripts/gpu_check.sh [gpu_check.py args, e.g. --modes dynamic to skip compiling]
# The GPT-2 tokenizer is read from shared/models/gpt2-tokenizer in the repo (../shared does not travel to the
# device machine: copy it in first); without it a stand-in tokenizer is trained, and the JSON says so.
# Writes gpu_check.json and gpu_check.log to $OUT when it is set (the device tool brings them back).
set -uo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
PY=${PYTHON:-python3}
DEST=${OUT:-/tmp}
nvidia-smi -L >&2 || true  # the card's name and UUID, for the record
# Its own limit, under the device tool's 10 minutes: a hung run still leaves its log (and the tool some time).
timeout "${GPU_CHECK_TIMEOUT:-540}" "$PY" scripts/gpu_check.py --device cuda "$@" \
  > "$DEST/gpu_check.json" 2> "$DEST/gpu_check.log"
rc=$?
tail -n 30 "$DEST/gpu_check.log" >&2  # progress lines, warnings and any traceback; the JSON last, on stdout
cat "$DEST/gpu_check.json"
echo "gpu_check: exit $rc (0: every equality check passed; 1: one failed, see \"failed\"; 124: timed out)" >&2
exit $rc
