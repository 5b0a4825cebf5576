"""Ctrl-C interrupts long calls: KeyboardInterrupt within a fraction of a second, and the work stops."""

import os
import resource
import signal
import threading
import time

import pytest

import nglab
from conftest import KENLM_DATA


def sigint_after(seconds):
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def test_ctrl_c_interrupts_sampling_and_the_sampler_stops():
    model = nglab.Model.load(KENLM_DATA / "brown-2k.o3.arpa")
    start = time.perf_counter()
    model.sample(n_tokens=20_000, seed=1)
    small = time.perf_counter() - start
    # 5,000 times that budget would take minutes; the interrupt comes after 0.3 s.
    sigint_after(0.3)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        model.sample(n_tokens=100_000_000, seed=1, threads=2)
    waited = time.perf_counter() - start
    assert waited < 0.3 + 0.5, (waited, small)
    # The worker threads stop too: no CPU is spent on the abandoned sample.
    time.sleep(0.2)
    before = cpu_seconds()
    time.sleep(0.5)
    assert cpu_seconds() - before < 0.1


def test_the_model_still_works_after_an_interrupt():
    model = nglab.Model.load(KENLM_DATA / "brown-2k.o2.arpa")
    sigint_after(0.2)
    with pytest.raises(KeyboardInterrupt):
        model.sample(n_tokens=100_000_000, seed=2)
    assert model.sample(3, seed=2) == model.sample(3, seed=2)
