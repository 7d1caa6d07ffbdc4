#!/usr/bin/env bash
# Builds the Docker image and checks it end to end: nothing that should stay out is in it, HF_HOME on a new
# named volume is writable by uid 1000, the app answers on its port (health, the course's curl, OpenAI
# models, the page), the HEALTHCHECK passes, and `stop` ends it within 5 s with status 0 while a stream is open.
#
#   bash scripts/docker_check.sh                      # docker, base image and torch index as in the Dockerfile
#   ENGINE=podman NETWORK=host MODELS_DIR=../shared/models BASE_IMAGE=... TORCH_INDEX=... bash scripts/docker_check.sh
#
# MODELS_DIR: a models folder mounted read-only at /models (offline runs; the course curl then uses its default
# generation model). NETWORK=host: build and run on the host network, the app on 127.0.0.1:$PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-docker} IMAGE=${IMAGE:-llm-playground:check} PORT=${PORT:-7860} NAME=llm-playground-check
VOLUME=llm-playground-check-cache
build=() run=()
[ -n "${BASE_IMAGE:-}" ] && build+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
[ -n "${TORCH_INDEX:-}" ] && build+=(--build-arg "TORCH_INDEX=$TORCH_INDEX")
[ "$ENGINE" = podman ] && build+=(--format docker)  # podman's default OCI format drops HEALTHCHECK
if [ "${NETWORK:-}" = host ]; then
  build+=(--network host); run+=(--network host -e GRADIO_SERVER_NAME=127.0.0.1 -e "GRADIO_SERVER_PORT=$PORT")
else
  run+=(-p "127.0.0.1:$PORT:7860")
fi
[ -n "${MODELS_DIR:-}" ] && \
  run+=(-v "$(realpath "$MODELS_DIR"):/models:ro" -e PLAYGROUND_MODELS_DIR=/models -e HF_HUB_OFFLINE=1)

echo "== build"
$ENGINE build "${build[@]}" -t "$IMAGE" .

echo "== contents"
leftovers=$($ENGINE run --rm "$IMAGE" sh -c 'find /home/user/app \( -name __pycache__ -o -name "*.py[cod]" \
  -o -name "*.whl" -o -name ".venv*" -o -name tests -o -name docs -o -name bench -o -name scripts -o -name .ci \
  -o -name .git -o -name test-artifacts \) -print')
[ -z "$leftovers" ] || { echo "should not be in the image:"; echo "$leftovers"; exit 1; }
$ENGINE run --rm "$IMAGE" python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"

echo "== HF_HOME on a new named volume"
$ENGINE volume rm -f "$VOLUME" >/dev/null 2>&1 || true
owner=$($ENGINE run --rm -v "$VOLUME:/home/user/.cache/huggingface" "$IMAGE" \
  sh -c 'touch "$HF_HOME/written" && stat -c %u "$HF_HOME"')
$ENGINE volume rm -f "$VOLUME" >/dev/null
[ "$owner" = 1000 ] || { echo "HF_HOME owned by $owner"; exit 1; }

echo "== start"
$ENGINE rm -f "$NAME" >/dev/null 2>&1 || true
$ENGINE run -d --name "$NAME" "${run[@]}" "$IMAGE" >/dev/null
trap '$ENGINE rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
url="http://127.0.0.1:$PORT"
for _ in $(seq 180); do curl -sf "$url/api/v1/health" >/dev/null && break; sleep 1; done
curl -sf "$url/api/v1/health"; echo
curl -sf -X POST -H "Content-Type: application/json" -d '{"text": "Once upon a time"}' "$url/api/v1/generate" \
  | python3 -c "import json, sys; r = json.load(sys.stdin); print(r['model'], repr(r['generated_text'][:80]))"
curl -sf "$url/v1/models" | python3 -c "import json, sys; print([m['id'] for m in json.load(sys.stdin)['data']])"
curl -sf -o /dev/null "$url/" && echo "page: 200"
if [ "$ENGINE" = podman ]; then
  podman healthcheck run "$NAME"  # runs the image's HEALTHCHECK command now; fails unless healthy
else
  for _ in $(seq 100); do
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ] && break; sleep 1
  done
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ]
fi
echo "HEALTHCHECK: healthy"

echo "== stop with a stream open"
curl -sN -X POST -H "Content-Type: application/json" \
  -d '{"prompt": "Once upon a time", "max_tokens": 400, "stream": true}' \
  "$url/v1/completions" >/dev/null &
sleep 1
start=$(date +%s.%N)
$ENGINE stop -t 10 "$NAME" >/dev/null
took=$(python3 -c "import time; print(f'{time.time() - $start:.2f}')")
code=$($ENGINE inspect -f '{{.State.ExitCode}}' "$NAME")
$ENGINE logs "$NAME" 2>&1 | tail -4
echo "stopped in $took s, exit code $code"
python3 -c "import sys; sys.exit(not ($took < 5 and $code == 0))"
echo "== all checks passed"
