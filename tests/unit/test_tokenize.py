"""Tokenizer inspection: ids and offsets equal the real tokenizers' own output; offsets slice the text."""

from __future__ import annotations

import pytest

from llm_playground.errors import InvalidInput, PlaygroundError
from llm_playground.tasks.baselines import CHARACTERS, WORDS
from llm_playground.tasks.detokenize import decode_ids, parse_ids
from llm_playground.tasks.token_compare import cut_votes, disagreements
from llm_playground.tasks.tokenize import diff, tokenize, tokenize_all

GPT2, BERT, SPM_JA, LLAMA = "gpt2-tokenizer", "minilm", "tiny-ja-gpt2", "stories260K"
REAL = [GPT2, BERT, SPM_JA, LLAMA]
JAPANESE = "羽田空港に到着、東京の街は雨でした。"
EMOJI = "I 👩‍💻 in 🇯🇵 👍🏽 😀!"
TEXTS = ["Hello world", "Unbelievable results, naïve café.", JAPANESE, EMOJI,
         "猫が好きです。😀 絵文字も使います。\n  two  spaces\tand a tab"]
LOSSLESS = [GPT2, LLAMA, CHARACTERS]  # their tokens cover every character of any text


def load(manager, name):
    return manager.tokenizer(name)[1]


def run(manager, name, text, add_special=True):
    tok = None if name in (WORDS, CHARACTERS) else load(manager, name)
    if tok is None:
        return tokenize_all([name], text, lambda n: None, add_special)[0]
    return tokenize(name, tok, text, add_special)


def test_real_gpt2_hello_world(shared_manager):
    result = run(shared_manager, GPT2, "Hello world")
    assert [t.id for t in result.tokens] == [15496, 995]
    assert [(t.token, t.start, t.end) for t in result.tokens] == [("Hello", 0, 5), ("Ġworld", 5, 11)]
    assert result.kind == "byte-level BPE" and result.round_trip_ok
    assert result.tokens[1].data == b" world"


@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize("text", TEXTS)
def test_ids_and_offsets_equal_the_tokenizers_own(shared_manager, name, text):
    tok = load(shared_manager, name)
    own = tok(text, return_offsets_mapping=True)
    result = tokenize(name, tok, text)
    assert [t.id for t in result.tokens] == own["input_ids"]
    assert [t.token for t in result.tokens] == tok.convert_ids_to_tokens(own["input_ids"])
    for t, (start, end) in zip(result.tokens, own["offset_mapping"]):
        if not t.special:
            assert (t.start, t.end) == (start, end), t


@pytest.mark.parametrize("name", LOSSLESS)
@pytest.mark.parametrize("text", TEXTS + ["e\u0301 and é", "<|endoftext|> [CLS] </s>"])
def test_offsets_slice_the_original_text(shared_manager, name, text):
    """Groups tile the text exactly; a group of byte pieces is exactly the UTF-8 of what it covers."""
    result = run(shared_manager, name, text, add_special=False)
    groups = result.groups()
    assert "".join(text[g.start:g.end] for g in groups) == text
    assert all(a.end == b.start for a, b in zip(groups, groups[1:]))
    for g in groups:
        if all(t.data is not None for t in g.tokens):
            assert b"".join(t.data for t in g.tokens) == text[g.start:g.end].encode()


def test_byte_pieces_of_one_character_are_grouped(shared_manager):
    gpt2 = run(shared_manager, GPT2, "羽田 😀")
    pieces = {gpt2.text[g.start:g.end]: [t.data for t in g.tokens] for g in gpt2.groups()}
    assert pieces["羽"] == [b"\xe7", b"\xbe", b"\xbd"]  # one kanji = three byte tokens
    assert pieces[" 😀"] == [b" \xf0\x9f\x98", b"\x80"]
    llama = run(shared_manager, LLAMA, "a 羽", add_special=False)
    assert [[t.token for t in g.tokens] for g in llama.groups()] == [["▁a"], ["▁"], ["<0xE7>", "<0xBE>", "<0xBD>"]]
    assert llama.kind == "sentencepiece BPE (byte fallback)"


def test_emoji_sequences_and_flags_slice_whole(shared_manager):
    text = "x 👩‍💻 🇯🇵"
    bert = run(shared_manager, BERT, text, add_special=False)
    assert [text[t.start:t.end] for t in bert.tokens] == ["x", "👩‍💻", "🇯🇵"]
    assert [t.unknown for t in bert.tokens] == [False, True, True]
    gpt2 = run(shared_manager, GPT2, text)
    assert [text[g.start:g.end] for g in gpt2.groups()] == ["x", " 👩", "\u200d", "💻", " 🇯", "🇵"]


@pytest.mark.parametrize("name,covered", [(BERT, "e\u0301"), (SPM_JA, "e\u0301"), (GPT2, "\u0301")])
def test_combining_mark_belongs_to_its_letter(shared_manager, name, covered):
    """BERT strips the accent and sentencepiece composes é: the mark still counts in that token."""
    text = "caf e\u0301"
    result = run(shared_manager, name, text, add_special=False)
    last = result.groups()[-1]
    assert text[last.start:last.end].strip() == covered
    assert last.end == len(text)


