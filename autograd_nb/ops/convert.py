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
from ..autograd.grad_mode import STATE
from ..autograd.node import PRE_MUTATION
from ._layout import copy_like
from ._core import (PARTIAL_OVERLAP, OpNode, bump, check_broadcast, check_inplace, check_internal_overlap,
                    memory_overlap, needs_grad, note_broadcast, plain, record, register, scalar_to, writable,
                    write_fill, written_into)


class CloneBackward0(OpNode):
    """A copy: the gradient passes unchanged.

    out = self.clone()
    grad_self = grad
    """

    def backward(self, g):
        return g


class ToCopyBackward0(OpNode):
    """A conversion to another dtype or device: the gradient is converted back to the
    input's dtype and device.

    out = self.to(dtype, device)
    grad_self = grad.to(self.dtype, self.device)
    """
    fields = ("_dtype", "_device")                   # (self's; PyTorch keeps them unshown)

    def backward(self, g):
        return g.to(dtype=self._dtype, device=self._device)


def clone(self: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy with its own memory; in a graph the gradient passes straight through.

    Laid out as PyTorch's ``preserve_format``: a transpose stays transposed, a slice with
    gaps or an expand becomes dense in its own stride order (ops/_layout.copy_like)."""
    d = self._data
    data = d.copy() if d.flags.c_contiguous else copy_like(d)
    if self._is_inference and self._requires_grad and not STATE.mode:   # (0: recording)
        return _copied_from_inference(data, self)
    return record(data, CloneBackward0, (self,))


def _copied_from_inference(data: Any, src: Tensor) -> Tensor:
    """An inference tensor that requires grad, cloned or converted outside inference mode:
    it never reaches autograd's clone / _to_copy; PyTorch's fallback copies it into a fresh
    tensor with ``copy_``, which records CopyBackwards (no edge for the fresh tensor)."""
    return record(data, CopyBackwards, (None, src))


def contiguous_clone(self: Tensor) -> Tensor:
    """``clone(memory_format=torch.contiguous_format)``: a C-ordered copy (``contiguous()``)."""
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
        new = new.astype(dtype.np) if new.flags.c_contiguous else copy_like(new, dtype.np)
    if new is d:
        return clone(self) if copy else self
    if dtype is not None and new.dtype.kind != "f":   # a conversion to an integer dtype is not
        return plain(new, STATE.inference)            # differentiable (PyTorch's _to_copy)
    if self._is_inference and self._requires_grad and not STATE.mode:   # (0: recording)
        return _copied_from_inference(new, self)
    return record(new, ToCopyBackward0, (self,), _dtype=src_dt, _device=src_dev)


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
    """x.zero_(): nothing of the old x survives, so its history gets a zero gradient.

    out = zeros_like(self)
    grad_self = zeros_like(grad)
    """

    def backward(self, g):
        return _zeros_like(g)


class FillBackward2(ZeroBackward0):
    """x.fill_(number): nothing of the old x survives, so its history gets a zero gradient.

    out = full_like(self, value)
    grad_self = zeros_like(grad)
    """


class _RandomFill(ZeroBackward0):
    """An in-place random fill (x.uniform_(), x.normal_(), ...): the new values do not
    depend on the old ones, so the old history gets a zero gradient.

    grad_self = zeros_like(grad)
    """


class UniformBackward0(_RandomFill):
    """x.uniform_(): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class NormalBackward0(_RandomFill):
    """x.normal_(): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class RandomBackward0(_RandomFill):
    """x.random_(from, to): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class RandomBackward1(_RandomFill):
    """x.random_(to): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class RandomBackward2(_RandomFill):
    """x.random_(): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class BernoulliBackward1(_RandomFill):
    """x.bernoulli_(p) with a tensor p: the draws do not depend smoothly on x or p, so
    neither gets a gradient (zeros).

    grad_self = zeros_like(grad)
    grad_p = zeros(p.shape)
    """
    fields = ("_p_shape",)

    def backward(self, g):
        return _zeros_like(g), g.new_zeros(self._p_shape)


class BernoulliBackward2(_RandomFill):
    """x.bernoulli_(p) with a number p: the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class ExponentialBackward0(_RandomFill):
    """x.exponential_(): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class GeometricBackward0(_RandomFill):
    """x.geometric_(p): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class LogNormalBackward0(_RandomFill):
    """x.log_normal_(): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class CauchyBackward0(_RandomFill):
    """x.cauchy_(): the new values do not depend on the old ones, so the old history gets a
    zero gradient.

    grad_self = zeros_like(grad)
    """


class BernoulliBackward0(_RandomFill):
    """torch.bernoulli(p): the draws do not depend smoothly on p, so p gets a zero
    gradient.

    grad_self = zeros_like(grad)
    """


class _NormalBackward(OpNode):
    """torch.normal(mean, std) with tensor arguments. PyTorch defines the gradient as
    zero (no reparameterisation: use mean + std times randn). The fields are the shapes
    of the tensor arguments (one zero gradient each), under PyTorch's saved names.

    grad_mean = zeros(mean.shape)
    grad_std = zeros(std.shape)
    """

    def backward(self, g):
        zeros = tuple([g.new_zeros(getattr(self, name)) for name in self.fields])
        return zeros[0] if len(zeros) == 1 else zeros


class NormalBackward1(_NormalBackward):
    """torch.normal(mean, std) with a tensor mean and a number std. PyTorch defines the
    gradient as zero (no reparameterisation: use mean + std times randn).

    grad_mean = zeros(mean.shape)
    """
    fields = ("mean_sym_sizes",)


class NormalBackward2(_NormalBackward):
    """torch.normal(mean, std) with a number mean and a tensor std. PyTorch defines the
    gradient as zero (no reparameterisation: use mean + std times randn).

    grad_std = zeros(std.shape)
    """
    fields = ("std_sym_sizes",)


class NormalBackward3(_NormalBackward):
    """torch.normal(mean, std) with both tensors. PyTorch defines the gradient as zero
    (no reparameterisation: use mean + std times randn).

    grad_mean = zeros(mean.shape)
    grad_std = zeros(std.shape)
    """
    fields = ("mean_sym_sizes", "std_sym_sizes")


class FillBackward3(OpNode):
    """x.fill_(value) with a 0-d tensor: nothing of the old x survives (zero gradient);
    value was written everywhere, so it gets the sum of the gradient.

    out = full_like(self, value)
    grad_self = zeros_like(grad)
    grad_value = grad.sum()
    """

    def backward(self, g):
        return _zeros_like(g), g.sum()


class CopyBackwards(OpNode):
    """x.copy_(src): src (broadcast, converted) replaces every value of x, so the old x
    gets a zero gradient and src the gradient (summed back to its shape, converted back
    to its dtype).

    out = src broadcast to self.shape
    grad_self = zeros_like(grad)
    grad_src = grad
    """

    def name(self) -> str:
        """PyTorch's C++ name; the class (what reprs and graphs show) is ``CopyBackwards``."""
        return "torch::autograd::CopyBackwards"

    def backward(self, g):
        return _zeros_like(g), g


def _overwrite(self: Tensor, data: Any, node: type, value: Tensor | None, fills: bool = False) -> Tensor:
    """Write ``data`` (already of ``self``'s shape and dtype) into ``self``, recording
    ``node`` when grad mode is on and ``self`` or ``value`` requires grad. ``fills``: a
    number is written (``fill_``, ``zero_``), which PyTorch allows through an expand
    (``write_fill``); otherwise ``self``'s elements may not share memory."""
    if needs_grad(self, value):
        from .pointwise import apply_inplace
        inputs = (self,) if value is None else (self, value)
        out = written_into(self, record, data, node, inputs)
        note_broadcast(out, *inputs)
        return apply_inplace(self, out, fills=fills)
    if fills:
        write_fill(self._data, data)
    else:
        check_internal_overlap(self)
        writable(self._data)[...] = data
    bump(self)
    return self


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place (recorded as ``ZeroBackward0``)."""
    check_inplace(self)
    d = self._data
    return _overwrite(self, B.xp_of(d).zeros_like(d), ZeroBackward0, None, fills=True)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` in place (bumps the version).

    ``value`` is a number (``FillBackward2``) or a 0-d tensor (``FillBackward3``, whose
    gradient is the sum of the gradient over every element it was written to; PyTorch
    copies it as ``copy_`` does, so ``self`` may not be an expand then).
    """
    check_inplace(self, *((value,) if isinstance(value, Tensor) else ()))   # (fill_(Scalar): not wrapped)
    d = self._data
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        vd = value._data if type(value._data) is type(d) else B.to_device(value._data, self.device)
        if type(value._data) is type(d):
            check_internal_overlap(self)
        return _overwrite(self, B.xp_of(d).full_like(d, vd), FillBackward3, value)
    return _overwrite(self, B.xp_of(d).full_like(d, scalar_to(value, d.dtype)), FillBackward2, None, fills=True)


def _copy_checks(self: Tensor, sd: Any) -> bool:
    """copy_'s refusals, in PyTorch's order: ``self``'s elements sharing memory, ``src``
    sharing part of ``self``'s, then shapes (``src`` broadcasts to ``self``'s shape, never
    the other way round). Copying a tensor onto itself (the same memory, laid out alike)
    is no copy at all: nothing is checked (True is returned)."""
    od = self._data
    if od is sd or (type(od) is type(sd) is np.ndarray and od.shape == sd.shape and od.strides == sd.strides
                    and od.dtype == sd.dtype and od.__array_interface__["data"] == sd.__array_interface__["data"]):
        return True
    check_internal_overlap(self)
    if memory_overlap(od, sd) == "partial":
        raise RuntimeError(PARTIAL_OVERLAP)
    if sd.shape != od.shape:
        check_broadcast(od.shape, sd.shape)
        full = np.broadcast_shapes(od.shape, sd.shape)
        if full != od.shape:
            raise RuntimeError(f"output with shape [{', '.join(map(str, od.shape))}] doesn't match the broadcast "
                               f"shape [{', '.join(map(str, full))}]")
    return False


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values into this tensor in place (broadcasting ``src``, converting
    its dtype)."""
    if not isinstance(src, Tensor):
        if not isinstance(src, (int, float, bool)):
            raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
        from ._core import to_tensor
        src = to_tensor(src, self)                    # (a number is copied as a 0-d tensor)
    # PyTorch's copy_ records only into a floating self: an integer or bool one is no in-place
    # op to autograd (no leaf or view refusal: a piece of split() takes the values)
    if self._data.dtype.kind in "fc":
        check_inplace(self, src)
    else:
        for watcher in PRE_MUTATION:                  # (allow_mutation_on_saved_tensors)
            watcher(self)
    sd = src._data
    if type(sd) is not type(self._data):
        sd = B.to_device(sd, self.device)
    itself = _copy_checks(self, sd)
    if needs_grad(self, src) and self._data.dtype.kind == "f":   # (PyTorch's copy_ records
        # into a floating self only: an integer one keeps its history, if it has one)
        if sd.shape != self._data.shape:
            sd = B.xp_of(sd).broadcast_to(sd, self._data.shape)
        return _overwrite(self, sd.astype(self._data.dtype, copy=True), CopyBackwards, src, fills=itself)
    if not itself:
        writable(self._data)[...] = sd
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

def _random_fill(self: Tensor, values: Any, node: type, p: Tensor | None = None) -> Tensor:
    """Write the drawn ``values`` into ``self``; with grad, record ``node`` (whose gradient
    is zero: the new values do not depend on the old ones, nor on a probability ``p``)."""
    from ._core import needs_grad
    if needs_grad(self, p):
        from .pointwise import apply_inplace
        inputs = (self,) if p is None else (self, p)
        fields = {} if p is None else {"_p_shape": tuple(p.shape)}      # (BernoulliBackward1's)
        out = written_into(self, record, B.to_device(values, self.device) if not self.is_cpu else values, node,
                           inputs, **fields)
        return apply_inplace(self, out)
    if values.size:                                  # (an empty expand is read-only to numpy)
        self._data[...] = B.to_device(values, self.device) if not self.is_cpu else values
    bump(self)
    return self


