"""User-facing errors.

Every problem a user can cause or hit (bad input, unknown model, offline Hub, missing head)
is raised as a PlaygroundError with a message written for that user. The UI turns it into a
gr.Error; anything else is a bug and is logged, not shown as a traceback.
"""


class PlaygroundError(Exception):
    """An error whose message is safe and useful to show to the user as-is."""


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
