"""Grad modes: whether operations are recorded for backward.

* grad mode (the default): an op whose input requires grad records a node.
* ``no_grad``: nothing is recorded; results never require grad. Leaves created with
  ``requires_grad=True`` keep the flag (they are not the result of an op).
* ``enable_grad``: switches recording back on inside a ``no_grad`` block.
* ``set_grad_enabled(flag)``: either of the two, chosen by a bool.
* ``inference_mode``: no_grad and more: tensors made inside are *inference tensors*,
  which autograd refuses to save for backward later. It saves a little bookkeeping.

The state is per thread, and every mode restores the previous one on exit, also when
the block raises. Each works as ``with mode():``, as ``@mode()`` and as ``@mode``.
"""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable, TypeVar

__all__ = [
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
    "is_grad_enabled", "is_inference_mode_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    grad_enabled = True
    inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return STATE.grad_enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return STATE.inference


class _Mode:
    """Base of every grad mode: a context manager that is also a decorator."""

    def __init__(self) -> None:
        self._saved: list[tuple[bool, bool]] = []

    def _enter(self) -> None:                       # pragma: no cover - abstract
        raise NotImplementedError

    def __enter__(self) -> None:
        self._saved.append((STATE.grad_enabled, STATE.inference))
        self._enter()

    def __exit__(self, *exc: Any) -> None:
        STATE.grad_enabled, STATE.inference = self._saved.pop()

    def clone(self) -> "_Mode":
        return self.__class__()

    def __call__(self, func: F) -> F:
        """Use the mode as a decorator: ``func`` runs inside a fresh copy of it."""
        if inspect.isclass(func):
            raise RuntimeError("autograd_nb grad modes decorate functions, not classes")
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args: Any, **kwargs: Any):
                gen = func(*args, **kwargs)
                value = None
                while True:
                    with self.clone():
                        try:
                            item = gen.send(value)
                        except StopIteration as stop:
                            return stop.value
                    value = yield item
            return gen_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


class _BareDecoratorMeta(type):
    """Lets ``@no_grad`` (without parentheses) work as well as ``@no_grad()``."""

    def __call__(cls, *args: Any, **kwargs: Any):
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], bool) \
                and cls in (no_grad, enable_grad, inference_mode):
            return type.__call__(cls)(args[0])
        return type.__call__(cls, *args, **kwargs)


class no_grad(_Mode, metaclass=_BareDecoratorMeta):
    """Turn off recording: results of ops do not require grad and keep no graph.

    Use it for evaluation, for updating weights by hand
    (``with torch.no_grad(): w -= lr * w.grad``), and for anything that must not
    become part of a graph.
    """

    def _enter(self) -> None:
        STATE.grad_enabled = False


class enable_grad(_Mode, metaclass=_BareDecoratorMeta):
    """Turn recording back on, e.g. inside a ``no_grad`` block.

    It does not leave inference mode: inside ``inference_mode()`` nothing is recorded.
    """

    def _enter(self) -> None:
        STATE.grad_enabled = True


class set_grad_enabled(_Mode):
    """Set grad mode to ``mode`` (True or False).

    Called as a plain function it switches the mode at once (and stays switched);
    used with ``with`` or as a decorator it restores the previous mode afterwards.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        self.mode = mode
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = mode                    # takes effect immediately, like torch

    def __enter__(self) -> None:
        self._saved.append((self._prev, STATE.inference))
        STATE.grad_enabled = self.mode

    def clone(self) -> "set_grad_enabled":
        prev = STATE.grad_enabled
        copy = set_grad_enabled(self.mode)
        STATE.grad_enabled = prev                    # creating a copy must not switch now
        copy._prev = prev
        return copy

    def __call__(self, func: F) -> F:
        STATE.grad_enabled = self._prev              # decorating does not switch the mode
        return super().__call__(func)


class inference_mode(_Mode, metaclass=_BareDecoratorMeta):
    """Inference mode: no recording, and tensors made inside are inference tensors.

    ``inference_mode(False)`` inside it switches back to normal mode for a block.
    An inference tensor can be read anywhere but cannot be saved for backward or
    changed in place outside inference mode: clone it first.
    """

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.mode = mode

    def _enter(self) -> None:
        if self.mode:
            STATE.inference = True
            STATE.grad_enabled = False
        elif STATE.inference:
            STATE.inference = False
            STATE.grad_enabled = True

    def clone(self) -> "inference_mode":
        return inference_mode(self.mode)
