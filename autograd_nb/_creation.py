"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn`` and friends.

Every tensor made here is a *leaf*. It requires grad only when you ask for it with
``requires_grad=True`` -- and only floating point tensors may. ``*_like`` functions
copy shape, dtype and device, never ``requires_grad``.

Random tensors (``rand``, ``randn``, ...) live in ``_random_tensors.py``; their numbers
come from ``random.py``, PyTorch's own generator.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import _backend as B
from ._tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye", "arange",
    "linspace", "logspace", "scalar_tensor", "zeros_like", "ones_like", "full_like", "empty_like",
]


# ---------------------------------------------------------------------------


def _resolve_dtype(dtype: Any) -> B.dtype | None:
    if dtype is None or isinstance(dtype, B.dtype):
        return dtype
    if dtype in (float, "float"):
        return B.float64 if dtype == "float64" else B.get_default_dtype()
    if dtype is int:
        return B.int64
    if dtype is bool:
        return B.bool_
    return B.from_numpy_dtype(dtype)


def _finish(data: Any, dtype: Any, device: Any, requires_grad: bool, msg_capital: bool = True) -> Tensor:
    if device is None:
        device = B._default_device[0]            # torch.set_default_device (None: the cpu)
    if device is not None:
        dev = B.device(device)
        if dev.type == "cuda":
            data = B.to_device(data, dev)
    t = Tensor._wrap(data)
    if requires_grad:
        if data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._leaf_init()._requires_grad = True
    return t


def _infer_dtype(data: Any) -> B.dtype:
    """PyTorch's dtype for nested Python data: bool < int64 < default float."""
    kind = 0
    seen_number = False
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            d = item.dtype
            return d if d.is_floating_point else (B.int64 if d._kind == 1 and kind < 2 else d)
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool) or isinstance(item, np.bool_):
            seen_number = True
        elif isinstance(item, (int, np.integer)):
            kind, seen_number = max(kind, 1), True
        elif isinstance(item, (float, np.floating)):
            kind, seen_number = 2, True
        else:
            raise TypeError(f"Could not infer dtype of {type(item).__name__}")
    if not seen_number:                                   # torch.tensor([]) is float
        return B.get_default_dtype()
    return (B.bool_, B.int64, B.get_default_dtype())[kind]


def _to_array(data: Any, dt: B.dtype | None) -> np.ndarray:
    if isinstance(data, Tensor):
        src = B.to_device(data._data, B.CPU)
        return np.array(src, dtype=None if dt is None else dt.np, copy=True)
    if isinstance(data, np.ndarray):
        if dt is None:
            dt = B.from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dt.np, copy=True)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        parts = [_to_array(x, None) for x in data]
        if dt is None:
            dt = _infer_dtype(data)
        for x in parts:
            if x.size != 1 and len(parts) > 1 and any(p.ndim for p in parts):
                break
        else:
            return np.array([p.reshape(()) if p.size == 1 and p.ndim == 0 else p for p in parts], dtype=dt.np)
        raise ValueError("only one element tensors can be converted to Python scalars")
    if dt is None:
        dt = _infer_dtype(data)
    try:
        return np.array(data, dtype=dt.np)
    except ValueError as e:
        raise ValueError(_ragged_message(data, _nested_sizes(data)) or str(e)) from None


def _nested_sizes(data: Any) -> list[int]:
    """The shape nested lists promise, read along their first elements."""
    sizes = []
    while isinstance(data, (list, tuple)):
        sizes.append(len(data))
        if not data:
            break
        data = data[0]
    return sizes


def _ragged_message(data: Any, sizes: list[int], dim: int = 0) -> str | None:
    """PyTorch's message for the first list whose length breaks the promised shape."""
    if dim >= len(sizes) or not isinstance(data, (list, tuple)):
        return None
    if len(data) != sizes[dim]:
        return f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(data)})"
    for item in data:
        msg = _ragged_message(item, sizes, dim + 1)
        if msg:
            return msg
    return None


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a *copy* of ``data`` (numbers, nested lists, arrays).

    The dtype is inferred as PyTorch does: Python floats give float32, ints give int64,
    bools give bool. ``requires_grad=True`` is allowed for floating dtypes only.
    """
    dt = _resolve_dtype(dtype)
    if isinstance(data, Tensor) and dt is None:
        dt = data.dtype
    arr = _to_array(data, dt)
    return _finish(arr, dt, device, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array (or a tensor) when it can."""
    dt = _resolve_dtype(dtype)
    if isinstance(data, Tensor):
        if (dt is None or data.dtype is dt) and (device is None or B.device(device) == data.device):
            return data
        return data.to(dtype=dt, device=device)
    if isinstance(data, np.ndarray) and (dt is None or data.dtype == dt.np) and device in (None, "cpu"):
        return from_numpy(data)
    return tensor(data, dtype=dt, device=device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``: a change to one shows in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    B.from_numpy_dtype(ndarray.dtype)                       # raises for unsupported dtypes
    return Tensor._wrap(ndarray)


def _shape(size: Sequence[Any]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"zeros(): argument 'size' (position 1) must be tuple of ints, but found element of "
                f"type {type(s).__name__} at pos 0")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, size))}]")
        out.append(int(s))
    return tuple(out)


