"""What `spaces.GPU` does with a function on ZeroGPU, without `spaces` and without a GPU: each call runs in a
forked process, its arguments and its result (or its exception) pickled across, and the duration it asks for
recorded. The service's GPU functions must work through it exactly as in-process (tests/service/test_gpu_calls.py);
the real `spaces` path is tested in tests/zerogpu/test_zerogpu_spaces.py.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback


class Forked:
    def __init__(self):
        self.calls: list[dict] = []  # per call: the seconds asked for, the worker's pid

    def __call__(self, duration):
        def decorate(task):
            def gpu_call(*args, **kwargs):
                seconds = duration(*args, **kwargs) if callable(duration) else duration
                context = multiprocessing.get_context("fork")
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_run, args=(task, pickle.dumps((args, kwargs)), send))
                process.start()
                send.close()
                ok, value, pid = pickle.loads(receive.recv_bytes())
                process.join()
                self.calls.append({"seconds": seconds, "pid": pid})
                if not ok:
                    raise value
                return value
            return gpu_call
        return decorate


def _run(task, arguments: bytes, send) -> None:
    try:
        args, kwargs = pickle.loads(arguments)
        out = (True, task(*args, **kwargs), os.getpid())
        payload = pickle.dumps(out)
    except Exception as exc:  # noqa: BLE001 - the parent raises it, as spaces does
        traceback.print_exc()
        payload = pickle.dumps((False, exc, os.getpid()))
    send.send_bytes(payload)
    send.close()
