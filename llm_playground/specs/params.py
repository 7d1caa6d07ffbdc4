"""What a spec is made of: parameter kinds, Param, TaskSpec, and the app-wide limits of the specs' parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEXT, INT, FLOAT, BOOL, CHOICE, MODEL, MODELS, IDS = "text", "int", "float", "bool", "choice", "model", "models", "ids"
PYTHON_TYPES = {TEXT: str, INT: int, FLOAT: float, BOOL: bool, CHOICE: str, MODEL: str, MODELS: list[str],
                IDS: list[int]}
DTYPES = ("auto", "float32", "bfloat16", "float16", "int8")  # int8: quantized linear layers, CPU only
HEATMAP, MODEL_VIEW, ROLLOUT, TOKEN_VIEW = "heatmap", "model view", "rollout", "token view"
ATTENTION_VIEWS = (HEATMAP, MODEL_VIEW, ROLLOUT, TOKEN_VIEW)
HEAD_MEAN, HEAD_MAX = "mean", "max"  # attention heads combined
WORDS, CHARACTERS = "words (baseline)", "characters (baseline)"  # the teaching tokenizers
MAX_TOP_K = 50  # fill-mask predictions per mask
MAX_MASKS = 20
MAX_TOKENIZERS = 6
MAX_ATTENTION_TOKENS = 512  # a 512x512 matrix per head is already ~1 pixel per cell
MAX_LENS_TOP_K = 10  # logit lens: predictions kept per layer and position (the JSON grows with it)
MAX_LENS_TOKENS = 512  # logit lens: positions per run, whatever the model's context
FORWARD_PASS_TOKENS = 128  # inside one prediction: the head's T x T and T x head_dim matrices stay under ~1 MB of JSON
# Logit lens: predictions (layers x positions x top_k) per run: stories260K's whole context (6 x 512) at the default
# top-k of 5, about 0.94 MB of JSON (docs/tabs/logit-lens.md). A deeper model reads fewer positions, or fewer
# predictions per position.
MAX_LENS_PREDICTIONS = 6 * 512 * 5
MAX_SEED = 2**63 - 1
LINK_MAX_SEED = 2**53 - 1  # what a browser number keeps exactly


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any = None  # None for text/model: required by the API
    low: float | None = None  # the control's range: slider, deep-link clamping
    high: float | None = None
    step: float | None = None
    limits: tuple[float, float] | None = None  # what the API accepts, when wider than the control
    low_open: bool = False  # the API refuses `low` itself (a temperature of 0 when sampling)
    choices: tuple = ()
    special: tuple = ()  # extra words a number accepts in links (attention head: mean / max)
    label: str = ""  # i18n key of the control's label
    doc: str = ""  # one line for the API docs
    api: bool = True  # a parameter of the API endpoint
    link: bool = True  # a parameter of deep links and a control of the tab
    optional: bool = False  # a text that may be left empty
    task_checked: bool = False  # its range depends on the model (attention layer/head): the task checks it
    aliases: tuple = ()  # other names the plain REST API accepts for it (the course's {"text": ...})

    @property
    def api_range(self) -> tuple[float, float]:
        return self.limits or (self.low, self.high)

    @property
    def python_type(self):
        return PYTHON_TYPES[self.kind]


@dataclass(frozen=True)
class TaskSpec:
    id: str  # the tab id and deep links' tab=
    api_name: str | None  # the endpoint name (/generate); None: no endpoint
    label: str  # i18n key of the tab label
    params: tuple[Param, ...] = ()
    model_task: str | None = None  # catalogue task the model parameter is checked against
    concurrency_id: str | None = None  # shared by the tab's buttons and its endpoint
    doc: str = ""
    tab: bool = True
    # An engine model only generates text: what this task needs the model's internals for, in the refusal's
    # words ("" where an engine model serves every use; generation's is for scoring a prompt).
    needs_internals: str = ""
    # Whether a link's run=1 presses the tab's button. Never where a run costs more than a normal one: a link
    # or a reload must not start minutes of training and take the server's only training slot (#32).
    link_runs: bool = True

    def api_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.api)

    def link_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.link)

    def param(self, name: str, link: bool = False) -> Param:
        return next(p for p in (self.link_params() if link else self.api_params()) if p.name == name)

    def defaults(self, link: bool = False) -> dict[str, Any]:
        return {p.name: p.default for p in (self.link_params() if link else self.api_params())}
