"""``Variable``: the name tensors had before PyTorch 0.4, kept for old code.

Since PyTorch 0.4 every Tensor is a Variable: ``isinstance(t, Variable)`` is True for
any tensor, and ``Variable(t, requires_grad=True)`` gives a new leaf sharing ``t``'s
numbers (like ``t.detach().requires_grad_()``). ``Variable._execution_engine`` is the
engine, whose ``queue_callback`` runs a function when the current backward ends.
"""
from __future__ import annotations

from typing import Any, Callable

from . import engine

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        from .._tensor import Tensor
        return isinstance(obj, Tensor)


class _ExecutionEngine:
    """``Variable._execution_engine``: PyTorch's handle on its C++ engine."""

    def queue_callback(self, callback: Callable[[], Any]) -> None:
        """Run ``callback()`` once the backward now running has finished."""
        engine.queue_callback(callback)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: a leaf on ``data``'s numbers (old API)."""

    _execution_engine = _ExecutionEngine()

    def __new__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> Any:
        from .._creation import empty
        t = (empty(0) if data is None else data).detach()   # shares memory and version
        if requires_grad:
            t.requires_grad_(True)
        return t
