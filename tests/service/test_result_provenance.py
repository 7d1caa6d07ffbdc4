"""What is shared describes the result shown, not whatever else is loaded (#32): Copy as Python for Attention names
the dtype its weights were computed in, even when another copy of the checkpoint (Compare's bfloat16 side) is
loaded and listed first."""

from __future__ import annotations

from llm_playground.models.catalog import GENERATION
from llm_playground.tasks.attention import head_matrix

from ..tolerance import assert_allclose
from ..unit.test_codegen import run


def test_attention_code_names_the_dtype_of_the_weights_not_the_first_loaded_copy(service):
    service.manager.get("tiny-gpt2", GENERATION, dtype="bfloat16")  # as Compare's side B loads it, first
    out = service.attention_view("tiny-gpt2", "Once upon a time", layer=1, head="0")
    assert out.model.dtype == "float32"  # what the cache key says the weights were computed in
    code = service.python("attention", out, layer=1, head="0", causal=out.result[0].causal)
    assert "dtype=torch.float32" in code and "bfloat16" not in code
    assert_allclose(run(code)["weights"].numpy(), head_matrix(out.result[0], 1, 0))  # the page's numbers


def test_attention_names_a_loaded_copy_in_its_own_dtype(service):
    service.manager.get("tiny-gpt2", GENERATION, dtype="bfloat16")
    service.attention("tiny-gpt2", "Once upon a time")  # loads the float32 copy too
    info = service.attention("tiny-gpt2", "Once upon a time").model
    assert (info.dtype, info.nbytes is not None) == ("float32", True)


# ---- the handlers: a branch continues the shown text's model; the language switch re-renders, no run ----------

PROMPT = "Once upon a time"


def tab_uis(service) -> dict:
    import gradio as gr

    from llm_playground.ui.app import build_tabs

    with gr.Blocks():
        with gr.Tabs() as tabs:
            return {link.tab: link.ui for link in build_tabs(service, tabs)}


def test_a_branch_sets_the_controls_back_to_the_shown_texts_model_and_settings(shared_service):
    from llm_playground.ui.tabs import generation_run as run

    gen = tab_uis(shared_service)["generate"]
    last = list(run.run_generation(gen, shared_service, "tiny-gpt2", PROMPT, "greedy", 6, 1.0, 50, 1.0, 1.0, 0, 0,
                                   1, "auto"))[-1]
    made = last[gen.made]
    # the learner has picked stories260K and sampling since: the branch must still continue tiny-gpt2's greedy text
    out = run.choose_branch(gen, shared_service, '{"ids": [5, 7], "step": 1}', 0, 0, made)
    assert out[gen.controls["model"]] == "tiny-gpt2" and out[gen.controls["do_sample"]] == "greedy"
    assert out[gen.controls["prompt"]] == PROMPT and out[gen.prefix] == "5,7"
    assert gen.controls["prefix_ids"] not in out or out[gen.prefix] == "5,7"


def no_model(*args, **kwargs):
    raise AssertionError("a language switch ran a model")


