"""Runtime settings, from command-line flags and environment variables."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from .models.catalog import HUB_ID_RE, ZERO_GPU_HUB_MODELS

GIB = 1024**3
# On ZeroGPU everything is preloaded and nothing may be evicted (a worker forked before a reload would miss it):
# room for the catalogue and --hub-models in bfloat16 several times over, within a ZeroGPU call's 48 GB GPU.
ZERO_GPU_MEMORY_BUDGET, MEMORY_BUDGET = "24GiB", "6GiB"
PUBLIC_RATE_LIMIT = 60  # requests per minute per client, in public mode
PUBLIC_JOBS_PER_CLIENT = 8  # requests waiting or running per client, in public mode
MAX_INPUT_CHARS = 5000  # characters of one text input (every task's text parameters; specs/ reads it)
MAX_NEW_TOKENS_CAP = 512  # the most tokens one generation may ask for
MAX_IDS = MAX_INPUT_CHARS  # token ids one /detokenize takes: as many as the longest text can have
# Uploads (only where a tab takes a file: Fine-tune; serving/uploads.py). A file waits on disk until the tab has
# read it (then it is deleted) or UPLOAD_MAX_AGE has passed; what waits is bounded per client and in all, so a
# client cannot fill the disk. One file is at most tasks/text_upload.py's MAX_UPLOAD_BYTES (512 KiB).
UPLOAD_BYTES_PER_CLIENT = 1024**2  # two files at the size limit
UPLOAD_FILES_PER_CLIENT = 4
UPLOAD_BYTES_TOTAL = 64 * 1024**2
UPLOAD_MAX_AGE = 300.0  # seconds

# What the app promises about its numbers (docs/share.md: "How exact the same is"): the same request gives the same
# tokens, and every number agrees within |a - b| <= SAME_ATOL + SAME_RTOL * |b| (numpy.isclose), not bit for
# bit. Why: a request alone runs its forward on every core and beside another request on one (cores.py), and
# another thread count adds floats in another order. Drift measured on 2 cores: 2e-6 on probabilities, 1e-5
# on log-probabilities near -10 (a relative 1e-6); the tolerance leaves a hundredfold margin.
# Bit for bit would mean one core for every forward: a lone 512-token GPT-2-small forward 1.8x slower.
SAME_RTOL = 1e-4
SAME_ATOL = 1e-6


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def whole(least: int, env: str | None = None):
    """An argparse type: a whole number from `least`. Flags and their environment variables (string defaults,
    which argparse converts too) are refused with a message instead of being changed silently (a proxy_hops of 0
    became 1, an engine_stream_interval of 0 became 1)."""
    source = f" (the flag, or {env} in the environment)" if env else ""

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number{source}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is below {least}{source}")
        return value
    parse.__name__ = f"whole number from {least}"
    return parse


def _env(name: str, default: str | None = None) -> str | None:
    """An environment variable as a flag's default (argparse checks it with the flag's type); empty = unset."""
    return os.environ.get(name) or default


def _protection(value: int | None, public_value: int, custom_models: bool) -> int:
    """A traffic protection's setting: the flag's value, else on in public mode (no custom models: Spaces,
    the Docker image, --no-custom-models), whatever started it, and off on a private machine."""
    if value is not None:
        return value
    return 0 if custom_models else public_value


def parse_bytes(text: str) -> int:
    """'4GB', '512MiB', '1e9' -> bytes (powers of 1024 for the unit suffixes)."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(float(text))


DECODE_MODES = ("auto", "dynamic", "static", "compiled")  # --decode


