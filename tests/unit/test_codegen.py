"""Copy as Python: the generated plain-transformers code runs on the local test models and gives the
app's numbers (token ids, probabilities, top-k, NSP, offsets, attention), whatever the input text."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from llm_playground import codegen
from llm_playground.errors import InvalidInput
from llm_playground.models.catalog import ATTENTION, FILL_MASK, GENERATION, NEXT_SENTENCE, TOKENIZER
from llm_playground.serving.api import endpoints

from ..tolerance import assert_allclose, close

SEED = "I played [MASK] with my friends at school yesterday"
# Quotes of every kind, backslashes, newlines, code-looking text, Japanese and an emoji.
HOSTILE = ('He said "it\'s" \'\'\' """ \\ \\n \\\' \n\tnext line ) ] } # x = 1\n'
           '__import__("os").system("echo pwned") {text!r} 羽田空港に到着 😀')


@pytest.fixture(scope="module")
def api(shared_service):
    """The API endpoint functions, called directly (as gr.api calls them)."""
    functions = {name: fn for name, (fn, _) in endpoints(shared_service).items()}
    return SimpleNamespace(manager=shared_service.manager, **functions)


def src(manager, name: str, task: str) -> str:
    return manager.catalog.resolve(name, task).source


def run(code: str) -> dict:
    """Execute copied code as a fresh script would; its globals (and stdout) come back."""
    ast.parse(code)
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(code, "<copied code>", "exec"), namespace)  # noqa: S102 - code generated from test inputs
    namespace["stdout"] = out.getvalue()
    return namespace


def same_completion(app: str, ours: str) -> bool:
    """The app holds back text that ends inside a UTF-8 character (random tiny models emit byte pieces)."""
    return ours == app or (ours.startswith(app) and ours.endswith("\ufffd"))


# ---- generation ---------------------------------------------------------------------------------

GENERATION_CASES = [
    ("stories260K", "Once upon a time", {}),
    ("stories260K", "Once upon a time", dict(do_sample=True, seed=3, temperature=0.8, top_k=20, top_p=0.9)),
    ("stories260K", "The cat", dict(do_sample=True, seed=11, num_sequences=3, max_new_tokens=30)),
    ("stories260K", "Lily went", dict(repetition_penalty=1.3, no_repeat_ngram_size=2, max_new_tokens=30)),
    ("tiny-ja-gpt2", "羽田空港に到着", dict(max_new_tokens=20)),  # T5Tokenizer appends </s>: dropped
    ("tiny-ja-gpt2", "今日は", dict(do_sample=True, seed=7, top_k=0, temperature=1.5, repetition_penalty=1.2)),
    ("tiny-gpt2", "Once upon a time", dict(max_new_tokens=25, num_sequences=2)),
    ("tiny-gpt2", "Hello world", dict(do_sample=True, seed=5, top_p=0.8, num_sequences=2, max_new_tokens=25)),
]


def check_generation(api, name: str, prompt: str, kwargs: dict) -> dict:
    result = api.generate(name, prompt, **kwargs)
    params = {**kwargs, "seed": result["seed"]}
    ns = run(codegen.generate(name, prompt, **params, source=src(api.manager, name, GENERATION)))
    n = kwargs.get("num_sequences", 1)
    tokens = result["tokens"]
    new_ids = ns["new_ids"].tolist()[:len(tokens)]
    assert new_ids == [t["id"] for t in tokens]
    assert len(ns["out"].sequences) == (n if kwargs.get("do_sample") else 1)
    for step, token in enumerate(tokens):
        probs = ns["torch"].softmax(ns["out"].logits[step][0].float(), dim=-1)
        assert probs[token["id"]].item() == pytest.approx(token["prob"], abs=1e-4)
        assert probs.topk(5).indices.tolist() == [alt["id"] for alt in token["top"]]
    completions = ns["completions"] * (n if len(ns["completions"]) == 1 else 1)
    assert all(same_completion(a, b) for a, b in zip(result["completions"], completions, strict=True))
    return ns


