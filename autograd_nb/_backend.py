"""Dtypes, devices and the array module behind every tensor.

A tensor's numbers live in an ordinary array: a ``numpy.ndarray`` on the cpu and a
``cupy.ndarray`` on a cuda device. Everything above this module asks it which array
module (``xp``) to use, so each op's rule is written once for both.

PyTorch names its element types ``torch.float32``, ``torch.int64``, ... and promotes
them by its own rules (which differ from numpy's in a few places: ``int64 + float32``
is ``float32`` in PyTorch, ``float64`` in numpy). Those rules live here, in one place.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__ = [
    "dtype", "device", "float32", "float64", "float16", "int64", "int32", "int16",
    "int8", "uint8", "bool_", "result_type", "get_default_dtype", "set_default_dtype",
]


# PyTorch's ScalarType names, as its messages and legacy type names say them
# ("expected scalar type Float", "torch.LongTensor"): keyed by our dtype names.
SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
# The C++ type names other messages print ("expected dtype long int"), keyed the same way.
CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
             "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
             "bool": "bool"}


class dtype:
    """An element type, printed as PyTorch prints it (``torch.float32``).

    ``is_floating_point`` says whether tensors of this type may require gradients;
    ``itemsize`` is the number of bytes of one element.
    """

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_rank", "_kind")

    def __init__(self, name: str, np_dtype: Any, kind: int, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self._kind = kind            # 0 bool, 1 integer, 2 floating
        self._rank = rank            # order inside the kind
        self.is_floating_point = kind == 2
        self.is_signed = name != "uint8" and name != "bool"
        self.itemsize = self.np.itemsize

    @property
    def is_complex(self) -> bool:
        return False

    @property
    def scalar_name(self) -> str:
        """PyTorch's ScalarType name of this dtype (``Float`` for float32), as errors say it."""
        return SCALAR_NAMES[self.name]

    @property
    def cpp_name(self) -> str:
        """The C++ name of this dtype (``float`` for float32, ``long int`` for int64), as
        other messages say it."""
        return CPP_NAMES[self.name]

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self) -> str:
        return self.name             # pickles as the module-level singleton


float16 = dtype("float16", np.float16, 2, 0)
float32 = dtype("float32", np.float32, 2, 1)
float64 = dtype("float64", np.float64, 2, 2)
uint8 = dtype("uint8", np.uint8, 1, 0)
int8 = dtype("int8", np.int8, 1, 1)
int16 = dtype("int16", np.int16, 1, 2)
int32 = dtype("int32", np.int32, 1, 3)
int64 = dtype("int64", np.int64, 1, 4)
bool_ = dtype("bool", np.bool_, 0, 0)

ALL_DTYPES = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
_FROM_NP = {d.np: d for d in ALL_DTYPES}
_default_float = [float32]


def from_numpy_dtype(np_dtype: Any) -> dtype:
    """The autograd_nb dtype of a numpy dtype; TypeError for unsupported ones."""
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only "
            "supported types are: float64, float32, float16, int64, int32, int16, int8, "
            "uint8, and bool.") from None


def get_default_dtype() -> dtype:
    """The dtype given to floating tensors made from Python floats (float32)."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    """Change the default floating dtype (float32 or float64, as PyTorch allows)."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float[0] = d
    _result_cache.clear()


# ---------------------------------------------------------------------------
# Type promotion
# ---------------------------------------------------------------------------

