"""Converting a whole Module: ``.to(dtype/device)``, ``.float()``, ``.double()``, ``.cpu()``, ``.cuda()``.

One mechanism serves them all: ``_apply(fn)`` converts every parameter, gradient and
buffer of every module in the tree. Parameters keep their identity (only their
numbers are replaced), so an optimizer created before ``model.double()`` still
updates the right tensors.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .. import _backend as B
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

if TYPE_CHECKING:                                     # (module.py imports this module)
    from .module import Module

__all__ = ["ConversionMixin"]


class ConversionMixin:
    """The conversion methods of ``nn.Module``."""

    def _apply(self, fn: Callable[[Tensor], Tensor]) -> "Module":
        """Convert every parameter, gradient and buffer with ``fn``.

        Parameters keep their identity (an optimizer holding them still works): only
        their numbers are replaced. Buffers are replaced by the converted tensors.
        """
        for m in self.modules():
            with no_grad():
                for p in m._parameters.values():
                    if p is None:
                        continue
                    new = fn(p)
                    if new is not p:
                        p._data = new._data
                    if p._grad is not None:
                        g = fn(p._grad)
                        if g is not p._grad:
                            p._grad._data = g._data
                for k, b in m._buffers.items():
                    if b is None:
                        continue
                    new = fn(b)
                    if hasattr(b, "materialize"):     # a lazy layer's uninitialised buffer stays one
                        b._data = new._data
                    else:
                        m._buffers[k] = new
        return self

    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Move/convert parameters and buffers: ``to(torch.float64)``, ``to("cuda")``, ``to(tensor)``.

        A dtype applies to floating point tensors only; integer buffers keep theirs.
        """
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, B.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif isinstance(a, (str, B.device, int)) and not isinstance(a, bool):
                device = a
            elif a is not None:
                raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
        if device is not None:
            device = B.device(device)
        if dtype is not None and dtype.np.kind != "f":
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtype!r}")

        def convert(t: Tensor) -> Tensor:
            return t.to(device=device, dtype=dtype if t.is_floating_point() else None)
        return self._apply(convert)

    def cpu(self) -> "Module":
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "Module":
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def _float_as(self, dt: B.dtype) -> "Module":
        return self._apply(lambda t: t.to(dt) if t.is_floating_point() else t)

    def float(self) -> "Module":
        """Floating point parameters and buffers as float32."""
        return self._float_as(B.float32)

    def double(self) -> "Module":
        """Floating point parameters and buffers as float64."""
        return self._float_as(B.float64)

    def half(self) -> "Module":
        return self._float_as(B.float16)

    def type(self, dst_type: Any) -> "Module":
        return self._apply(lambda t: t.type(dst_type))
