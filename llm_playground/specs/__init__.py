"""One spec per task: its id, tab label, concurrency id, model task and parameters (no gradio, no torch).

Everything that names a parameter derives from here: the API endpoints' signatures and defaults
(serving/api.py), the service's validation (service/playground.py), the deep-link parser and its clamping (deeplink.py),
the tab's controls and their ranges (ui/controls.py), the Copy-link script and codegen's defaults.
Changing a range here changes all of them together.

A parameter has the control's range (`low`..`high`: sliders, deep-link clamping) and, where the API
accepts more than the slider shows, wider `limits` (the API's `temperature` goes to 100, the
slider to 2).
"""

from __future__ import annotations

from ..config import MAX_INPUT_CHARS, MAX_NEW_TOKENS_CAP
# the package reads every spec name from here (`from ..specs import Param, TEXT, ...`)
from .params import (ATTENTION_VIEWS, BOOL, CHARACTERS, CHOICE, DTYPES, FLOAT, FORWARD_PASS_TOKENS,  # noqa: F401
                     HEAD_MAX, HEAD_MEAN,
                     HEATMAP, IDS, INT, LINK_MAX_SEED, MAX_ATTENTION_TOKENS, MAX_LENS_PREDICTIONS, MAX_LENS_TOKENS,
                     MAX_LENS_TOP_K, MAX_MASKS, MAX_SEED, MAX_TOKENIZERS, MAX_TOP_K, MODEL, MODEL_VIEW, MODELS,
                     PYTHON_TYPES, ROLLOUT, TEXT, TOKEN_VIEW, WORDS, Param, TaskSpec)
from .tabs import (_attention, _compare, _detokenize, _fill_mask, _fine_tune, _forward_pass, _generate,
                   _logit_lens, _next_sentence, _next_token, _tokenize)

def build_specs(max_input_chars: int = MAX_INPUT_CHARS, max_new_tokens_cap: int = MAX_NEW_TOKENS_CAP
                ) -> dict[str, TaskSpec]:
    """Every task, in tab order (Models last). Settings decide the text limit and the generation cap."""
    specs = [_generate(max_input_chars, max_new_tokens_cap), _next_token(max_input_chars),
             _fill_mask(max_input_chars), _next_sentence(max_input_chars), _attention(max_input_chars),
             _logit_lens(max_input_chars), _forward_pass(max_input_chars),
             _compare(max_input_chars, max_new_tokens_cap), _tokenize(max_input_chars),
             _detokenize(), _fine_tune(),
             TaskSpec("models", "models", "tab_models", link_runs=False,
                      doc="The model catalogue per task, and what is loaded now (device, dtype, bytes).")]
    return {s.id: s for s in specs}


def for_settings(settings) -> dict[str, TaskSpec]:
    return build_specs(settings.max_input_chars, settings.max_new_tokens_cap)


def link_params(specs: dict[str, TaskSpec]) -> dict[str, tuple[Param, ...]]:
    """Deep-link parameters per tab (tabs only)."""
    return {tab: spec.link_params() for tab, spec in specs.items() if spec.tab}


DEFAULT_SPECS = build_specs()
DEFAULTS = {tab: spec.defaults() for tab, spec in DEFAULT_SPECS.items()}  # static: used as codegen's defaults
NOT_RUN_BY_LINKS = frozenset(tab for tab, spec in DEFAULT_SPECS.items() if not spec.link_runs)  # run=1 is ignored
