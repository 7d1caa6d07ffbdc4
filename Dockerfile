# LLM Playground, following the Docker Spaces conventions: non-root user uid 1000, writable HF_HOME,
# port 7860. Build: docker build -t llm-playground .   Run: docker run -p 7860:7860 llm-playground
FROM python:3.11-slim

# CPU wheels keep the image small; pass --build-arg TORCH_INDEX=... for a CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    HF_HOME=/home/user/.cache/huggingface \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    PYTHONUNBUFFERED=1
WORKDIR /home/user/app

COPY --chown=user requirements.txt .
RUN pip install --no-cache-dir --user --extra-index-url "$TORCH_INDEX" -r requirements.txt

COPY --chown=user . .
EXPOSE 7860
# Public by default: arbitrary Hub ids and cache deletion are off unless PLAYGROUND_CUSTOM_MODELS=1.
ENV PLAYGROUND_CUSTOM_MODELS=0
CMD ["python", "app.py"]
