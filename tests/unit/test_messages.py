"""Messages by key (#27): every key of the tables (i18n/errors.en.yaml, errors.ja.yaml) has an English and a Japanese
template with the same placeholders; every error the package raises names a key the tables have, with the values
its template asks for; values that are words or other messages follow the language; a message raised as an
English sentence (no key) still shows, in English."""

from __future__ import annotations

import ast
import re
import string
from functools import cache
from pathlib import Path

import pytest

from llm_playground.checks import WHAT
from llm_playground.errors import InvalidInput, Message, ModelLoadError, PlaygroundError, Word
from llm_playground.i18n.messages import MESSAGES, WORDS, joined
from llm_playground.models.catalog import TASKS
from llm_playground.specs import DEFAULT_SPECS, TEXT

PACKAGE = Path(__file__).resolve().parents[2] / "llm_playground"
ERRORS = {"PlaygroundError", "InvalidInput", "ModelLoadError", "TaskNotSupported", "ClientGone", "EngineError",
          "EngineUnreachable", "RateLimited", "TooManyAtOnce"}
KEY = re.compile(r"[a-z_]+(?:\.[a-z0-9_]+)+")  # the shape of a key (text.empty, engine.no_model_list)

# serving/ answers HTTP callers (ApiError, HTTPException) in English by design; every other raise uses a key. A file
# that should raise English sentences for a while is listed here, with the keys it will use in PENDING_KEYS.
PENDING_FILES = {"serving/"}
PENDING_KEYS: set[str] = set()


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def test_every_key_has_english_and_japanese_with_the_same_placeholders():
    assert MESSAGES["en"].keys() == MESSAGES["ja"].keys()
    assert len(MESSAGES["en"]) > 100
    for key, english in MESSAGES["en"].items():
        japanese = MESSAGES["ja"][key]
        assert KEY.fullmatch(key) or key == "detail", key
        assert placeholders(english) == placeholders(japanese), key
        words = re.sub(r"{[^}]*}", "", english)  # a template of values only ("'{label}' ({url})") has no words
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", japanese) or not re.search(r"[a-z]{4}", words), key


def test_words_that_messages_carry_have_japanese():
    texts = {p.name for spec in DEFAULT_SPECS.values() for p in spec.params if p.kind == TEXT}
    needs = {spec.needs_internals for spec in DEFAULT_SPECS.values() if spec.needs_internals}
    words = {WHAT.get(name, name) for name in texts} | set(TASKS) | needs | {"held-out text", "no models"}
    assert not words - WORDS["ja"].keys()
    assert Word("prompt").message("ja") == "プロンプト" and Word("something else").message("ja") == "something else"


@cache
def raise_sites() -> list[tuple[str, int, str, ast.Call]]:
    """(file, line, the class or Message, the call) for every error or Message the package makes."""
    sites = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ERRORS | {"Message"} and node.args:
                    sites.append((path.relative_to(PACKAGE).as_posix(), node.lineno, name, node))
    return sites


def keys_of(arg: ast.expr) -> list[str] | None:
    """The keys an argument can be (both sides of `a if c else b`); None when it is not written there."""
    if isinstance(arg, ast.IfExp):
        sides = [keys_of(arg.body), keys_of(arg.orelse)]
        return None if None in sides else sides[0] + sides[1]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    return None


def is_pending(file: str) -> bool:
    return any(file == p or (p.endswith("/") and file.startswith(p)) for p in PENDING_FILES)


def test_every_error_is_raised_by_a_key_the_tables_have():
    english, unknown = [], []
    for file, line, _, call in raise_sites():
        arg = call.args[0]
        if isinstance(arg, (ast.JoinedStr, ast.BinOp)) or (keys_of(arg) and " " in "".join(keys_of(arg))):
            english.append(f"{file}:{line}")
        for key in keys_of(arg) or []:
            if " " not in key and key not in MESSAGES["en"]:
                unknown.append(f"{file}:{line} {key}")
    assert not unknown, unknown
    assert not [site for site in english if not is_pending(site.split(":")[0])], "raised as English sentences"