@dataclass
class Settings:
    models_dir: Path | None = None
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    dtype: str = "auto"  # auto | float32 | bfloat16 | float16
    memory_budget: int = 6 * GIB
    allow_custom_models: bool = True  # typing arbitrary Hub ids; also gates cache deletion
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    max_input_chars: int = MAX_INPUT_CHARS
    max_new_tokens_cap: int = MAX_NEW_TOKENS_CAP
    queue_size: int = 64
    rate_limit: int = 0  # requests per minute per client; 0 = off
    jobs_per_client: int = 0  # requests one client may have queued or running at once; 0 = no limit
    proxy_hops: int = 1  # trusted reverse proxies in front of the app (X-Forwarded-For entries they append)
    mcp: bool = True  # serve the API endpoints as MCP tools (Gradio's MCP server at /gradio_api/mcp/)
    # OpenAI-compatible inference engines (vLLM, ...) whose models the Generate tab offers, as
    # "URL" or "NAME=URL"; the API key (same for all) comes from the environment only, never a flag.
    engines: tuple[str, ...] = ()
    engine_api_key: str | None = None
    engine_timeout: float = 60.0  # seconds an engine may stay silent before a request fails
    engine_concurrency: int = 32  # engine generations running at once (local ones stay at 4)
    # vLLM sends this many tokens per streamed chunk (the first at once): each chunk costs the engine
    # and the app a JSON message, so 4 cuts their CPU per token while the text still streams smoothly.
    engine_stream_interval: int = 4
    # How local generation runs each step (backends/decode_steps.py): "auto" compiles a static-cache step on
    # CUDA and keeps the dynamic cache elsewhere; "dynamic", "static" or "compiled" force one way.
    decode: str = "auto"  # one of DECODE_MODES
    allow_fine_tune: bool | None = None  # None: on where custom models are (off on public deployments)
    fine_tune_jobs: int = 1  # training runs at once in the whole server (each client: one)
    upload_bytes_per_client: int = UPLOAD_BYTES_PER_CLIENT  # uploaded bytes one client may have waiting
    upload_files_per_client: int = UPLOAD_FILES_PER_CLIENT
    upload_bytes_total: int = UPLOAD_BYTES_TOTAL  # uploaded bytes waiting, all clients together
    upload_max_age: float = UPLOAD_MAX_AGE  # seconds an upload no tab has read is kept
    # On a ZeroGPU Space (SPACES_ZERO_GPU=true): every model computation runs in a `spaces.GPU` call
    # (runtime/gpu_calls.py, service/gpu_work.py).
    zero_gpu: bool = False
    hub_models: tuple[str, ...] = ()  # causal LMs on the Hub offered besides the catalogue (--hub-models)

    @property
    def fine_tune(self) -> bool:
        """Fine-tuning takes minutes of CPU and memory per run: off on public deployments unless enabled. Off on
        ZeroGPU: a run is minutes of a visitor's daily GPU quota, and the model it registers would be missing
        from every GPU worker forked before it (runtime/gpu_calls.py)."""
        if self.zero_gpu:
            return False
        return (not self.public) if self.allow_fine_tune is None else self.allow_fine_tune

    @property
    def public(self) -> bool:
        """Public deployments lock down custom models and destructive cache actions."""
        return not self.allow_custom_models


