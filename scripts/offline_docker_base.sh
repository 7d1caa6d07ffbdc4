#!/usr/bin/env bash
# For machines that cannot reach Docker Hub or download.pytorch.org (this project's CI machine): builds
# stand-ins so that scripts/docker_check.sh can still build and run the real Dockerfile with podman.
#   1. a base image from Debian bookworm packages (debootstrap; Debian's python 3.11 with `python` and `pip`
#      on PATH like the official image, the host's CA bundle so pip can reach PyPI through the host's TLS),
#   2. a PEP 503 index of the torch CPU wheel and its dependencies, served on 127.0.0.1:8999.
# Needs root, debootstrap and podman (apt-get install debootstrap podman runc). Then:
#   ENGINE=podman NETWORK=host MODELS_DIR=../shared/models BASE_IMAGE=localhost/python-local:3.11-slim-bookworm \
#     TORCH_INDEX=http://127.0.0.1:8999/ bash scripts/docker_check.sh
# On a VM without CAP_SYS_RESOURCE and with hybrid cgroups, podman also needed /etc/containers/containers.conf:
#   [containers] default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]   [engine] runtime = "runc"
set -euo pipefail
WORK=${WORK:-/tmp/offline-docker}
mkdir -p "$WORK"
if ! podman image exists localhost/python-local:3.11-slim-bookworm; then
  debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates bookworm "$WORK/rootfs" \
    http://deb.debian.org/debian
  ln -sf /usr/bin/python3 "$WORK/rootfs/usr/local/bin/python"
  ln -sf /usr/bin/pip3 "$WORK/rootfs/usr/local/bin/pip"
  rm -f "$WORK"/rootfs/usr/lib/python3.*/EXTERNALLY-MANAGED  # the official image has no such marker
  cp /etc/ssl/certs/ca-certificates.crt "$WORK/rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$WORK/rootfs" -c . | podman import - localhost/python-local:3.11-slim-bookworm
fi
torch=$(grep -E '^torch==' "$(dirname "$0")/../requirements.txt")
pip download -q "${torch}+cpu" --only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64 \
  -d "$WORK/wheels"
python3 - "$WORK" <<'PY'
import os, pathlib, re, sys
work = pathlib.Path(sys.argv[1]); index = work / "index"
projects = {}
for wheel in (work / "wheels").glob("*.whl"):
    projects.setdefault(re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower(), []).append(wheel)
for name, wheels in projects.items():
    folder = index / name
    folder.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        if not (folder / wheel.name).exists():
            os.link(wheel, folder / wheel.name)
    (folder / "index.html").write_text("".join(f'<a href="{w.name}">{w.name}</a><br>' for w in wheels))
PY
echo "serving $WORK/index on http://127.0.0.1:8999/ (Ctrl-C to stop)"
exec python3 -m http.server 8999 --bind 127.0.0.1 --directory "$WORK/index"
