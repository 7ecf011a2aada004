"""Copies and conversions: ``clone``, ``to`` (dtype and device), ``float()`` and friends.

A conversion that changes nothing returns the tensor itself (no node), as PyTorch does;
a real dtype or device change records ``ToCopyBackward0``, whose gradient converts
back.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ._core import OpNode, bump, check_inplace, needs_grad, note_broadcast, record, register


class CloneBackward0(OpNode):
    __slots__ = ()

    def backward(self, g):
        return g


class ToCopyBackward0(OpNode):
    """Gradient converted back to the input's dtype and device."""
    __slots__ = ()

    def backward(self, g):
        dt, dev = self.extra
        return g.to(dtype=dt, device=dev)


def clone(self: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy with its own memory; in a graph the gradient passes straight through."""
    return record(self._data.copy(), CloneBackward0, (self,))


def _parse_to(args: tuple, kwargs: dict) -> tuple[Any, Any]:
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for a in args:
        if isinstance(a, B.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, B.device)):
            device = a
        elif a is float:
            dtype = B.float64
        elif a is not None:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
    return dtype, device


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert to another dtype and/or device: ``x.to(torch.float64)``, ``x.to('cuda')``.

    Returns ``self`` when nothing changes; otherwise a copy whose gradient flows back.
    """
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("memory_format", None)
    dtype, device = _parse_to(args, kwargs)
    d = self._data
    src_dt, src_dev = self.dtype, self.device
    new = d
    if device is not None:
        dev = B.device(device)
        if dev.type != src_dev.type:
            new = B.to_device(new, dev)
        else:
            B.check_cuda_index(dev)                  # (cuda:0 -> cuda:1: refused)
    if dtype is not None and dtype.np != new.dtype:
        new = new.astype(dtype.np)
    if new is d:
        return clone(self) if copy else self
    return record(new, ToCopyBackward0, (self,), extra=(src_dt, src_dev))


def _as(dt: B.dtype):
    def conv(self: Tensor, memory_format: Any = None) -> Tensor:
        return to(self, dt)
    conv.__doc__ = f"``self.to({dt!r})``."
    return conv


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` with ``other``'s type: its dtype *and* device (PyTorch's ``self.type(other.type())``)."""
    return to(self, other.dtype, other.device)


_LEGACY_TYPES = {"FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16",
                 "LongTensor": "int64", "IntTensor": "int32", "ShortTensor": "int16",
                 "CharTensor": "int8", "ByteTensor": "uint8", "BoolTensor": "bool"}


def parse_type_name(name: str) -> tuple[Any, str]:
    """``'torch.cuda.LongTensor'`` -> ``(torch.int64, 'cuda')``; PyTorch's ValueError otherwise."""
    for prefix, device in (("torch.cuda.", "cuda"), ("torch.", "cpu")):
        rest = name[len(prefix):] if name.startswith(prefix) else None
        if rest in _LEGACY_TYPES:
            return B.from_numpy_dtype(np.dtype(_LEGACY_TYPES[rest])), device
    raise ValueError(f"invalid type: '{name}'")


def cpu(self: Tensor) -> Tensor:
    """A copy on the cpu (``self`` if already there)."""
    return to(self, "cpu")


def cuda(self: Tensor, device: Any = None, non_blocking: bool = False) -> Tensor:
    """A copy on the GPU (needs CuPy and an NVIDIA GPU)."""
    return to(self, "cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))


# ---------------------------------------------------------------------------
# overwriting in place: zero_, fill_, copy_
# ---------------------------------------------------------------------------
# The old values are gone, so the tensor's old history gets a zero gradient; a value
# given as a tensor gets the gradient of every place it was written to.


def _zeros_like(g: Tensor) -> Tensor:
    return Tensor._wrap(B.xp_of(g._data).zeros_like(g._data))


class ZeroBackward0(OpNode):
    """``x.zero_()``: nothing of the old ``x`` survives."""
    __slots__ = ()

    def backward(self, g):
        return _zeros_like(g)


class FillBackward2(ZeroBackward0):
    """``x.fill_(number)``."""
    __slots__ = ()


class FillBackward3(OpNode):
    """``x.fill_(value)`` with a 0-d tensor: ``value`` was written everywhere."""
    __slots__ = ()

    def backward(self, g):
        return _zeros_like(g), g.sum()


class CopyBackwards(OpNode):
    """``x.copy_(src)``: ``src`` (broadcast, converted) replaces every value of ``x``."""
    __slots__ = ()

    def name(self) -> str:
        """PyTorch's C++ name; the class (what reprs and graphs show) is ``CopyBackwards``."""
        return "torch::autograd::CopyBackwards"

    def backward(self, g):
        return _zeros_like(g), g


def _overwrite(self: Tensor, data: Any, node: type, value: Tensor | None) -> Tensor:
    """Write ``data`` (already of ``self``'s shape and dtype) into ``self``, recording
    ``node`` when grad mode is on and ``self`` or ``value`` requires grad."""
    if needs_grad(self, value):
        from .pointwise import apply_inplace
        inputs = (self,) if value is None else (self, value)
        out = record(data, node, inputs)
        note_broadcast(out, *inputs)
        return apply_inplace(self, out)
    self._data[...] = data
    bump(self)
    return self


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place (recorded as ``ZeroBackward0``)."""
    check_inplace(self)
    d = self._data
    return _overwrite(self, B.xp_of(d).zeros_like(d), ZeroBackward0, None)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` in place (bumps the version).

    ``value`` is a number (``FillBackward2``) or a 0-d tensor (``FillBackward3``, whose
    gradient is the sum of the gradient over every element it was written to).
    """
    check_inplace(self, value)
    d = self._data
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        vd = value._data if type(value._data) is type(d) else B.to_device(value._data, self.device)
        return _overwrite(self, B.xp_of(d).full_like(d, vd), FillBackward3, value)
    return _overwrite(self, B.xp_of(d).full_like(d, value), FillBackward2, None)


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values into this tensor in place (broadcasting ``src``)."""
    check_inplace(self, src)
    srct = src if isinstance(src, Tensor) else None
    if needs_grad(self, srct):
        sd = srct._data
        if type(sd) is not type(self._data):
            sd = B.to_device(sd, self.device)
        if sd.shape != self._data.shape:
            from ._core import check_broadcast
            check_broadcast(self._data.shape, sd.shape)
            sd = B.xp_of(sd).broadcast_to(sd, self._data.shape)
        return _overwrite(self, sd.astype(self._data.dtype, copy=True), CopyBackwards, srct)
    sd = src._data if srct is not None else src
    if srct is not None and type(sd) is not type(self._data):
        sd = B.to_device(sd, self.device)
    try:
        self._data[...] = sd
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must match the size of "
            f"tensor b ({np.shape(sd)[-1] if np.ndim(sd) else 1}) at non-singleton dimension "
            f"{max(self._data.ndim - 1, 0)}") from None
    bump(self)
    return self


register("clone")(clone)
register("to")(to)
register("type_as")(type_as)
register("cpu")(cpu)
register("cuda")(cuda)
register("zero_")(zero_)
register("fill_")(fill_)
register("copy_")(copy_)
for _name, _dt in (("float", B.float32), ("double", B.float64), ("half", B.float16), ("long", B.int64),
                   ("int", B.int32), ("short", B.int16), ("char", B.int8), ("byte", B.uint8),
                   ("bool", B.bool_)):
    register(_name)(_as(_dt))

EXPORTS = ["clone"]


# ---------------------------------------------------------------------------
# in-place random fills (``w.data.normal_(0, 0.01)`` in tutorials)
# ---------------------------------------------------------------------------

def _random_fill(self: Tensor, values: Any) -> Tensor:
    check_inplace(self)
    from ._core import needs_grad
    if needs_grad(self):
        from .pointwise import apply_inplace
        return apply_inplace(self, self * 0 + Tensor._wrap(values))
    self._data[...] = B.to_device(values, self.device) if not self.is_cpu else values
    bump(self)
    return self