def build_parser() -> argparse.ArgumentParser:
    on_spaces = bool(os.environ.get("SPACE_ID"))
    p = argparse.ArgumentParser(description="LLM Playground: see how transformer language models work.")
    p.add_argument("--models-dir", default=os.environ.get("PLAYGROUND_MODELS_DIR"),
                   help="folder of local model folders, each registered by its folder name")
    p.add_argument("--device", default=os.environ.get("PLAYGROUND_DEVICE", "auto"),
                   help="auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps")
    p.add_argument("--dtype", default=os.environ.get("PLAYGROUND_DTYPE", "auto"),
                   choices=["auto", "float32", "bfloat16", "float16"],
                   help="default weight dtype (auto: float32 on CPU, 16-bit on GPU)")
    p.add_argument("--memory-budget", default=os.environ.get("PLAYGROUND_MEMORY_BUDGET", MEMORY_BUDGET),
                   help="bytes of weights kept loaded before least-recently-used models are evicted (on ZeroGPU "
                        f"{ZERO_GPU_MEMORY_BUDGET}, where every model stays loaded)")
    custom = p.add_mutually_exclusive_group()
    custom.add_argument("--no-custom-models", dest="custom", action="store_false", default=None,
                        help="only catalogue/local models; no arbitrary Hub ids, no cache deletion")
    custom.add_argument("--custom-models", dest="custom", action="store_true",
                        help="allow arbitrary Hub ids even on Spaces")
    p.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME",
                                                    "0.0.0.0" if on_spaces else "127.0.0.1"))
    p.add_argument("--port", type=whole(0, "GRADIO_SERVER_PORT"), default=_env("GRADIO_SERVER_PORT", "7860"))
    p.add_argument("--share", action="store_true", help="create a public Gradio share link")
    p.add_argument("--rate-limit", type=whole(0, "PLAYGROUND_RATE_LIMIT"), default=_env("PLAYGROUND_RATE_LIMIT"),
                   help="requests per minute per client (0 = off; default 60 in public mode, else off)")
    p.add_argument("--jobs-per-client", type=whole(0, "PLAYGROUND_JOBS_PER_CLIENT"),
                   default=_env("PLAYGROUND_JOBS_PER_CLIENT"),
                   help="requests one client may have waiting or running at once (0 = no limit; default 8 in "
                        "public mode, else no limit)")
    p.add_argument("--proxy-hops", type=whole(0, "PLAYGROUND_PROXY_HOPS"), default=_env("PLAYGROUND_PROXY_HOPS", "1"),
                   help="trusted reverse proxies in front of the app: the client address is that many "
                        "X-Forwarded-For entries from the right (default 1, as on Spaces)")
    p.add_argument("--queue-size", type=whole(1, "PLAYGROUND_QUEUE_SIZE"), default=_env("PLAYGROUND_QUEUE_SIZE", "64"),
                   help="requests waiting beyond this are refused with 'queue full'")
    p.add_argument("--no-mcp", dest="mcp", action="store_false", default=_env_bool("PLAYGROUND_MCP", True),
                   help="do not serve the API endpoints as MCP tools (on by default; PLAYGROUND_MCP=0)")
    p.add_argument("--engine", action="append", default=None, metavar="[NAME=]URL",
                   help="an OpenAI-compatible engine (e.g. vLLM) whose models the Generate tab offers; "
                        "repeatable (env PLAYGROUND_ENGINE_URL, comma-separated; key: PLAYGROUND_ENGINE_API_KEY)")
    p.add_argument("--engine-timeout", type=float, default=float(os.environ.get("PLAYGROUND_ENGINE_TIMEOUT", "60")),
                   help="seconds an engine may stay silent before the request fails")
    p.add_argument("--engine-concurrency", type=whole(1, "PLAYGROUND_ENGINE_CONCURRENCY"),
                   default=_env("PLAYGROUND_ENGINE_CONCURRENCY", "32"),
                   help="engine generations running at once (local models keep 4)")
    p.add_argument("--engine-stream-interval", type=whole(1, "PLAYGROUND_ENGINE_STREAM_INTERVAL"),
                   default=_env("PLAYGROUND_ENGINE_STREAM_INTERVAL", "4"),
                   help="tokens per streamed chunk asked of the engine (vLLM's stream_interval; 1 = every token)")
    p.add_argument("--decode", choices=DECODE_MODES,
                   default=os.environ.get("PLAYGROUND_DECODE", "auto"),
                   help="local generation's decode step: auto (a compiled static-cache step on CUDA, the dynamic "
                        "cache elsewhere), dynamic, static or compiled (compiling takes tens of seconds per model)")
    tune = p.add_mutually_exclusive_group()
    tune.add_argument("--allow-fine-tune", dest="fine_tune", action="store_true",
                      default=_env_bool("PLAYGROUND_FINE_TUNE", True) if "PLAYGROUND_FINE_TUNE" in os.environ
                      else None,
                      help="allow the Fine-tune tab and /fine_tune (default: on, off in public mode; "
                           "PLAYGROUND_FINE_TUNE=1 or 0)")
    tune.add_argument("--no-fine-tune", dest="fine_tune", action="store_false", help="turn fine-tuning off")
    p.add_argument("--fine-tune-jobs", type=whole(1, "PLAYGROUND_FINE_TUNE_JOBS"),
                   default=_env("PLAYGROUND_FINE_TUNE_JOBS", "1"),
                   help="training runs at once in the whole server (default 1)")
    p.add_argument("--hub-models", default=os.environ.get("PLAYGROUND_HUB_MODELS"), metavar="ID,ID,...",
                   help="causal LMs on the Hub offered besides the catalogue, comma-separated (PLAYGROUND_HUB_MODELS; "
                        "default on ZeroGPU: " + ", ".join(ZERO_GPU_HUB_MODELS) + "; elsewhere none; 'none': none)")
    return p


