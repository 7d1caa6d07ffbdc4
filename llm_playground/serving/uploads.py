"""Files sent to /gradio_api/upload: who sent them, and how much of them may wait on disk.

Gradio takes any number of files of any size from anyone and keeps them (and serves them back to anyone with
the path) for at least an hour. Here an upload is taken only where a tab has a file input (Fine-tune), one
file per request and at most MAX_UPLOAD_BYTES; what waits for the tab that reads it is bounded per client
(bytes and files) and in all; the tab deletes a file once read (ui/tabs/finetune.py), and one nobody read is
deleted after `upload_max_age`. An event's file input takes only a file its own client uploaded (not another
client's, not a URL Gradio would download), and uploads are never served back (serving/gate.py). Gradio names
a file by its content, so two clients sending the same bytes got one path, and the first to load it deleted the
other's: a client whose file is another's gets its own name for it (a hard link in a folder of its own).

State is touched on the event loop only (the gate's calls), so it needs no lock; the tab deletes files from
another thread, which the next sweep notices.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..tasks.text_upload import MAX_UPLOAD_BYTES
from .doors import Refused

MULTIPART_SLACK = 4096  # bytes of multipart framing around one file (boundaries, part headers)
SWEEP_EVERY = 5.0  # seconds between sweeps when nothing else asks for one
GRADIO_FOLDER = re.compile(r"[0-9a-f]{64}")


@dataclass
class Upload:
    client: str
    size: int
    at: float


def real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def remove(path: str) -> None:
    """Delete an uploaded file, and the folder Gradio made for it (named by a SHA-256 of the upload) once empty:
    a file elsewhere never takes its folder with it."""
    file = Path(path)
    file.unlink(missing_ok=True)
    if GRADIO_FOLDER.fullmatch(file.parent.name):
        try:
            file.parent.rmdir()
        except OSError:  # not empty (another name, same content), or gone
            pass


def own_name(path: str) -> str:
    """The same file under a new name, in a fresh folder named as Gradio names its own (so `remove` takes the
    folder with it): a hard link, or a copy where the file system has none."""
    folder = Path(path).parent.parent / secrets.token_hex(32)
    folder.mkdir()
    mine = folder / Path(path).name
    try:
        os.link(path, mine)
    except FileNotFoundError:  # its first owner loaded (and deleted) it meanwhile
        folder.rmdir()
        raise Refused(503, "The upload was interrupted; send the file again.") from None
    except OSError:
        shutil.copyfile(path, mine)
    return str(mine)


class Uploads:
    def __init__(self, settings, clock=time.monotonic):
        self.per_client, self.files_per_client = settings.upload_bytes_per_client, settings.upload_files_per_client
        self.total, self.max_age, self.clock = settings.upload_bytes_total, settings.upload_max_age, clock
        self.files: dict[str, Upload] = {}  # real path -> who uploaded it
        self.pending: Counter = Counter()  # declared bytes of uploads in progress, per client
        self.swept = clock()

    def admit(self, client: str, declared: int | None) -> None:
        """Before the body is read: one file's size at most, and room in the client's and the total quota."""
        if declared is None:
            raise Refused(411, "An upload needs a Content-Length header.")
        if declared > MAX_UPLOAD_BYTES + MULTIPART_SLACK:
            raise Refused(413, f"Upload too large: a file may have at most {MAX_UPLOAD_BYTES:,} bytes.")
        self.sweep(force=True)
        held, count = self.held(client)
        if count >= self.files_per_client or held + self.pending[client] + declared > self.per_client:
            raise Refused(429, f"You have {count} uploaded files that no tab has read yet ({held:,} bytes); this "
                               f"deployment keeps at most {self.files_per_client} files and {self.per_client:,} "
                               "bytes per visitor. Load them in the Fine-tune tab, or wait a few minutes.")
        if sum(u.size for u in self.files.values()) + sum(self.pending.values()) + declared > self.total:
            raise Refused(503, "The server holds as many uploads as it may right now; try again in a few minutes.")
        self.pending[client] += declared

    def finished(self, client: str, declared: int, paths: list[str] | None) -> list[str]:
        """After Gradio stored the request's files (`paths`; None: it failed): record them, or refuse more
        than one file per request (deleting them). Returns the paths the client is told, its own."""
        self.pending[client] -= declared
        if self.pending[client] <= 0:
            del self.pending[client]
        paths = paths or []
        if len(paths) > 1:
            for path in paths:
                if not self.is_upload(path):  # a file of the same content another client holds stays
                    remove(path)
            raise Refused(400, "Upload one file at a time.")
        return [self._record(client, path) for path in paths]

    def _record(self, client: str, path: str) -> str:
        held = self.files.get(real(path))
        if held is not None and held.client != client:
            path = own_name(path)
        self.files[real(path)] = Upload(client, os.path.getsize(path), self.clock())
        return path

    def held(self, client: str) -> tuple[int, int]:
        mine = [u.size for u in self.files.values() if u.client == client]
        return sum(mine), len(mine)

    def owns(self, client: str, path) -> bool:
        upload = self.files.get(real(str(path)))
        return upload is not None and upload.client == client and os.path.exists(path)

    def is_upload(self, path: str) -> bool:
        return real(path) in self.files

    def sweep(self, force: bool = False) -> list[str]:
        """Forget files the tab deleted; delete those nobody read within max_age. Returns the paths let go."""
        now = self.clock()
        if not self.files or (not force and now - self.swept < SWEEP_EVERY):
            return []
        self.swept = now
        gone = [p for p, u in self.files.items() if not os.path.exists(p) or now - u.at >= self.max_age]
        for path in gone:
            remove(path)
            del self.files[path]
        return gone
