"""Fine-tune a causal LM on a text with the transformers Trainer, as the course teaches.

preprocess (`blocks`): tokenize the text once and cut the ids into blocks of `max_seq_len` tokens (the
course's group_texts: the remainder that does not fill a block is dropped; a text shorter than one block is
one block). forward (`train`): TrainingArguments + Trainer + trainer.train(), with a TrainerCallback that
records the loss curve and honours a Stop flag and a time bound through control.should_training_stop, so a
stopped run ends at a step boundary and keeps its weights. `perplexity` is exp(mean next-token NLL) over
the same blocks, computed here without the Trainer so tests can check it independently.

No gradio here; the caller (service/finetune.py) owns threads, folders and the model manager.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from ..errors import InvalidInput, Word

STOPPED, TIMED_OUT, FINISHED = "stopped", "timed out", "finished"
MIN_TOKENS = 4  # BOS and three tokens: anything shorter has almost nothing to predict


@dataclass(frozen=True)
class TrainConfig:
    max_steps: int = 60
    learning_rate: float = 1e-3
    batch_size: int = 8
    max_seq_len: int = 64
    max_seconds: float = 120.0
    seed: int = 0

    def logging_steps(self) -> int:
        return max(1, self.max_steps // 50)  # ~50 points on the curve whatever the number of steps

    def eval_steps(self) -> int:
        return max(1, self.max_steps // 10)


@dataclass
class Point:
    step: int
    train_loss: float | None = None
    eval_loss: float | None = None


@dataclass
class Progress:
    """What the callback has seen so far; read by other threads (copy with `snapshot`)."""
    max_steps: int
    step: int = 0
    elapsed: float = 0.0
    points: list[Point] = field(default_factory=list)
    reason: str = ""  # FINISHED, STOPPED or TIMED_OUT once training ended

    @property
    def steps_per_second(self) -> float:
        return self.step / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        rate = self.steps_per_second
        return (self.max_steps - self.step) / rate if rate > 0 else None

    def snapshot(self) -> dict:
        return {"step": self.step, "max_steps": self.max_steps, "elapsed": round(self.elapsed, 3),
                "steps_per_second": round(self.steps_per_second, 3),
                "eta": None if self.eta is None else round(self.eta, 1), "reason": self.reason,
                "train_loss": [(p.step, p.train_loss) for p in list(self.points) if p.train_loss is not None],
                "eval_loss": [(p.step, p.eval_loss) for p in list(self.points) if p.eval_loss is not None]}


def token_ids(tokenizer, text: str) -> list[int]:
    """The text's ids as the course tokenizes it (with the tokenizer's BOS), without a trailing EOS."""
    ids = tokenizer(text)["input_ids"]
    if len(ids) > 1 and ids[-1] == tokenizer.eos_token_id:
        ids = ids[:-1]
    return ids


def blocks(tokenizer, text: str, max_seq_len: int, what: str = "training text") -> list[list[int]]:
    """The text cut into blocks of max_seq_len tokens (a shorter text: one block of all its tokens)."""
    ids = token_ids(tokenizer, text)
    if len(ids) < MIN_TOKENS:
        raise InvalidInput("finetune.too_short", what=Word(what), n=len(ids))
    size = min(max_seq_len, len(ids))
    return [ids[i:i + size] for i in range(0, len(ids) - size + 1, size)]


def dataset(chunks: list[list[int]]) -> list[dict]:
    """A list is a map-style dataset for the Trainer: labels = input_ids (the model shifts them)."""
    return [{"input_ids": c, "labels": list(c)} for c in chunks]


class ProgressCallback:
    """Records losses into `progress` and stops training when `stop` is set or `max_seconds` passed."""

    def __init__(self, progress: Progress, stop: threading.Event, max_seconds: float,
                 clock: Callable[[], float] = time.monotonic):
        self.progress, self.stop, self.max_seconds, self.clock = progress, stop, max_seconds, clock
        self.start = clock()

    # TrainerCallback's hooks, duck-typed (make_callback wraps this into a real TrainerCallback).
    def on_step_end(self, args, state, control, **_):
        self.progress.step, self.progress.elapsed = state.global_step, self.clock() - self.start
        if self.stop.is_set():
            self.progress.reason = STOPPED
        elif self.progress.elapsed > self.max_seconds:
            self.progress.reason = TIMED_OUT
        if self.progress.reason:  # log (and evaluate) this last step: the curve and the result end where it stopped
            control.should_training_stop = control.should_log = True
            control.should_evaluate = args.eval_strategy != "no"
        return control

    def on_log(self, args, state, control, logs=None, **_):
        logs = logs or {}
        if "loss" in logs:
            self.progress.points.append(Point(state.global_step, train_loss=float(logs["loss"])))
        if "eval_loss" in logs:
            self.progress.points.append(Point(state.global_step, eval_loss=float(logs["eval_loss"])))
        return control


def make_callback(progress: Progress, stop: threading.Event, max_seconds: float):
    from transformers import TrainerCallback

    class _Callback(ProgressCallback, TrainerCallback):
        pass

    return _Callback(progress, stop, max_seconds)


def training_arguments(cfg: TrainConfig, output_dir: str, with_eval: bool, use_cpu: bool):
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=output_dir, max_steps=cfg.max_steps, learning_rate=cfg.learning_rate,
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
        logging_steps=cfg.logging_steps(), logging_first_step=True, eval_strategy="steps" if with_eval else "no",
        eval_steps=cfg.eval_steps() if with_eval else None, save_strategy="no", report_to=[],
        seed=cfg.seed, data_seed=cfg.seed, use_cpu=use_cpu, disable_tqdm=True)


@dataclass
class TrainOutcome:
    steps: int
    training_loss: float  # the Trainer's mean over the steps run (TrainOutput.training_loss)
    last_loss: float | None  # the last logged training loss
    seconds: float
    reason: str


def train(model, tokenizer, train_chunks: list[list[int]], eval_chunks: list[list[int]] | None, cfg: TrainConfig,
          output_dir: str, progress: Progress, stop: threading.Event) -> TrainOutcome:
    """Train `model` in place (it ends in eval mode). Seeded: the same inputs give the same weights on a CPU."""
    from transformers import PrinterCallback, Trainer, default_data_collator, set_seed

    set_seed(cfg.seed)
    model.train()
    trainer = Trainer(model=model, args=training_arguments(cfg, output_dir, bool(eval_chunks),
                                                           str(model.device) == "cpu"),
                      train_dataset=dataset(train_chunks), eval_dataset=dataset(eval_chunks) if eval_chunks else None,
                      data_collator=default_data_collator,
                      callbacks=[make_callback(progress, stop, cfg.max_seconds)])
    trainer.remove_callback(PrinterCallback)  # the server log is not the place for every step's loss
    start = time.monotonic()
    try:
        out = trainer.train()
    finally:
        model.eval()
    progress.reason = progress.reason or FINISHED
    losses = [p.train_loss for p in progress.points if p.train_loss is not None]
    return TrainOutcome(trainer.state.global_step, float(out.training_loss), losses[-1] if losses else None,
                        time.monotonic() - start, progress.reason)


@torch.no_grad()
def perplexity(model, chunks: list[list[int]]) -> tuple[float, int]:
    """(exp(mean NLL of every predicted token), number of predicted tokens) over the blocks."""
    total, count = 0.0, 0
    for chunk in chunks:
        ids = torch.tensor([chunk], device=model.device)
        logits = model(ids).logits[0, :-1].float()  # (T-1, V): position t predicts token t+1
        nll = torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="sum")
        total, count = total + nll.item(), count + ids.shape[1] - 1
    return math.exp(total / count), count
