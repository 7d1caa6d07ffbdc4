"""Attention task: weights equal plain transformers' output_attentions; views equal numpy; one pass per text."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

from llm_playground.backends.local import generate
from llm_playground.errors import InvalidInput
from llm_playground.models.catalog import ATTENTION, GENERATION
from llm_playground.plots.attention import heatmap_figure, model_view_figure, token_view_figure
from llm_playground.tasks.attention import HEAD_MAX, HEAD_MEAN, compute_attention, head_matrix, rollout, token_attention
from llm_playground.tasks.attention_views import VIEWS, export_json, pool_max, view_data
from llm_playground.tasks.generation import GenerationParams

from .test_generation import raw_greedy

BANK = "The bank raised the interest rate."
CASES = [  # (model, class plain transformers loads it with, text, sentence B)
    ("tiny-bert", AutoModel, BANK, None),
    ("minilm", AutoModel, BANK, "The river bank was flooded."),
    ("stories260K", AutoModelForCausalLM, "Once upon a time, there was a little girl named Lily.", None),
]


def plain_attentions(folder, cls, text, pair):
    """output_attentions of an independent eager copy of the checkpoint: [layers, heads, T, T]."""
    tok = AutoTokenizer.from_pretrained(folder)
    model = cls.from_pretrained(folder, attn_implementation="eager").eval()
    inputs = tok(text, pair, return_tensors="pt") if pair else tok(text, return_tensors="pt")
    with torch.no_grad():
        out = model(**inputs, output_attentions=True)
    return inputs["input_ids"][0].tolist(), torch.stack(out.attentions)[:, 0].numpy()


@pytest.mark.parametrize("name,cls,text,pair", CASES)
def test_weights_equal_plain_transformers(shared_manager, shared_service, models_dir, name, cls, text, pair):
    result = shared_service.attention(name, text, pair).result
    ids, expected = plain_attentions(models_dir / name, cls, text, pair)
    assert result.ids == ids
    assert result.attentions.dtype == np.float32 and result.attentions.shape == expected.shape
    np.testing.assert_allclose(result.attentions, expected, atol=1e-6)
    np.testing.assert_allclose(result.attentions.sum(-1), 1.0, atol=1e-5)  # every query row sums to 1
    assert len(result.tokens) == len(result.labels) == len(ids)


def test_causal_model_masks_future_tokens(shared_manager, shared_service):
    result = shared_service.attention("stories260K", "Once upon a time, there was").result
    upper = np.triu(np.ones(result.attentions.shape[-2:], dtype=bool), k=1)
    assert result.causal and (result.attentions[..., upper] == 0).all()
    assert (result.attentions[..., ~upper] > 0).all()  # softmax: every earlier token gets some weight
    bert = shared_service.attention("minilm", BANK).result
    assert not bert.causal and (bert.attentions > 0).all()  # bidirectional: every token sees every token


def test_grouped_kv_heads_are_reported_per_query_head(shared_manager, shared_service):
    loaded = shared_manager.get("stories260K", ATTENTION)
    assert loaded.model.config.num_key_value_heads == 4
    result = shared_service.attention("stories260K", "Once upon a time").result
    assert (result.num_layers, result.num_heads, result.kv_heads) == (5, 8, 4)
    # query heads 0 and 1 share key/value head 0 but have their own queries: different patterns
    assert not np.allclose(result.attentions[:, 0], result.attentions[:, 1])


def test_sentence_pair_marks_sentence_b(shared_manager, shared_service):
    result = shared_service.attention("minilm", BANK, "The river bank was flooded.").result
    assert result.tokens[result.pair_start - 1] == "[SEP]" and result.tokens[result.pair_start] == "the"
    assert result.tokens.count("[SEP]") == 2


def numpy_rollout(att: np.ndarray, upto: int) -> np.ndarray:
    flow = np.eye(att.shape[-1])
    for layer in range(upto + 1):
        a = att[layer].astype(np.float64).mean(axis=0)
        a = 0.5 * a + 0.5 * np.eye(len(a))  # rows of a sum to 1, so this is "add I, renormalise"
        flow = a @ flow
    return flow


@pytest.mark.parametrize("name", ["minilm", "stories260K"])
def test_head_aggregation_and_rollout_equal_numpy(shared_manager, shared_service, name):
    result = shared_service.attention(name, BANK).result
    att = result.attentions
    np.testing.assert_allclose(head_matrix(result, 2, HEAD_MEAN), att[2].mean(0), atol=1e-7)
    np.testing.assert_allclose(head_matrix(result, 2, HEAD_MAX), att[2].max(0), atol=0)
    np.testing.assert_array_equal(head_matrix(result, 1, 3), att[1, 3])
    for upto in range(result.num_layers):
        flow = rollout(att, upto)
        np.testing.assert_allclose(flow, numpy_rollout(att, upto), atol=1e-5)
        np.testing.assert_allclose(flow.sum(-1), 1.0, atol=1e-5)
    if result.causal:
        assert not np.triu(rollout(att), k=1).any()
    np.testing.assert_allclose(token_attention(result, 4, HEAD_MEAN), att[:, :, 4, :].mean(1), atol=1e-7)
    np.testing.assert_array_equal(token_attention(result, 4, 2), att[:, 2, 4, :])


def test_model_view_pools_blocks_by_max():
    rng = np.random.default_rng(0)
    att = rng.random((2, 3, 10, 10)).astype(np.float32)
    pooled = pool_max(att, 4)
    assert pooled.shape == (2, 3, 3, 3)
    for i in range(3):
        for j in range(3):
            np.testing.assert_array_equal(pooled[..., i, j], att[..., 4 * i:4 * i + 4, 4 * j:4 * j + 4].max((-2, -1)))


def count_forward_passes(loaded) -> list:
    calls = []
    loaded.model.base_model.register_forward_hook(lambda *_: calls.append(1))
    return calls


def test_switching_layer_head_view_does_not_rerun_the_model(service):
    loaded = service.manager.get("minilm", ATTENTION)
    calls = count_forward_passes(loaded)
    cache = service.attention_cache
    result = service.attention("minilm", BANK).result
    for view in VIEWS:
        for layer in range(result.num_layers):
            for head in (HEAD_MEAN, HEAD_MAX, 0, 11):
                again = service.attention("minilm", BANK).result  # what every re-plot does
                assert again is result
                view_data(again, view, layer, head, token=3)
    assert cache.runs == 1 and len(calls) == 1
    service.attention("minilm", BANK, "A second sentence.")  # a new input is a new pass
    assert cache.runs == 2 and len(calls) == 2


def test_cache_is_bounded_by_bytes(service):
    cache = service.attention_cache
    cache.budget = 1  # smaller than any result: only the newest one stays
    for text in ("one", "two", "three"):
        service.attention("tiny-bert", text)
    assert len(cache) == 1 and cache.runs == 3


def test_shared_model_keeps_its_attention_and_generation(shared_manager):
    loaded = shared_manager.get("stories260K", GENERATION)
    before = loaded.model.config._attn_implementation
    assert shared_manager.get("stories260K", ATTENTION) is loaded  # one copy of the weights
    compute_attention(loaded, "Once upon a time, in a land far away")
    assert loaded.model.config._attn_implementation == before != "eager"
    state = generate(loaded, "Once upon a time", GenerationParams(max_new_tokens=20))
    assert [t.id for t in state.sequences[0].tokens] == raw_greedy(loaded, "Once upon a time", 20)


@pytest.mark.parametrize("name,text,pair,message", [
    ("minilm", "", None, "text is empty"),
    ("minilm", "   ", None, "text is empty"),
    ("minilm", "word " * 600, None, r"is 602 tokens; at most 512 can be shown.*browser"),
    ("tiny-bert", "word " * 200, None, "at most 128.*128 positions"),
    ("stories260K", BANK, "A second sentence.", "Sentence B is for BERT-style models"),
    ("minilm", "x" * 6000, None, "6,000 characters"),
])
def test_bad_input_is_refused_clearly(service, name, text, pair, message):
    with pytest.raises(InvalidInput, match=message):
        service.attention(name, text, pair)
    assert service.attention_cache.runs == 0


@pytest.mark.parametrize("layer,head,token,message", [
    (6, HEAD_MEAN, 0, r"layer must be in \[0, 5\], got 6 \(minilm has 6 layers\)"),
    (-1, HEAD_MEAN, 0, "layer must be in"),
    (0, 12, 0, r"head must be in \[0, 11\], got 12 \(minilm has 12 heads"),
    (0, -2, 0, "head must be in"),
    (0, "x", 0, "head must be a number"),
    (0, HEAD_MEAN, 99, r"token must be in \[0, 8\]"),
])
def test_bad_selection_is_refused_clearly(shared_manager, shared_service, layer, head, token, message):
    result = shared_service.attention("minilm", BANK).result
    with pytest.raises(InvalidInput, match=message):
        view_data(result, "token view", layer, head, token)


def test_export_is_the_displayed_matrix(shared_manager, shared_service):
    result = shared_service.attention("stories260K", "Once upon a time").result
    data = json.loads(json.dumps(export_json(result, view_data(result, "heatmap", 3, 5))))
    assert (data["model"], data["layer"], data["head"], data["causal"]) == ("stories260K", 3, 5, True)
    np.testing.assert_allclose(data["weights"], result.attentions[3, 5], atol=1e-6)
    overview = export_json(result, view_data(result, "model view"))
    assert np.array(overview["weights"]).shape == result.attentions.shape  # short input: nothing pooled


def figures(result, layer=1, head=HEAD_MEAN, token=2) -> dict:
    out = {}
    for view in VIEWS:
        data = view_data(result, view, layer, head, token)
        if view == "model view":
            out[view] = model_view_figure(data.weights, result.labels, data.title, data.block)
        elif view == "token view":
            out[view] = token_view_figure(data.weights, result.labels, data.token, data.title, layer)
        else:
            out[view] = heatmap_figure(data.weights, result.labels, data.title, result.causal, result.pair_start)
    return out


def text_of(tokenizer, n: int) -> str:
    """A text of exactly n tokens for this tokenizer (special tokens included)."""
    words = (BANK + " The river bank was flooded after the rain. ").split() * 200
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(tokenizer(" ".join(words[:mid]))["input_ids"]) <= n:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


@pytest.mark.parametrize("name", ["minilm", "stories260K"])
@pytest.mark.parametrize("tokens", [128, 512])
def test_figure_payload_stays_small(shared_manager, shared_service, name, tokens, capsys):
    loaded = shared_manager.get(name, ATTENTION)
    result = shared_service.attention(name, text_of(loaded.tokenizer, tokens)).result
    assert tokens - 3 <= len(result.ids) <= tokens
    sizes = {view: len(fig.to_json()) for view, fig in figures(result).items()}
    with capsys.disabled():
        print(f"\n{name} {len(result.ids)} tokens, figure JSON bytes: {sizes}")
    assert max(sizes.values()) <= 1_000_000


def test_heatmap_hover_and_causal_mask(shared_manager, shared_service):
    result = shared_service.attention("stories260K", "Once upon a time, the bank").result
    fig = heatmap_figure(result.attentions[0, 0], result.labels, "t", causal=True)
    trace = fig.data[0]
    assert "query %{y}" in trace.hovertemplate and "key %{x}" in trace.hovertemplate
    assert len(set(trace.x)) == len(result.labels)  # a repeated token keeps its own column
    z = np.asarray(trace.z, dtype=np.float64) / 10_000
    np.testing.assert_allclose(z, result.attentions[0, 0], atol=1.01e-4)
    assert fig.layout.shapes and fig.layout.shapes[0].type == "path"  # the grey masked triangle
    assert not heatmap_figure(result.attentions[0, 0], result.labels, "t", causal=False).layout.shapes


def test_heatmap_escapes_tokens_and_saturates_sink_columns():
    t = 200
    weights = np.full((t, t), 0.5 / (t - 1), dtype=np.float32)
    weights[:, 0] = 0.5  # a sink token takes half of every row
    labels = ["<s>"] + [f"w{i}" for i in range(1, t)]
    fig = heatmap_figure(weights, labels, "Layer 0")
    assert fig.layout.xaxis.ticktext[0] == "&lt;s&gt;"  # not read as HTML strike-through
    assert fig.data[0].zmax < 0.5 * 10_000 and "saturate" in fig.layout.title.text
    assert len(fig.layout.xaxis.tickvals) <= 32  # long inputs: a readable subset of labels
    short = heatmap_figure(np.eye(3, dtype=np.float32), ["a", "b", "c"], "t")
    assert short.data[0].zmax == 10_000 and "saturate" not in short.layout.title.text


def test_position_limit_counts_roberta_offset(shared_manager):
    """RoBERTa numbers positions from pad_token_id + 1: 130 embeddings hold 128 tokens. The last
    two must be refused with a message, not crash inside the model."""
    from llm_playground.tasks.attention import compute_attention

    loaded = shared_manager.get("tiny-roberta", "attention")
    assert loaded.model.config.max_position_embeddings == 130

    def text_of(n_tokens: int) -> str:
        """The repeated word whose encoding (with <s> and </s>) is exactly n_tokens long."""
        for words in range(n_tokens, 0, -1):
            text = " ".join(["the"] * words)
            if len(loaded.tokenizer(text)["input_ids"]) == n_tokens:
                return text
        raise AssertionError(f"no text of {n_tokens} tokens")

    assert len(compute_attention(loaded, text_of(128)).tokens) == 128
    for n in (129, 130):
        with pytest.raises(InvalidInput, match="at most 128"):
            compute_attention(loaded, text_of(n))
