"""A fine-tuning run as the tab and the API see it: its Job (state, progress, Stop flag, result) and `wait`,
which streams the Job's state until it ends. service/finetune.py creates and runs them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..tasks import finetune as ft
from ..tasks import finetune_compare as cmp

RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass
class FineTuneResult:
    model: str  # the registered name
    base: str
    source: str  # the base checkpoint (for Copy as Python)
    train: ft.TrainOutcome
    perplexity_before: float | None
    perplexity_after: float | None
    eval_tokens: int
    comparisons: list[cmp.PromptComparison]
    folder: Path

    def to_dict(self) -> dict:
        t = self.train
        return {"model": self.model, "base": self.base, "steps": t.steps, "reason": t.reason,
                "training_loss": t.training_loss, "last_loss": t.last_loss, "seconds": round(t.seconds, 3),
                "perplexity_before": self.perplexity_before, "perplexity_after": self.perplexity_after,
                "eval_tokens": self.eval_tokens, "comparisons": [c.to_dict() for c in self.comparisons]}


@dataclass
class Job:
    id: str
    client: str
    base: str
    values: dict[str, Any]
    progress: ft.Progress
    stop: threading.Event = field(default_factory=threading.Event)
    status: str = RUNNING
    phase: str = "preparing"  # preparing, measuring, training, saving
    error: str = ""  # a Message: the tab shows it in the page's language
    result: FineTuneResult | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return f"{self.base}+ft-{self.id}"

    def snapshot(self) -> dict:
        """JSON-able state for the UI and the streaming API (safe to call from any thread)."""
        out = {"status": self.status, "phase": self.phase, "model": self.name, "base": self.base,
               **self.progress.snapshot()}
        if self.error:
            out["error"] = str(self.error)  # its English
        if self.result is not None:
            out["result"] = self.result.to_dict()
        return out


@dataclass
class Prepared:
    model: Any  # the copy that will be trained
    tokenizer: Any
    source: str
    train_chunks: list
    eval_chunks: list | None
    nbytes: int


def wait(job: Job, every: float = 0.5, keep_going: Callable[[], bool] = lambda: True):
    """Yield the job's snapshot every `every` seconds until it ends (the last one is final). When the
    reader goes away (`keep_going` says False, or the generator is closed), the run is stopped."""
    try:
        while not job.done.wait(every):
            if not keep_going():
                job.stop.set()
                return
            yield job.snapshot()
        yield job.snapshot()
    finally:
        if not job.done.is_set():
            job.stop.set()


