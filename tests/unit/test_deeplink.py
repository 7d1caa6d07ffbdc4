"""Deep links are parsed and checked on the server: clamped, defaulted, never an exception; the link
parameters match the tabs' own controls; every UI text has an English and a Japanese translation."""

from __future__ import annotations

import random
import string
from urllib.parse import parse_qsl

import pytest

from llm_playground import deeplink
from llm_playground.deeplink import parse, query
from llm_playground.specs import build_specs, link_params

SPECS = link_params(build_specs(max_input_chars=5000, max_new_tokens_cap=256))
MODELS = {"generate": {"stories260K", "tiny-gpt2"}, "fill-mask": {"tiny-bert"}, "next-sentence": {"tiny-bert"},
          "attention": {"stories260K", "tiny-bert"}, "tokenizer": {"gpt2-tokenizer", "characters (baseline)"}}
KNOWN = {tab: (lambda names: lambda name: name in names)(names) for tab, names in MODELS.items()}


def read(qs: str) -> deeplink.Restored:
    return parse(parse_qsl(qs.lstrip("?"), keep_blank_values=True), SPECS, KNOWN)


def test_the_readme_example():
    r = read("?tab=generate&model=stories260K&prompt=Once+upon+a+time&max_new_tokens=20&run=1")
    assert (r.tab, r.run, r.problems) == ("generate", True, [])
    assert r.values == {"model": "stories260K", "prompt": "Once upon a time", "max_new_tokens": 20}


def test_no_query_and_unknown_parameters_change_nothing():
    assert read("") == deeplink.Restored()
    assert read("view=api") == deeplink.Restored() == read("__theme=dark")  # gradio's own parameters
    assert read("prompt=hi").tab == "generate"  # generate's parameters alone: the first tab
    r = read("tab=fill-mask&text=a+[MASK]&__theme=dark&view=api&prompt=ignored")
    assert r.tab == "fill-mask" and r.values == {"text": "a [MASK]"} and not r.problems and not r.run


def test_numbers_are_clamped_and_bad_values_reported():
    r = read("tab=generate&max_new_tokens=99999&temperature=0&top_k=2.5&top_p=nan&seed=-5&do_sample=maybe&run=1")
    assert r.values == {"max_new_tokens": 256, "temperature": 0.05, "seed": -1}
    text = " ".join(r.problems)
    for part in ("max_new_tokens=99999 is outside 1–256; using 256", "temperature=0 is outside 0.05–2; using 0.05",
                 "top_k='2.5' is not a whole number", "top_p='nan' is not a number", "do_sample='maybe'"):
        assert part in text
    assert r.run  # clamped values still run: the page shows what was used


def test_unknown_model_is_not_run():
    r = read("tab=generate&model=../../etc/passwd&prompt=hi&run=1")
    assert "model" not in r.values and r.values["prompt"] == "hi" and not r.run
    assert any("not available" in p for p in r.problems) and any("not run" in p for p in r.problems)


def test_bad_tab():
    r = read("tab=nonsense&run=1")
    assert r.tab is None and not r.run and "tab='nonsense'" in r.problems[0]
    assert read("tab=Next_Sentence").tab == "next-sentence"
    assert read("tab=models&run=1").run is False  # nothing to run there


def test_text_is_cut_to_the_limit_and_nul_dropped():
    r = read("tab=fill-mask&text=" + "a" * 6000 + "%00")
    assert len(r.values["text"]) == 5000 and "cut to the limit of 5,000" in r.problems[0]
    assert read("tab=fill-mask&text=x%00y").values["text"] == "xy"


def test_attention_head_view_token():
    r = read("tab=attention&model=tiny-bert&view=token_view&layer=2&head=max&token=4")
    assert r.values == {"model": "tiny-bert", "view": "token view", "layer": 2, "head": "max", "token": 4}
    assert read("tab=attention&head=3").values["head"] == 3
    assert read("tab=attention&head=Mean").values["head"] == "mean"
    assert read("tab=attention&head=first").problems and read("tab=attention&view=3d").problems


def test_tokenizers_list_comma_or_repeated():
    a = read("tab=tokenizer&tokenizers=gpt2-tokenizer,characters+(baseline),nope&add_special_tokens=false")
    b = read("tab=tokenizer&tokenizers=gpt2-tokenizer&tokenizers=characters+(baseline)&tokenizers=nope"
             "&add_special_tokens=false")
    for r in (a, b):
        assert r.values == {"tokenizers": ["gpt2-tokenizer", "characters (baseline)"], "add_special_tokens": False}
        assert "'nope' not available" in r.problems[0]


def test_a_fine_tune_link_never_starts_training():
    """#32: the address bar after a run read ?tab=fine-tune&...&run=1, and a reload started a 500-step run."""
    r = read("tab=fine-tune&model=stories260K&max_steps=500&run=1")
    assert (r.tab, r.values["max_steps"], r.run) == ("fine-tune", 500, False)
    assert "run=" not in query("fine-tune", {"model": "stories260K", "max_steps": 500}, SPECS)
    assert read("tab=next-token&run=1").run  # a normal run still follows its link


