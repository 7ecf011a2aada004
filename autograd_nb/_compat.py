"""Small pieces of PyTorch's top-level API that tutorials use and that are not ops:
``torch.pi`` and friends, the legacy tensor types (``torch.FloatTensor(2, 3)``,
``isinstance(x, torch.LongTensor)``), the default device, and ``torch.compile``.

``torch.compile(model)`` returns the model unchanged and warns once: autograd_nb has
no compiler, and a learner should know the timing they see is not a compiled one.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

from . import _backend as B
from ._tensor import Tensor

__all__ = ["pi", "e", "inf", "nan", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor",
           "set_default_device", "get_default_device", "compile", "warn_once", "range"]

pi = math.pi
e = math.e
inf = math.inf
nan = math.nan

_WARNED: set[str] = set()


def warn_once(key: str, message: str) -> None:
    """``warnings.warn(message)`` the first time ``key`` is seen in this process."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


# ---------------------------------------------------------------------------------------
# legacy tensor types: constructors, and isinstance checks by dtype
# ---------------------------------------------------------------------------------------

class _TensorTypeMeta(type):
    """``isinstance(x, torch.FloatTensor)`` is True for float32 tensors on the cpu, as in
    PyTorch: these "types" are a dtype and a device, not classes tensors are made of."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype and obj.device.type == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


class _TensorType(metaclass=_TensorTypeMeta):
    _dtype: B.dtype = B.float32

    def __new__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[misc]
        from ._creation import empty, tensor
        dt = cls._dtype
        if not args:
            return empty(0, dtype=dt, device=device)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=dt, device=device)        # sizes: uninitialised values
        if len(args) == 1:
            data = args[0]
            if isinstance(data, Tensor):
                if data.dtype is not dt:
                    raise TypeError(f"expected {_type_word(dt)} (got {_type_word(data.dtype)})")
                return data
            return tensor(data, dtype=dt, device=device)
        raise TypeError(f"new() received an invalid combination of arguments - got ({', '.join(type(a).__name__ for a in args)})")


def _type_word(dt: B.dtype) -> str:
    return dt.scalar_name


def _tensor_type(name: str, dt: B.dtype) -> type:
    doc = (f"``torch.{name}(2, 3)`` makes an uninitialised {dt!r} tensor of that size, "
           f"``torch.{name}([1, 2])`` one from data; ``isinstance(x, torch.{name})`` checks "
           f"for a {dt!r} tensor on the cpu.")
    return _TensorTypeMeta(name, (_TensorType,), {"_dtype": dt, "__doc__": doc, "__module__": "autograd_nb"})


FloatTensor = _tensor_type("FloatTensor", B.float32)
DoubleTensor = _tensor_type("DoubleTensor", B.float64)
HalfTensor = _tensor_type("HalfTensor", B.float16)
LongTensor = _tensor_type("LongTensor", B.int64)
IntTensor = _tensor_type("IntTensor", B.int32)
ShortTensor = _tensor_type("ShortTensor", B.int16)
CharTensor = _tensor_type("CharTensor", B.int8)
ByteTensor = _tensor_type("ByteTensor", B.uint8)
BoolTensor = _tensor_type("BoolTensor", B.bool_)


# ---------------------------------------------------------------------------------------
# the default device for factory functions
# ---------------------------------------------------------------------------------------

def set_default_device(device: Any) -> None:
    """Make factory functions (``torch.zeros``, ``torch.tensor``, ``torch.randn``, ...)
    create tensors on ``device`` when they are not told one (``None`` resets to cpu).
    Results of ops stay where their inputs are."""
    B.set_default_device(None if device is None else B.device(device))


def get_default_device() -> B.device:
    """The device factory functions use when they are not told one."""
    return B.get_default_device()


# ---------------------------------------------------------------------------------------
# compilers: none here
# ---------------------------------------------------------------------------------------

def compile(model: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``torch.compile``: returns ``model`` (a module or function) unchanged.

    autograd_nb has no compiler, so the model runs eagerly, op by op, exactly as
    without ``compile``; a warning says so once. Used as ``@torch.compile(...)`` it
    returns a decorator that does the same.
    """
    warn_once("compile", "autograd_nb has no compiler: torch.compile returns the model unchanged "
                         "(it runs eagerly, op by op)")
    if model is None:
        return lambda fn: fn
    return model


