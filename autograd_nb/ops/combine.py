"""Ops that combine three tensors in one step: ``addcmul``, ``addcdiv`` and ``lerp``.

They are what hand-written optimizers use (Adam's ``v.addcmul_(g, g, value=1 - b2)``,
an exponential moving average ``avg.lerp_(x, 0.1)``). Each is one expression of the
three inputs, broadcast together; each input's gradient is summed back to its shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ._core import (OpNode, no_kernel, check_broadcast, device_mismatch, note_broadcast, record, register,
                    to_tensor)
from ._layout import elementwise_layout as _laid
from .pointwise import _inplace, _needed, has_edge, mul_scalar


def _operands(items: tuple) -> list[Tensor]:
    """The operands as tensors (numbers become 0-d tensors) on one device, broadcastable."""
    ts = [to_tensor(x) for x in items]
    first = ts[0]._data
    for t in ts[1:]:
        if type(t._data) is not type(first):
            raise device_mismatch(first, t._data)
    shape = first.shape
    for t in ts[1:]:
        check_broadcast(shape, t._data.shape)
        shape = np.broadcast_shapes(shape, t._data.shape)
    return ts


def _promoted(ts: list[Tensor]) -> list:
    """The operands' arrays in PyTorch's result dtype. The tensors keep their own dtypes in
    the graph (no conversion nodes, as in PyTorch); each gradient is cast back to its
    input's dtype (``note_broadcast``)."""
    rt = B.result_type(*[(B.from_numpy_dtype(t._data.dtype), 2 if t._data.ndim else 1) for t in ts]).np
    return [t._data if t._data.dtype == rt else t._data.astype(rt) for t in ts]


class AddcmulBackward0(OpNode):
    """self plus value times a product: self passes the gradient through; each factor
    gets it times the other factor, times value (product rule).

    out = self + value * tensor1 * tensor2
    grad_self = grad
    grad_tensor1 = grad * tensor2 * value
    grad_tensor2 = grad * tensor1 * value
    """
    saved_names = ("tensor1", "tensor2")
    fields = ("value",)

    def backward(self, g):
        t1, t2 = (None if s is None else s.unpack() for s in self._saved)
        value = self.value
        return (g,
                None if t2 is None else g * t2 * value,
                None if t1 is None else g * t1 * value)


