"""What Gradio (6.31.0) tells a caller, where its own words say too little or too much (issue #33). Both patches
are process-wide, like the session snapshot's (gradio_patches.py), and applied by ui/app.py's launch:

- `mcp_refusals_say_why`: an MCP tool call is replayed over loopback through gradio_client, which raises
  httpx's HTTPStatusError when the queue refuses it. The MCP server hands the agent str() of that error, "Client
  error '429 Too Many Requests' for url 'http://127.0.0.1:…/gradio_api/queue/join'", and the reason in the
  response's body ("Too many requests: …", the job cap, a missing parameter) was lost. The agent now reads it.
- `no_server_paths_in_file_errors`: a file Gradio refuses to take (event data naming a path it did not upload)
  was refused with its absolute path ("Cannot move /work/main/notes.txt to the gradio cache dir…") and, for a
  function's output, with the working and temp directories: the caller learnt where the server keeps its files.
  The gate refuses such data first (gate.check_files); this keeps Gradio's own refusal from saying more.
"""

from __future__ import annotations

import logging

import httpx

from .gate import NOT_YOURS
from .gradio_patches import PATCHED_VERSION

log = logging.getLogger(__name__)

NOT_SERVABLE = "A result of this app could not be sent: its file is not one the app may serve."


class ToolRefused(Exception):
    """The reason the app's queue gave for refusing an MCP tool call's replay (str() is what the agent reads)."""


def _reason(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    reason = body.get("detail") or body.get("error") if isinstance(body, dict) else None
    return reason if isinstance(reason, str) else None  # FastAPI's validation errors are lists: left as they were


def _saying_why(send_data):
    def send_data_saying_why(*args, **kwargs):
        try:
            return send_data(*args, **kwargs)
        except httpx.HTTPStatusError as exc:
            reason = _reason(exc.response)
            if reason is None:
                raise
            raise ToolRefused(reason) from None

    return send_data_saying_why


def mcp_refusals_say_why() -> bool:
    """Wrap send_data (the POST to /queue/join) of the gradio_client each MCP server replays its calls with.
    Returns whether it is active (only on the gradio version it was written for, with the mcp package)."""
    import gradio

    try:
        from gradio.mcp import GradioMCPServer
    except ImportError:  # gradio without its mcp extra: no MCP server to patch
        return False
    if getattr(GradioMCPServer, "_playground_reasons", False):
        return True
    if gradio.__version__ != PATCHED_VERSION:
        log.warning("gradio %s is not %s: MCP refusal patch not applied", gradio.__version__, PATCHED_VERSION)
        return False
    client_of = GradioMCPServer._get_or_create_client

    def _get_or_create_client(self):
        client = client_of(self)  # created once per MCP server, then reused
        if not getattr(client, "_playground_reasons", False):
            client.send_data = _saying_why(client.send_data)
            client._playground_reasons = True
        return client

    GradioMCPServer._get_or_create_client = _get_or_create_client
    GradioMCPServer._playground_reasons = True
    return True


def no_server_paths_in_file_errors() -> bool:
    """Gradio's refusal of a file (processing_utils._check_allowed, looked up on the module at every call) with a
    message naming no path; an output's refusal, a bug of this app, is logged with Gradio's words. Returns whether
    it is active (only on the gradio version it was written for)."""
    import gradio
    from gradio import processing_utils as utils
    from gradio.exceptions import InvalidPathError

    if getattr(utils._check_allowed, "_playground_generic", False):
        return True
    if gradio.__version__ != PATCHED_VERSION:
        log.warning("gradio %s is not %s: file error patch not applied", gradio.__version__, PATCHED_VERSION)
        return False
    check = utils._check_allowed

    def _check_allowed(path, check_in_upload_folder: bool):
        try:
            return check(path, check_in_upload_folder)
        except InvalidPathError as exc:
            if check_in_upload_folder:  # a caller's value (preprocessing): only the caller's own upload may be used
                raise InvalidPathError(NOT_YOURS) from None
            log.warning("a result's file was refused: %s", exc)
            raise InvalidPathError(NOT_SERVABLE) from None

    _check_allowed._playground_generic = True
    utils._check_allowed = _check_allowed
    return True
