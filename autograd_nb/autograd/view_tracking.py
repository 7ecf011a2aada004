"""View replay: how a view's history is re-derived after an in-place change.

After ``base.add_(1)`` (or an in-place op on the view itself) a view's old ``grad_fn``
no longer describes how its values came about, so autograd gives it a new one on top of
the base's new history. PyTorch has two ways, and so do we:

* by default, one ``as_strided`` of the base (``AsStridedBackward0``): the view's size,
  stride and offset into the base, whatever op first made it;
* for a view *made* while view replay was on, the view's own ops replayed on the base
  (``ViewBackward0``, ``SelectBackward0``, ...), so the picture keeps the op the learner
  wrote. (The choice is made when the view is created: a view made before replay was
  turned on still gets ``as_strided``.)

``torch.autograd._force_original_view_tracking(True)`` turns replay on, as a function
(until turned off) or in a ``with`` block; ``torch.autograd.is_view_replay_enabled()``
tells which way is in force. Values and gradients are the same either way.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

__all__ = ["is_view_replay_enabled", "_force_original_view_tracking"]

REPLAY = [False]            # the switch, read when a view is made (ops.views._make_view)
_REPLAYED: dict[int, weakref.ref] = {}     # id -> view made while the switch was on


def mark_replayed(view: Any) -> None:
    """Remember that ``view`` was made with replay on (forgotten when it dies)."""
    key = id(view)
    _REPLAYED[key] = weakref.ref(view, lambda _r, key=key: _REPLAYED.pop(key, None))


def is_replayed(view: Any) -> bool:
    ref = _REPLAYED.get(id(view))
    return ref is not None and ref() is view


def is_view_replay_enabled() -> bool:
    """True when changed views get their own view ops replayed (see the module)."""
    return REPLAY[0]


class _force_original_view_tracking:
    """Turn view replay on (``True``) or off: at once when called, and back to the
    previous setting at the end of a ``with`` block (or of a function it decorates)."""

    def __init__(self, mode: bool) -> None:
        self.prev = REPLAY[0]
        self.mode = bool(mode)
        REPLAY[0] = self.mode

    def __enter__(self) -> None:
        REPLAY[0] = self.mode

    def __exit__(self, *exc: Any) -> None:
        REPLAY[0] = self.prev

    def __call__(self, fn: Callable) -> Callable:
        REPLAY[0] = self.prev
        import functools

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self.mode):
                return fn(*args, **kwargs)
        return wrapped

    def clone(self) -> "_force_original_view_tracking":
        return self.__class__(self.mode)
