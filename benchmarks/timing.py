"""How we time things: ``timeit``'s auto-ranging plus a median over repeats.

Two kinds of measurement cover every workload:

* ``time_stmt``: a short statement run in a tight ``timeit`` loop (per-op overhead,
  training steps). ``timeit.Timer.autorange`` picks a loop count that lasts at least
  ``min_time``; the median per-loop time over ``repeat`` such loops is reported.
* ``time_phase``: something that needs fresh state before every timed call (a
  backward pass consumes its graph). ``setup()`` runs untimed, ``timed(state)`` is timed
  with ``perf_counter``; the median over enough calls to fill ``budget`` seconds.

Presets size everything so that the full suite stays within minutes on two cores.
"""
from __future__ import annotations

import contextlib
import gc
import statistics
import time
import timeit
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Preset:
    """Sizes and time budgets for one mode of the suite."""

    name: str
    rounds: int              # interleaved subprocess rounds (run.py)
    min_time: float          # seconds one timeit loop must last
    repeat: int              # timeit loops per measurement
    phase_budget: float      # seconds per time_phase measurement (roughly)
    phase_max: int           # at most this many timed calls per time_phase
    depths: tuple[int, ...]
    widths: tuple[int, ...]
    sizes: tuple[int, ...]
    mlp: tuple[int, ...]     # layer widths, input first
    mlp_batch: int
    cnn_shapes: tuple[tuple[int, int, int, int], ...]
    mem_layers: int
    mem_width: int
    mem_batch: int


PRESETS = {
    "full": Preset("full", rounds=3, min_time=0.02, repeat=5, phase_budget=0.25, phase_max=200,
                   depths=(10, 100, 1000, 10000, 100000), widths=(10, 100, 1000),
                   sizes=(4, 64, 1024, 16384, 262144, 1048576),
                   mlp=(784, 256, 128, 10), mlp_batch=128,
                   cnn_shapes=((8, 3, 10, 10), (64, 3, 32, 32)),
                   mem_layers=20, mem_width=1024, mem_batch=256),
    # quick: every case of the full suite but the largest sweeps, one round, a smaller
    # memory net (the ratio, not the byte count, is what it checks)
    "quick": Preset("quick", rounds=1, min_time=0.01, repeat=3, phase_budget=0.08, phase_max=30,
                    depths=(10, 100, 1000, 10000), widths=(10, 100),
                    sizes=(4, 4096, 1048576),
                    mlp=(784, 256, 128, 10), mlp_batch=128,
                    cnn_shapes=((8, 3, 10, 10), (64, 3, 32, 32)),
                    mem_layers=20, mem_width=256, mem_batch=64),
    # tiny: only proves the suite runs end to end (the smoke test); numbers mean nothing
    "tiny": Preset("tiny", rounds=1, min_time=0.0005, repeat=1, phase_budget=0.005, phase_max=2,
                   depths=(10, 100), widths=(10,), sizes=(4, 64),
                   mlp=(20, 8, 6, 10), mlp_batch=4,
                   cnn_shapes=((2, 3, 6, 6),),
                   mem_layers=2, mem_width=16, mem_batch=4),
}


def time_stmt(stmt: str, ns: dict[str, Any], preset: Preset) -> float:
    """Median seconds per execution of ``stmt`` (a string, compiled into timeit's loop)."""
    timer = timeit.Timer(stmt, globals=ns)
    took = timer.timeit(1)                             # warm-up, and autorange's first probe
    number = 1                                         # like Timer.autorange, up to min_time
    while took < preset.min_time:
        number = max(number + 1, int(number * min(10.0, 1.2 * preset.min_time / max(took, 1e-9))))
        took = timer.timeit(number)
    gc_was = gc.isenabled()
    gc.disable()                                       # as timeit itself does
    try:
        runs = [timer.timeit(number) / number for _ in range(preset.repeat)]
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(runs)


def time_phase(setup: Callable[[], Any], timed: Callable[[Any], Any], preset: Preset,
               budget: float | None = None, min_calls: int = 3) -> float:
    """Median seconds of ``timed(setup())``, setup not counted.

    The number of calls is chosen from a first (warm-up) call so that all of them take
    about ``budget`` seconds, between ``min_calls`` and ``preset.phase_max``.
    """
    budget = preset.phase_budget if budget is None else budget
    state = setup()
    t0 = time.perf_counter()
    timed(state)
    first = time.perf_counter() - t0
    del state
    calls = int(min(preset.phase_max, max(min_calls, budget / max(first, 1e-9))))
    if preset.name == "tiny":
        calls = 1
    times = []
    for _ in range(calls):
        state = setup()
        t0 = time.perf_counter()
        timed(state)
        times.append(time.perf_counter() - t0)
        del state
    return statistics.median(times)


class Missing(Exception):
    """A workload cannot run on an implementation yet (a feature has not landed)."""


def missing_from(exc: BaseException) -> str:
    """A short name for what an implementation lacks, from the error it raised."""
    if isinstance(exc, AttributeError):
        obj = getattr(exc, "obj", None)
        name = getattr(exc, "name", None)
        if name and obj is not None:
            owner = getattr(obj, "__name__", None) or type(obj).__name__
            return f"{owner}.{name}"
        return str(exc).split("\n")[0]
    if isinstance(exc, ImportError):
        return getattr(exc, "name", None) or str(exc)
    if isinstance(exc, TypeError) and "unsupported operand" in str(exc):
        return str(exc).split(":")[0].replace("unsupported operand type(s) for ", "operator ")
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:120]


MISSING_ERRORS = (AttributeError, ImportError, NotImplementedError, TypeError)


@contextlib.contextmanager
def needs() -> Any:
    """Inside this block, "this does not exist" errors become ``Missing``."""
    try:
        yield
    except MISSING_ERRORS as exc:
        raise Missing(missing_from(exc)) from exc


def probe(fn: Callable[[], Any]) -> None:
    """Run ``fn`` once (a first call, untimed); "does not exist" errors become ``Missing``."""
    with needs():
        fn()