def _filled(fill: Any, size: Sequence[Any], dtype: Any, device: Any, requires_grad: bool,
            default: B.dtype | None = None) -> Tensor:
    dt = _resolve_dtype(dtype) or default or B.get_default_dtype()
    if dt.np.kind in "iu" and type(fill) in (int, float):
        info = np.iinfo(dt.np)
        if not info.min <= fill <= info.max:          # (-9 wraps into uint8 as in PyTorch; 300 or
            from .ops._core import scalar_to          # an inf is refused with its message)
            fill = scalar_to(fill, dt.np)
    arr = np.full(_shape(size), fill, dtype=dt.np)
    return _finish(arr, dt, device, requires_grad)


def _size_kw(size: tuple, kw: dict) -> tuple:
    """``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``; other keywords PyTorch
    accepts (``layout``, ``pin_memory``, ``memory_format``) change nothing here."""
    named = kw.pop("size", None)
    for k in ("layout", "pin_memory", "memory_format", "names"):
        kw.pop(k, None)
    if kw:
        raise TypeError(f"got an unexpected keyword argument '{next(iter(kw))}'")
    if named is not None:
        return (tuple(named),) if not isinstance(named, int) else (named,)
    return size


def _into(out: Any, result: Tensor) -> Tensor:
    """``out=``: PyTorch writes the result into ``out`` (resized to fit) and returns it."""
    if out is None:
        return result
    out._data = result._data.astype(out._data.dtype, copy=False)
    out._vc[0] += 1
    return out


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          out: Any = None, **kw: Any) -> Tensor:
    """A tensor of zeros with the given shape (float32 unless ``dtype`` says otherwise)."""
    return _into(out, _filled(0, _size_kw(size, kw), dtype, device, requires_grad))


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         out: Any = None, **kw: Any) -> Tensor:
    """A tensor of ones with the given shape."""
    return _into(out, _filled(1, _size_kw(size, kw), dtype, device, requires_grad))


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          out: Any = None, **kw: Any) -> Tensor:
    """A tensor whose values are not set (here: zeros; never rely on them)."""
    return _into(out, _filled(0, _size_kw(size, kw), dtype, device, requires_grad))


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = B.scalar_dtype(fill_value)
    return _filled(fill_value, (tuple(size),), dtype, device, requires_grad, default)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (ones on the diagonal)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    dt = _resolve_dtype(dtype) or B.get_default_dtype()
    return _finish(np.eye(n, m, dtype=dt.np), dt, device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, out: Tensor | None = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to (not including) ``end``.

    Integers give int64; any float argument gives the default float dtype. As PyTorch,
    the bounds are checked in double precision, the length is ``ceil((end - start) /
    step)`` (for int64 in integers, the bounds truncated first), and the values are
    ``start + i * step`` computed in double (floats) or int64 (integer dtypes, bounds and
    step truncated toward zero) before the cast to the dtype.
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    dt = _resolve_dtype(dtype) or (out.dtype if out is not None else None)
    if dt is None:
        dt = B.get_default_dtype() if any(isinstance(v, float) for v in vals) else B.int64
    d0, d1, ds = (float(v) for v in vals)
    if dt == B.int64 and ds != 0 and int(ds) == 0:   # (a step that truncates to 0)
        raise ValueError("step must be nonzero")
    if ds == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(d0) and math.isfinite(d1)):
        raise RuntimeError(f"unsupported range: {d0:g} -> {d1:g}")
    if not (ds > 0 and d1 >= d0 or ds < 0 and d1 <= d0):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    integral = not dt.is_floating_point
    if integral:
        x0, x1, xs = (int(v) for v in vals)           # (C++'s conversions truncate toward zero)
    if dt == B.int64:
        sgn = (xs > 0) - (xs < 0)
        num = x1 - x0 + xs - sgn
        n = abs(num) // abs(xs) * (1 if (num >= 0) == (xs > 0) else -1)   # (C's division)
    else:
        n = math.ceil((d1 - d0) / ds)
    if n < 0 or n > 2 ** 63 - 1:
        raise RuntimeError("invalid size, possible overflow?")
    if integral:
        arr = x0 + np.arange(n, dtype=np.int64) * xs
    else:
        arr = d0 + np.arange(n, dtype=np.float64) * ds
    res = _finish(arr.astype(dt.np), dt, device, requires_grad)
    if out is None:
        return res
    out._data = res._data
    return out


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    As PyTorch: the first half of the values are ``start + i * step``, the second half
    ``end - (steps - 1 - i) * step``, so both ends are exact; floating dtypes compute in
    their own precision, integer dtypes truncate the bounds to the dtype first and take
    the step in double."""
    for name, v in (("start", start), ("end", end)):
        if isinstance(v, Tensor) and v.ndim != 0:
            parts = [f"{n} with {t.ndim} dimension(s)" for n, t in (("start", start), ("end", end))
                     if isinstance(t, Tensor)]
            raise RuntimeError("linspace only supports 0-dimensional start and end tensors, but got "
                               + " and ".join(parts) + ".")
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        from .ops._core import combination_error
        raise combination_error("linspace", start, end, steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    dt = _resolve_dtype(dtype) or B.get_default_dtype()
    if dt == B.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    idx = np.arange(steps)
    if dt.is_floating_point:
        t = dt.np.type
        s, e = t(start), t(end)
        step = (e - s) / t(max(steps - 1, 1))
        first, last = s + step * idx.astype(dt.np), e - step * (steps - 1 - idx).astype(dt.np)
    else:
        s, e = (np.array(int(v)).astype(dt.np).item() for v in (start, end))
        step = (e - s) / max(steps - 1, 1)
        first, last = s + step * idx, e - step * (steps - 1 - idx)
    arr = np.where(idx < steps // 2, first, last) if steps != 1 else np.full(1, s)   # (one step: the start)
    with np.errstate(invalid="ignore"):
        return _finish(arr.astype(dt.np), dt, device, requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``: ``steps`` values evenly spaced in the
    exponent (as PyTorch: the exponents in double, the powers cast to the dtype)."""
    for v in (start, end):
        if isinstance(v, Tensor) and v.ndim != 0:
            parts = [f"{n} with {t.ndim} dimension(s)" for n, t in (("start", start), ("end", end))
                     if isinstance(t, Tensor)]
            raise RuntimeError("logspace only supports 0-dimensional start and end tensors, but got "
                               + " and ".join(parts) + ".")
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        from .ops._core import combination_error
        raise combination_error("logspace", start, end, steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    dt = _resolve_dtype(dtype) or B.get_default_dtype()
    idx = np.arange(steps)
    if dt.is_floating_point:
        t = dt.np.type
        s, e = t(start), t(end)
        step = (e - s) / t(max(steps - 1, 1))
        first = t(base) ** (s + step * idx.astype(dt.np))
        last = t(base) ** (e - step * (steps - 1 - idx).astype(dt.np))
    else:
        s, e = float(start), float(end)
        step = (e - s) / max(steps - 1, 1)
        first, last = float(base) ** (s + step * idx), float(base) ** (e - step * (steps - 1 - idx))
    arr = np.where(idx < steps // 2, first, last) if steps != 1 else np.full(1, float(base) ** float(start))
    return _finish(np.asarray(arr).astype(dt.np), dt, device, requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (the default float dtype unless given)."""
    dt = _resolve_dtype(dtype) or B.get_default_dtype()
    return _finish(np.asarray(s).astype(dt.np), dt, device, requires_grad)


def _like(fn: Any, input: Tensor, dtype: Any, device: Any, requires_grad: bool, *args: Any) -> Tensor:
    """``fn(*args, input.shape, ...)`` with ``input``'s dtype and device unless given, laid
    out as PyTorch's ``empty_like(input)``: a transpose keeps its strides (ops/_layout)."""
    dt = _resolve_dtype(dtype) or input.dtype
    dev = device if device is not None else input.device
    out = fn(*args, input.shape, dtype=dt, device=dev, requires_grad=requires_grad)
    if not input._data.flags.c_contiguous:
        from .ops._layout import preserve_strides, strided
        strides = preserve_strides(input._data)
        if strides is not None:
            out._data = strided(out._data.reshape(-1).copy(), out._data.shape, strides)
    return out


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device (never its requires_grad)."""
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    """Ones with ``input``'s shape, dtype and device (never its requires_grad)."""
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    return _like(empty, input, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _like(lambda shape, **kw: full(shape, fill_value, **kw), input, dtype, device, requires_grad)


# ---------------------------------------------------------------------------
# Tensor.new_*: a new tensor that takes this one's dtype and device by default
# ---------------------------------------------------------------------------
_NEW_TENSOR_COPY = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).")


def _new_kw(self: Tensor, dtype: Any, device: Any) -> dict[str, Any]:
    return {"dtype": _resolve_dtype(dtype) or self.dtype,
            "device": self.device if device is None else device}


def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """``torch.tensor(data)`` with this tensor's dtype and device unless told otherwise.

    ``x.new_tensor([1, 2])`` on a float32 cuda tensor gives float32 on cuda. The data is
    always copied; from a tensor it is detached too (PyTorch warns: use
    ``source.detach().clone()``).
    """
    if isinstance(data, Tensor):
        import warnings
        warnings.warn(_NEW_TENSOR_COPY, UserWarning, stacklevel=2)
        data = B.to_device(data._data, B.CPU)
    return tensor(data, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` with this tensor's dtype and device (unless told otherwise)."""
    return zeros(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of ``size`` with this tensor's dtype and device (unless told otherwise)."""
    return ones(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_empty(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` with this tensor's dtype and device."""
    return empty(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_full(self: Tensor, size: Sequence[int], fill_value: Any, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere in ``size``, with this tensor's dtype and device."""
    return full(size, fill_value, requires_grad=requires_grad, **_new_kw(self, dtype, device))


for _fn in (new_tensor, new_zeros, new_ones, new_empty, new_full):
    setattr(Tensor, _fn.__name__, _fn)