class AddcdivBackward0(AddcmulBackward0):
    """self plus value times a quotient: self passes the gradient through; tensor1 gets it
    divided by tensor2, tensor2 gets minus it times tensor1 / tensor2² (quotient rule),
    both times value.

    out = self + value * tensor1 / tensor2
    grad_self = grad
    grad_tensor1 = grad * value / tensor2
    grad_tensor2 = -grad * value * tensor1 / tensor2²
    """
    saved_for = ((2,), (0, 1, 2))                     # tensor2 always (PyTorch saves it whatever
                                                      # is wanted), tensor1 for tensor2's gradient

    def backward(self, g):
        t1, t2 = (None if s is None else s.unpack() for s in self._saved)
        value = self.value
        if self.next_functions[1][0] is not None and not t2.is_floating_point():
            # PyTorch divides value by t2 into a tensor of t2's dtype first: refused
            raise RuntimeError(f"result type {B.get_default_dtype().scalar_name} can't be cast to the "
                               f"desired output type {B.SCALAR_NAMES[t2._data.dtype.name]}")
        g1 = None
        if self.next_functions[1][0] is not None:     # value / t2 a true division (C++'s Scalar / Tensor)
            g1 = g * (Tensor._wrap(B.xp_of(t2._data).asarray(value, dtype=t2._data.dtype)) / t2)
        return g, g1, None if t1 is None else -g * (value * t1 / (t2 * t2))     # (PyTorch's order)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2`` (broadcast), in one op."""
    a, b, c = _operands((input, tensor1, tensor2))
    ad, bd, cd = _promoted([a, b, c])
    if ad.dtype.kind == "b":
        raise no_kernel("addcmul_cpu_out", ad.dtype)
    if ad.dtype.kind in "iu" and isinstance(value, float):
        value = int(value)                            # (an integer result takes value as an integer)
    out = record(_laid(ad + value * (bd * cd), a, b, c, dtype=ad.dtype), AddcmulBackward0, (a, b, c),
                 (b if has_edge(c) else None, c if has_edge(b) else None), value=value)
    note_broadcast(out, a, b, c)
    return out


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2`` (broadcast), in one op (floating tensors)."""
    if all(to_tensor(t)._data.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
            "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
            "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer "
            "inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
            "behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all "
            "dtypes.")
    a, b, c = _operands((input, tensor1, tensor2))
    ad, bd, cd = _promoted([a, b, c])
    # (PyTorch's kernel: self + value * t1 / t2, the product first: a quotient past float32's
    # largest value may come back within it)
    out = record(_laid(ad + value * bd / cd, a, b, c, dtype=ad.dtype), AddcdivBackward0, (a, b, c),     # (saved as PyTorch: tensor1
                 (b if has_edge(c) else None, c), value=value)       # only for tensor2's gradient)
    note_broadcast(out, a, b, c)
    return out


class LerpBackward0(OpNode):
    """Linear interpolation by a number: self gets the gradient times (1 - weight), end
    gets it times weight.

    out = self + weight * (end - self)   (weight: a number)
    grad_self = grad * (1 - weight)
    grad_end = grad * weight
    """
    fields = ("weight",)

    def backward(self, g):                            # (Scalar products: MulBackward1)
        w = self.weight
        return mul_scalar(g, 1 - w), mul_scalar(g, w)


class LerpBackward1(OpNode):
    """Linear interpolation by a tensor: self gets the gradient times (1 - weight), end
    gets it times weight, and weight gets it times (end - self).

    out = self + weight * (end - self)   (weight: a tensor)
    grad_self = grad * (1 - weight)
    grad_end = grad * weight
    grad_weight = grad * (end - self)
    """
    saved_names = ("end", "self", "weight")
    saved_for = ((2,), (2,), (0, 1))                  # the ends for weight's gradient, and back

    def backward(self, g):
        end, start, w = self._saved
        if w is None:                                 # (nothing saved: no gradient is wanted)
            return None, None, None if end is None else g * (end.unpack() - start.unpack())
        w = w.unpack()
        gw = None if end is None else g * (end.unpack() - start.unpack())
        if w._data.dtype.kind == "b":
            # (PyTorch's 1 - weight takes the 1 in weight's dtype: two bool tensors)
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        return g * (1 - w), g * w, gw


def _lerp(a: Any, b: Any, w: Any) -> Any:
    """PyTorch's kernel: from ``a`` for small weights, from ``b`` for large ones (so that
    weight 1 gives exactly ``b``, and an inf at the far end does not turn into a NaN)."""
    diff = b - a
    with np.errstate(invalid="ignore"):
        return B.xp_of(a).where(abs(w) < 0.5, a + w * diff, b - diff * (1 - w))


def _lerp_dtypes(input: Any, end: Any, weight: Any) -> list[Tensor]:
    """lerp's first check, before shapes and overlaps (``lerp_`` too): ``end`` and a tensor
    ``weight`` have ``input``'s dtype (a 0-d weight is cast). Returns the operands as tensors."""
    ts = [to_tensor(x) for x in ((input, end) if not isinstance(weight, Tensor) else (input, end, weight))]
    dt = ts[0]._data.dtype
    for name, t in zip(("end", "weight"), ts[1:]):
        if t._data.dtype != dt and not (name == "weight" and t._data.ndim == 0):
            raise RuntimeError(f"expected dtype {B.CPP_NAMES[dt.name]} for `{name}` but got "
                               f"dtype {B.CPP_NAMES[t._data.dtype.name]}")
    return ts


def _lerp_result_type(input: Tensor, end: Any, weight: Any) -> None:
    """``lerp_`` with a 0-d weight tensor: the result it promotes to must fit ``input``."""
    ts = [to_tensor(x) for x in (input, end, weight)]
    if isinstance(weight, Tensor) and not weight._data.ndim:
        dt = input._data.dtype
        common = _promoted([t[:0] if t._data.ndim else t for t in ts])[0].dtype
        if not np.can_cast(common, dt, "same_kind"):
            raise RuntimeError(f"result type {B.SCALAR_NAMES[common.name]} can't be cast to the desired output type "
                               f"{B.SCALAR_NAMES[dt.name]}")


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``: ``weight`` 0 gives ``input``,
    1 gives ``end`` (a number or a tensor, broadcast; ``end`` and a weight with dims have
    ``input``'s dtype, a 0-d weight promotes with them)."""
    scalar = not isinstance(weight, Tensor)
    ts = _operands(_lerp_dtypes(input, end, weight))
    promotes = not scalar and not ts[2]._data.ndim    # (a 0-d weight tensor promotes)
    arrays = _promoted(ts) if promotes else [t._data for t in ts]
    dt = arrays[0].dtype
    if dt.kind != "f":
        raise no_kernel("lerp_kernel_scalar" if scalar else "lerp_kernel_tensor", dt)
    a, b = ts[0], ts[1]
    if scalar:
        out = record(_laid(_lerp(a._data, b._data, weight).astype(dt, copy=False), a, b), LerpBackward0,
                     (a, b), weight=weight)
        note_broadcast(out, a, b)
        return out
    w = ts[2]
    out = record(_laid(_lerp(arrays[0], arrays[1], arrays[2].astype(dt, copy=False)), a, b, w, dtype=dt), LerpBackward1, (a, b, w),
                 _needed(LerpBackward1, (b, a, w), (a, b, w)))
    note_broadcast(out, a, b, w)
    return out


for _f in (addcmul, addcdiv, lerp):
    register(_f.__name__)(_f)
    register(_f.__name__ + "_")(_inplace(_f, first=_lerp_dtypes, types=_lerp_result_type) if _f is lerp
                                else _inplace(_f))

EXPORTS = ["addcmul", "addcdiv", "lerp"]
