"""The app as a ZeroGPU Space runs it, on a machine without a GPU: `python tests/zerogpu/serve.py [app flags]` with
SPACES_ZERO_GPU=true and SPACES_ZERO_DEVICE_API_URL naming the stand-in (device_api.py), in a virtualenv with a
CUDA build of torch and `spaces` (scripts/test.sh builds .venv-zerogpu). The real `spaces` runs; only its
worker's two CUDA steps run on CPU (cpu_worker.py)."""

import sys
from pathlib import Path

import spaces  # noqa: F401 - first, as app.py imports it on ZeroGPU

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "zerogpu")]

import cpu_worker  # noqa: E402

cpu_worker.install()

import app  # noqa: E402

if __name__ == "__main__":
    app.main(sys.argv[1:])
    app.exit_now()
