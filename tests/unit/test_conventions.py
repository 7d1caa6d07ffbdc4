"""A tab is found by convention, not listed in tables: every tab spec has its UI module, its endpoint body,
its Copy-as-Python maker and, where an engine model cannot serve it, the words that say why."""

from __future__ import annotations

from llm_playground import codegen
from llm_playground.config import Settings
from llm_playground.service import reproduce
from llm_playground.service.playground import PlaygroundService, task_function
from llm_playground.serving import api
from llm_playground.specs import for_settings
from llm_playground.ui.app import TAB_MODULES

SPECS = for_settings(Settings())


def test_every_tab_spec_has_exactly_one_ui_module():
    tabs = {spec.id for spec in SPECS.values() if spec.tab and spec.id != "models"}
    assert set(TAB_MODULES) == tabs
    assert all(module.TAB == tab_id for tab_id, module in TAB_MODULES.items())


def test_every_endpoint_has_a_body():
    """BODIES for the special answers; otherwise the service method named like the endpoint: its own, or the one
    its spec derives from the task function of the same name (run_task)."""
    for spec in SPECS.values():
        if spec.api_name and spec.id not in api.BODIES:
            assert callable(getattr(PlaygroundService, spec.api_name, None)) or task_function(spec), spec.id


def test_a_task_without_a_method_gets_one_from_its_spec_and_nothing_else_does():
    derived = {spec.api_name for spec in SPECS.values() if not hasattr(PlaygroundService, spec.api_name or "-")
               and task_function(spec)}
    assert derived == {"next_token", "fill_mask", "next_sentence", "forward_pass"}
    service = PlaygroundService.__new__(PlaygroundService)
    service.specs = SPECS
    assert service.next_token.args == ("next-token",)
    for missing in ("models_", "fine_tune_", "no_such_task"):
        assert not hasattr(service, missing)


def test_every_tab_has_copy_as_python():
    for spec in SPECS.values():
        if spec.tab and spec.id not in ("models",) and spec.id not in reproduce.MAKERS:
            assert callable(reproduce.codegen_function(spec.id.replace("-", "_"))), spec.id


def test_every_task_says_why_an_engine_model_cannot_serve_it():
    assert SPECS["generate"].needs_internals  # generation itself runs on an engine; scoring its prompt does not
    for spec in SPECS.values():
        if spec.model_task is not None:
            assert spec.needs_internals, spec.id


def test_a_convention_maker_passes_the_values_its_generator_names():
    from llm_playground.backends.base import ModelInfo

    values = {"model": "m", "prompt": "Once", "top_k": 3, "temperature": 0.5, "top_p": 0.9, "unrelated": 1}
    info = ModelInfo(name="m", source="org/m", device="cpu", dtype="bfloat16")
    code = reproduce.by_convention("next-token")(values, info)
    assert code == codegen.next_token("m", "Once", 3, 0.5, 0.9, source="org/m", dtype="bfloat16")
