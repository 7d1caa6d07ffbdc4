"""A tab's input controls, built from its task spec: ranges, steps, defaults and labels come from there."""

from __future__ import annotations

import gradio as gr

from ..i18n.labels import t
from ..specs import TaskSpec
from .common import model_picker


def slider(spec: TaskSpec, name: str, elem_id: str, **kwargs) -> gr.Slider:
    p = spec.param(name, link=True)
    info = kwargs.pop("info", None)
    return gr.Slider(p.low, p.high, value=p.default, step=p.step or 1, label=t(p.label), elem_id=elem_id,
                     info=t(info) if info else None, **kwargs)


def textbox(spec: TaskSpec, name: str, elem_id: str, value: str = "", **kwargs) -> gr.Textbox:
    p = spec.param(name, link=True)
    return gr.Textbox(label=t(p.label), value=value, max_length=int(p.high), elem_id=elem_id, **kwargs)


def model(service, spec: TaskSpec, elem_id: str) -> gr.Dropdown:
    info = t("model_info_custom" if service.settings.allow_custom_models else "model_info")
    return model_picker(service, spec.model_task, t("model"), elem_id=elem_id, info=info,
                        names=service.tab_model_names(spec.id))
