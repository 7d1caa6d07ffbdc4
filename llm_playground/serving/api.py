"""The public JSON API: one endpoint per task spec, each a thin call to the service (no gradio here).

`endpoints(service)` gives, per API name, a plain function whose named parameters, types, defaults and
docstring come from the task's spec (specs/) and which returns JSON-able data. ui/app.py registers
them with gr.api (so gradio_client and `/?view=api` see them); other front doors can mount the same
functions. Errors are PlaygroundErrors with a message written for the caller.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from ..service.finetune_jobs import wait
from ..specs import IDS, MODEL, MODELS, TEXT, TaskSpec
from ..tasks.attention import HEAD_MEAN, check_head, head_matrix


@dataclass(frozen=True)
class Caller:
    """What long work (generation, Compare, fine-tuning) needs to know of whoever asked: whether they still wait
    for the answer, and who they are. Each door makes one per request: Gradio's queue can only be asked
    (still_there; the client is the request context's); a REST route also sets `gone` the moment the client
    leaves, which ends even a wait for a free model slot at once, and names the client its gate admitted."""
    still_there: Callable[[], bool] = field(default=lambda: True)
    gone: threading.Event | None = None
    client: str | None = None  # None: the Gradio request context says (ui/common.client_key)


def generation_dict(state, model, filters: bool = False) -> dict:
    """What /generate returns for a finished GenerationState and the ModelInfo that computed it."""
    return {**state.to_dict(model.name, model.device, filters), "dtype": model.dtype}


def _generate(service, caller: Caller, **kw) -> dict:
    """/generate's answer, at once (no hand-over per step to a stream nobody watches); it stops within a step
    once its caller is gone (service.generate)."""
    out = service.generate(keep_going=caller.still_there, stop=caller.gone, **kw)
    return generation_dict(out.result, out.model, bool(out.values.get("filtered_probs")))


_generate.places_itself = True  # service.generate picks its model thread: the caller must not pick one first


def _attention(service, _caller, model, text, layer, head, text_pair) -> dict:
    result = service.attention(model, text, text_pair).result
    head = check_head(result, head)
    weights = head_matrix(result, layer, head)
    return {"model": result.model, "tokens": result.tokens, "num_layers": result.num_layers,
            "num_heads": result.num_heads, "layer": int(layer), "head": -1 if head == HEAD_MEAN else head,
            "causal": result.causal, "weights": weights.tolist()}


def _compare(service, caller: Caller, **kw) -> dict:
    out = service.compare(keep_going=caller.still_there, stop=caller.gone, **kw)
    return out.result.to_dict()


def _tokenize(service, _caller, **kw) -> dict:
    comparison = service.tokenize(**kw).result
    return {"text": comparison.text, "results": [r.to_dict() for r in comparison.results]}


def _detokenize(service, _caller, tokenizer, ids) -> dict:
    out = service.detokenize(tokenizer, ids)
    text, tokens = out.result
    return {"tokenizer": out.values["tokenizer"], "text": text,
            "tokens": [{"id": t.id, "token": t.token, "special": t.special} for t in tokens]}


def _fine_tune(service, caller: Caller, **kw):
    """Streams the run's state about twice a second and ends with its result (`status` done or failed). A
    caller that goes away stops the run (the model it had trained so far is still registered)."""
    job = service.fine_tuner.start(client=caller.client, **kw)
    yield from wait(job, keep_going=caller.still_there)


def _models(service, _caller) -> dict:
    return service.models()


def result_body(spec: TaskSpec) -> Callable[..., dict]:
    """The endpoint body a task gets unless BODIES names another: the service method named like the endpoint,
    its Outcome's result as the result's own to_dict(model) says."""
    def body(service, _caller, **kw) -> dict:
        out = getattr(service, spec.api_name)(**kw)
        return out.result.to_dict(out.model.name)
    return body


# The tasks whose answer is not result_body's, by spec id.
BODIES: dict[str, Callable[..., dict]] = {
    "generate": _generate, "attention": _attention, "compare": _compare, "tokenizer": _tokenize,
    "detokenize": _detokenize, "fine-tune": _fine_tune, "models": _models}


def signature(spec: TaskSpec) -> inspect.Signature:
    """The endpoint's parameters: required texts and names first, as the spec orders them."""
    params = []
    for p in spec.api_params():
        required = p.default is None and p.kind in (TEXT, MODEL, MODELS, IDS) and not p.optional
        params.append(inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=inspect.Parameter.empty if required else p.default,
                                        annotation=p.python_type))
    return inspect.Signature(params, return_annotation=dict)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def docstring(spec: TaskSpec) -> str:
    """The spec's doc with an "Args:" line per parameter (its doc, default and range), as tools read it."""
    lines = [spec.doc, "", "Args:"] if spec.api_params() else [spec.doc]
    for p in spec.api_params():
        extra = [] if p.default in (None, "") else [f"default {p.default!r}"]
        if p.kind in ("int", "float") and not p.task_checked and p.low is not None:
            low, high = p.api_range
            extra.append(f"{'more than' if p.low_open else 'from'} {_num(low)} to {_num(high)}")
        if p.choices:
            extra.append("one of " + ", ".join(map(repr, p.choices)))
        lines.append(f"    {p.name}: {p.doc}" + (f" ({'; '.join(extra)})" if extra else ""))
    return "\n".join(lines)


def endpoint(service, spec: TaskSpec, caller: Callable[[], Caller] = Caller) -> Callable[..., dict]:
    """The endpoint function of `spec` for one door. `caller()` is called at the start of each request, on the
    thread that runs it, and describes that request's caller (long work stops once it has gone)."""
    sig, body = signature(spec), BODIES.get(spec.id) or result_body(spec)

    def call(*args, **kwargs) -> Any:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return body(service, caller(), **bound.arguments)

    if inspect.isgeneratorfunction(body):  # a streaming endpoint (/fine_tune): gradio streams generators
        def call(*args, **kwargs) -> Any:  # noqa: F811
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            yield from body(service, caller(), **bound.arguments)

    call.places_itself = getattr(body, "places_itself", False)
    call.__name__ = call.__qualname__ = spec.api_name
    call.__doc__ = spec.doc
    call.__signature__ = sig
    call.__annotations__ = {p.name: p.annotation for p in sig.parameters.values()} | {"return": dict}
    return call


def endpoints(service, caller: Callable[[], Caller] = Caller) -> dict[str, tuple[Callable[..., dict], TaskSpec]]:
    """API name -> (function, spec), in tab order."""
    return {spec.api_name: (endpoint(service, spec, caller), spec)
            for spec in service.specs.values() if spec.api_name}