def test_unknown_and_special_tokens(shared_manager):
    text = "Hello 羽"
    bert = run(shared_manager, BERT, text)
    assert [(t.token, t.special, t.unknown) for t in bert.tokens] == [
        ("[CLS]", True, False), ("hello", False, False), ("[UNK]", False, True), ("[SEP]", True, False)]
    assert (bert.tokens[0].start, bert.tokens[0].end) == (0, 0)
    assert (bert.tokens[-1].start, bert.tokens[-1].end) == (len(text), len(text))  # where [SEP] sits
    assert [t.token for t in run(shared_manager, BERT, text, add_special=False).tokens] == ["hello", "[UNK]"]
    llama = run(shared_manager, LLAMA, "Once")
    assert llama.tokens[0].token == "<s>" and llama.tokens[0].special
    typed = run(shared_manager, GPT2, "a<|endoftext|>")  # typed by the user: special, not unknown
    assert [(t.id, t.special, t.unknown) for t in typed.tokens][-1] == (50256, True, False)
    spm = run(shared_manager, SPM_JA, "ö")
    assert any(t.unknown and t.token == "<unk>" for t in spm.tokens)


def test_counts_and_round_trip(shared_manager):
    text = "Hello World 東京"
    gpt2 = run(shared_manager, GPT2, text).to_dict()
    assert gpt2["characters"] == 14 and gpt2["bytes"] == 18
    assert gpt2["count"] == len(gpt2["tokens"])
    assert gpt2["chars_per_token"] == pytest.approx(14 / gpt2["count"], abs=1e-3)
    assert gpt2["round_trip"] == {"ok": True, "decoded": text}
    bert = run(shared_manager, BERT, text)  # counts exclude [CLS]/[SEP]
    assert bert.chars_per_token == pytest.approx(14 / (bert.count - 2))
    assert bert.round_trip_ok is False and bert.decoded == "hello world 東 京"
    assert ("replace", "H", "h") in diff(text, bert.decoded)


def test_round_trip_diff_of_long_repetitive_text():
    """A quadratic diff on repetitive text is a CPU bomb: the work is bounded (MAX_CHANGES changes, then the
    rest is one uncompared run), not timed here: speed is the benchmark's job."""
    from llm_playground.tasks import text_diff

    text = "東京 café " * 700
    decoded = text.replace("é", "e")
    ops = diff(text, decoded)
    assert ops[0] == ("equal", "東京 caf", "東京 caf") and ops[1] == ("replace", "é", "e") and ops[-1][0] == "rest"
    assert sum(op not in ("equal", "rest") for op, _, _ in ops) == text_diff.MAX_CHANGES
    assert "".join(o[1] for o in ops) == text and "".join(o[2] for o in ops) == decoded


def test_baselines():
    words = tokenize_all([WORDS], "Unbelievable results! 東京で寿司 👩‍💻 e\u0301 the the", None)[0]
    assert [t.token for t in words.tokens] == ["Unbelievable", "results", "!", "東京で寿司", "👩‍💻", "e\u0301",
                                               "the", "the"]
    assert words.tokens[-1].id == words.tokens[-2].id and words.decoded is None
    chars = tokenize_all([CHARACTERS], "a 😀", None)[0]
    assert [(t.id, t.start, t.end) for t in chars.tokens] == [(97, 0, 1), (32, 1, 2), (0x1F600, 2, 3)]
    assert chars.round_trip_ok


def test_comparison_ignores_spaces_and_marks_different_splits(shared_manager):
    same = tokenize_all([GPT2, BERT], "Hello world", lambda n: load(shared_manager, n), add_special=False)
    assert disagreements(same) == [set(), set()]  # " world" vs "world": the same cut
    different = tokenize_all([GPT2, WORDS], "Unbelievable!", lambda n: load(shared_manager, n))
    gpt2_groups, words_groups = different[0].groups(), different[1].groups()
    assert [g.tokens[0].token for g in gpt2_groups] == ["Un", "bel", "iev", "able", "!"]
    assert disagreements(different) == [{0, 1, 2, 3}, {0}]  # "!" is cut the same by both
    assert len(words_groups) == 2
    assert cut_votes(different) == {2: 1, 5: 1, 8: 1, 12: 2}


def test_decode_ids(shared_manager):
    gpt2 = load(shared_manager, GPT2)
    text, tokens = decode_ids(gpt2, "[15496, 995]")
    assert text == "Hello world" and [t.token for t in tokens] == ["Hello", "Ġworld"]
    assert parse_ids("1 2,3") == [1, 2, 3] and parse_ids([4, 5]) == [4, 5]
    with pytest.raises(InvalidInput, match="outside"):
        decode_ids(gpt2, "50257")
    with pytest.raises(InvalidInput, match="not a token id"):
        decode_ids(gpt2, "12, abc")
    with pytest.raises(InvalidInput, match="Paste"):
        decode_ids(gpt2, " ")
    from llm_playground.tasks.baselines import BASELINES
    assert decode_ids(BASELINES[CHARACTERS], "72 105")[0] == "Hi"
    with pytest.raises(InvalidInput, match="no fixed vocabulary"):
        decode_ids(BASELINES[WORDS], "1")


@pytest.mark.parametrize("names,text,message", [
    ([GPT2], "   ", "empty"),
    ([GPT2], "x" * 5001, "limit"),
    ([GPT2], "bad \ud800", "surrogate"),
    ([], "hi", "at least one"),
    ([GPT2, GPT2, BERT, LLAMA, SPM_JA, WORDS, CHARACTERS, "tiny-gpt2"], "hi", "at most 6"),
    ([GPT2, "no/such-tokenizer"], "hi", "no/such-tokenizer"),
    ("tiny-gpt2, x", "hi", "not a valid"),
])
def test_bad_requests_are_clear(service, names, text, message):
    with pytest.raises(PlaygroundError, match=message):
        service.tokenize(names, text)


def test_only_tokenizers_load(manager):
    tokenize_all([GPT2, BERT, SPM_JA, WORDS], JAPANESE, lambda n: load(manager, n))
    assert manager.loaded() == [] and not manager.load_counts  # no weights were read
    first = load(manager, SPM_JA)
    assert load(manager, SPM_JA) is first  # cached