@pytest.mark.parametrize("name,prompt,kwargs", GENERATION_CASES)
def test_generate_code_gives_the_apps_tokens_and_probabilities(api, name, prompt, kwargs):
    check_generation(api, name, prompt, kwargs)


@pytest.mark.parametrize("kwargs", [{}, dict(do_sample=True, seed=3, temperature=0.8, top_k=20)])
def test_generate_code_reproduces_a_branch(api, kwargs):
    """Copy as Python of a branch (prefix_ids) continues from the same forced tokens to the same text."""
    first = api.generate("stories260K", "Once upon a time", max_new_tokens=10, **kwargs)
    prefix = [t["id"] for t in first["tokens"][:3]] + [first["tokens"][3]["top"][2]["id"]]
    result = api.generate("stories260K", "Once upon a time", max_new_tokens=10, prefix_ids=prefix, **kwargs)
    ns = run(codegen.generate("stories260K", "Once upon a time", max_new_tokens=10, prefix_ids=prefix, **kwargs,
                              source=src(api.manager, "stories260K", GENERATION)))
    assert ns["input_ids"][0, -len(prefix):].tolist() == prefix
    assert ns["new_ids"].tolist() == [t["id"] for t in result["tokens"][len(prefix):]]
    assert ns["completions"][0] == result["completion"] and result["text"].startswith("Once upon a time")


def test_generate_code_drops_the_trailing_eos_like_the_app(api, shared_manager):
    tok = shared_manager.tokenizer("tiny-ja-gpt2")[1]
    assert tok("今日は")["input_ids"][-1] == tok.eos_token_id  # the case being tested
    ns = check_generation(api, "tiny-ja-gpt2", "今日は", dict(max_new_tokens=5))
    assert ns["input_ids"][0].tolist() == tok("今日は")["input_ids"][:-1]
    bos = shared_manager.tokenizer("stories260K")[1]
    ns = check_generation(api, "stories260K", "Once", dict(max_new_tokens=5))
    assert ns["input_ids"][0, 0].item() == bos.bos_token_id  # BOS is kept


def test_generate_code_with_a_random_seed_uses_the_reported_one(api):
    check_generation(api, "tiny-gpt2", "Once upon", dict(do_sample=True, seed=-1, max_new_tokens=10))
    code = codegen.generate("tiny-gpt2", "x", do_sample=True, seed=-1)
    assert "torch.seed()" in code and "torch.manual_seed" not in code


def test_generate_code_dtype(api):
    assert "dtype=torch.float32" in codegen.generate("gpt2", "x")
    assert "dtype=torch.bfloat16" in codegen.generate("gpt2", "x", dtype="bfloat16")
    result = api.generate("tiny-gpt2", "Once upon a time", max_new_tokens=8, dtype="bfloat16")
    ns = run(codegen.generate("tiny-gpt2", "Once upon a time", max_new_tokens=8, dtype=result["dtype"],
                              source=src(api.manager, "tiny-gpt2", GENERATION)))
    assert ns["new_ids"].tolist() == [t["id"] for t in result["tokens"]]


# ---- fill-mask and next sentence ----------------------------------------------------------------

@pytest.mark.parametrize("name,text,top_k", [
    ("tiny-bert", SEED, 5),
    ("tiny-bert", "The [mask] raised the interest [MASK] today.", 10),  # any case, two masks
    ("tiny-roberta", "I played [MASK] with my friends at [MASK].", 3),  # RoBERTa's <mask>
])
def test_fill_mask_code_gives_the_apps_top_k(api, name, text, top_k):
    result = api.fill_mask(name, text, top_k)
    ns = run(codegen.fill_mask(name, text, top_k, source=src(api.manager, name, FILL_MASK)))
    assert ns["inputs"]["input_ids"][0].tolist() == result["input_ids"]
    assert list(ns["predictions"]) == [m["position"] for m in result["masks"]]
    for mask in result["masks"]:
        ours = ns["predictions"][mask["position"]]
        assert [i for i, _ in ours] == [p["id"] for p in mask["predictions"]]
        assert [p for _, p in ours] == close([p["score"] for p in mask["predictions"]])


