"""The app's messages to its users by key, made in the language asked for (#27).

errors.en.yaml and errors.ja.yaml hold one template per key, with {name} placeholders, and (in Japanese) the
words that messages put into their placeholders: a translator reviews them without reading Python. Code says
which message and with what values (`Message("text.empty", what=Word("prompt"))`, or an error raised so:
errors.py); the text is made once, in the page's language, never translated back from English.

A value that is itself a Message (a Word, a detail, an earlier error) is made in the same language. A key the
tables do not have is plain text, the same in every language: a message raised as an English sentence.
"""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "ja")


def _table(lang: str) -> dict:
    return yaml.safe_load((HERE / f"errors.{lang}.yaml").read_text(encoding="utf-8")) or {}


TABLES = {lang: _table(lang) for lang in LANGUAGES}
MESSAGES = {lang: TABLES[lang].get("messages") or {} for lang in LANGUAGES}
WORDS = {lang: TABLES[lang].get("words") or {} for lang in LANGUAGES}


def _language(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


class Message(str):
    """A message by key and values. The str is its English (logs, API answers, tests match it); `message(lang)`
    makes it in another language. A str, so code that only passes text along needs no change."""

    key: str
    values: dict

    def __new__(cls, key: str, /, **values):
        self = super().__new__(cls, cls._make(key, values, "en"))
        self.key, self.values = key, values
        return self

    def message(self, lang: str = "en") -> str:
        return self._make(self.key, self.values, _language(lang))

    def with_detail(self, detail: Message) -> Message:
        """This message with `detail` in brackets before its end: "…, got 2 (tiny-bert has 2 layers)."."""
        return Message("detail", message=Clause(self.key, **self.values), detail=detail)

    @classmethod
    def _make(cls, key: str, values: dict, lang: str) -> str:
        template = MESSAGES[lang].get(key) or MESSAGES["en"].get(key)
        if template is None:
            return key
        return template.format_map({k: v.message(lang) if isinstance(v, Message) else v for k, v in values.items()})


class Word(Message):
    """A word or phrase that a message puts into a placeholder (which text, which task), keyed by its English;
    one the tables do not translate stays English."""

    @classmethod
    def _make(cls, key: str, values: dict, lang: str) -> str:
        return WORDS[lang].get(key, key)


class Clause(Message):
    """A sentence used inside another, before a bracket: without its full stop. (A Japanese sentence ends in
    。, which stays: the bracket follows it.)"""

    @classmethod
    def _make(cls, key: str, values: dict, lang: str) -> str:
        return super()._make(key, values, lang).removesuffix(".")


def joined(messages: list[Message], lang: str = "en") -> str:
    """Sentences one after another, as the language writes them (Japanese puts no space after 。)."""
    lang = _language(lang)
    return TABLES[lang].get("sentence_separator", " ").join(m.message(lang) for m in messages)
