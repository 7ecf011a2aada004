"""PyTorch's own op database (``op_db``) run against autograd_nb, entry by entry.

    python tools/opdb.py                 # writes docs/opdb-coverage.md and docs/opdb-coverage.json
    python tools/opdb.py --check         # exit 1 if the committed table differs from a fresh run
    python tools/opdb.py --only add,mul  # run some entries and print what each gives (writes nothing)

The table must describe the committed library (CI runs tests/test_opinfo.py on it): where
the working tree holds edits that are not yours, run it on an export of HEAD:
``git archive HEAD autograd_nb | tar -x -C /tmp/head && PYTHONPATH=/tmp/head python tools/opdb.py``.

PyTorch tests its operators with one database that ships in the torch wheel,
``torch.testing._internal.common_methods_invocations.op_db`` (it needs the small
``expecttest`` package). Each entry (an ``OpInfo``) names the op, its method and in-place
variants, the dtypes it supports, whether it has first and second derivatives, a
generator of sample inputs and one of bad inputs with the exception PyTorch raises.

For every entry in scope this tool takes torch's samples in each dtype the entry
supports among float32, float64, int64, int32, uint8 and bool (the first
``MAX_SAMPLES`` of each, torch seeded first so they are the same every run), copies them
into autograd_nb tensors (same values, dtype, ``requires_grad``, and memory layout where
it is not contiguous) and calls the op under both libraries: the function variant, and
the method and in-place variants where autograd_nb has them. It compares

* the structure, shapes, dtypes and values of the outputs (NaN-aware, with torch's
  default tolerances for the dtype: ``torch.testing.assert_close``'s, or the looser ones
  the entry itself sets for torch's TestCommon on CPU), and their ``grad_fn`` names;
* first-order gradients (function variant, in float64, or float32 for entries without
  float64): ``autograd.grad`` of the sum
  of the differentiable outputs, each weighted by fixed random numbers, with respect to
  every input that requires grad;
* second-order gradients where the entry ``supports_gradgrad``: the same again through
  the first gradients, taken with ``create_graph=True``;
* every ``error_inputs`` case (the function variant): the exception type and the first
  line of the message, and whether autograd_nb accepted an input torch refuses.

Random ops run with the same seed in both libraries (``manual_seed(0)`` right before the
call). Ops that return uninitialized memory (``empty*``) are compared by shape and dtype
only.

Each entry is *agrees*, *differs* (the first difference), *missing* (the name does not
exist in autograd_nb) or *out of scope* (with the reason). ``tests/test_opinfo.py``
reruns every in-scope entry in CI and fails when its status moved from the committed
JSON: a regression, or an improvement not yet written into the table.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import math
import re
import signal
import sys
import types
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "opdb-coverage.md"
DATA = ROOT / "docs" / "opdb-coverage.json"

DTYPES = ("float32", "float64", "int64", "int32", "uint8", "bool")
MAX_SAMPLES = 32         # torch's first samples per entry and dtype (all of them for most entries)
MAX_ERRORS = 64          # torch's first bad inputs per entry (all of them for all but a few)
SEED = 0
ENTRY_SECONDS = 120      # an entry still running after this is reported as too slow (a hang guard)

# outputs defined up to sign (eigenvectors, singular vectors): their values are compared
# after the entry's own normalization (``output_process_fn_grad``), as torch's tests do
AMBIGUOUS = {"linalg.eigh", "eigh", "symeig", "svd", "linalg.svd", "svd_lowrank", "pca_lowrank", "lobpcg"}

# torch.testing.assert_close's defaults
TOLERANCES = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7), "float16": (1e-3, 1e-5)}

# ---------------------------------------------------------------------------
# scope
# ---------------------------------------------------------------------------

_PREFIX_REASONS = [
    (("fft.",), "Fourier transforms"),
    (("sparse.", "to_sparse"), "sparse tensors"),
    (("special.",), "special functions (torch.special)"),
    (("signal.",), "signal windows (torch.signal)"),
    (("masked.", "_masked."), "masked tensors (torch.masked)"),
    (("jiterator_",), "CUDA-only (jiterator kernels)"),
    (("_", "torch.ops.aten."), "private ATen entry point (the public op is tested instead)"),
    (("native_",), "ATen-internal entry point (the public op is tested instead)"),
]
_NAME_REASONS = {
    "stft": "Fourier transforms", "istft": "Fourier transforms",
    "slice": "private ATen entry point (the public op is tested instead)",
    "max_pool2d_with_indices_backward": "ATen-internal entry point (the public op is tested instead)",
    "view_as_real": "complex numbers", "view_as_complex": "complex numbers",
    "real": "complex numbers", "imag": "complex numbers", "conj": "complex numbers",
    "conj_physical": "complex numbers", "resolve_conj": "complex numbers",
    "resolve_neg": "complex numbers", "angle": "complex numbers", "polar": "complex numbers",
    "complex": "complex numbers", "cfloat": "complex numbers", "cdouble": "complex numbers",
    "chalf": "complex numbers", "H": "complex numbers (the conjugate transpose)",
    "mH": "complex numbers (the conjugate transpose)", "adjoint": "complex numbers (the conjugate transpose)",
    "linalg.eig": "complex numbers (complex eigenvalues)",
    "linalg.eigvals": "complex numbers (complex eigenvalues)",
    "bfloat16": "bfloat16 (no such dtype here)",
    "bmm.triton_optimized": "CUDA-only (a Triton kernel variant)",
    "nn.functional.scaled_dot_product_attention.math_backend": "a backend selector for compilers",
}


def entry_name(op: Any) -> str:
    return op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")


def out_of_scope(op: Any) -> str | None:
    """Why this op_db entry is out of scope here, or None when it is in scope."""
    name = entry_name(op)
    for prefixes, reason in _PREFIX_REASONS:
        if op.name.startswith(prefixes) and not (op.name.startswith("__") and op.name.endswith("__")):
            return reason
    if name in _NAME_REASONS or op.name in _NAME_REASONS:
        return _NAME_REASONS.get(name) or _NAME_REASONS[op.name]
    if op.name.endswith("_copy") and op.name != "index_copy":
        return "a view op's copying variant (for compilers)"
    if getattr(op.op, "__module__", "") in ("torch._ops.aten", "torch._C._sparse", "torch._C._special") \
            or op.name.startswith("torch._"):
        return "private ATen entry point (the public op is tested instead)"
    if not _dtypes_of(op):
        if not op.supported_dtypes("cpu"):
            return "CUDA-only (no CPU kernel)"
        return "complex or reduced-precision dtypes only"
    return None


def _dtypes_of(op: Any) -> list[str]:
    import torch
    have = op.supported_dtypes("cpu")
    return [d for d in DTYPES if getattr(torch, d) in have]


def load_op_db() -> list:
    """torch's op_db (importing it needs ``expecttest``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from torch.testing._internal.common_methods_invocations import op_db
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(f"{exc}: torch's op database needs it; "
                                      "pip install -e '.[test]' installs it") from exc
    # torch's sample iterators look for the running unittest.TestCase by walking the whole
    # call stack (inspect.stack() reads every frame's source file): there is none here, so
    # say so at once; under pytest's deep stacks this walk was most of the run's time
    for module in list(sys.modules.values()):
        if (getattr(module, "__name__", "") or "").startswith("torch.testing._internal") \
                and getattr(module, "extract_test_fn", None) is not None:
            module.extract_test_fn = _no_test_fn
        if (getattr(module, "__name__", "") or "").startswith("torch.testing._internal") \
                and getattr(module, "set_rng_seed", None) is not None:
            module.set_rng_seed = _set_rng_seed
    return op_db


