"""Fine-tuning runs: admission, a background thread per run, and the fine-tuned models it registers.

One FineTuner per service (service.fine_tuner). `start` checks everything a user can get wrong before any
thread starts (deployment switch, parameters, one run per client, the global limit, text length, memory)
and returns the Job; the run then trains a copy of the base model (tasks/finetune.py), measures before and
after (tasks/finetune_compare.py), saves it to the service's exports folder and registers it in the
catalogue as `<base>+ft-<id>`, a local model every causal-LM tab can load (and the manager evicts like
any other). `stop` sets the run's Stop flag; the Trainer callback ends training at the next step boundary.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import secrets
import shutil
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable

from ..backends.base import ModelInfo
from ..errors import InvalidInput, Message, PlaygroundError
from ..models.catalog import ATTENTION, GENERATION, TOKENIZER, ModelEntry
from ..models.sizes import model_bytes
from ..tasks import finetune as ft
from ..tasks import finetune_compare as cmp
from ..tasks.encoder import usable_positions
from . import reproduce
from .finetune_jobs import DONE, FAILED, RUNNING, FineTuneResult, Job, Prepared

log = logging.getLogger(__name__)
MAX_JOBS = 50  # finished runs remembered (one per client) for their result; the oldest are forgotten
MAX_FINE_TUNED = 6  # registered fine-tuned models kept per server; the oldest is forgotten beyond this
TRAINING_BYTES_FACTOR = 4  # weights + gradients + AdamW's two moments, all float32


class FineTuner:
    def __init__(self, service):
        self.service = service
        self.client_key: Callable[[], str] = lambda: "local"  # the UI app sets who is asking (ui/app.py)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # client -> its latest run
        self._models: OrderedDict[str, Path] = OrderedDict()  # registered name -> folder, oldest first

    @property
    def settings(self):
        return self.service.settings

    # ---- public -------------------------------------------------------------------------------
    def start(self, model: str, train_text: str, eval_text: str = "", client: str | None = None, **raw) -> Job:
        if not self.settings.fine_tune:
            raise InvalidInput("finetune.off")
        values = self.service.check("fine-tune", model=model, train_text=train_text, eval_text=eval_text, **raw)
        client = client or self.client_key()
        job = self._admit(client, values)
        try:
            prepared = self.service.workers.call(self._prepare, values)  # loads and copies: torch, on a model thread
            reservation = contextlib.ExitStack()
            reservation.enter_context(self.service.manager.reserve(Message("memory.fine_tuning", model=job.base),
                                                                     prepared.nbytes))
            threading.Thread(target=self._run, args=(job, prepared, reservation), daemon=True,
                             name=f"fine-tune-{job.id}").start()
        except BaseException:
            self._release(job)
            raise
        return job

    def stop(self, client: str | None = None) -> bool:
        job = self._jobs.get(client or self.client_key())
        if job is None or job.status != RUNNING:
            return False
        job.stop.set()
        return True

    def job(self, client: str | None = None) -> Job | None:
        return self._jobs.get(client or self.client_key())

    def running(self) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.status == RUNNING]

    def close(self, timeout: float = 10.0) -> None:
        jobs = self.running()
        for job in jobs:
            job.stop.set()
        for job in jobs:
            job.done.wait(timeout)

    # ---- admission ----------------------------------------------------------------------------
    def _admit(self, client: str, values: dict) -> Job:
        entry = self.service.catalog.resolve(values["model"], GENERATION)
        with self._lock:
            mine = self._jobs.get(client)
            if mine is not None and mine.status == RUNNING:
                raise InvalidInput("finetune.already_running", name=mine.name)
            cap = self.settings.fine_tune_jobs
            if sum(j.status == RUNNING for j in self._jobs.values()) >= cap:
                raise InvalidInput("finetune.busy" if cap > 1 else "finetune.busy_one", cap=cap)
            job = Job(secrets.token_hex(3), client, entry.name, values, ft.Progress(values["max_steps"]))
            self._jobs.pop(client, None)
            self._jobs[client] = job  # newest last: beyond MAX_JOBS, the oldest finished runs are forgotten
            for old in [c for c, j in self._jobs.items() if j.status != RUNNING][:-MAX_JOBS]:
                del self._jobs[old]
        return job

    def _release(self, job: Job) -> None:
        with self._lock:
            if self._jobs.get(job.client) is job:
                del self._jobs[job.client]

    def _prepare(self, values: dict) -> Prepared:
        """A float32 copy of the base model and the text cut into blocks; refusals before any thread starts."""
        # float32 weights, also where the app serves 16-bit ones (a GPU): training starts from the checkpoint's
        # own numbers, as the Copy-as-Python code does (on a CPU this is the copy every tab uses).
        with self.service.using(values["model"], "fine-tune", "float32") as loaded, loaded.lock:
            model = copy.deepcopy(loaded.model)
            tokenizer, source = loaded.tokenizer, loaded.entry.source
        context = usable_positions(model.config)
        if context and values["max_seq_len"] > context:
            raise InvalidInput("finetune.seq_too_long", n=values["max_seq_len"], model=values["model"],
                               context=context)
        train_chunks = ft.blocks(tokenizer, values["train_text"], values["max_seq_len"])
        eval_chunks = (ft.blocks(tokenizer, values["eval_text"], values["max_seq_len"], "held-out text")
                       if values["eval_text"] else None)
        return Prepared(model, tokenizer, source, train_chunks, eval_chunks,
                        model_bytes(model) * TRAINING_BYTES_FACTOR)

    # ---- the run (its own thread) ---------------------------------------------------------------
    def _run(self, job: Job, p: Prepared, reservation: contextlib.ExitStack) -> None:
        output_dir = str(self.service.exports.scratch_folder("trainer-"))
        try:
            # One core, counted as computing: the lead model thread steps down meanwhile, so that this thread
            # starts no second OpenMP team and the page's requests keep the other core (cores.py).
            with reservation, self.service.workers.cores.computing():
                job.result = self._train(job, p, output_dir)
            job.status = DONE
        except Exception as exc:  # noqa: BLE001 - a run's failure is reported on the job, never raised
            if not isinstance(exc, PlaygroundError):
                log.exception("fine-tuning %s failed", job.name)
            job.error = exc.text if isinstance(exc, PlaygroundError) else (
                Message("finetune.failed", error=type(exc).__name__))
            job.status = FAILED
        finally:
            shutil.rmtree(output_dir, ignore_errors=True)
            job.done.set()

    def _train(self, job: Job, p: Prepared, output_dir: str) -> FineTuneResult:
        v = job.values
        job.phase = "measuring"
        prompts = cmp.pick_prompts(p.tokenizer, v["eval_text"] or v["train_text"])
        before = cmp.measure(p.model, p.tokenizer, prompts)
        ppl_before = ft.perplexity(p.model, p.eval_chunks) if p.eval_chunks else (None, 0)
        if p.eval_chunks:  # the curve starts where the base model stands: step 0, log(perplexity) = its eval loss
            job.progress.points.append(ft.Point(0, eval_loss=math.log(ppl_before[0])))
        job.phase = "training"
        cfg = ft.TrainConfig(v["max_steps"], v["learning_rate"], v["batch_size"], v["max_seq_len"],
                             v["max_seconds"], v["seed"])
        outcome = ft.train(p.model, p.tokenizer, p.train_chunks, p.eval_chunks, cfg, output_dir, job.progress, job.stop)
        job.phase = "saving"
        after = cmp.measure(p.model, p.tokenizer, prompts)
        ppl_after = ft.perplexity(p.model, p.eval_chunks) if p.eval_chunks else (None, 0)
        folder = self._register(job, p)
        return FineTuneResult(job.name, job.base, p.source, outcome, ppl_before[0], ppl_after[0], ppl_after[1],
                              cmp.compare(p.tokenizer, prompts, before, after), folder)

    def _register(self, job: Job, p: Prepared) -> Path:
        """Save the weights, config and tokenizer, and offer the folder as a local model."""
        folder = self.service.exports.model_folder(job.name)
        p.model.save_pretrained(folder)
        p.tokenizer.save_pretrained(folder)
        catalog = self.service.catalog
        catalog.add(ModelEntry(job.name, str(folder), frozenset({GENERATION, TOKENIZER, ATTENTION}), local=True,
                               description=f"fine-tuned from {job.base}"))
        with self._lock:
            self._models[job.name] = folder
            forget = list(self._models.items())[:-MAX_FINE_TUNED]
            for name, _ in forget:
                del self._models[name]
        for name, old in forget:
            catalog.remove(name)
            self.service.manager.unload(name)
            shutil.rmtree(old, ignore_errors=True)
        return folder

    def fine_tuned(self) -> list[str]:
        with self._lock:
            return list(self._models)

    # ---- what a finished run offers -------------------------------------------------------------
    def python(self, job: Job) -> str:
        """Copy as Python: the Trainer code that reproduces the run (stopped runs stop at the same step)."""
        r = job.result
        info = ModelInfo(r.base, r.source, self.service.catalog.entries.get(r.base, ModelEntry("", "", frozenset())
                                                                             ).local)
        stopped_at = r.train.steps if r.train.reason != ft.FINISHED else None
        return reproduce.python_code("fine-tune", job.values, info, stopped_at=stopped_at)

    def download(self, job: Job, owner: str = "local") -> Path:
        """The fine-tuned model (model.safetensors, config.json, tokenizer files) as a zip in the exports."""
        return self.service.exports.write_zip(job.name, job.result.folder, owner)
