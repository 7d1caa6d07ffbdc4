"""What a chat model reads: a conversation through the tokenizer's own chat template, as tokens with their roles.

The ids are exactly `apply_chat_template(messages, add_generation_prompt=True)`'s. Each token's place is found
without parsing the template: the conversation is rendered again up to the end of each message, and once more with
that message's text left empty; the ids each rendering shares with the whole say where the message's span ends and
where its text begins. Within a span, the message's own text is `content`; what the template put around it (the
role header, <|im_end|>, a default system prompt) is `template`. What follows the last message is the generation
prompt (what makes the model answer as the assistant). Special tokens (<|im_start|>, <|im_end|>, BOS, ...) are
marked from the tokenizer's own list of special ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput

ROLES = ("system", "user", "assistant")
GENERATION_PROMPT = "generation prompt"


@dataclass
class TemplateToken:
    token: str  # as the tokenizer names it
    id: int
    role: str  # a message's role, or GENERATION_PROMPT
    message: int | None  # the index of the message it belongs to (None: the generation prompt)
    special: bool
    content: bool  # the message's own text (False: what the template added)

    def to_dict(self) -> dict:
        return {"token": self.token, "id": self.id, "role": self.role, "message": self.message,
                "special": self.special, "content": self.content}


def checked_messages(messages) -> list[dict]:
    """A conversation as a list of {"role", "content"} with known roles and text, or a message saying what is wrong."""
    if not isinstance(messages, list) or not messages:
        raise InvalidInput("chat.no_messages")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str) or m.get("role") not in ROLES:
            raise InvalidInput("chat.bad_message", index=i, roles=", ".join(ROLES))
        out.append({"role": m["role"], "content": m["content"]})
    return out


def has_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def _ids(tokenizer, messages: list[dict], generation_prompt: bool) -> list[int]:
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=generation_prompt, tokenize=True,
                                        return_dict=False)
    return list(ids["input_ids"] if isinstance(ids, dict) else ids)


def _shared(a: list[int], b: list[int]) -> int:
    """How many leading ids two renderings share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _spans(tokenizer, messages: list[dict], ids: list[int]) -> list[tuple[int, int, int]]:
    """Per message, (where its text begins, where its text ends, where its span ends) in `ids`."""
    spans, previous = [], 0
    for i, message in enumerate(messages):
        whole = _ids(tokenizer, messages[: i + 1], False)
        end = _shared(whole, ids)
        empty = _ids(tokenizer, messages[:i] + [{**message, "content": ""}], False)
        begins = min(max(previous, _shared(empty, ids)), end)
        footer = max(0, len(empty) - _shared(empty, whole))  # what the template writes after the text
        spans.append((begins, max(begins, end - footer), end))
        previous = end
    return spans


def template_tokens(tokenizer, messages: list[dict]) -> list[TemplateToken]:
    """The conversation's template ids (with the generation prompt), each with its role, part and special flag."""
    if not has_template(tokenizer):
        raise InvalidInput("chat.no_template")
    ids = _ids(tokenizer, messages, True)
    spans = _spans(tokenizer, messages, ids)
    special = set(tokenizer.all_special_ids)
    out, message = [], 0
    for position, (token_id, name) in enumerate(zip(ids, tokenizer.convert_ids_to_tokens(ids))):
        while message < len(spans) and position >= spans[message][2]:
            message += 1
        if message < len(messages):
            begins, text_ends, _ = spans[message]
            out.append(TemplateToken(name, token_id, messages[message]["role"], message, token_id in special,
                                     begins <= position < text_ends))
        else:
            out.append(TemplateToken(name, token_id, GENERATION_PROMPT, None, token_id in special, False))
    return out
