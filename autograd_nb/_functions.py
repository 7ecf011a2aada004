"""The ``torch.X(...)`` functions: each op module lists its public functions in ``EXPORTS``.

``torch.exp(x)`` and ``x.exp()`` are the same function; this module only gathers them.
"""
from __future__ import annotations

import importlib

from .ops._core import with_out as _with_out

__all__: list[str] = []

for _mod in __import__("autograd_nb.ops", fromlist=["FAMILIES"]).FAMILIES:
    _m = importlib.import_module(f"autograd_nb.ops.{_mod}")
    for _name in getattr(_m, "EXPORTS", ()):
        _fn = getattr(_m, _name)
        if callable(_fn) and not isinstance(_fn, type) and getattr(_fn, "__code__", None) is not None:
            _fn = _with_out(_name, _fn)               # torch.X(..., out=t), for every op
        globals()[_name] = _fn
        __all__.append(_name)