def test_pending_files_still_need_their_keys():
    """A pending file whose raises all use keys is taken off PENDING_FILES (so new English raises fail above)."""
    assert PENDING_KEYS <= MESSAGES["en"].keys()
    english = {file for file, _, _, call in raise_sites() if isinstance(call.args[0], (ast.JoinedStr, ast.BinOp))
               or (keys_of(call.args[0]) and " " in "".join(keys_of(call.args[0])))}
    for file in PENDING_FILES - {"serving/", "backends/local.py"}:
        if (PACKAGE / file).exists():
            assert file in english, f"{file} raises only keys now: take it off PENDING_FILES"


def test_every_key_constant_in_the_package_is_in_the_tables():
    """Keys chosen away from the raise (catalog's MISSING_HEAD, deep links' choice of message) exist too."""
    prefixes = {key.split(".")[0] for key in MESSAGES["en"]}
    missing = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.fullmatch(node.value):
                if node.value.split(".")[0] in prefixes and node.value not in MESSAGES["en"]:
                    missing.append(f"{path.relative_to(PACKAGE)}: {node.value}")
    assert not missing, missing


def test_each_raise_gives_the_values_its_template_asks_for():
    wrong = []
    for file, line, _, call in raise_sites():
        if any(k.arg is None for k in call.keywords):  # **values: checked where they are built
            continue
        given = {k.arg for k in call.keywords}
        for key in keys_of(call.args[0]) or []:
            if key in MESSAGES["en"] and given != placeholders(MESSAGES["en"][key]):
                wrong.append(f"{file}:{line} {key}: {sorted(given)} != {sorted(placeholders(MESSAGES['en'][key]))}")
    assert not wrong, wrong


def test_an_error_is_made_once_in_each_language():
    error = InvalidInput("text.too_long", what=Word("prompt"), n=100_000, limit=5_000)
    assert str(error) == "The prompt has 100,000 characters; the limit is 5,000." == error.message("en")
    assert error.message("ja") == "プロンプトは 100,000 文字あります。上限は 5,000 文字です。"
    assert error.key == "text.too_long" and error.values["n"] == 100_000
    assert error.message("fr") == str(error)  # a language without tables: English


def test_a_detail_and_a_wrapped_error_follow_the_language():
    detailed = Message("number.out_of_range", name="layer", range="[0, 1]", got="2").with_detail(
        Message("detail.layers", model="tiny-bert", n=2))
    assert detailed == "layer must be in [0, 1], got 2 (tiny-bert has 2 layers)."
    assert detailed.message("ja") == ("layer は [0, 1] の範囲で指定してください（2 が渡されました）。"
                                      "（tiny-bert の層は 2 個です）。")
    first = ModelLoadError("load.not_on_hub", model="gpt3")
    again = ModelLoadError("load.failed_recently", message=first.text, ago=3.2, wait=26.8)
    assert str(again).endswith("(e.g. 'gpt2'). (It failed 3 s ago; it will be tried again in 27 s.)")
    assert again.message("ja").startswith("モデル 'gpt3' は Hugging Face Hub に見つかりません。")
    assert PlaygroundError(again.text).message("ja") == again.message("ja")  # a job's error, raised again


def test_a_message_without_a_key_is_shown_as_it_is():
    """Raise sites not converted yet, and third parties' text passed along, stay readable in every language."""
    error = InvalidInput("The prompt is 7 tokens; with max_new_tokens=100 it exceeds x's context of 5 tokens.")
    assert str(error) == error.message("en") == error.message("ja") == error.key
    braces = PlaygroundError("Engine said {oops}")  # not a template: never formatted
    assert braces.message("ja") == "Engine said {oops}"


def test_sentences_are_joined_as_each_language_writes_them():
    problems = [Message("link.unreadable"), Message("link.not_run")]
    assert joined(problems) == ("The link could not be read; ignored. "
                                "The link's model is not available, so it was not run.")
    assert joined(problems, "ja") == ("リンクを読めなかったため無視しました。"
                                      "リンクのモデルが使えないため、実行しませんでした。")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_template_can_be_made(lang):
    """Format specs ({n:,}) and braces in every template work with numbers for numbers."""
    for key, template in MESSAGES[lang].items():
        values = {name: 1234 for name in placeholders(template)}
        assert Message(key, **values).message(lang), key