def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's ``promote_types``: the smallest type both values fit in.

    Across kinds the higher kind wins (bool < integer < floating), so
    ``int64`` with ``float16`` gives ``float16``. Inside a kind the wider type wins,
    except ``uint8`` with a signed type, which needs ``int16`` at least.
    """
    if a is b:
        return a
    if a._kind != b._kind:
        return a if a._kind > b._kind else b
    if a._kind == 1 and (a is uint8 or b is uint8):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a._rank >= b._rank else b


def _category_merge(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """Combine the result of a higher-priority group with a lower one.

    A lower group only changes the result when it is of a higher *kind*
    (a float scalar with an int tensor); a bool result always promotes.
    """
    if higher is None:
        return lower
    if lower is None or higher._kind == 2:
        return higher
    if higher is bool_ or lower._kind > higher._kind:
        return promote_types(higher, lower)
    return higher


_result_cache: dict = {}


def can_cast(src: Any, dst: Any) -> bool:
    """PyTorch's ``canCast`` of numpy dtypes: may a result of ``src`` be written into a tensor
    of ``dst`` (in place, ``out=``)? Within a kind, and from a lower kind, always (int64 into
    uint8 wraps); never floating into integral or bool, nor anything but bool into bool."""
    src, dst = np.dtype(src), np.dtype(dst)
    if src.kind == "c" and dst.kind != "c":
        return False
    if src.kind in "fc" and dst.kind in "iub":
        return False
    return not (src.kind != "b" and dst.kind == "b")


def result_type(*operands: tuple[dtype, int]) -> dtype:
    """PyTorch's result type for an op over ``(dtype, priority)`` pairs.

    Priority 2: a tensor with dimensions; 1: a 0-dim tensor; 0: a Python number
    (already mapped to int64 / the default float / bool). A group of lower priority
    never widens the type within a kind: ``float16 tensor + float64 scalar`` stays
    ``float16``, ``int8 tensor + 1000`` stays ``int8``.
    """
    key = operands
    hit = _result_cache.get(key)
    if hit is not None:
        return hit
    groups: list[dtype | None] = [None, None, None]
    for d, prio in operands:
        g = groups[prio]
        groups[prio] = d if g is None else promote_types(g, d)
    out = _category_merge(groups[2], _category_merge(groups[1], groups[0]))
    _result_cache[key] = out
    return out


def scalar_dtype(value: Any) -> dtype:
    """The dtype PyTorch gives a bare Python number taking part in an op."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _default_float[0]


# ---------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------

class device:
    """Where a tensor's numbers live: ``device('cpu')`` or ``device('cuda:0')``.

    ``device('cuda')`` without an index means the current cuda device; tensors
    report ``cuda:0``.
    """

    __slots__ = ("type", "index")

    def __init__(self, spec: "str | device | int", index: int | None = None) -> None:
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if isinstance(spec, int):
            self.type, self.index = "cuda", spec
            return
        if not isinstance(spec, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type(spec).__name__})")
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda", "meta", "mps"):
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, "
                "fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type "
                f"at start of device string: {spec}")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"autograd_nb supports the cpu and cuda devices, not {kind}")
        self.type = kind
        if idx:
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{spec}'")
            self.index = int(idx)
        else:
            self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


CPU = device("cpu")
CUDA0 = device("cuda:0")


_default_device: list["device | None"] = [None]      # None: the cpu


def set_default_device(dev: "device | None") -> None:
    """Where factory functions put tensors when not told (``torch.set_default_device``)."""
    if dev is not None and dev.type == "cpu":
        dev = None
    _default_device[0] = dev


def get_default_device() -> "device":
    return _default_device[0] or CPU


def cupy_or_none():
    """The cupy module if it is installed and a GPU answers, else None (never raises)."""
    return _cupy_probe()


@functools.lru_cache(maxsize=1)
def _cupy_probe():
    try:
        import cupy  # noqa: PLC0415 - imported lazily on purpose
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        return cupy
    except Exception:  # ImportError, or a CUDA driver error without a GPU
        return None


def require_cupy():
    """The cupy module, or the AssertionError PyTorch gives when cuda is missing."""
    cp = cupy_or_none()
    if cp is None:
        raise AssertionError(
            "autograd_nb was not installed with CUDA enabled: no GPU or no CuPy found. "
            "Install CuPy with `pip install autograd_nb[gpu]` on a machine with an NVIDIA GPU.")
    return cp


def array_device(arr: Any) -> device:
    """The device an array lives on."""
    return CPU if type(arr) is np.ndarray or isinstance(arr, np.generic) else CUDA0


def xp_of(arr: Any):
    """The array module (numpy or cupy) of an array."""
    if type(arr) is np.ndarray:
        return np
    return require_cupy() if not isinstance(arr, np.generic) else np


def check_cuda_index(dev: device) -> None:
    """Refuse a cuda device other than ``cuda:0`` (autograd_nb runs on one GPU).

    An index past the last GPU gets PyTorch's error; another existing GPU gets ours
    (tensors on it would silently land on ``cuda:0`` otherwise).
    """
    if dev.type != "cuda" or not dev.index:
        return
    cp = require_cupy()
    if dev.index >= int(cp.cuda.runtime.getDeviceCount()):
        raise RuntimeError("CUDA error: invalid device ordinal")
    raise RuntimeError(f"autograd_nb uses one GPU, cuda:0; {dev} is not supported")


def to_device(arr: Any, dev: device) -> Any:
    """Copy an array to ``dev`` (or return it when already there)."""
    if dev.type == "cpu":
        if type(arr) is np.ndarray:
            return arr
        return arr.get()
    cp = require_cupy()
    check_cuda_index(dev)
    if type(arr) is not np.ndarray:
        return arr
    return cp.asarray(arr)
