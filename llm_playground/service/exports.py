"""Exported result files (JSON downloads), one folder per service, created on first use and pruned.

Each export goes into a fresh sub-folder (two users exporting the same name never collide); files
older than `ttl` and, beyond `max_files`, the oldest ones are deleted whenever a new one is written,
so exports cannot fill the disk however often they are asked for.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

EXPORT_TTL_S = 3600
MAX_EXPORT_FILES = 200  # in all
MAX_FILES_PER_OWNER = 20  # per client: one visitor's exports cannot push everybody else's out


def safe_name(*parts) -> str:
    """A file name stem safe on every file system: generate-stories260K, attention-bert-base-uncased-..."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(str(p) for p in parts if p not in (None, ""))).strip("-.")[:120]


class ExportFolder:
    def __init__(self, ttl: float = EXPORT_TTL_S, max_files: int = MAX_EXPORT_FILES,
                 max_per_owner: int = MAX_FILES_PER_OWNER):
        self.ttl, self.max_files, self.max_per_owner = ttl, max_files, max_per_owner
        self._root: Path | None = None
        self._lock = threading.Lock()
        self._owned: dict[str, list[Path]] = {}  # owner (client address) -> its files, oldest first

    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="playground-exports-"))
            return self._root

    def write_json(self, stem: str, data: dict, indent: int | None = 1, owner: str = "local") -> Path:
        """`data` as <stem>.json in a fresh folder; indent=None writes compact JSON (big matrices). The owner's
        oldest exports beyond max_per_owner are deleted first."""
        self.prune()
        path = Path(tempfile.mkdtemp(dir=self.root)) / f"{safe_name(stem) or 'result'}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=indent), encoding="utf-8")
        return self._own(path, owner)

    def write_zip(self, stem: str, folder: Path, owner: str = "local") -> Path:
        """The files of `folder` (a saved model) as <stem>.zip, owned and pruned like the JSON exports."""
        self.prune()
        out = Path(tempfile.mkdtemp(dir=self.root)) / (safe_name(stem) or "model")
        return self._own(Path(shutil.make_archive(str(out), "zip", root_dir=folder)), owner)

    def model_folder(self, name: str) -> Path:
        """A fresh folder for a fine-tuned model's files (not pruned: the model lives as long as the service,
        or until the fine-tuning module forgets it)."""
        folder = self.root / "models" / safe_name(name)
        folder.mkdir(parents=True, exist_ok=False)
        return folder

    def _own(self, path: Path, owner: str) -> Path:
        with self._lock:
            owned = [p for p in self._owned.get(owner, []) if p.exists()] + [path]
            stale, self._owned[owner] = owned[:-self.max_per_owner], owned[-self.max_per_owner:]
        for old in stale:
            shutil.rmtree(old.parent, ignore_errors=True)
        return path

    def files(self) -> list[Path]:
        return sorted([*self.root.glob("*/*.json"), *self.root.glob("*/*.zip")], key=_mtime)

    def prune(self) -> None:
        files, now = self.files(), time.time()
        for index, old in enumerate(files):
            if now - _mtime(old) > self.ttl or len(files) - index >= self.max_files:
                shutil.rmtree(old.parent, ignore_errors=True)

    def remove(self) -> None:
        with self._lock:
            root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
