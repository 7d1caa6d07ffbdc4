"""The public JSON API: one endpoint per task spec, each a thin call to the service (no gradio here).

`endpoints(service)` gives, per API name, a plain function whose named parameters, types, defaults and
docstring come from the task's spec (specs.py) and which returns JSON-able data. ui/app.py registers
them with gr.api (so gradio_client and `/?view=api` see them); other front doors can mount the same
functions. Errors are PlaygroundErrors with a message written for the caller.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from ..service.finetune_jobs import wait
from ..specs import IDS, MODEL, MODELS, TEXT, TaskSpec
from ..tasks.attention import HEAD_MEAN, check_head, head_matrix


def generation_dict(state, model, filters: bool = False) -> dict:
    """What /generate returns for a finished GenerationState and the ModelInfo that computed it."""
    return {**state.to_dict(model.name, model.device, filters), "dtype": model.dtype}


def whole_generation(service, keep_going: Callable[[], bool] | None, **kw) -> dict:
    """/generate's answer (the service puts the work on its model threads). keep_going: see service.generate."""
    out = service.generate(keep_going=keep_going, **kw)
    return generation_dict(out.result, out.model, bool(out.values.get("filtered_probs")))


def _generate(service, connected, **kw) -> dict:
    return whole_generation(service, connected(), **kw)


_generate.places_itself = True  # service.generate picks its model thread: the caller must not pick one first


def _attention(service, _connected, model, text, layer, head, text_pair) -> dict:
    result = service.attention(model, text, text_pair).result
    head = check_head(result, head)
    weights = head_matrix(result, layer, head)
    return {"model": result.model, "tokens": result.tokens, "num_layers": result.num_layers,
            "num_heads": result.num_heads, "layer": int(layer), "head": -1 if head == HEAD_MEAN else head,
            "causal": result.causal, "weights": weights.tolist()}


def _compare(service, _connected, **kw) -> dict:
    out = service.compare(**kw)
    return out.result.to_dict()


def _tokenize(service, _connected, **kw) -> dict:
    comparison = service.tokenize(**kw).result
    return {"text": comparison.text, "results": [r.to_dict() for r in comparison.results]}


def _detokenize(service, _connected, tokenizer, ids) -> dict:
    out = service.detokenize(tokenizer, ids)
    text, tokens = out.result
    return {"tokenizer": out.values["tokenizer"], "text": text,
            "tokens": [{"id": t.id, "token": t.token, "special": t.special} for t in tokens]}


def _fine_tune(service, connected, **kw):
    """Streams the run's state about twice a second and ends with its result (`status` done or failed). A
    caller that goes away stops the run (the model it had trained so far is still registered)."""
    job = service.fine_tuner.start(**kw)
    yield from wait(job, keep_going=connected())


def _models(service, _connected) -> dict:
    return service.models()


def result_body(spec: TaskSpec) -> Callable[..., dict]:
    """The endpoint body a task gets unless BODIES names another: the service method named like the endpoint,
    its Outcome's result as the result's own to_dict(model) says."""
    def body(service, _connected, **kw) -> dict:
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


def always() -> Callable[[], bool]:
    return lambda: True


def endpoint(service, spec: TaskSpec, connected: Callable[[], Callable[[], bool]] = always) -> Callable[..., dict]:
    """`connected()` is called at the start of each request and gives a check of whether that request's
    caller is still there (long work, i.e. generation, stops when it says False)."""
    sig, body = signature(spec), BODIES.get(spec.id) or result_body(spec)

    def call(*args, **kwargs) -> Any:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return body(service, connected, **bound.arguments)

    if inspect.isgeneratorfunction(body):  # a streaming endpoint (/fine_tune): gradio streams generators
        def call(*args, **kwargs) -> Any:  # noqa: F811
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            yield from body(service, connected, **bound.arguments)

    call.places_itself = getattr(body, "places_itself", False)
    call.__name__ = call.__qualname__ = spec.api_name
    call.__doc__ = spec.doc
    call.__signature__ = sig
    call.__annotations__ = {p.name: p.annotation for p in sig.parameters.values()} | {"return": dict}
    return call


def endpoints(service, connected: Callable[[], Callable[[], bool]] = always
              ) -> dict[str, tuple[Callable[..., dict], TaskSpec]]:
    """API name -> (function, spec), in tab order."""
    return {spec.api_name: (endpoint(service, spec, connected), spec)
            for spec in service.specs.values() if spec.api_name}