def test_next_sentence_code_gives_the_apps_probabilities(api):
    a, b = "What is baseball?", "It is a game of hitting the ball with the bat."
    result = api.next_sentence("tiny-bert", a, b)
    ns = run(codegen.next_sentence("tiny-bert", a, b, source=src(api.manager, "tiny-bert", NEXT_SENTENCE)))
    assert ns["inputs"]["token_type_ids"][0].tolist() == result["token_type_ids"]
    assert ns["probs"].tolist() == close([result["is_next"], result["not_next"]])
    assert ns["logits"].tolist() == close(result["logits"])
    assert "IsNext" in ns["stdout"]


# ---- tokenizer --------------------------------------------------------------------------------

TOKENIZER_TEXT = "Unbelievable! 羽田空港に到着、東京は雨。 I'm here 😀 naïve"


@pytest.mark.parametrize("name", ["gpt2-tokenizer", "tiny-bert", "stories260K", "tiny-ja-gpt2", "minilm",
                                  "tiny-roberta"])
@pytest.mark.parametrize("special", [True, False])
def test_tokenize_code_gives_the_apps_ids_and_offsets(api, name, special):
    [app] = api.tokenize([name], TOKENIZER_TEXT, special)["results"]
    ns = run(codegen.tokenize([name], TOKENIZER_TEXT, special,
                              sources={name: src(api.manager, name, TOKENIZER)}))
    assert ns["ids"] == [t["id"] for t in app["tokens"]]
    assert ns["tokens"] == [t["token"] for t in app["tokens"]]
    for t, (start, end) in zip(app["tokens"], ns["enc"]["offset_mapping"], strict=True):
        added = t["special"] and t["start"] == t["end"]  # the app draws added specials where they sit
        assert (start, end) == ((0, 0) if added else (t["start"], t["end"])), t
    assert (ns["decoded"] == TOKENIZER_TEXT) == app["round_trip"]["ok"]


def test_tokenize_code_for_several_tokenizers_and_the_baselines(api):
    names = ["gpt2-tokenizer", "tiny-bert", "characters (baseline)", "words (baseline)"]
    text = "Hi, 東京!"
    app = api.tokenize(names, text)["results"]
    sources = {n: src(api.manager, n, TOKENIZER) for n in names[:2]}
    ns = run(codegen.tokenize(names, text, sources=sources))
    for name, result in zip(names[:2], app):
        assert f"{sources[name]}: {result['count']} tokens" in ns["stdout"]
    assert str([(t["id"], t["token"]) for t in app[2]["tokens"]]) in ns["stdout"]
    only_baselines = codegen.tokenize(["words (baseline)"], text)
    assert "AutoTokenizer" not in only_baselines and run(only_baselines)["text"] == text


# ---- attention --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,text,layer,head,pair", [
    ("tiny-gpt2", "The bank raised the interest rate.", 1, -1, ""),
    ("stories260K", "Once upon a time there was a cat.", 4, 3, ""),  # grouped-KV heads
    ("tiny-ja-gpt2", "羽田空港に到着", 0, -1, ""),  # causal: the trailing </s> is dropped
    ("tiny-bert", "What is baseball?", 1, 2, "It is a game."),  # sentence pair
    ("minilm", "The river bank was flooded.", 5, -1, ""),
    ("tiny-roberta", "I played basketball.", 0, 1, ""),
])
def test_attention_code_gives_the_apps_weights(api, name, text, layer, head, pair):
    result = api.attention(name, text, layer, head, pair)
    ns = run(codegen.attention(name, text, layer, head, pair, source=src(api.manager, name, ATTENTION),
                               causal=result["causal"]))
    assert ns["tokens"] == result["tokens"]
    assert_allclose(ns["weights"].numpy(), np.array(result["weights"]))