def _set_rng_seed(seed: int | None = None) -> None:
    """torch's test seeding (before each sample) on the CPU generator alone: the same
    numbers, without queueing a lazy CUDA seeding with a formatted stack each time."""
    import random
    import torch
    from torch.testing._internal import common_utils
    seed = common_utils.SEED if seed is None else seed
    torch.default_generator.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def _no_test_fn() -> None:
    return None


def _seed_torch() -> None:
    import torch
    torch.default_generator.manual_seed(SEED)     # the CPU generator (no lazy CUDA seeding)


@functools.lru_cache(maxsize=None)
def entries() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for op in load_op_db():
        out.setdefault(entry_name(op), op)
    return out


# ---------------------------------------------------------------------------
# torch objects -> autograd_nb objects
# ---------------------------------------------------------------------------


class Missing(Exception):
    """autograd_nb lacks the name."""


class Unexpressible(Exception):
    """A sample holds something autograd_nb has no counterpart for (complex, Generator, ...)."""


def _anb():
    import autograd_nb
    return autograd_nb


def _path(root: Any, parts: Iterable[str]) -> Any:
    for p in parts:
        try:
            root = getattr(root, p)
        except AttributeError:
            return None
    return root


_MODULES = {"torch": (), "torch.functional": (), "torch._C._VariableFunctions": (),
            "torch._tensor": ("Tensor",), "torch.nn.functional": ("nn", "functional"),
            "torch._C._nn": ("nn", "functional"), "torch._C._linalg": ("linalg",),
            "torch.linalg": ("linalg",), "torch.random": (), "torch.nn.init": ("nn", "init")}


def translate(obj: Any, _depth: int = 0) -> Any:
    """autograd_nb's counterpart of a torch module, function, method or dtype; anything
    not from torch comes back as it is. Python helpers from torch's test suite (lambdas)
    are rebuilt with their torch globals replaced by autograd_nb's."""
    import torch
    anb = _anb()
    if obj is torch:
        return anb
    if isinstance(obj, types.ModuleType):
        if not obj.__name__.startswith("torch"):
            return obj
        found = _path(anb, obj.__name__.split(".")[1:])
        if found is None:
            return _Absent(obj.__name__)
        return found
    if obj is torch.Tensor:
        return anb.Tensor
    if isinstance(obj, torch.dtype):
        return convert_dtype(obj)
    if isinstance(obj, functools.partial):
        return functools.partial(translate(obj.func), *[convert(a) for a in obj.args],
                                 **{k: convert(v) for k, v in obj.keywords.items()})
    if getattr(obj, "__name__", None) == "wrapper_set_seed" and "testing" in (obj.__module__ or ""):
        return _wrapper_set_seed
    if _is_helper(obj):
        return _rebuild(obj, _depth)
    if not callable(obj):
        return obj
    if isinstance(obj, torch.nn.Module):
        return _module_instance(obj)
    name = getattr(obj, "__name__", None)
    qual = getattr(obj, "__qualname__", "") or ""
    objclass = getattr(obj, "__objclass__", None)
    if name and (qual.split(".")[0] in ("Tensor", "TensorBase", "_TensorBase")
                 or (objclass is not None and objclass.__name__ in ("TensorBase", "Tensor"))):
        got = getattr(anb.Tensor, name, None)
        return got if got is not None else _Absent(f"Tensor.{name}")
    module = getattr(obj, "__module__", None) or ""
    if module in _MODULES and name:
        base = _path(anb, _MODULES[module])
        short = name[len("linalg_"):] if module == "torch._C._linalg" and name.startswith("linalg_") else name
        got = getattr(base, short, None) if base is not None else None
        return got if got is not None else _Absent(".".join(("torch",) + _MODULES[module] + (short,)))
    if module.startswith("torch"):
        return _Absent(f"{module}.{name}")
    return obj