def test_query_leaves_defaults_out_and_round_trips():
    values = {"model": "stories260K", "prompt": "東京 & ?#=+", "do_sample": True, "max_new_tokens": 40,
              "temperature": 0.7, "top_k": 50, "seed": 1234, "dtype": "auto"}
    qs = query("generate", values, SPECS)
    assert "max_new_tokens" not in qs and "top_k" not in qs and "dtype" not in qs and qs.endswith("run=1")
    r = read(qs)
    assert r.run and not r.problems
    assert r.values == {"model": "stories260K", "prompt": "東京 & ?#=+", "do_sample": True, "temperature": 0.7,
                        "seed": 1234}
    tok = query("tokenizer", {"tokenizers": ["gpt2-tokenizer", "characters (baseline)"], "text": "x",
                              "add_special_tokens": False}, SPECS, run=False)
    assert read(tok).values["tokenizers"] == ["gpt2-tokenizer", "characters (baseline)"]


def test_hostile_queries_never_raise():
    rng = random.Random(8)
    names = [p.name for ps in SPECS.values() for p in ps] + ["tab", "run", "x"]
    alphabet = string.printable + "東京😀\u0301\ud800²١"  # ² and ١ are digits to isdigit(), not to int()
    for _ in range(500):
        pairs = [(rng.choice(names), "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))
                 for _ in range(rng.randint(0, 8))]
        pairs.append(("tab", rng.choice(list(SPECS) + ["?"])))
        r = parse(pairs, SPECS, KNOWN)
        assert r.tab in (None, *SPECS)
        for p in SPECS.get(r.tab, ()):
            if p.name in r.values and p.kind in ("int", "float") and not isinstance(r.values[p.name], str):
                assert p.low <= r.values[p.name] <= p.high


def test_a_non_ascii_digit_in_forced_ids_is_reported_and_the_rest_kept():
    """"1,²" made int() raise: the whole link was ignored ("the link could not be read")."""
    r = parse({"tab": "generate", "prompt": "Once", "prefix_ids": "1,²"}, SPECS, KNOWN)
    assert r.values["prompt"] == "Once" and "prefix_ids" not in r.values and r.problems


# ---- the parameters match the app -----------------------------------------------------------------

@pytest.fixture(scope="module")
def app(shared_service):
    from llm_playground.ui.app import build_app

    return build_app(shared_service)


def component(app, elem_id: str):
    found = [b for b in app.blocks.values() if getattr(b, "elem_id", None) == elem_id]
    assert len(found) == 1, elem_id
    return found[0]


@pytest.mark.parametrize("tab, name, elem_id", [
    ("generate", "max_new_tokens", "gen-max-new"), ("generate", "temperature", "gen-temperature"),
    ("generate", "top_k", "gen-top-k"), ("generate", "top_p", "gen-top-p"),
    ("generate", "repetition_penalty", "gen-rep"),
    ("generate", "no_repeat_ngram_size", "gen-ngram"), ("generate", "num_sequences", "gen-nseq"),
    ("fill-mask", "top_k", "fm-top-k")])
def test_link_ranges_are_the_controls_ranges(app, shared_service, tab, name, elem_id):
    from llm_playground.ui.links import tab_specs

    param = next(p for p in tab_specs(shared_service)[tab] if p.name == name)
    slider = component(app, elem_id)
    assert (param.low, param.high, param.default) == (slider.minimum, slider.maximum, slider.value)


def test_every_tab_has_a_link_and_the_copy_script_names_its_parameters(app, shared_service):
    from llm_playground.ui.links import tab_specs

    for tab, params in tab_specs(shared_service).items():
        if tab == "models":
            continue
        copy = component(app, {"generate": "gen", "next-token": "nt", "fill-mask": "fm", "next-sentence": "nsp",
                               "attention": "att", "logit-lens": "ll", "forward-pass": "fp", "compare": "cmp",
                               "tokenizer": "tok",
                               "fine-tune": "ft"}[tab] + "-copy-link")
        scripts = [fn.js for fn in app.fns.values() if fn.js and (copy._id, "click") in map(tuple, fn.targets)]
        assert scripts, tab
        for p in params:
            assert f'"name": "{p.name}"' in scripts[0], (tab, p.name)


# ---- translations ---------------------------------------------------------------------------------

def test_every_text_has_english_and_japanese():
    from llm_playground.i18n.labels import I18N, TEXTS

    en, ja = I18N.translations["en"], I18N.translations["ja"]
    assert set(en) == set(ja) == set(TEXTS)
    for key in TEXTS:
        assert en[key].strip() and ja[key].strip(), key
        assert any(ord(c) > 0x3000 for c in ja[key]), f"{key} is not Japanese"
    for key in ("tab_generate", "tab_attention", "guide_generate", "guide_attention"):
        assert en[key] != ja[key]
    assert "次トークン予測" in ja["guide_generate"] and "貪欲法" in ja["guide_generate"]
    assert "温度" in ja["guide_generate"] and "注意機構" in ja["guide_attention"]


def test_japanese_paragraphs_have_no_line_breaks_between_characters():
    from llm_playground.i18n.guide import TEXTS

    for key, (_, ja) in TEXTS.items():
        lines = ja.split("\n")
        for before, line in zip(lines, lines[1:]):  # a line is a paragraph (after a blank line) or a list item
            assert not line or line.startswith("- ") or not before, (key, line)