def hub_model_ids(raw: str | None, zero_gpu: bool) -> tuple[str, ...]:
    """--hub-models as ids (checked as the catalogue checks typed ids); unset: the ZeroGPU list there, else none."""
    if raw is None:
        return ZERO_GPU_HUB_MODELS if zero_gpu else ()
    ids = tuple(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip() and i.strip().lower() != "none"))
    bad = [i for i in ids if not HUB_ID_RE.match(i) or ".." in i]
    if bad:
        raise ValueError(f"--hub-models: not a Hub id: {', '.join(bad)} (expected owner/name, comma-separated)")
    return ids


def engine_urls(flags: list[str] | None) -> tuple[str, ...]:
    """--engine flags, else PLAYGROUND_ENGINE_URL (comma-separated)."""
    raw = flags if flags else os.environ.get("PLAYGROUND_ENGINE_URL", "").split(",")
    return tuple(u.strip() for u in raw if u and u.strip())


def on_zero_gpu() -> bool:
    """Whether this is a ZeroGPU Space, read as `spaces` reads it (spaces/config.py): the two must agree. This
    module imports no torch, so app.py can ask before anything initialises CUDA."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "t", "true")


def settings_from_args(argv: list[str] | None = None) -> Settings:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.models_dir and not Path(args.models_dir).is_dir():  # a typo must not start a silently empty app
        parser.error(f"--models-dir {Path(args.models_dir).resolve()}: no such folder (PLAYGROUND_MODELS_DIR "
                     "sets it too). Leave it out to use the built-in model and Hub models.")
    # Public Spaces default to the locked-down mode: nobody should make them download anything.
    default_custom = _env_bool("PLAYGROUND_CUSTOM_MODELS", not os.environ.get("SPACE_ID"))
    zero_gpu = on_zero_gpu()
    # On ZeroGPU nothing loads after launch, so no typed Hub ids there, and (public mode) no unloading either.
    custom = (default_custom if args.custom is None else args.custom) and not zero_gpu
    try:
        hub_models = hub_model_ids(args.hub_models, zero_gpu)
    except ValueError as exc:
        parser.error(str(exc))
    return Settings(
        models_dir=Path(args.models_dir).resolve() if args.models_dir else None,
        device=args.device,
        dtype="bfloat16" if zero_gpu and args.dtype == "auto" else args.dtype,  # what ZeroGPU's GPUs run best
        memory_budget=parse_bytes(ZERO_GPU_MEMORY_BUDGET if zero_gpu and args.memory_budget == MEMORY_BUDGET
                                  else args.memory_budget),
        allow_custom_models=custom,
        host=args.host,
        port=args.port,
        share=args.share,
        rate_limit=_protection(args.rate_limit, PUBLIC_RATE_LIMIT, custom),
        jobs_per_client=_protection(args.jobs_per_client, PUBLIC_JOBS_PER_CLIENT, custom),
        proxy_hops=args.proxy_hops,
        queue_size=args.queue_size,
        mcp=args.mcp,
        engines=engine_urls(args.engine),
        engine_api_key=os.environ.get("PLAYGROUND_ENGINE_API_KEY") or None,
        engine_timeout=args.engine_timeout,
        engine_concurrency=args.engine_concurrency,
        engine_stream_interval=args.engine_stream_interval,
        decode="dynamic" if zero_gpu and args.decode == "auto" else args.decode,  # ZeroGPU cannot torch.compile
        allow_fine_tune=args.fine_tune,
        fine_tune_jobs=args.fine_tune_jobs,
        zero_gpu=zero_gpu,
        hub_models=hub_models,
    )
