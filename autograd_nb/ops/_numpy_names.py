"""NumPy's argument names, which PyTorch accepts beside its own: ``x.sum(axis=0, keepdims=True)``.

PyTorch's argument parser (the one behind every op written in C++, methods and ``torch.X``
functions alike) takes ``axis`` for ``dim``, ``keepdims`` for ``keepdim``, ``x``, ``a`` or
``x1`` for ``input`` and ``x2`` for ``other``: teaching code written by NumPy users runs.
The alias counts only when the op has that parameter and it was not given under its own
name too (``x.sum(dim=0, axis=1)``: "got an unexpected keyword argument 'axis'"). The few
ops PyTorch writes in Python (``torch.norm``, ``split``, ``unique``, ``Tensor.unflatten``)
take no alias, and neither does ``torch.nn.functional``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

ALIASES: dict[str, str] = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input", "x1": "input",
                           "x2": "other"}

# the ops PyTorch defines in Python: its numpy names do not reach them
PYTHON_DEFINED = frozenset({"norm", "split", "unflatten", "unique"})


def method_aliases(fn: Callable, name: str) -> list[str]:
    """The parameters of ``fn`` a method ``name`` may also be given by a NumPy name (``dim``,
    ``keepdim``: a method's ``self`` is never a keyword); [] when none or ``fn`` takes
    ``**kwargs`` itself."""
    if name in PYTHON_DEFINED:
        return []
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return []
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return []
    return [p for p in ("dim", "keepdim") if p in params and params[p].kind in
            (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]


def unexpected(name: str, keyword: str) -> TypeError:
    return TypeError(f"{name}() got an unexpected keyword argument '{keyword}'")


def take_aliases(name: str, given: dict, *pairs: Any) -> tuple:
    """For a generated method: ``given`` holds the keywords its signature did not name;
    ``pairs`` is ``(parameter, value, default), ...``. The parameters' values, each taken
    from its alias when the parameter itself was left at its default."""
    values = {p: v for p, v, _ in pairs}
    defaults = {p: d for p, _, d in pairs}
    for key, value in given.items():
        canon = ALIASES.get(key)
        if canon not in values or values[canon] is not defaults[canon]:
            raise unexpected(name, key)
        values[canon] = value
    return tuple(values[p] for p, _, _ in pairs)


def translate(fn: Callable, name: str, args: tuple, kwargs: dict) -> dict:
    """``torch.name(*args, **kwargs)`` with its NumPy names replaced by PyTorch's, where the
    op has that parameter and it was not given already (positionally or by name)."""
    if name in PYTHON_DEFINED:
        return kwargs
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return kwargs
    taken = set(list(params)[:len(args)]) | kwargs.keys()
    out = {}
    for key, value in kwargs.items():
        canon = ALIASES.get(key)
        if canon is not None and key not in params and canon in params:
            if canon in taken:
                raise unexpected(name, key)
            taken.add(canon)
            key = canon
        out[key] = value
    return out
