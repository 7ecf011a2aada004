"""A stand-in for CuPy built on numpy, for tests on machines without a GPU.

It is *not* a GPU and proves nothing about CUDA kernels: it lets the device plumbing of
autograd_nb (which array module an op picks, which device a result and a gradient end
up on, the errors for mixing devices) run in CI. What it copies from CuPy, because that
is where device bugs show:

* a device array is its own type (``sim_cupy.ndarray``), so ``Tensor.device`` says
  ``cuda:0`` for it;
* ufuncs and numpy functions refuse plain ``numpy.ndarray`` operands (CuPy raises
  ``TypeError`` for a host array mixed into a device computation): an op that makes a
  helper array with ``np.`` instead of ``xp.`` fails here as it would on a GPU;
* results stay device arrays, 0-d ones included (CuPy reductions return 0-d arrays,
  never numpy scalars); ``.get()`` / ``asnumpy`` copy back to the host.

``install(monkeypatch)`` puts the modules ``cupy``, ``cupyx`` and
``cupyx.scipy.special`` in ``sys.modules`` and makes ``autograd_nb`` see a GPU.
"""
from __future__ import annotations

import math
import sys
import types
from typing import Any

import numpy as np


class ndarray(np.ndarray):
    """An array on the simulated device."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        args = tuple(_host_view(x) for x in inputs)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_host_view(o) for o in out)
        res = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _device(res)

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        return _device(func(*_unwrap(args), **_unwrap(kwargs)))

    def __getitem__(self, key: Any) -> Any:                  # (CuPy copies host index
        return _device(super().__getitem__(_key(key)))       # arrays over); an element
                                                             # comes back as a 0-d array
    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(_key(key), _host_view(value))

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        return _device(self.view(np.ndarray).argmax(*args, **kwargs))

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        return _device(self.view(np.ndarray).argmin(*args, **kwargs))

    def nonzero(self) -> tuple:
        return _device(self.view(np.ndarray).nonzero())

    def dot(self, b: Any, out: Any = None) -> Any:
        return _device(np.dot(self.view(np.ndarray), _host_view(b),
                              out=None if out is None else _host_view(out)))

    def get(self) -> np.ndarray:
        """A host copy (CuPy's device-to-host transfer)."""
        return np.array(self.view(np.ndarray))


def _host_view(x: Any) -> Any:
    if type(x) is np.ndarray:
        raise TypeError(f"Unsupported type {type(x)}")
    return x.view(np.ndarray) if isinstance(x, ndarray) else x


def _key(key: Any) -> Any:
    """An index: host arrays and lists are allowed in it (CuPy copies them over)."""
    if isinstance(key, tuple):
        return tuple(_key(k) for k in key)
    return key.view(np.ndarray) if isinstance(key, ndarray) else key


def _unwrap(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return _host_view(x)


def _device(x: Any) -> Any:
    if isinstance(x, tuple):
        return tuple(_device(v) for v in x)
    if isinstance(x, list):
        return [_device(v) for v in x]
    if type(x) is np.ndarray:
        return x.view(ndarray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(ndarray)
    return x


def _wrap_function(fn: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return _device(fn(*_unwrap(args), **_unwrap(kwargs)))
    call.__name__ = getattr(fn, "__name__", "fn")
    return call


def asarray(x: Any, dtype: Any = None, order: Any = None) -> ndarray:
    """Host data onto the device (a copy), device arrays as they are (or converted)."""
    if isinstance(x, ndarray):
        if (dtype is None or x.dtype == dtype) and order in (None, "K", "A"):
            return x
        return np.asarray(x.view(np.ndarray), dtype=dtype, order=order).view(ndarray)
    return np.array(x, dtype=dtype, order=order or "K").view(ndarray)


def array(x: Any, dtype: Any = None, copy: bool = True, order: Any = "K", **kwargs: Any) -> ndarray:
    """``cupy.array``: a new device array (a copy unless ``copy=False`` allows a view)."""
    host = x.view(np.ndarray) if isinstance(x, ndarray) else x
    return np.array(host, dtype=dtype, copy=copy or None, order=order, **kwargs).view(ndarray)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> ndarray:
    """A view of the diagonal that can be written to when ``a`` can (as CuPy's; numpy's is
    read-only)."""
    view = np.diagonal(_host_view(a), offset, axis1, axis2)
    if a.flags.writeable:
        view.flags.writeable = True
    return view.view(ndarray)


def asnumpy(x: Any) -> np.ndarray:
    return x.get() if isinstance(x, ndarray) else np.asarray(x)


class _Pool:
    def used_bytes(self) -> int:
        return 0


class _Device:
    def synchronize(self) -> None:
        pass


def _module(name: str, **attrs: Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


def _numpy_getattr(name: str) -> Any:
    value = getattr(np, name)
    return _wrap_function(value) if callable(value) and not isinstance(value, (type, np.ufunc)) \
        else value


def _scatter_add(a: ndarray, idx: Any, vals: Any) -> None:
    np.add.at(_host_view(a), _key(idx), _host_view(vals))   # (host index arrays: fine)


_erf = np.frompyfunc(math.erf, 1, 1)


def _sim_erf(x: ndarray) -> ndarray:
    return np.asarray(_erf(_host_view(x)), dtype=x.dtype).view(ndarray)


def build() -> dict[str, types.ModuleType]:
    """The simulated ``cupy``, ``cupyx``, ``cupyx.scipy`` and ``cupyx.scipy.special``."""
    runtime = _module("cupy.cuda.runtime", getDeviceCount=lambda: 1,
                      getDeviceProperties=lambda i: {"name": b"Simulated GPU (numpy)"})
    cuda = _module("cupy.cuda", runtime=runtime, Device=_Device)
    stride_tricks = _module("cupy.lib.stride_tricks",
                            as_strided=_wrap_function(np.lib.stride_tricks.as_strided))
    random = _module("cupy.random", seed=lambda s: None)
    cupy = _module("cupy", ndarray=ndarray, asarray=asarray, array=array, asnumpy=asnumpy, diagonal=diagonal,
                   cuda=cuda, random=random, lib=_module("cupy.lib", stride_tricks=stride_tricks),
                   get_default_memory_pool=_Pool, __getattr__=_numpy_getattr)
    special = _module("cupyx.scipy.special", erf=_sim_erf)
    scipy = _module("cupyx.scipy", special=special)
    cupyx = _module("cupyx", scatter_add=_scatter_add, scipy=scipy)
    return {"cupy": cupy, "cupyx": cupyx, "cupyx.scipy": scipy, "cupyx.scipy.special": special}


def install(monkeypatch: Any) -> types.ModuleType:
    """Make autograd_nb see the simulated GPU until ``monkeypatch`` undoes it."""
    from autograd_nb import _backend
    mods = build()
    for name, mod in mods.items():
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setattr(_backend, "_cupy_probe", lambda: mods["cupy"])
    return mods["cupy"]