# ---------------------------------------------------------------------------------------
# old spellings
# ---------------------------------------------------------------------------------------

_builtin_range = range


def range(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """``torch.range``: like ``arange`` but *including* ``end`` (deprecated in PyTorch too)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    from ._creation import _finish, _resolve_dtype
    import numpy as np
    if end is None:
        start, end = 0, start
    dt = _resolve_dtype(dtype) or B.get_default_dtype()
    n = int(math.floor((end - start) / step)) + 1
    values = (start + np.arange(max(n, 0), dtype=np.float64) * step).astype(dt.np)
    return _finish(values, dt, device, requires_grad)


def _resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Give the tensor a new shape in place, keeping its first numbers (new places are
    uninitialised in PyTorch; zeros here). Refused for tensors that require grad."""
    import numpy as np
    from ._creation import _shape
    from .autograd.grad_mode import STATE
    if self.requires_grad and not STATE.inference:    # (inference mode has no autograd check)
        raise RuntimeError("cannot resize variables that require grad")
    shape = _shape(sizes)
    if tuple(shape) == tuple(self._data.shape):       # nothing to do: no new version either
        return self
    n = int(np.prod(shape))
    xp = B.xp_of(self._data)
    flat = self._data.reshape(-1)
    data = xp.zeros(n, dtype=flat.dtype)
    k = min(n, flat.size)
    data[:k] = flat[:k]
    self._data = data.reshape(shape)
    self._vc[0] += 1
    return self


def _resize_as_(self: Tensor, other: Tensor, memory_format: Any = None) -> Tensor:
    """``resize_`` to the shape of ``other``."""
    return _resize_(self, tuple(other.shape))


def _set_(self: Tensor, source: Any = None) -> Tensor:
    """Make this tensor use ``source``'s memory, shape and strides, in place (``x.set_()``:
    an empty tensor). Afterwards the two share their numbers: a change to one shows in the
    other.

    For autograd it is an in-place change: refused on a leaf that requires grad while
    recording (use ``torch.no_grad()``, as optimisers that resize parameters do); a
    tensor with history gets a node without a derivative (``NotImplemented``). A leaf
    starts a new gradient accumulator: graphs recorded before do not reach the new
    tensor through it (``torch.autograd.graph.get_gradient_edge`` taken before still
    does).
    """
    import numpy as np
    from .ops._core import bump, check_inplace, record
    if source is None:
        data = B.xp_of(self._data).empty((0,), dtype=self._data.dtype)
        source_t = None
    elif isinstance(source, Tensor):
        if source._data.dtype != self._data.dtype:
            raise RuntimeError(f"Could not set tensor of type {B.CPP_NAMES[source._data.dtype.name]} "
                               f"to a tensor of type {B.CPP_NAMES[self._data.dtype.name]}")
        data = source._data
        source_t = source
    else:
        raise TypeError(f"set_() received an invalid combination of arguments - got ({type(source).__name__}), "
                        "but expected one of:\n * ()\n * (Tensor source)")
    check_inplace(self, *([source_t] if source_t is not None else []))
    history = self._gfn is not None and self.requires_grad
    self._data = data if isinstance(data, np.ndarray) or hasattr(data, "device") else np.asarray(data)
    bump(self)
    self._acc = None                                  # a new accumulator for the new tensor
    if history:                                       # no derivative: a NotImplemented node
        from .ops.pointwise import NoDerivative as _NoDerivative
        marker = record(self._data, _NoDerivative, (self, source_t), _op=("set_", False))
        if marker._gfn is not None:               # (nothing is recorded under no_grad)
            self._gfn, self._output_nr = marker._gfn, 0
    return self


def install_tensor_methods() -> None:
    """Tensor methods PyTorch has that live here (``resize_``, ``resize_as_``, ``set_``)."""
    Tensor.resize_ = _resize_
    Tensor.resize_as_ = _resize_as_
    Tensor.set_ = _set_