def _module_instance(obj: Any) -> Any:
    """autograd_nb's instance of a torch.nn module class, with the same settings."""
    cls = getattr(_anb().nn, type(obj).__name__, None)
    if cls is None:
        return _Absent(f"torch.nn.{type(obj).__name__}")
    import inspect
    params = inspect.signature(type(obj).__init__).parameters
    kw = {k: getattr(obj, k) for k in params if k != "self" and hasattr(obj, k)}
    return cls(**kw)


def _wrapper_set_seed(op: Any, *args: Any, **kwargs: Any) -> Any:
    """torch.testing._utils.wrapper_set_seed: the op seeded with 42."""
    _anb().manual_seed(42)
    return op(*args, **kwargs)


class _Absent:
    """Stands for a torch name autograd_nb lacks; using it raises Missing."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, item: str):
        raise Missing(f"{self.name}.{item}")

    def __call__(self, *a, **k):
        raise Missing(self.name)


def _is_helper(obj: Any) -> bool:
    """A Python function of torch's op tests (a lambda or a helper of the op database)."""
    if not isinstance(obj, types.FunctionType):
        return False
    module = obj.__module__ or ""
    return module.startswith("torch.testing") and (
        obj.__name__ == "<lambda>" or module.startswith(("torch.testing._internal.common_methods_invocations",
                                                          "torch.testing._internal.opinfo")))


def _rebuild(fn: types.FunctionType, depth: int) -> Any:
    if depth > 4:
        return fn
    closure = None
    if fn.__closure__:
        closure = tuple(types.CellType(translate(c.cell_contents, depth + 1)) if _cell_full(c)
                        else types.CellType() for c in fn.__closure__)
    new = types.FunctionType(fn.__code__, _globals_for(fn, depth), fn.__name__,
                             tuple(convert(d) for d in fn.__defaults__) if fn.__defaults__ else None,
                             closure)
    if fn.__kwdefaults__:
        new.__kwdefaults__ = {k: convert(v) for k, v in fn.__kwdefaults__.items()}
    return new