def test_the_language_switch_re_renders_every_result_without_a_model(shared_service, monkeypatch):
    from llm_playground.ui.tabs import compare, fill_mask, generation_run, logit_lens, next_sentence, next_token
    from llm_playground.ui.tabs import tokenizer

    uis, svc = tab_uis(shared_service), shared_service
    gen = uis["generate"]
    last = list(generation_run.run_generation(gen, svc, "stories260K", PROMPT, "greedy", 6, 1.0, 50, 1.0, 1.0, 0, 0,
                                              1, "auto"))[-1]
    nt = next_token.predict(uis["next-token"], svc, "stories260K", PROMPT, 5, 0.8, 0.9)
    fm = fill_mask.predict(uis["fill-mask"], svc, "tiny-bert", "I played [MASK] with my friends.", 3)
    ns = next_sentence.predict(uis["next-sentence"], svc, "tiny-bert", "What is baseball?", "It is a game.")
    ll = logit_lens.run_lens(uis["logit-lens"], svc, "stories260K", PROMPT, 3, "", -1)
    cmp = compare.run_compare(uis["compare"], svc, PROMPT, "stories260K", "auto", "greedy", 1.0, "stories260K",
                              "auto", "greedy", 1.0, 6, 0, 1.0, 0)
    tok = tokenizer.show(uis["tokenizer"], svc, ["stories260K"], PROMPT, True)
    monkeypatch.setattr(svc, "compute", no_model)
    monkeypatch.setattr(svc, "generate_stream", no_model)

    ja = generation_run.relabel(gen, svc, last[gen.tree], last[gen.made], 1, "ja")
    assert "6 トークン" in ja[gen.stats] and list(ja[gen.table].columns)[:2] == ["ステップ", "トークン"]
    ui = uis["next-token"]
    ja = next_token.relabel(ui, nt[ui.shown], "ja")
    assert ja[ui.summary].startswith("最も確率の高い次のトークン")
    assert list(ja[ui.table].columns) == list(next_token.tr("ja", "nt_table"))
    ui = uis["fill-mask"]
    ja = fill_mask.relabel(ui, fm[ui.shown], "ja")
    assert "モデルが見たトークン" in ja[ui.summary] and list(ja[ui.tokens].columns)[1] == "トークン"
    ui = uis["next-sentence"]
    assert "NSP の生のロジット" in next_sentence.relabel(ui, ns[ui.shown], "ja")[ui.summary]
    ui = uis["logit-lens"]
    assert "トークン" in logit_lens.relabel(ui, ll[ui.data], -1, "ja")[ui.summary]
    ui = uis["compare"]
    ja = compare.relabel(ui, cmp[ui.shown], "ja")
    assert all("トークン" in ja[ui.heads[s]] for s in "ab")
    ui = uis["tokenizer"]
    assert tokenizer.relabel(ui, tok[ui.shown], "ja")[ui.summary] != tok[ui.summary]
    assert next_token.relabel(uis["next-token"], None, "ja") == {}  # nothing shown: nothing drawn


def test_every_tab_with_results_re_renders_on_the_language_switch(shared_service):
    """share.on_language registered in each tab, wired in one lang.change event (share.wire_language)."""
    import gradio as gr

    from llm_playground.ui.app import build_tabs

    with gr.Blocks() as app:
        lang = gr.Radio(["en", "ja"], value="en")
        with gr.Tabs() as tabs:
            build_tabs(shared_service, tabs, lang)
    relabels = {relabel.__module__.rsplit(".", 1)[-1] for relabel, *_ in lang.playground_relabels}
    assert [fn.fn.__name__ for fn in app.fns.values() if fn.fn is not None].count("relabel_all") == 1
    assert relabels >= {"generation_run", "next_token", "fill_mask", "next_sentence", "attention", "logit_lens",
                        "forward_pass", "compare", "tokenizer", "finetune"}


def test_links_name_the_shown_result_not_the_controls(shared_service):
    """Each tab with results keeps the link values of the one shown (TabLink.shown, read by the link script)."""
    import gradio as gr

    from llm_playground.ui.app import build_tabs
    from llm_playground.ui.tabs import next_token

    with gr.Blocks():
        with gr.Tabs() as tabs:
            links = {link.tab: link for link in build_tabs(shared_service, tabs)}
    # every tab with a result (a new tab included: forward-pass was once left out); Fine-tune's link reads its
    # controls (a link never trains), Models has no result
    tabs_with_results = [s.id for s in shared_service.specs.values() if s.tab and s.id not in ("fine-tune", "models")]
    assert "forward-pass" in tabs_with_results
    assert all(links[tab].shown is not None for tab in tabs_with_results)
    ui = links["next-token"].ui
    out = next_token.predict(ui, shared_service, "stories260K", PROMPT, 5, 0.8, 0.9)
    assert out[ui.link] == {"model": "stories260K", "prompt": PROMPT, "top_k": 5, "temperature": 0.8, "top_p": 0.9}
    js = links["next-token"].shown  # the script reads it last, after the fields
    from llm_playground.ui.links import js_inputs, link_js

    assert js_inputs(links["next-token"])[-1] is js and "const shown = true" in link_js(links["next-token"], {}, "copy")
