"""Workload 7: drawing random numbers (a million float32 values at once).

Seeded tutorials draw their data with ``torch.rand``/``torch.randn``; autograd_nb draws
PyTorch's own stream (``autograd_nb/random.py``: the Mersenne Twister's words from
numpy's C bit generator, then PyTorch's transformations in numpy). The floor is numpy
drawing the same raw 32-bit words and scaling them to [0, 1) -- the cheapest way to
get uniform floats from that generator, with no distribution work at all.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .timing import Preset, time_stmt

N = 1_000_000
CASES = {"rand 1M float32": "T.rand(N)", "randn 1M float32": "T.randn(N)",
         "randn 4096 float32": "T.randn(4096)", "randperm 60000": "T.randperm(60000)"}


def run_tensor(T: Any, preset: Preset) -> dict[str, float]:
    T.manual_seed(0)
    ns = {"T": T, "N": N}
    return {case: time_stmt(stmt, ns, preset) for case, stmt in CASES.items()}


def run_numpy(preset: Preset) -> dict[str, float]:
    bits = np.random.Generator(np.random.MT19937(0))

    def uniform() -> np.ndarray:
        """24 bits of each word, converted in the words' place (no fresh array)."""
        w = bits.integers(0, 2**32, size=N, dtype=np.uint32)
        w >>= 8
        x = w.view(np.float32)
        np.copyto(x, w.view(np.int32), casting="unsafe")
        x *= np.float32(2**-24)
        return x

    return {"rand 1M float32": time_stmt("uniform()", {"uniform": uniform}, preset)}
