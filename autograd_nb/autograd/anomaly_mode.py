"""Anomaly detection: find the forward line behind a failing backward.

With ``set_detect_anomaly(True)`` (or inside ``detect_anomaly()``) every node remembers
the Python stack at the moment it was created. When backward then fails in a node, a
warning shows that stack -- the line of *your* code that built the offending node -- and
with ``check_nan=True`` a node that produces NaN gradients raises at once.

It slows every op down (a stack trace per node): switch it on to debug, not to train.
"""
from __future__ import annotations

from typing import Any

from .node import ANOMALY

__all__ = ["set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled",
           "note_creation"]


def note_creation(node: Any) -> None:
    """Anomaly mode is on and ``node`` was just recorded: keep the Python stack that made it
    and, for a node made while backward ran another node (``create_graph=True``), that
    node: the *parent* whose rule created it, reported too if ``node`` fails later."""
    import traceback
    from .engine import current_task
    x = node.extras
    x.trace = "".join(traceback.format_stack()[:-2])
    task = current_task()
    if task is not None and task.node is not None:
        x.parent = task.node


def is_anomaly_enabled() -> bool:
    return ANOMALY[0]


def is_anomaly_check_nan_enabled() -> bool:
    return ANOMALY[1]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Switch anomaly detection on or off for good (``torch.set_anomaly_enabled``; the
    context managers ``detect_anomaly`` and ``set_detect_anomaly`` restore it after)."""
    ANOMALY[0], ANOMALY[1] = bool(enabled), bool(check_nan)


class set_detect_anomaly:
    """Switch anomaly detection on or off (immediately, or for a ``with`` block)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = tuple(ANOMALY)
        ANOMALY[0], ANOMALY[1] = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        ANOMALY[0], ANOMALY[1] = self.prev


class detect_anomaly:
    """A ``with`` block (or decorator) with anomaly detection on."""

    def __init__(self, check_nan: bool = True) -> None:
        import warnings
        self.check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev = tuple(ANOMALY)
        ANOMALY[0], ANOMALY[1] = True, self.check_nan

    def __exit__(self, *exc: Any) -> None:
        ANOMALY[0], ANOMALY[1] = self.prev

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)
        return wrapper