def _cell_full(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _names(code: types.CodeType) -> set[str]:
    out = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out |= _names(c)
    return out


def _globals_for(fn: types.FunctionType, depth: int) -> dict:
    """The globals the rebuilt helper names, each torch object translated."""
    source = fn.__globals__
    out = {"__builtins__": source.get("__builtins__", __builtins__)}
    for n in _names(fn.__code__):
        if n in source:
            out[n] = translate(source[n], depth + 1)
    return out


def convert_dtype(dt: Any) -> Any:
    name = str(dt).split(".")[-1]
    got = getattr(_anb(), name, None)
    if got is None or name in ("bfloat16",) or "complex" in name:
        raise Unexpressible(f"dtype {name}")
    return got


class Converter:
    """Copies torch values into autograd_nb ones; the same torch tensor maps to the same
    autograd_nb tensor, and the pairs that require grad are remembered."""

    def __init__(self) -> None:
        self.memo: dict[int, Any] = {}
        self.pairs: list[tuple[Any, Any]] = []

    def __call__(self, v: Any) -> Any:
        import torch
        anb = _anb()
        if isinstance(v, torch.Tensor):
            if id(v) in self.memo:
                return self.memo[id(v)][1]
            if v.is_complex() or v.dtype in (torch.bfloat16,) or v.layout != torch.strided or v.is_quantized:
                raise Unexpressible(f"a {v.dtype} tensor" if v.layout == torch.strided else "a sparse tensor")
            try:
                out = anb.from_numpy(_copy_layout(v))
            except ValueError as exc:       # e.g. more than numpy's 64 dimensions
                raise Unexpressible(f"a tensor numpy cannot hold ({exc})") from None
            if v.requires_grad:
                out.requires_grad_(True)
                self.pairs.append((v, out))
            self.memo[id(v)] = (v, out)
            return out
        if isinstance(v, torch.dtype):
            return convert_dtype(v)
        if isinstance(v, torch.Size):
            return anb.Size(tuple(v))
        if isinstance(v, torch.device):
            return anb.device(str(v))
        if isinstance(v, (torch.Generator, torch.memory_format, torch.layout)):
            raise Unexpressible(type(v).__name__)
        if isinstance(v, tuple) and hasattr(v, "_fields"):
            return type(v)(*[self(x) for x in v])
        if isinstance(v, (list, tuple)):
            return type(v)(self(x) for x in v)
        if isinstance(v, dict):
            return {k: self(x) for k, x in v.items()}
        if isinstance(v, complex):
            raise Unexpressible("a complex number")
        if callable(v) and not isinstance(v, type):
            return translate(v)
        return v


def convert(v: Any) -> Any:
    return Converter()(v)


def _copy_layout(t: Any) -> np.ndarray:
    """A numpy copy of ``t`` with the same strides (transposed, sliced, expanded)."""
    import torch
    t = t.detach()
    if t.is_contiguous() or t.numel() == 0 or any(s < 0 for s in t.stride()):
        return t.contiguous().numpy().copy()
    span = 1 + sum((n - 1) * s for n, s in zip(t.shape, t.stride()))
    flat = torch.as_strided(t, (span,), (1,)).numpy().copy()
    return np.lib.stride_tricks.as_strided(flat, tuple(t.shape), tuple(s * flat.itemsize for s in t.stride()))


def resolve(op: Any) -> Any:
    """autograd_nb's function variant of the entry (a callable), or raise Missing."""
    anb = _anb()
    fn = op.op
    if _is_helper(fn):
        return translate(fn)
    parts = op.name.split(".")
    got = _path(anb, parts)
    import torch
    if got is None and len(parts) == 1 and not hasattr(torch, op.name):     # a method-only entry
        got = getattr(anb.Tensor, op.name, None)
    if got is None:
        tr = translate(fn)
        if isinstance(tr, _Absent) or tr is fn:
            raise Missing(f"torch.{op.name}" if hasattr(torch, op.name) or "." in op.name
                          else f"Tensor.{op.name}")
        got = tr
    return got


def _variant_name(v: Any) -> str | None:
    name = getattr(v, "__name__", None)
    return None if name in (None, "<lambda>") else name


# ---------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------


class Differ(Exception):
    """The first difference found."""


def _leaves(v: Any) -> list:
    if isinstance(v, (list, tuple)) and not _is_size(v):
        return [x for item in v for x in _leaves(item)]
    return [v]


def _is_size(v: Any) -> bool:
    return type(v).__name__ == "Size"


def _is_tensor(v: Any) -> bool:
    return hasattr(v, "grad_fn") and hasattr(v, "requires_grad") and hasattr(v, "dtype")


def _np(t: Any) -> np.ndarray:
    if type(t).__module__.startswith("torch"):
        return np.asarray(t.detach().numpy(force=True))      # ZeroTensors too
    return np.asarray(t.detach().numpy())


def _dtname(dt: Any) -> str:
    return str(dt).split(".")[-1]


_OVERRIDES: dict[str, tuple[float, float]] = {}     # the running entry's own tolerances


def torch_tolerances(op: Any) -> dict[str, tuple[float, float]]:
    """The entry's own looser tolerances per dtype, as torch's op tests loosen them: the
    largest ``toleranceOverride`` its decorators set for TestCommon on the CPU."""
    out: dict[str, tuple[float, float]] = {}
    for info in getattr(op, "decorators", ()) or ():
        if type(info).__name__ != "DecorateInfo" or info.cls_name not in (None, "TestCommon") \
                or info.device_type not in (None, "cpu"):
            continue
        for dec in info.decorators:
            for dt, t in (getattr(dec, "d", None) or {}).items():
                name = _dtname(dt)
                if name in TOLERANCES:
                    r, a = out.get(name, TOLERANCES[name])
                    out[name] = (max(r, t.rtol), max(a, t.atol))
    return out


def close(ours: np.ndarray, theirs: np.ndarray, dtype: str) -> bool:
    if ours.shape != theirs.shape:
        return False
    if dtype in TOLERANCES:
        rtol, atol = _OVERRIDES.get(dtype, TOLERANCES[dtype])
        a, b = ours.astype(np.float64), theirs.astype(np.float64)
        ok = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        return bool(np.all(ok))
    return bool(np.array_equal(ours, theirs))


def compare_values(ours: Any, theirs: Any, what: str, values: bool = True, grad_fn: bool = True) -> None:
    """Raise Differ at the first difference between autograd_nb's ``ours`` and torch's ``theirs``."""
    a, t = _leaves(ours), _leaves(theirs)
    if len(a) != len(t):
        raise Differ(f"{what}: {len(a)} outputs where torch gives {len(t)}")
    for i, (x, y) in enumerate(zip(a, t)):
        at = f"{what}" + (f" output {i}" if len(t) > 1 else "")
        if _is_tensor(y):
            if not _is_tensor(x):
                raise Differ(f"{at}: a {type(x).__name__} where torch gives a tensor")
            if tuple(x.shape) != tuple(y.shape):
                raise Differ(f"{at}: shape {tuple(x.shape)} where torch gives {tuple(y.shape)}")
            if _dtname(x.dtype) != _dtname(y.dtype):
                raise Differ(f"{at}: dtype {_dtname(x.dtype)} where torch gives {_dtname(y.dtype)}")
            if values and not close(_np(x), _np(y), _dtname(y.dtype)):
                raise Differ(f"{at}: values differ")
            if grad_fn:
                gx = type(x.grad_fn).__name__ if x.grad_fn is not None else None
                gy = type(y.grad_fn).__name__ if y.grad_fn is not None else None
                if gx != gy:
                    raise Differ(f"{at}: grad_fn {gx} where torch gives {gy}")
                if x.requires_grad != y.requires_grad:
                    raise Differ(f"{at}: requires_grad={x.requires_grad} where torch gives {y.requires_grad}")
        elif _is_tensor(x):
            raise Differ(f"{at}: a tensor where torch gives a {type(y).__name__}")
        elif _is_size(y) or _is_size(x):
            if tuple(x) != tuple(y):
                raise Differ(f"{at}: {tuple(x)} where torch gives {tuple(y)}")
        elif isinstance(y, float) and isinstance(x, (int, float)):
            if not (math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-7) or (math.isnan(x) and math.isnan(y))):
                raise Differ(f"{at}: values differ")
        elif type(x) is not type(y) and not (x is None or y is None):
            if str(type(x).__name__) != str(type(y).__name__):
                raise Differ(f"{at}: a {type(x).__name__} where torch gives a {type(y).__name__}")
        elif hasattr(y, "__eq__") and not _is_tensor(y):
            try:
                same = bool(x == y) or str(x) == str(y)
            except Exception:            # noqa: BLE001
                same = str(x) == str(y)
            if not same:
                raise Differ(f"{at}: {str(x)[:30]} where torch gives {str(y)[:30]}")


