"""The inference engines of one service (--engine URL), and the models they serve.

Each engine's GET /v1/models is asked when its models are first needed (start-up builds the model
picker) and again, at most every RETRY_SECONDS, while it has not answered: an engine that is down at
start-up leaves the app working with its local models, says which engine is down, and its models
appear once it answers. Model names are '<engine model id>@<engine label>': '@' is in no Hub id, so an
engine model never shadows a catalogue model (a local folder of exactly that name would win).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import PurePosixPath

from ...errors import EngineError, Message, TaskNotSupported, Word
from .backend import ServedModel
from .client import EngineClient, quoted
from .tokens import TokenTexts

log = logging.getLogger(__name__)
RETRY_SECONDS = 15.0  # an engine that did not answer is asked again at most this often
RELIST_SECONDS = 300.0  # one that did, to see models it started serving since
SEPARATOR = "@"
@dataclass
class EngineStatus:
    up: bool | None = None  # None: never asked
    error: str = ""  # why it is down: a Message where the engine's error had one (shown in the page's language)
    checked: float = 0.0  # time.monotonic() of the last listing


class EngineRegistry:
    def __init__(self, settings):
        self.clients = [EngineClient(spec, i, settings.engine_api_key, settings.engine_timeout,
                                     max_connections=settings.engine_concurrency + 8,
                                     stream_interval=settings.engine_stream_interval)
                        for i, spec in enumerate(settings.engines)]
        labels = [c.label for c in self.clients]
        if len(set(labels)) != len(labels):
            raise ValueError(f"Two engines share a name ({', '.join(labels)}): name them NAME=URL.")
        self._lock = threading.Lock()
        self._status = {c.label: EngineStatus() for c in self.clients}
        self._models: dict[str, ServedModel] = {}
        self._texts: dict[str, TokenTexts] = {}

    def __bool__(self) -> bool:
        return bool(self.clients)

    # ---- listing ----------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """List the engines due: not answering (every RETRY_SECONDS), answering (every RELIST_SECONDS)."""
        now = time.monotonic()
        for client in self.clients:
            status = self._status[client.label]
            if force or now - status.checked >= (RELIST_SECONDS if status.up else RETRY_SECONDS):
                self._list(client)

    def _list(self, client: EngineClient) -> None:
        status = self._status[client.label]
        status.checked = time.monotonic()
        try:
            served = [self._served(client, m) for m in client.list_models()]
        except EngineError as exc:
            if status.up is not False:
                log.warning("%s Its models are listed once it answers (retried every %g s).", exc, RETRY_SECONDS)
            status.up, status.error = False, exc.text
            return
        with self._lock:
            for name in [n for n, m in self._models.items() if m.client is client]:
                del self._models[name]
            self._models.update((m.name, m) for m in served)
        status.up, status.error = True, ""
        log.info("engine '%s' (%s) serves: %s", client.label, client.shown_url, ", ".join(m.name for m in served))

    @staticmethod
    def _served(client: EngineClient, entry: dict) -> ServedModel:
        length = entry.get("max_model_len")
        root = entry.get("root")
        return ServedModel(f"{entry['id']}{SEPARATOR}{client.label}", entry["id"], client,
                           length if isinstance(length, int) and length > 0 else None,
                           root if isinstance(root, str) else None)

    def mark_down(self, client: EngineClient, error: str) -> None:
        """A request found the engine unreachable: list it again before offering its models as up."""
        status = self._status[client.label]
        status.up, status.error, status.checked = False, error, time.monotonic()

    # ---- lookups ----------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """The models of the engines answering now (a model of an engine that went down stays known to
        find(), whose requests then say the engine cannot be reached)."""
        self.refresh()
        with self._lock:
            return [n for n, m in self._models.items() if self._status[m.client.label].up]

    def find(self, name) -> ServedModel | None:
        """The served model called `name`; None when the name is not an engine's. A name for an engine
        that is down gets an EngineError saying so."""
        if not isinstance(name, str) or SEPARATOR not in name or not self.clients:
            return None
        name = name.strip()
        if name not in self._models:
            self.refresh()
        with self._lock:
            served = self._models.get(name)
        if served is not None:
            return served
        client = self.client_for(name)
        if client is None:
            return None
        status = self._status[client.label]
        if status.up is False:
            raise EngineError("engine.down", model=quoted(name, 120), label=client.label, error=status.error)
        offered = ", ".join(m.name for m in self._models.values() if m.client is client) or Word("no models")
        raise EngineError("engine.no_such_model", label=client.label, url=client.shown_url,
                          model=quoted(name.rpartition(SEPARATOR)[0], 120), models=offered)

    def client_for(self, name: str) -> EngineClient | None:
        label = name.rpartition(SEPARATOR)[2]
        return next((c for c in self.clients if c.label == label), None)

    def is_engine_model(self, name) -> bool:
        return isinstance(name, str) and SEPARATOR in name and self.client_for(name.strip()) is not None

    def texts(self, served: ServedModel) -> TokenTexts:
        with self._lock:
            return self._texts.setdefault(served.name, TokenTexts(served.client, served.id))

    # ---- what users are told ----------------------------------------------------------------------
    def local_twin(self, name: str, local_names: list[str]) -> str | None:
        """The local model that is the same checkpoint as this engine model (by name or by the served path)."""
        served = self._models.get(name.strip())
        candidates = [name.strip().rpartition(SEPARATOR)[0]]
        if served is not None and served.root:
            candidates += [served.root, PurePosixPath(served.root).name]
        return next((c for c in candidates if c in local_names), None)

    def generation_only(self, name: str, needs: str, local_names: list[str]) -> TaskNotSupported:
        """Why an engine model cannot serve a task (`needs`: what the task needs the internals for, its spec's
        needs_internals), naming the same checkpoint when it exists locally."""
        name = name.strip()
        client = self.client_for(name)
        twin = self.local_twin(name, local_names)
        where = Message("engine.where", label=client.label, url=client.shown_url) if client else Word("an engine")
        values = dict(model=quoted(name, 120), where=where, needs=Word(needs))
        if twin:
            return TaskNotSupported("engine.generation_only_twin", twin=twin, **values)
        return TaskNotSupported("engine.generation_only", **values)

    def status(self) -> list[dict]:
        with self._lock:
            models = list(self._models.values())
        return [{"engine": c.label, "url": c.shown_url, "up": self._status[c.label].up,
                 "error": str(self._status[c.label].error),
                 "models": [{"model": m.name, "id": m.id, "max_model_len": m.max_model_len}
                            for m in models if m.client is c]} for c in self.clients]

    def close(self) -> None:
        for client in self.clients:
            client.close()