def test_attention_code_max_over_heads(api, shared_manager, shared_service):
    from llm_playground.tasks.attention import HEAD_MAX, head_matrix

    result = shared_service.attention("tiny-bert", "Hello there.").result
    ns = run(codegen.attention("tiny-bert", "Hello there.", 1, "max", source=src(shared_manager, "tiny-bert",
                                                                                      ATTENTION)))
    assert_allclose(ns["weights"].numpy(), head_matrix(result, 1, HEAD_MAX))


# ---- safety: any text is data, never code ---------------------------------------------------------

def shape(code: str) -> list[str]:
    """The code's syntax tree without its constants: what it does, not what it reads."""
    return [type(node).__name__ for node in ast.walk(ast.parse(code))]


@pytest.mark.parametrize("make", [
    lambda t: codegen.generate("gpt2", t, do_sample=True, seed=1, num_sequences=2),
    lambda t: codegen.fill_mask("bert-base-uncased", t + " [MASK]"),
    lambda t: codegen.next_sentence("bert-base-uncased", t, t),
    lambda t: codegen.tokenize(["gpt2", t, "characters (baseline)"], t, sources={t: t}),
    lambda t: codegen.attention("bert-base-uncased", t, 1, 2, t),
    lambda t: codegen.attention("gpt2", t, 0, -1, causal=True),
])
def test_hostile_text_stays_a_string_literal(make):
    benign, hostile = make("plain text"), make(HOSTILE)
    assert shape(hostile) == shape(benign)
    strings = {n.value for n in ast.walk(ast.parse(hostile)) if isinstance(n, ast.Constant)}
    assert HOSTILE in strings or HOSTILE + " [MASK]" in strings


@pytest.mark.slow  # a fresh Python process
def test_hostile_prompt_and_model_path_reproduce_in_a_fresh_python(api, tmp_path, models_dir):
    """The copied script, run as its own process offline, gets the app's text back exactly."""
    quoted = tmp_path / "model 'with' \"quotes\""
    quoted.symlink_to(models_dir / "stories260K")
    result = api.generate("stories260K", HOSTILE, max_new_tokens=12)
    code = codegen.generate("stories260K", HOSTILE, max_new_tokens=12, source=str(quoted))
    script = tmp_path / "copied.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path, encoding="utf-8")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[0] == repr(result["text"])


def test_hostile_text_round_trips_through_every_task(api):
    ns = run(codegen.fill_mask("tiny-bert", HOSTILE + " [MASK]", source=src(api.manager, "tiny-bert", FILL_MASK)))
    assert ns["inputs"]["input_ids"][0].tolist() == api.fill_mask("tiny-bert", HOSTILE + " [MASK]")["input_ids"]
    sources = {"gpt2-tokenizer": src(api.manager, "gpt2-tokenizer", TOKENIZER)}
    ns = run(codegen.tokenize(["gpt2-tokenizer"], HOSTILE, sources=sources))
    assert ns["text"] == HOSTILE and ns["decoded"] == HOSTILE


@pytest.mark.parametrize("kwargs", [dict(max_new_tokens="1); import os; (1"), dict(temperature=float("nan")),
                                    dict(seed="0 or 1"), dict(top_k=1.5), dict(dtype="int4")])
def test_bad_numbers_are_refused_not_pasted(kwargs):
    with pytest.raises(InvalidInput):
        codegen.generate("gpt2", "x", **{"do_sample": True, **kwargs})


def test_codegen_imports_neither_torch_nor_gradio():
    code = "import sys, llm_playground.codegen; print('torch' in sys.modules, 'gradio' in sys.modules)"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root)
    assert done.stdout.split() == ["False", "False"], done.stderr
