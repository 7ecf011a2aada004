"""``save`` / ``load``: write tensors, state_dicts and other Python objects to a file.

Like PyTorch's, the format is pickle-based: a tensor pickles as its values, dtype,
device and ``requires_grad`` (never its graph). Only load files you trust: unpickling
can run arbitrary code (``weights_only=True``, the default, refuses anything but
tensors, numbers, strings and containers of them).
"""
from __future__ import annotations

import io
import os
import pickle
from typing import Any, BinaryIO

__all__ = ["save", "load"]

_SAFE = {
    ("autograd_nb._tensor", "_rebuild"), ("autograd_nb._tensor", "Tensor"),
    ("autograd_nb.nn.parameter", "Parameter"), ("collections", "OrderedDict"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("builtins", "set"), ("builtins", "frozenset"),
    ("autograd_nb._backend", "device"),
    # the public names the classes carry now (files saved before keep loading: see above)
    ("autograd_nb", "Tensor"), ("autograd_nb.nn", "Parameter"), ("autograd_nb", "device"),
    ("autograd_nb", "Size"),
}


class _WeightsOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE or module.startswith("numpy") and name in ("dtype", "ndarray"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Weights only load failed: unsupported global {module}.{name}. Pass weights_only=False "
            "if you trust the file.")


def save(obj: Any, f: "str | os.PathLike | BinaryIO", pickle_protocol: int = 4) -> None:
    """Write ``obj`` (a tensor, a state_dict, any picklable object) to ``f``."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle_protocol)
    else:
        pickle.dump(obj, f, protocol=pickle_protocol)


def load(f: "str | os.PathLike | BinaryIO", map_location: Any = None, weights_only: bool = True,
         **_: Any) -> Any:
    """Read back what ``save`` wrote; ``map_location='cpu'`` moves tensors to the cpu."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            data = fh.read()
    else:
        data = f.read()
    unpickler = _WeightsOnly(io.BytesIO(data)) if weights_only else pickle.Unpickler(io.BytesIO(data))
    obj = unpickler.load()
    if map_location is not None:
        obj = _move(obj, map_location)
    return obj


def _move(obj: Any, where: Any) -> Any:
    from ._tensor import Tensor
    if isinstance(obj, Tensor):
        moved = obj.to(where if not callable(where) else "cpu")
        return moved
    if isinstance(obj, dict):
        return type(obj)((k, _move(v, where)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_move(v, where) for v in obj)
    return obj
