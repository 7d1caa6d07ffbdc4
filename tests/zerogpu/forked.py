"""What `spaces.GPU` does with a function on ZeroGPU, without `spaces` and without a GPU: each call runs in a
forked process, its arguments and its result (or its exception) pickled across, and the duration it asks for
recorded. A generator function streams each item pickled as it comes; closing it in the parent sets a stop
event that the child reads after its next item, then closes the generator (spaces/zero/wrappers.py does the
same). As `spaces` does, an exception other than gr.Error comes back as "ZeroGPU worker error" naming only its
class (the app must send its own errors back as results: runtime/gpu_calls.py). The service's GPU functions
must work through it exactly as in-process (tests/service/test_gpu_calls.py); the real `spaces` path is tested
in tests/zerogpu/test_zerogpu_spaces.py.
"""

from __future__ import annotations

import inspect
import multiprocessing
import os
import pickle
import traceback

CONTEXT = multiprocessing.get_context("fork")
ITEM, END, FAILED = "item", "end", "failed"


class WorkerError(Exception):
    """spaces' error("ZeroGPU worker error", <class name>): a gr.Error titled so."""

    def __init__(self, class_name: str):
        super().__init__(class_name)
        self.title, self.message = "ZeroGPU worker error", class_name


class Forked:
    def __init__(self):
        self.calls: list[dict] = []  # per call: the seconds asked for, the worker's pid, items streamed

    def __call__(self, duration):
        def decorate(task):
            streaming = inspect.isgeneratorfunction(task)

            def start(args, kwargs):
                call = {"seconds": duration(*args, **kwargs) if callable(duration) else duration, "items": 0}
                self.calls.append(call)
                receive, send = CONTEXT.Pipe(duplex=False)
                stop = CONTEXT.Event()
                target = _stream if streaming else _run
                process = CONTEXT.Process(target=target, args=(task, pickle.dumps((args, kwargs)), send, stop))
                process.start()
                send.close()
                return call, receive, stop, process

            def gpu_call(*args, **kwargs):
                call, receive, _, process = start(args, kwargs)
                kind, value, call["pid"] = pickle.loads(receive.recv_bytes())
                process.join()
                if kind == FAILED:
                    raise WorkerError(value)
                return value

            def gpu_stream(*args, **kwargs):
                call, receive, stop, process = start(args, kwargs)
                try:
                    while True:
                        kind, value, call["pid"] = pickle.loads(receive.recv_bytes())
                        if kind == FAILED:
                            raise WorkerError(value)
                        if kind == END:
                            return
                        call["items"] += 1
                        yield value
                finally:
                    stop.set()
                    process.join(30)

            return gpu_stream if streaming else gpu_call
        return decorate


def _send(send, kind: str, value) -> None:
    send.send_bytes(pickle.dumps((kind, value, os.getpid())))


def _run(task, arguments: bytes, send, stop) -> None:
    try:
        args, kwargs = pickle.loads(arguments)
        _send(send, ITEM, task(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the parent raises it, as spaces does
        traceback.print_exc()
        _send(send, FAILED, type(exc).__name__)


def _stream(task, arguments: bytes, send, stop) -> None:
    try:
        args, kwargs = pickle.loads(arguments)
        items = task(*args, **kwargs)
        for item in items:
            if stop.is_set():
                items.close()
                break
            _send(send, ITEM, item)
        _send(send, END, None)
    except BrokenPipeError:  # the parent stopped reading
        pass
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        _send(send, FAILED, type(exc).__name__)