def _first_line(exc: BaseException) -> str:
    msg = str(exc).replace("autograd_nb.Tensor", "torch.Tensor")
    return msg.split("\n")[0] if msg else ""


def _run(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn()
    except Missing:
        raise
    except TimeoutError:
        raise
    except Exception as exc:                # noqa: BLE001 - compared as data
        return "error", exc


def _missing_attr(exc: BaseException) -> str | None:
    """The torch name an AttributeError says autograd_nb lacks, if it says so."""
    if not isinstance(exc, AttributeError):
        return None
    msg = str(exc)
    m = re.search(r"does not implement (torch[\w.]*)", msg)
    if m:
        return m.group(1)
    m = re.search(r"'(Tensor|Size)' object has no attribute '(\w+)'", msg)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    m = re.search(r"module 'autograd_nb([\w.]*)' has no attribute '(\w+)'", msg)
    return f"torch{m.group(1)}.{m.group(2)}" if m else None


_DREW = [False]          # did torch's last call draw random numbers?


def _seeded_torch(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with torch's generator seeded; notes whether the call drew from it."""
    def call():
        import torch
        _seed_torch()
        start = torch.default_generator.get_state()
        try:
            return fn()
        finally:
            _DREW[0] = not torch.equal(start, torch.default_generator.get_state())
    return call


def _seeded_ours(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with autograd_nb's generator seeded alike where torch's call drew random
    numbers (seeding costs more than most ops; each entry starts seeded anyway)."""
    def call():
        if _DREW[0]:
            _anb().manual_seed(SEED)
        return fn()
    return call


def _compare_outcomes(ours: tuple, theirs: tuple, what: str, **how: Any) -> None:
    if theirs[0] == "error" and ours[0] == "error":
        if type(ours[1]).__name__ != type(theirs[1]).__name__:
            raise Differ(f"{what}: raises {type(ours[1]).__name__} where torch raises {type(theirs[1]).__name__}")
        return
    if theirs[0] == "error":
        raise Differ(f"{what}: returns where torch raises {type(theirs[1]).__name__}")
    if ours[0] == "error":
        name = _missing_attr(ours[1])
        if name:
            raise Missing(name)
        raise Differ(f"{what}: raises {type(ours[1]).__name__}: {_short(_first_line(ours[1]))}")
    compare_values(ours[1], theirs[1], what, **how)


def _short(s: str, n: int = 70) -> str:
    s = s.replace("|", "/").replace("`", "'")
    return s if len(s) <= n else s[: n - 1] + "…"


def _weights(shape: tuple, dtype: str, salt: int) -> np.ndarray:
    rng = np.random.default_rng(1000 + salt)
    return rng.uniform(0.5, 1.5, size=shape).astype(dtype)


def _loss(outs: list, lib: Any, salt: int) -> Any:
    total = None
    for i, o in enumerate(outs):
        w = lib.from_numpy(_weights(tuple(o.shape), _dtname(o.dtype), salt + i))
        term = (o * w).sum()
        total = term if total is None else total + term
    return total


def _differentiable(v: Any) -> list:
    return [x for x in _leaves(v) if _is_tensor(x) and x.requires_grad and x.dtype.is_floating_point]


def compare_grads(op: Any, sample: Any, conv: Converter, ours: Any, theirs: Any, what: str,
                  second: bool) -> str | None:
    """Compare first-order gradients (raise Differ); return the second-order difference
    (or None) when ``second``."""
    import torch
    anb = _anb()
    proc = sample.output_process_fn_grad
    t_out = _differentiable(proc(theirs))
    a_proc = translate(proc)
    a_out_all = [x for x in _leaves(a_proc(ours))]
    t_out_all = [x for x in _leaves(proc(theirs))]
    pairs = [(a, t) for a, t in zip(a_out_all, t_out_all)
             if _is_tensor(t) and t.requires_grad and t.dtype.is_floating_point]
    if not t_out or not conv.pairs:
        return None
    for a, _t in pairs:
        if not (_is_tensor(a) and a.requires_grad):
            raise Differ(f"{what}: the output does not require grad")
    t_in = [t for t, _ in conv.pairs]
    a_in = [a for _, a in conv.pairs]
    t_loss = _loss([t for _, t in pairs], torch, 0)
    a_loss = _loss([a for a, _ in pairs], anb, 0)
    try:
        t_g = torch.autograd.grad(t_loss, t_in, allow_unused=True, create_graph=second)
    except RuntimeError:                    # torch itself has no such derivative
        return None
    got = _run(lambda: anb.autograd.grad(a_loss, a_in, allow_unused=True, create_graph=second))
    if got[0] == "error":
        raise Differ(f"{what} gradient: raises {type(got[1]).__name__}: {_short(_first_line(got[1]))}")
    a_g = got[1]
    for i, (x, y) in enumerate(zip(a_g, t_g)):
        where = f"{what} gradient of input {i}"
        if (x is None) != (y is None):
            # torch's None and a zero gradient are the same gradient
            z = y if x is None else x
            if not (z is not None and not np.any(_np(z))):
                raise Differ(f"{where}: {'None' if x is None else 'a tensor'} where torch gives "
                             f"{'None' if y is None else 'a tensor'}")
            continue
        if y is not None:
            compare_values(x, y, where, grad_fn=False)
    if not second:
        return None
    tg = [(x, y) for x, y in zip(a_g, t_g) if y is not None and y.requires_grad]
    if not tg:
        return None
    for x, _y in tg:
        if x is None or not x.requires_grad:
            return f"{what}: the gradient does not require grad under create_graph"
    t_loss2 = _loss([y for _, y in tg], torch, 50)
    a_loss2 = _loss([x for x, _ in tg], anb, 50)
    try:
        t_g2 = torch.autograd.grad(t_loss2, t_in, allow_unused=True)
    except RuntimeError:                    # torch itself has no second derivative here
        return None
    got = _run(lambda: anb.autograd.grad(a_loss2, a_in, allow_unused=True))
    if got[0] == "error":
        return f"{what} second order: raises {type(got[1]).__name__}: {_short(_first_line(got[1]))}"
    for i, (x, y) in enumerate(zip(got[1], t_g2)):
        where = f"{what} second-order gradient of input {i}"
        if (x is None) != (y is None):
            z = y if x is None else x
            if z is not None and np.any(_np(z)):
                return f"{where}: {'None' if x is None else 'a tensor'} where torch gives {'None' if y is None else 'a tensor'}"
            continue
        if y is not None:
            try:
                compare_values(x, y, where, grad_fn=False)
            except Differ as d:
                return str(d)
    return None


# ---------------------------------------------------------------------------
# one entry
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _deadline(seconds: float):
    import threading
    if seconds <= 0 or not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def boom(*_):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, boom)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def samples_of(op: Any, dtype: str) -> list:
    import torch
    _seed_torch()
    tdt = getattr(torch, dtype)
    grad = bool(op.supports_autograd and tdt.is_floating_point)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(itertools.islice(op.sample_inputs("cpu", tdt, requires_grad=grad), MAX_SAMPLES + 1))


def run_entry(op: Any) -> dict:
    """What one op_db entry gives: ``{"status", "why", "first", "second", "samples",
    "errors": {tried, same_type, same_line, accepted}}``."""
    reason = out_of_scope(op)
    if reason:
        return {"status": "out of scope", "why": reason}
    try:
        with _deadline(ENTRY_SECONDS):
            return _run_entry(op)
    except TimeoutError:
        return {"status": "differs", "why": f"too slow (over {ENTRY_SECONDS} s on {MAX_SAMPLES} samples a dtype)",
                "first": False, "second": False, "samples": 0, "errors": _no_errors()}


def _no_errors() -> dict:
    return {"tried": 0, "same_type": 0, "same_line": 0, "accepted": 0}


def _run_entry(op: Any) -> dict:
    import torch
    try:
        fn = resolve(op)
    except Missing as m:
        return {"status": "missing", "why": f"no {m}"}
    anb = _anb()
    method = _variant_name(op.method_variant)
    method = method if method and hasattr(anb.Tensor, method) else None
    inplace = _variant_name(op.inplace_variant)
    inplace = inplace if inplace and hasattr(anb.Tensor, inplace) else None
    values = "empty" not in op.name
    _OVERRIDES.clear()
    _OVERRIDES.update(torch_tolerances(op))
    anb.manual_seed(SEED)                   # whatever ran before, the entry starts alike
    dtypes = _dtypes_of(op)
    grad_dtype = "float64" if "float64" in dtypes else "float32"
    first: str | None = None
    second: str | None = None
    compared = unexpressible = 0
    capped = False
    why_unexpressible = ""
    try:
        for dtype in dtypes:
            samples = samples_of(op, dtype)
            capped = capped or len(samples) > MAX_SAMPLES
            for k, sample in enumerate(samples[:MAX_SAMPLES]):
                what = f"{dtype} sample {k}"
                try:
                    conv = Converter()
                    a_in, a_args, a_kw = conv(sample.input), conv(sample.args), conv(sample.kwargs)
                except Unexpressible as e:
                    unexpressible += 1
                    why_unexpressible = why_unexpressible or str(e)
                    continue
                compared += 1
                theirs = _run(_seeded_torch(lambda: op.op(sample.input, *sample.args, **sample.kwargs)))
                ours = _run(_seeded_ours(lambda: fn(a_in, *a_args, **a_kw)))
                try:
                    ambiguous = op.name in AMBIGUOUS and theirs[0] == "ok"
                    _compare_outcomes(ours, theirs, what, values=values and not ambiguous)
                    if ambiguous and ours[0] == "ok":
                        compare_values(translate(sample.output_process_fn_grad)(ours[1]),
                                       sample.output_process_fn_grad(theirs[1]), f"{what} (sign-normalized)",
                                       grad_fn=False)
                    if (theirs[0] == "ok" and op.supports_autograd and conv.pairs and values
                            and dtype == grad_dtype):
                        s2 = compare_grads(op, sample, conv, ours[1], theirs[1], what,
                                           second=bool(op.supports_gradgrad) and second is None)
                        second = second or s2
                    if method and first is None:
                        c2 = Converter()
                        m_in, m_args, m_kw = c2(sample.input), c2(sample.args), c2(sample.kwargs)
                        t_m = _run(_seeded_torch(lambda: op.method_variant(sample.input, *sample.args, **sample.kwargs)))
                        a_m = _run(_seeded_ours(lambda: getattr(m_in, method)(*m_args, **m_kw)))
                        _compare_outcomes(a_m, t_m, f"{what} Tensor.{method}", values=values)
                    if inplace and first is None and not sample.broadcasts_input and _is_tensor(sample.input):
                        c3 = Converter()
                        i_in, i_args, i_kw = c3(sample.input), c3(sample.args), c3(sample.kwargs)
                        t_x = sample.input.detach().clone()
                        a_x = i_in.detach().clone()
                        t_i = _run(_seeded_torch(lambda: op.inplace_variant(t_x, *sample.args, **sample.kwargs)))
                        a_i = _run(_seeded_ours(lambda: getattr(a_x, inplace)(*i_args, **i_kw)))
                        _compare_outcomes(a_i, t_i, f"{what} Tensor.{inplace}", values=values, grad_fn=False)
                except Differ as d:
                    first = first or str(d)
                except (Missing, TimeoutError):
                    raise
                except Exception as exc:        # noqa: BLE001 - e.g. torch's output processing fails on ours
                    first = first or f"{what}: comparing raised {type(exc).__name__}: {_short(_first_line(exc))}"
                if first:
                    break
            if first:
                break
    except Missing as m:
        return {"status": "missing", "why": f"needs {m}"}
    errors = run_error_inputs(op, fn)
    out = {"first": first is None, "second": first is None and second is None,
           "samples": compared, "errors": errors}
    if capped and not first:
        out["capped"] = True                # torch has more samples than were run
    if first:
        out.update(status="differs", why=_short(first, 110))
    elif compared == 0:
        out.update(status="differs", why=f"no sample expressible here ({why_unexpressible})", first=False, second=False)
    elif second:
        out.update(status="differs", why=_short("second order: " + second, 110))
    else:
        out.update(status="agrees", why="")
    return out


def run_error_inputs(op: Any, fn: Any) -> dict:
    counts = _no_errors()
    if op.error_inputs_func is None:
        return counts
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _seed_torch()
            cases = list(itertools.islice(op.error_inputs("cpu"), MAX_ERRORS))
    except Exception:                       # noqa: BLE001 - torch's generator failed on CPU
        return counts
    for ei in cases:
        s = ei.sample_input
        try:
            conv = Converter()
            a_in, a_args, a_kw = conv(s.input), conv(s.args), conv(s.kwargs)
        except Unexpressible:
            continue
        theirs = _run(lambda: op.op(s.input, *s.args, **s.kwargs))
        if theirs[0] == "ok":
            continue
        try:
            ours = _run(lambda: fn(a_in, *a_args, **a_kw))
        except Missing:
            ours = ("error", AttributeError("missing"))
        counts["tried"] += 1
        if ours[0] == "ok":
            counts["accepted"] += 1
            continue
        if type(ours[1]).__name__ == type(theirs[1]).__name__:
            counts["same_type"] += 1
            if _first_line(ours[1]) == _first_line(theirs[1]):
                counts["same_line"] += 1
    return counts


# ---------------------------------------------------------------------------
# the whole run and the table
# ---------------------------------------------------------------------------


def run_all(names: Iterable[str] | None = None, progress: bool = False) -> dict[str, dict]:
    ops = entries()
    chosen = list(ops) if names is None else list(names)
    out = {}
    for i, name in enumerate(chosen):
        if progress:
            print(f"[{i + 1}/{len(chosen)}] {name}", file=sys.stderr, flush=True)
        out[name] = run_entry(ops[name])
    return out


def summary(results: dict[str, dict]) -> dict:
    scope = {k: v for k, v in results.items() if v["status"] != "out of scope"}
    present = {k: v for k, v in scope.items() if v["status"] != "missing"}
    err = Counter()
    for v in present.values():
        err.update(v.get("errors", {}))
    return {"entries": len(results), "in_scope": len(scope), "present": len(present),
            "missing": len(scope) - len(present),
            "agree_first": sum(1 for v in present.values() if v.get("first")),
            "agree": sum(1 for v in present.values() if v["status"] == "agrees"),
            "differ": sum(1 for v in present.values() if v["status"] == "differs"),
            "out_of_scope": len(results) - len(scope),
            "capped": sum(1 for v in present.values() if v.get("capped")),
            "bad_inputs": {k: err.get(k, 0) for k in ("tried", "same_type", "same_line", "accepted")}}


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "-"


def render(results: dict[str, dict]) -> str:
    import torch
    s = summary(results)
    b = s["bad_inputs"]
    lines = [
        f"# PyTorch's op database (op_db) against autograd_nb, torch {torch.__version__.split('+')[0]}",
        "",
        "Generated by `python tools/opdb.py` (data: `docs/opdb-coverage.json`); `tests/test_opinfo.py` "
        "reruns every in-scope entry in CI and fails when an entry's status moved, so a regression "
        "fails, and so does an improvement until this page is regenerated.",
        "",
        f"What is run: each entry of `torch.testing._internal.common_methods_invocations.op_db`, on "
        f"torch's own sample inputs, **the first {MAX_SAMPLES} samples per dtype** the entry supports "
        f"among {', '.join(DTYPES)} (torch seeded with {SEED} first), copied into autograd_nb with "
        f"their layout, and the first {MAX_ERRORS} of its bad inputs (`error_inputs`). Compared: "
        "output structure, shapes, dtypes, values (NaN-aware, `torch.testing.assert_close`'s default "
        "tolerances per dtype, or the looser ones the entry sets for torch's own TestCommon on CPU), "
        "`grad_fn` names; first-order gradients of the function variant "
        "(autograd.grad of the outputs weighted by fixed random numbers) and second-order ones where "
        "the entry supports them, in float64 (float32 only for entries without float64: float32 "
        "gradients differ by summation order as much as by formula); the method and in-place variants' values where autograd_nb has "
        "them. Random ops run with the same seed in both libraries; `empty*` ops are compared by "
        "shape and dtype only. *agrees* means every sample agreed, first and second order.",
        "",
        "| | count | share |",
        "|---|---|---|",
        f"| op_db entries | {s['entries']} | |",
        f"| out of scope | {s['out_of_scope']} | |",
        f"| **in scope** | {s['in_scope']} | |",
        f"| names present in autograd_nb | {s['present']} | {_pct(s['present'], s['in_scope'])} |",
        f"| missing | {s['missing']} | {_pct(s['missing'], s['in_scope'])} |",
        f"| agree on all samples, first order | {s['agree_first']} | {_pct(s['agree_first'], s['in_scope'])} |",
        f"| **agree on all samples, first and second order** | {s['agree']} | {_pct(s['agree'], s['in_scope'])} |",
        f"| differ | {s['differ']} | {_pct(s['differ'], s['in_scope'])} |",
        f"| entries cut to their first {MAX_SAMPLES} samples in a dtype (status marked *) | {s['capped']} | |",
        f"| bad inputs tried (ops present) | {b['tried']} | |",
        f"| same exception type | {b['same_type']} | {_pct(b['same_type'], b['tried'])} |",
        f"| same type and first message line | {b['same_line']} | {_pct(b['same_line'], b['tried'])} |",
        f"| **accepted where torch raises** | {b['accepted']} | {_pct(b['accepted'], b['tried'])} |",
        "",
        "## Entries",
        "",
        "Bad inputs: tried / same type / same first line / accepted.",
        "",
        "| entry | status | why | bad inputs |",
        "|---|---|---|---|",
    ]
    order = {"differs": 0, "missing": 1, "agrees": 2, "out of scope": 3}
    for name in sorted(results, key=lambda n: (order[results[n]["status"]], n)):
        v = results[name]
        e = v.get("errors")
        bad = f"{e['tried']} / {e['same_type']} / {e['same_line']} / {e['accepted']}" if e and e["tried"] else ""
        status = v["status"] + (" *" if v.get("capped") else "")
        lines.append(f"| `{name}` | {status} | {_short(v.get('why', ''), 120)} | {bad} |")
    return "\n".join(lines) + "\n"


def dump(results: dict[str, dict]) -> str:
    return json.dumps({"torch": __import__("torch").__version__.split("+")[0], "max_samples": MAX_SAMPLES,
                       "max_errors": MAX_ERRORS, "dtypes": list(DTYPES), "summary": summary(results),
                       "entries": results}, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed table is stale")
    ap.add_argument("--only", help="comma-separated entries: run and print, write nothing")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if args.only:
        for name, v in run_all(args.only.split(","), progress=args.verbose).items():
            print(name, json.dumps(v))
        return 0
    results = run_all(progress=args.verbose)
    md, js = render(results), dump(results)
    if args.check:
        stale = [p.name for p, text in ((DOC, md), (DATA, js)) if not p.exists() or p.read_text() != text]
        if stale:
            old = json.loads(DATA.read_text())["entries"] if DATA.exists() else {}
            moved = [n for n in results if old.get(n) != results[n]]
            print(f"stale: {', '.join(stale)}; entries that moved: {', '.join(moved[:20])}"
                  f"{' …' if len(moved) > 20 else ''}\nrun: python tools/opdb.py", file=sys.stderr)
            return 1
        print("docs/opdb-coverage.md is current")
        return 0
    DOC.write_text(md)
    DATA.write_text(js)
    s = summary(results)
    print(f"in scope {s['in_scope']}, present {s['present']}, agree first order {s['agree_first']}, "
          f"agree {s['agree']}, missing {s['missing']}; bad inputs {s['bad_inputs']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
