"""Model threads and CPU cores (llm_playground/runtime/cores.py): one lead thread runs torch on every core, the others on
one; the lead steps down while another model thread computes; only the lead ever starts an OpenMP team."""

from __future__ import annotations

import os
import threading

import torch

from llm_playground.runtime.cores import Cores, ModelLock
from llm_playground.runtime.workers import Workers


def threads_under(lock: ModelLock) -> int:
    with lock:
        return torch.get_num_threads()


def test_the_lead_uses_every_core_alone_and_one_while_another_model_thread_computes():
    workers = Workers(4, Cores(2))
    lock_a, lock_b = ModelLock(), ModelLock()
    assert workers.call(threads_under, lock_a) == 2  # alone, on the lead

    lead_taken, side_computing, release_lead, release_side = (threading.Event() for _ in range(4))

    def occupy_lead():  # the lead busy without computing: the next call goes to another thread
        lead_taken.set()
        release_lead.wait(10)

    def compute_on_side():
        with lock_b:
            side_computing.set()
            release_side.wait(10)
            return torch.get_num_threads()

    lead = workers.submit(occupy_lead)
    assert lead_taken.wait(10)
    side = workers.submit(compute_on_side)
    assert side_computing.wait(10)
    release_lead.set()
    lead.result(10)
    assert workers.call(threads_under, lock_a) == 1  # the lead again, but the side thread is computing
    release_side.set()
    assert side.result(10) == 1  # a side thread never uses more than one core
    assert workers.call(threads_under, lock_a) == 2  # alone again: every core
    workers.shutdown()


def test_a_call_that_runs_no_model_leaves_the_lead_free():
    workers = Workers(4, Cores(2))
    names = []
    started, release = threading.Event(), threading.Event()

    def engine_stream():
        started.set()
        release.wait(10)

    stream = workers.submit(engine_stream, compute=False)
    assert started.wait(10)
    names.append(workers.call(lambda: threading.current_thread().name))
    release.set()
    stream.result(10)
    assert names[0].startswith("playground-stream-lead")
    workers.shutdown()


def native_threads() -> int:
    """OS threads of this process that Python did not start: OpenMP's team threads among them."""
    return len(os.listdir("/proc/self/task")) - threading.active_count()


def test_concurrent_model_calls_start_one_openmp_team_at_most():
    """Each OS thread that runs a parallel torch op on more than one core gets an OpenMP team; two teams in
    one process made every model ~1.5x (int8: 2x) slower on 2 cores. Four calls at once, several times."""
    workers = Workers(6, Cores(2))
    locks = [ModelLock() for _ in range(4)]
    barrier = threading.Barrier(4)

    def forward(lock: ModelLock) -> None:
        barrier.wait(10)
        with lock:
            for _ in range(20):
                torch.ones(4_000_000).sum()  # big enough for torch to run it on every core it may use

    before = native_threads()
    for _ in range(3):
        for future in [workers.submit(forward, lock) for lock in locks]:
            future.result(30)
    assert native_threads() - before <= 1  # at most the lead's team: one thread beside it on 2 cores
    workers.shutdown()


def test_a_call_made_on_a_model_thread_runs_right_there():
    """A REST handler's call (on a model thread) that starts a generation asks for a model thread again: it must
    not wait for another one, or enough such requests at once leave every thread waiting for a free one."""
    workers = Workers(2, Cores(2))
    outer = threading.current_thread
    names = workers.call(lambda: (outer().name, workers.call(lambda: outer().name)))
    assert names[0] == names[1]
    workers.shutdown()


def test_a_training_run_counts_as_computing_on_one_core():
    cores = Cores(2)
    workers = Workers(2, cores)
    lock = ModelLock()
    seen = []

    def train():
        with cores.computing():
            seen.append(torch.get_num_threads())
            seen.append(workers.call(threads_under, lock))  # the lead, while the run computes

    thread = threading.Thread(target=train)
    thread.start()
    thread.join(10)
    assert seen == [1, 1]
    assert workers.call(threads_under, lock) == 2
    workers.shutdown()
