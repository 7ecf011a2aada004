"""``torch.testing``: compare tensors the way PyTorch's own tests do.

``assert_close(actual, expected)`` passes when every element satisfies
``|actual - expected| <= atol + rtol * |expected|``, with tolerances chosen by dtype
(float32: ``rtol=1.3e-6, atol=1e-5``; float64: ``1e-7`` both; integers: exact).
When it fails, the message says how many elements differ and where the greatest
differences are -- the same text PyTorch prints.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from . import _backend as B
from ._tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _tolerances(*dtypes: B.dtype) -> tuple[float, float]:
    rt, at = zip(*(_TOLERANCES.get(d.name, (0.0, 0.0)) for d in dtypes))
    return max(rt), max(at)


def _fmt(v: Any) -> str:
    return repr(v.item() if hasattr(v, "item") else v)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | None = None) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close.

    Works on tensors, Python numbers, and (recursively) sequences and mappings of them.
    Give both ``rtol`` and ``atol`` or neither (then they follow the dtype).
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    _compare(actual, expected, [], dict(rtol=rtol, atol=atol, equal_nan=equal_nan,
                                         check_device=check_device, check_dtype=check_dtype, msg=msg))


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None,
                    equal_nan: bool = True, msg: str = "") -> None:
    """The older spelling (NaNs equal by default); prefer :func:`assert_close`."""
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False,
                 msg=msg or None)


def _compare(actual: Any, expected: Any, path: list[str], opts: dict) -> None:
    scalar = (int, float, bool, np.number)
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        return _tensors(actual, expected, path, opts)
    if isinstance(actual, scalar) and isinstance(expected, scalar):
        return _scalars(actual, expected, path, opts)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            _fail(f"The keys of the mappings do not match:\n{sorted(map(str, actual))} != "
                  f"{sorted(map(str, expected))}", path, opts)
        for k in expected:
            _compare(actual[k], expected[k], path + [f"[{k!r}]"], opts)
        return None
    if isinstance(actual, Sequence) and isinstance(expected, Sequence) and \
            not isinstance(actual, str) and not isinstance(expected, str):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path, opts)
        for i, (a, b) in enumerate(zip(actual, expected)):
            _compare(a, b, path + [f"[{i}]"], opts)
        return None
    where = f" at item {''.join(path)}" if path else ""
    raise TypeError(f"No comparison pair was able to handle inputs of type {_torch_type(actual)} "
                    f"and {_torch_type(expected)}.{where}")


def _torch_type(x: Any) -> str:
    return "<class 'torch.Tensor'>" if isinstance(x, Tensor) else str(type(x))


def _fail(text: str, path: list[str], opts: dict) -> None:
    if opts["msg"] is not None:
        raise AssertionError(opts["msg"])
    if path:
        text += f"\n\nThe failure occurred for item {''.join(path)}"
    raise AssertionError(text)


def _tensors(a: Tensor, e: Tensor, path: list[str], opts: dict) -> None:
    if tuple(a.shape) != tuple(e.shape):
        _fail(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.", path, opts)
    if opts["check_device"] and a.device != e.device:
        _fail(f"The values for attribute 'device' do not match: {a.device} != {e.device}.", path, opts)
    if opts["check_dtype"] and a.dtype is not e.dtype:
        _fail(f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.", path, opts)
    rtol, atol = (opts["rtol"], opts["atol"]) if opts["rtol"] is not None else _tolerances(a.dtype, e.dtype)
    av, ev = B.to_device(a.detach()._data, B.CPU), B.to_device(e.detach()._data, B.CPU)
    if av.ndim == 0:
        return _scalars(av[()], ev[()], path, dict(opts, rtol=rtol, atol=atol), kinds=(a.dtype, e.dtype))
    exact = not (a.dtype.is_floating_point or e.dtype.is_floating_point)
    common = np.promote_types(av.dtype, ev.dtype)
    if exact:
        diff = np.abs(av.astype(np.int64) - ev.astype(np.int64))
        rel = (diff / np.abs(ev.astype(np.int64))).astype(np.float32)
    else:
        work = common if common.kind == "f" else np.dtype(np.float32)
        x, y = av.astype(work), ev.astype(work)
        diff = np.abs(x - y)
        rel = diff / np.abs(y)
    bad = ~_close(av, ev, rtol, atol, opts["equal_nan"])
    if not bad.any():
        return None
    n, total = int(bad.sum()), av.size
    i_abs, i_rel = _greatest(diff), _greatest(rel)
    word = "equal" if exact and rtol == 0 and atol == 0 else "close"
    up = lambda tol: "" if word == "equal" else f" (up to {tol} allowed)"
    _fail(f"Tensor-likes are not {word}!\n\nMismatched elements: {n} / {total} ({100 * n / total:.1f}%)\n"
          f"Greatest absolute difference: {_fmt(diff[i_abs])} at index {i_abs}{up(atol)}\n"
          f"Greatest relative difference: {_fmt(rel[i_rel])} at index {i_rel}{up(rtol)}", path, opts)


def _greatest(v: np.ndarray) -> tuple[int, ...]:
    """Index of the largest value (NaN counts as largest, as PyTorch's argmax has it)."""
    nan = np.isnan(v) if v.dtype.kind == "f" else np.zeros(v.shape, bool)
    k = int(np.argmax(nan)) if nan.any() else int(np.argmax(v))
    return tuple(int(i) for i in np.unravel_index(k, v.shape))


def _close(a: Any, e: Any, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    a64, e64 = np.asarray(a, np.float64), np.asarray(e, np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.abs(a64 - e64) <= atol + rtol * np.abs(e64)
    ok |= a64 == e64                                   # equal infinities
    if equal_nan:
        ok |= np.isnan(a64) & np.isnan(e64)
    return ok


def _scalars(a: Any, e: Any, path: list[str], opts: dict, kinds: tuple[B.dtype, ...] | None = None) -> None:
    if kinds is None:
        kinds = tuple(B.float64 if isinstance(v, (float, np.floating)) else B.int64 for v in (a, e))
    rtol, atol = (opts["rtol"], opts["atol"]) if opts["rtol"] is not None else _tolerances(*kinds)
    if bool(_close(a, e, rtol, atol, opts["equal_nan"])):
        return None
    exact = not any(k.is_floating_point for k in kinds)
    word = "equal" if exact and rtol == 0 and atol == 0 else "close"
    av, ev = (v.item() if hasattr(v, "item") else v for v in (a, e))
    diff = abs(av - ev)
    rel = diff / abs(ev) if ev else float("inf")
    up = lambda tol: "" if word == "equal" else f" (up to {tol} allowed)"
    _fail(f"Scalars are not {word}!\n\nExpected {ev!r} but got {av!r}.\nAbsolute difference: {diff!r}{up(atol)}\n"
          f"Relative difference: {rel!r}{up(rtol)}", path, opts)
