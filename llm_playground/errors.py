"""User-facing errors.

Every problem a user can cause or hit (bad input, unknown model, offline Hub, missing head) is raised as a
PlaygroundError with a key of the message tables (i18n/errors.en.yaml, errors.ja.yaml) and its values:
`InvalidInput("text.empty", what=Word("prompt"))`. `str(error)` is the English message (logs, API answers);
the UI shows `error.message(lang)`, made in the page's language. Anything else is a bug and is logged, not
shown as a traceback.
"""

from __future__ import annotations

from .i18n.messages import Message, Word

__all__ = ["ClientGone", "EngineError", "EngineUnreachable", "InvalidInput", "Message", "ModelLoadError",
           "PlaygroundError", "TaskNotSupported", "Word"]


class PlaygroundError(Exception):
    """An error whose message is safe and useful to show to the user as-is. Raised with a key and values, or
    with a Message (an earlier error's, wrapped); a plain English sentence instead of a key is shown as it is
    in every language."""

    def __init__(self, key: str | Message, /, **values):
        self.text = key if isinstance(key, Message) and not values else Message(key, **values)
        super().__init__(str(self.text))

    @property
    def key(self) -> str:
        return self.text.key

    @property
    def values(self) -> dict:
        return self.text.values

    def message(self, lang: str = "en") -> str:
        return self.text.message(lang)

    def __reduce__(self):
        """Pickled as its class and message: a ZeroGPU worker sends it back to the main process (gpu_calls.py)."""
        return type(self), (self.text,)


class ModelLoadError(PlaygroundError):
    """A model or tokenizer could not be loaded."""


class TaskNotSupported(PlaygroundError):
    """The model has no head (or tokenizer feature) for the requested task."""


class InvalidInput(PlaygroundError):
    """Request parameters or text are out of range."""


class ClientGone(PlaygroundError):
    """The caller disconnected (or never read its result): the work was stopped."""


class EngineError(PlaygroundError):
    """An inference engine could not be reached, failed, or answered something unusable."""


class EngineUnreachable(EngineError):
    """No connection to the engine could be made (down, still starting, wrong address)."""
