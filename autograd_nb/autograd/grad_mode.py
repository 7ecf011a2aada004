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
    "is_grad_enabled", "is_inference_mode_enabled", "set_multithreading_enabled",
    "is_multithreading_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """The calling thread's mode, packed in one int so an op reads it once.

    ``mode`` is 0 when ops record (grad mode on, not inference mode); bit 1 is set when
    grad mode is off and bit 2 inside inference mode. ``grad_enabled`` and
    ``inference`` read and write the two bits.
    """

    def __init__(self) -> None:
        self.mode = 0

    @property
    def grad_enabled(self) -> bool:
        return not self.mode & 1

    @grad_enabled.setter
    def grad_enabled(self, flag: bool) -> None:
        self.mode = (self.mode & 2) | (0 if flag else 1)

    @property
    def inference(self) -> bool:
        return self.mode > 1

    @inference.setter
    def inference(self, flag: bool) -> None:
        self.mode = (self.mode & 1) | (2 if flag else 0)


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return not STATE.mode & 1


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return STATE.inference


class _Mode:
    """Base of every grad mode: a context manager that is also a decorator."""

    def __init__(self) -> None:
        self._saved: list[int] = []

    def _enter(self) -> None:                       # pragma: no cover - abstract
        raise NotImplementedError

    def __enter__(self) -> None:
        self._saved.append(STATE.mode)
        self._enter()

    def __exit__(self, *exc: Any) -> None:
        STATE.mode = self._saved.pop()

    def clone(self) -> "_Mode":
        return self.__class__()

    def __call__(self, func: F) -> F:
        """Use the mode as a decorator: ``func`` runs inside a fresh copy of it.

        A generator function gets the mode around each step it takes (``next``, ``send``,
        ``throw``, ``close``), never while it is paused, so the caller's mode is untouched
        between steps. Decorating a class is deprecated (as in PyTorch): only its
        construction runs inside the mode.
        """
        if inspect.isclass(func):
            import warnings
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You "
                "should only decorate functions or methods. To preserve the current behavior of "
                "class decoration, you can directly decorate the `__init__` method and nothing else.",
                FutureWarning, stacklevel=2)
            cls = func

            def construct(*args: Any, **kwargs: Any) -> Any:
                with self.clone():
                    return cls(*args, **kwargs)
            return construct  # type: ignore[return-value]
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args: Any, **kwargs: Any):
                gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        item = next(gen)
                    while True:
                        try:
                            value = yield item
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException as exc:        # thrown in by the caller
                            with self.clone():
                                item = gen.throw(exc)
                        else:
                            with self.clone():
                                item = gen.send(value)
                except StopIteration as stop:
                    return stop.value
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
        mode = kwargs.get("mode")                 # inference_mode(mode=func) decorates too
        if cls is inference_mode and not args and len(kwargs) == 1 and callable(mode) \
                and not isinstance(mode, bool):
            return type.__call__(cls)(mode)
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
        self._saved.append((STATE.mode & 2) | (0 if self._prev else 1))
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
        # inference_mode(True) also switches grad mode off; inference_mode(False)
        # leaves inference mode and switches grad mode on (also inside no_grad), as torch
        STATE.mode = 3 if self.mode else 0

    def clone(self) -> "inference_mode":
        return inference_mode(self.mode)


_MULTITHREADING = [True]


def is_multithreading_enabled() -> bool:
    """Whether backward may use worker threads (``set_multithreading_enabled``)."""
    return _MULTITHREADING[0]


class set_multithreading_enabled(_Mode):
    """Allow or forbid backward to run on worker threads (PyTorch runs device work on
    one thread per device). autograd_nb's engine runs on the thread that called backward
    (only a very deep chain of reentrant backwards moves on to fresh threads, see
    ``functional._drain``), so the flag changes nothing here but reads back as set.

    Like ``set_grad_enabled`` it takes effect at once; used with ``with`` it restores
    the previous setting on exit.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = mode
        self._prev = _MULTITHREADING[0]
        _MULTITHREADING[0] = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        _MULTITHREADING[0] = self._prev

    def clone(self) -> "set_multithreading_enabled":
        prev = _MULTITHREADING[0]
        copy = set_multithreading_enabled(self.mode)
        _MULTITHREADING[0] = prev
        copy._prev = prev
        return copy
