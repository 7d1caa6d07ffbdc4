# LLM Playground, following the Docker Spaces conventions: non-root user uid 1000, writable HF_HOME,
# port 7860. Build: docker build -t llm-playground .   Run: docker run -p 7860:7860 llm-playground
# Checked end to end by scripts/docker_check.sh (build, start, answer on 7860, exit within 5 s of stop).

# Python 3.11.13 on Debian bookworm, pinned by tag and digest; --build-arg BASE_IMAGE=... overrides it.
ARG BASE_IMAGE=python:3.11.13-slim-bookworm@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1
FROM ${BASE_IMAGE}

# CPU wheels keep the image small; pass --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu126 for CUDA.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    HF_HOME=/home/user/.cache/huggingface \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# The model cache exists, owned by uid 1000, before a volume is mounted on it: a new named volume takes
# this ownership (-v hf-cache:/home/user/.cache/huggingface), so downloads can be written.
RUN mkdir -p "$HF_HOME"
WORKDIR /home/user/app

COPY --chown=user requirements.txt .
# torch alone and only from TORCH_INDEX: when that index cannot be reached the build fails here, instead
# of pip quietly falling back to PyPI's multi-GB CUDA build.
RUN pip install --user --index-url "$TORCH_INDEX" "$(grep -E '^torch==' requirements.txt)" \
 && python -c "import torch; print(torch.__version__)" > /tmp/torch-version
# Everything else from PyPI; the build fails if this step replaced the torch installed above.
RUN grep -vE '^torch==' requirements.txt > /tmp/requirements-without-torch.txt \
 && pip install --user -r /tmp/requirements-without-torch.txt \
 && python -c "import torch; print(torch.__version__)" | cmp - /tmp/torch-version

COPY --chown=user . .
EXPOSE 7860
# Public by default: arbitrary Hub ids and cache deletion are off unless PLAYGROUND_CUSTOM_MODELS=1.
ENV PLAYGROUND_CUSTOM_MODELS=0
# No curl in the slim image: Python asks the app's health route.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; port = os.environ.get('GRADIO_SERVER_PORT', '7860'); \
urllib.request.urlopen(f'http://127.0.0.1:{port}/api/v1/health', timeout=4)"
# Exec form: python is PID 1 and gets SIGTERM itself; the app handles it (docker stop takes ~1-3 s).
CMD ["python", "app.py"]
