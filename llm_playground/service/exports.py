"""Exported result files (JSON downloads), one folder per service, created on first use and pruned.

Each export goes into a fresh sub-folder (two users exporting the same name never collide). Whenever one is
written, files older than `ttl` go, and the oldest beyond the bounds: per owner (a client) and in all, in
files and in bytes. The bounds hold at all times (not only once an hour): however often exports are asked
for, they take at most MAX_EXPORT_BYTES plus the newest file.

The web app puts the folder inside Gradio's cache (`place_under`): Gradio serves a file from there as it is,
while a file from anywhere else it copies into the cache first, and those copies were bounded only by age
(~117 MB a minute per rate-limited client, issue #33).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

EXPORT_TTL_S = 3600
MAX_EXPORT_FILES = 200  # in all
MAX_FILES_PER_OWNER = 20  # per client: one visitor's exports cannot push everybody else's out
MAX_EXPORT_BYTES = 512 * 2**20  # in all
MAX_BYTES_PER_OWNER = 64 * 2**20


def safe_name(*parts) -> str:
    """A file name stem safe on every file system: generate-stories260K, attention-bert-base-uncased-..."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(str(p) for p in parts if p not in (None, ""))).strip("-.")[:120]


class ExportFolder:
    def __init__(self, ttl: float = EXPORT_TTL_S, max_files: int = MAX_EXPORT_FILES,
                 max_per_owner: int = MAX_FILES_PER_OWNER, max_bytes: int = MAX_EXPORT_BYTES,
                 max_bytes_per_owner: int = MAX_BYTES_PER_OWNER):
        self.ttl, self.max_files, self.max_per_owner = ttl, max_files, max_per_owner
        self.max_bytes, self.max_bytes_per_owner = max_bytes, max_bytes_per_owner
        self._parent: str | None = None  # None: the system's temporary folder
        self._root: Path | None = None
        self._private: Path | None = None
        self._lock = threading.Lock()
        self._pruning = threading.Lock()
        self._owned: dict[str, list[Path]] = {}  # owner (client address) -> its files, oldest first

    def place_under(self, parent: str) -> None:
        """Create the folder in `parent` (Gradio's cache) when it is first used; no-op once it exists."""
        with self._lock:
            self._parent = self._parent if self._root is not None else parent

    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                if self._parent is not None:
                    Path(self._parent).mkdir(parents=True, exist_ok=True)
                self._root = Path(tempfile.mkdtemp(prefix="playground-exports-", dir=self._parent))
            return self._root

    def write_json(self, stem: str, data: dict, indent: int | None = 1, owner: str = "local") -> Path:
        """`data` as <stem>.json in a fresh folder; indent=None writes compact JSON (big matrices). The owner's
        oldest exports beyond max_per_owner are deleted first."""
        path = Path(tempfile.mkdtemp(dir=self.root)) / f"{safe_name(stem) or 'result'}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=indent), encoding="utf-8")
        return self._own(path, owner)

    def write_zip(self, stem: str, folder: Path, owner: str = "local") -> Path:
        """The files of `folder` (a saved model) as <stem>.zip, owned and pruned like the JSON exports."""
        out = Path(tempfile.mkdtemp(dir=self.root)) / (safe_name(stem) or "model")
        return self._own(Path(shutil.make_archive(str(out), "zip", root_dir=folder)), owner)

    @property
    def private(self) -> Path:
        """A folder never served (outside Gradio's cache): fine-tuned models' files and training's scratch."""
        with self._lock:
            if self._private is None:
                self._private = Path(tempfile.mkdtemp(prefix="playground-private-"))
            return self._private

    def model_folder(self, name: str) -> Path:
        """A fresh folder for a fine-tuned model's files (not pruned: the model lives as long as the service,
        or until the fine-tuning module forgets it)."""
        folder = self.private / "models" / safe_name(name)
        folder.mkdir(parents=True, exist_ok=False)
        return folder

    def scratch_folder(self, prefix: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.private))

    def _own(self, path: Path, owner: str) -> Path:
        """Record the new file as the owner's, then prune: the owner's oldest beyond its bounds, then anyone's
        oldest beyond the bounds in all (the new file always stays)."""
        with self._pruning:  # one writer prunes at a time: two would list folders the other is deleting
            owned = [p for p in self._owned.get(owner, []) if p.exists()] + [path]
            keep = _newest_within(owned, self.max_per_owner, self.max_bytes_per_owner)
            self._owned[owner] = keep
            for old in owned[:len(owned) - len(keep)]:
                shutil.rmtree(old.parent, ignore_errors=True)
            self.prune(keep=path)
        return path

    def files(self) -> list[Path]:
        """The exports on disk, oldest first (a folder deleted while it is listed is left out)."""
        found = []
        for folder in _entries(self.root):
            found += [Path(f.path) for f in _entries(folder) if f.name.endswith((".json", ".zip"))]
        return sorted(found, key=_mtime)

    def size(self) -> int:
        """Bytes of the exports on disk now."""
        return sum(_size(p) for p in self.files())

    def prune(self, keep: Path | None = None) -> None:
        files, now = self.files(), time.time()
        fresh = [p for p in files if now - _mtime(p) <= self.ttl or p == keep]
        kept = set(_newest_within(fresh, self.max_files, self.max_bytes, keep))
        for old in files:
            if old not in kept:
                shutil.rmtree(old.parent, ignore_errors=True)

    def remove(self) -> None:
        with self._lock:
            folders, self._root, self._private = (self._root, self._private), None, None
        for folder in folders:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


def _newest_within(files: list[Path], count: int, size: int, keep: Path | None = None) -> list[Path]:
    """The newest of `files` (oldest first) that fit in `count` files and `size` bytes; the newest one, and
    `keep`, always stay (one export bigger than the bound is still delivered)."""
    kept, total = [], 0
    for index, path in enumerate(reversed(files)):
        total += _size(path)
        if index == 0 or path == keep or (len(kept) < count and total <= size):
            kept.append(path)
    return kept[::-1]


def _entries(folder) -> list:
    """The sub-entries of `folder` (a path or a DirEntry), or none if it is gone."""
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
