"""Run PyTorch's own ``test/test_autograd.py`` against torch and against autograd_nb.

PyTorch states what autograd does in its unit tests. This runner takes that file (fetched
by you, never copied into this project) and runs it twice: once with real ``torch``, once
with every ``torch`` name bound to ``autograd_nb``. Both runs go through the same adapter
``TestCase`` (below), so a difference between the two columns is a difference between
the libraries, not between two harnesses.

    python tools/torch_autograd_tests.py /tmp/torch_tests/test_autograd.py
    python tools/torch_autograd_tests.py FILE -k hook          # only tests matching 'hook'
    python tools/torch_autograd_tests.py FILE --show-failures  # why each in-scope test fails

The last line printed is ``N/M in scope``: M in-scope tests pass under torch 2.13, N of
them also pass under autograd_nb. A test is *in scope* unless its source touches one of
the features in :data:`OUT_OF_SCOPE` (each with its reason) or it is skipped or fails
under torch itself.

Isolation: the file is imported once per library, then every test runs in its own forked
child process (``--jobs`` at a time) with a per-test timeout, so a crash, a hang or
leaked global state (grad mode, default dtype, hooks) cannot leak into the next test.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import gc
import importlib
import importlib.abc
import importlib.machinery
import inspect
import json
import math
import os
import re
import select
import signal
import subprocess
import sys
import time
import traceback
import types
import unittest
import warnings
from typing import Any, Callable, Iterator

# --------------------------------------------------------------------------------------
# What is out of scope, and why. Matched against the source of each test method (and the
# helpers it calls on ``self``); the first match names the reason.
# --------------------------------------------------------------------------------------
OUT_OF_SCOPE: list[tuple[str, str]] = [
    (r"torch\._C\b|torch\._VF|torch\.ops\.|_foreach_|torch\.autograd\._functions"
     r"|_set_sequence_nr|_sequence_nr\(|torch\._test_",
     "torch._C / ATen internals: details of the C++ engine a learner cannot reach "
     "through the public API"),
    (r"sparse", "sparse tensors: autograd_nb tensors are dense numpy arrays"),
    (r"\.cuda\(|device=\"cuda\"|torch\.cuda|onlyCUDA|TEST_CUDA|torch\.accelerator"
     r"|torch\.Stream|deviceCountAtLeast\(2\)",
     "devices: CUDA streams/threads and multi-device behaviour of the C++ engine"),
    (r"torch\.jit|torch\.compile|_dynamo", "jit / compile: TorchScript and dynamo"),
    (r"torch\.nested|nested_tensor", "nested tensors"),
    (r"complex|cfloat|cdouble|\b1j\b|view_as_real|\.conj\(|torch\.real|\bsgn\b",
     "complex numbers: autograd_nb is real-valued"),
    (r"fwAD|forward_ad|\bjvp\b|check_forward_ad|vmap|functorch|torch\.func\b",
     "forward-mode AD and vmap (functorch)"),
    (r"profile\(|record_function|emit_nvtx|emit_itt|profiler|FlopCounterMode",
     "profiler internals"),
    (r"subprocess|runWithPytorchAPIUsageStderr|load_inline",
     "subprocesses and C++ extensions"),
    (r"checkpoint", "activation checkpointing (torch.utils.checkpoint) is not in "
     "autograd_nb yet"),
    (r"TorchDispatchMode|__torch_dispatch__|__torch_function__|_python_dispatch"
     r"|no_dispatch|torch\.library|custom_op",
     "dispatcher extension points (tensor subclasses, dispatch modes, custom ops)"),
    (r"assertExpected\(", "expect files of PyTorch's repository (not fetched)"),
    (r"mkldnn|channels_last|memory_format|refine_names",
     "memory layouts and named tensors"),
    (r"bfloat16", "bfloat16: autograd_nb's dtypes are numpy's, which has no bfloat16"),
]

# Names the fetched file calls outside any test body that autograd_nb has no use for;
# the adapter accepts them in the autograd_nb run. Each is a no-op with a reason.
ADAPTER_SHIMS: dict[str, str] = {}

DEFAULT_TOLERANCES = {  # torch.testing's defaults: dtype name -> (rtol, atol)
    "float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
}


# ======================================================================================
# The adapter: torch.testing._internal.* as the fetched file imports them, for either
# library. ``LIB`` is the library under test (torch or autograd_nb).
# ======================================================================================
LIB: Any = None


def _is_tensor(x: Any) -> bool:
    return isinstance(x, LIB.Tensor)


def _to_numpy(t: Any) -> Any:
    import numpy as np
    t = t.detach()
    if hasattr(t, "cpu"):
        t = t.cpu()
    if str(t.dtype).endswith("bfloat16"):
        t = t.float()
    return np.asarray(t.numpy())


def _dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


class TestCase(unittest.TestCase):
    """The one TestCase both runs use: torch's assertEqual semantics over either library."""

    device_type = "cpu"

    def setUp(self) -> None:
        super().setUp()
        LIB.manual_seed(0)
        import random as _random
        _random.seed(0)

    def _tensor_close(self, a: Any, b: Any, rtol: float | None, atol: float | None,
                      exact_dtype: bool) -> str | None:
        import numpy as np
        if _is_tensor(a) and _is_tensor(b):
            if exact_dtype and a.dtype != b.dtype:
                return f"dtype mismatch: {a.dtype} vs {b.dtype}"
            if tuple(a.shape) != tuple(b.shape):
                return f"shape mismatch: {tuple(a.shape)} vs {tuple(b.shape)}"
            names = (_dtype_name(a), _dtype_name(b))
        else:
            t = a if _is_tensor(a) else b
            names = (_dtype_name(t),)
        x = _to_numpy(a) if _is_tensor(a) else np.asarray(a)
        y = _to_numpy(b) if _is_tensor(b) else np.asarray(b)
        if rtol is None or atol is None:
            tols = [DEFAULT_TOLERANCES.get(n, (0.0, 0.0)) for n in names]
            rtol = max(r for r, _ in tols) if rtol is None else rtol
            atol = max(a_ for _, a_ in tols) if atol is None else atol
        try:
            xb, yb = np.broadcast_arrays(x, y)
        except ValueError:
            return f"shape mismatch: {x.shape} vs {y.shape}"
        if xb.dtype == bool or yb.dtype == bool:
            ok = np.array_equal(xb.astype(bool), yb.astype(bool))
        else:
            ok = np.allclose(xb.astype(np.float64), yb.astype(np.float64), rtol=rtol,
                             atol=atol, equal_nan=True)
        return None if ok else f"values differ:\n{x}\nvs\n{y}"

    def _compare(self, x: Any, y: Any, rtol: Any, atol: Any, exact_dtype: bool) -> str | None:
        if _is_tensor(x) or _is_tensor(y):
            other = y if _is_tensor(x) else x
            if not (_is_tensor(other) or isinstance(other, (int, float, bool, list, tuple))):
                return f"cannot compare a tensor with {type(other).__name__}"
            return self._tensor_close(x, y, rtol, atol, exact_dtype)
        if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
            if len(x) != len(y):
                return f"length mismatch: {len(x)} vs {len(y)}"
            for i, (a, b) in enumerate(zip(x, y)):
                why = self._compare(a, b, rtol, atol, exact_dtype)
                if why:
                    return f"[{i}]: {why}"
            return None
        if isinstance(x, float) or isinstance(y, float):
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                if math.isnan(x) and math.isnan(y):
                    return None
                r = 1.3e-6 if rtol is None else rtol
                a = 1e-5 if atol is None else atol
                return None if abs(x - y) <= a + r * abs(y) or x == y else f"{x} != {y}"
        return None if x == y else f"{x!r} != {y!r}"

    def assertEqual(self, x: Any, y: Any, msg: Any = None, *, atol: Any = None,
                    rtol: Any = None, exact_dtype: bool = True, exact_device: bool = False,
                    **_: Any) -> None:
        why = self._compare(x, y, rtol, atol, exact_dtype)
        if why:
            raise self.failureException(f"{why}" + (f" : {msg}" if msg else ""))

    def assertNotEqual(self, x: Any, y: Any, msg: Any = None, *, atol: Any = None,
                       rtol: Any = None, **_: Any) -> None:
        if self._compare(x, y, rtol, atol, False) is None:
            raise self.failureException(f"{x!r} == {y!r}" + (f" : {msg}" if msg else ""))

    @contextlib.contextmanager
    def assertWarnsOnceRegex(self, category: type, regex: str) -> Iterator[None]:
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            yield
        found = [w for w in ws if issubclass(w.category, category)
                 and re.search(regex, str(w.message))]
        if not found:
            raise self.failureException(f"no {category.__name__} matching {regex!r}")

    def assertNotWarn(self, fn: Callable, msg: str = "") -> None:
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            fn()
        if ws:
            raise self.failureException(f"unexpected warning {ws[0].message} {msg}")

    def assertExpectedInline(self, actual: str, expect: str, skip: int = 0) -> None:
        self.assertEqual(actual, expect)

    def assertExpected(self, *args: Any, **kwargs: Any) -> None:
        raise unittest.SkipTest("expect files are not available")


def _identity_decorator(*args: Any, **kwargs: Any) -> Any:
    """``@skipIfX`` or ``@skipIfX("reason")``: leave the test as it is."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda fn: fn


def _skip_decorator(reason: str) -> Callable:
    return unittest.skip(reason)


def parametrize(name: str, values: Any) -> Callable:
    """``@parametrize("x", [1, 2])``: the test runs once per value (``test_f_x_1``)."""
    def deco(fn: Callable) -> Callable:
        fn._params = [(name, list(values))] + list(getattr(fn, "_params", []))
        return fn
    return deco


def instantiate_parametrized_tests(cls: type) -> type:
    for attr, fn in list(vars(cls).items()):
        params = getattr(fn, "_params", None)
        if not params:
            continue
        delattr(cls, attr)
        combos: list[list[tuple[str, Any]]] = [[]]
        for name, values in params:
            combos = [c + [(name, v)] for c in combos for v in values]
        for combo in combos:
            suffix = "_".join(f"{n}_{v}" for n, v in combo)

            def make(fn: Callable = fn, kw: dict = dict(combo)) -> Callable:
                def test(self: Any) -> Any:
                    return fn(self, **kw)
                test._source_of = fn             # (the scope is decided on fn's source)
                return test
            setattr(cls, f"{attr}_{suffix}", make())
    return cls


def dtypes(*dts: Any) -> Callable:
    def deco(fn: Callable) -> Callable:
        fn._dtypes = dts
        return fn
    return deco


def deviceCountAtLeast(n: int) -> Callable:
    def deco(fn: Callable) -> Callable:
        fn._devices_arg = True
        if n > 1:
            return unittest.skip("needs several devices")(fn)
        return fn
    return deco


def instantiate_device_type_tests(cls: type, scope: dict, except_for: Any = None,
                                  only_for: Any = None) -> None:
    """Make ``<Class>CPU`` with ``test_x_cpu`` (and ``test_x_cpu_<dtype>``) methods."""
    members: dict[str, Any] = {"device_type": "cpu"}
    for attr, fn in list(vars(cls).items()):
        if not attr.startswith("test") or not callable(fn):
            continue
        device_arg = ["cpu"] if getattr(fn, "_devices_arg", False) else "cpu"
        takes_device = len(inspect.signature(fn).parameters) > 1
        for dt in getattr(fn, "_dtypes", (None,)):
            name = f"{attr}_cpu" + ("" if dt is None else f"_{str(dt).split('.')[-1]}")

            def make(fn: Callable = fn, dt: Any = dt, dev: Any = device_arg,
                     takes: bool = takes_device) -> Callable:
                def test(self: Any) -> Any:
                    if dt is not None:
                        return fn(self, dev, dt)
                    return fn(self, dev) if takes else fn(self)
                test.__unittest_skip__ = getattr(fn, "__unittest_skip__", False)
                test.__unittest_skip_why__ = getattr(fn, "__unittest_skip_why__", "")
                test._source_of = fn
                return test
            members[name] = make()
    new = type(cls.__name__ + "CPU", (cls,), members)
    for attr in [a for a in vars(cls) if a.startswith("test")]:
        delattr(cls, attr)  # the generic class keeps no tests of its own
    new.__module__ = cls.__module__
    scope[new.__name__] = new


def mask_not_all_zeros(shape: Any) -> Any:
    while True:
        result = LIB.randn(shape).ge(0)
        if result.sum() > 0:
            return result


@contextlib.contextmanager
def disable_gc() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def set_warn_always_context(new_val: bool) -> Iterator[None]:
    setter = getattr(LIB, "set_warn_always", None)
    old = LIB.is_warn_always_enabled() if setter else None
    if setter:
        setter(new_val)
    try:
        yield
    finally:
        if setter:
            setter(old)


def _gradcheck(fn: Callable, inputs: Any, **kwargs: Any) -> Any:
    return LIB.autograd.gradcheck(fn, inputs, **kwargs)


def _gradgradcheck(fn: Callable, inputs: Any, grad_outputs: Any = None, **kwargs: Any) -> Any:
    return LIB.autograd.gradgradcheck(fn, inputs, grad_outputs, **kwargs)


def _adapter_modules() -> dict[str, types.ModuleType]:
    """The torch.testing._internal modules the fetched file imports, as adapter shims."""
    def module(name: str, **attrs: Any) -> types.ModuleType:
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        return m
    ident, skip = _identity_decorator, _skip_decorator
    utils = module(
        "torch.testing._internal.common_utils", TestCase=TestCase, run_tests=lambda: None,
        disable_gc=disable_gc, gradcheck=_gradcheck, gradgradcheck=_gradgradcheck,
        instantiate_parametrized_tests=instantiate_parametrized_tests,
        parametrize=parametrize, IS_MACOS=sys.platform == "darwin",
        IS_WINDOWS=sys.platform == "win32", TEST_WITH_TORCHDYNAMO=False,
        scoped_load_inline=skip("C++ extensions"),
        set_warn_always_context=set_warn_always_context,
        skipCUDANonDefaultStreamIf=lambda cond: ident, skipIfMPS=ident,
        skipIfNoLapack=ident, skipIfSlowGradcheckEnv=ident, skipIfTorchDynamo=ident,
        skipIfWindows=ident, skipIfXpu=ident,
        slowTest=skip("slow test (torch's suite skips these by default too)"))
    device = module(
        "torch.testing._internal.common_device_type",
        deviceCountAtLeast=deviceCountAtLeast, dtypes=dtypes,
        dtypesIfCUDA=lambda *a: ident, dtypesIfMPS=lambda *a: ident,
        expectedFailureMPS=ident, instantiate_device_type_tests=instantiate_device_type_tests,
        onlyCPU=ident, onlyCUDA=skip("CUDA only"), skipMeta=ident)
    dtype = module("torch.testing._internal.common_dtype",
                   floating_types_and=lambda *extra: (LIB.float32, LIB.float64, *extra))
    cuda = module("torch.testing._internal.common_cuda", TEST_CUDA=False)
    invocations = module("torch.testing._internal.common_methods_invocations",
                         mask_not_all_zeros=mask_not_all_zeros)
    return {m.__name__: m for m in (utils, device, dtype, cuda, invocations)}


# ======================================================================================
# Binding ``torch`` to autograd_nb
# ======================================================================================
class _Missing:
    """A name the fetched file imports that autograd_nb lacks: fails loudly when used."""

    lenient = False          # while the file loads: attributes and calls give more _Missing

    def __init__(self, qualname: str) -> None:
        self._qualname = qualname

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _Missing.lenient:
            return _Missing(f"{self._qualname}()")
        raise AttributeError(f"autograd_nb has no {self._qualname}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if _Missing.lenient:
            return _Missing(f"{self._qualname}.{name}")
        raise AttributeError(f"autograd_nb has no {self._qualname}.{name}")


class _StubModule(types.ModuleType):
    """A torch submodule autograd_nb does not have (profiler, forward_ad, ...)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Missing(f"{self.__name__}.{name}")


class _TorchToAutogradNb(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import torch.X`` gives ``autograd_nb.X``, an adapter shim, or a stub."""

    def __init__(self, shims: dict[str, types.ModuleType]) -> None:
        self.shims = shims

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == "torch" or fullname.startswith("torch."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> Any:
        name = spec.name
        if name in self.shims:
            return self.shims[name]
        try:
            return importlib.import_module("autograd_nb" + name[len("torch"):])
        except ModuleNotFoundError:
            stub = _StubModule(name)
            stub.__path__ = []
            return stub

    def exec_module(self, module: Any) -> None:
        pass


def _bind_missing_imports(path: str) -> None:
    """Give every ``from torch.x import a`` name the file asks for a value (_Missing)."""
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and \
                (node.module == "torch" or node.module.startswith("torch.")):
            mod = importlib.import_module(node.module)
            for alias in node.names:
                if not isinstance(mod, _StubModule) and not hasattr(mod, alias.name):
                    setattr(mod, alias.name, _Missing(f"{node.module}.{alias.name}"))


def setup_library(which: str, path: str) -> None:
    global LIB
    shims = _adapter_modules()
    if which == "torch":
        import torch
        torch.set_num_threads(1)
        import torch.testing._internal  # noqa: F401  (the package; its modules are shims)
        sys.modules.update(shims)
        LIB = torch
    else:
        import autograd_nb
        sys.meta_path.insert(0, _TorchToAutogradNb(shims))
        sys.modules["torch"] = autograd_nb
        for name, mod in list(sys.modules.items()):   # the submodules already imported: as
            if name.startswith("autograd_nb."):       # themselves (a fresh import would rebind
                sys.modules["torch" + name[len("autograd_nb"):]] = mod   # a parent's attribute)
        LIB = autograd_nb
        _bind_missing_imports(path)


# ======================================================================================
# Collecting, classifying and running the tests (one forked child per test)
# ======================================================================================
SIBLING_FILES = "autograd"      # PyTorch's test/autograd/ package, beside test_autograd.py


def _stub_sibling_test_files(path: str) -> list[str]:
    """The file imports test classes from its sibling files (``from autograd.test_complex
    import TestAutogradComplex``) so that PyTorch's runner collects them too. Those files
    are not this file: bind each name to a plain class (no tests) and say which."""
    names = []
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] == SIBLING_FILES:
            package = sys.modules.setdefault(SIBLING_FILES, types.ModuleType(SIBLING_FILES))
            package.__path__ = []
            mod = sys.modules.setdefault(node.module, types.ModuleType(node.module))
            setattr(package, node.module.split(".", 1)[1], mod)
            for alias in node.names:
                setattr(mod, alias.name, type(alias.name, (), {}))
                names.append(f"{node.module}.{alias.name}")
    return names


@contextlib.contextmanager
def _tolerant_loading() -> Iterator[None]:
    """While the file's classes are defined, a torch name autograd_nb lacks that a class
    body uses (``@parametrize("layout", (torch.sparse_coo, ...))``,
    ``torch.profiler.itt``) is a _Missing, so one such test cannot stop the whole file
    from loading; inside a test body it raises as usual."""
    if LIB.__name__ != "autograd_nb":
        yield
        return
    modules = [m for n, m in list(sys.modules.items())
               if (n == "autograd_nb" or n.startswith("autograd_nb.")) and isinstance(m, types.ModuleType)]
    saved = {m: m.__dict__.get("__getattr__") for m in modules}

    def tolerant(module: types.ModuleType, real: Any) -> Callable[[str], Any]:
        def lookup(name: str) -> Any:
            if real is not None:
                try:
                    return real(name)
                except AttributeError:
                    pass
            if name.startswith("__"):
                raise AttributeError(name)
            return _Missing(f"{module.__name__.replace('autograd_nb', 'torch', 1)}.{name}")
        return lookup
    for m, real in saved.items():
        m.__getattr__ = tolerant(m, real)
    _Missing.lenient = True
    try:
        yield
    finally:
        _Missing.lenient = False
        for m, real in saved.items():
            if real is None:
                del m.__getattr__
            else:
                m.__getattr__ = real


def load_tests(path: str) -> tuple[types.ModuleType, list[tuple[str, str]]]:
    _stub_sibling_test_files(path)
    spec = importlib.util.spec_from_file_location("fetched_test_autograd", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    with _tolerant_loading():
        spec.loader.exec_module(module)
    tests = []
    for name, cls in vars(module).items():
        if isinstance(cls, type) and issubclass(cls, unittest.TestCase) and cls is not TestCase:
            for attr in sorted(dir(cls)):
                if attr.startswith("test") and callable(getattr(cls, attr)):
                    tests.append((name, attr))
    return module, tests


def test_source(cls: type, attr: str) -> str:
    """The test's source plus the source of the ``self._helper`` methods it calls."""
    fn = getattr(cls, attr)
    fn = getattr(fn, "_source_of", fn)
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        return ""
    for helper in set(re.findall(r"self\.(_\w+)\(", src)):
        h = getattr(cls, helper, None)
        if callable(h):
            with contextlib.suppress(OSError, TypeError):
                src += inspect.getsource(h)
    return src


def out_of_scope_reason(src: str) -> str | None:
    for pattern, reason in OUT_OF_SCOPE:
        if re.search(pattern, src):
            return reason
    return None


def _run_one(module: types.ModuleType, cls_name: str, attr: str) -> dict:
    cls = getattr(module, cls_name)
    result = unittest.TestResult()
    with warnings.catch_warnings():
        cls(attr).run(result)
    if result.skipped:
        return {"status": "skip", "detail": result.skipped[0][1]}
    if result.failures or result.errors:
        detail = (result.failures or result.errors)[0][1]
        return {"status": "fail", "detail": detail[-1500:]}
    if result.expectedFailures:
        return {"status": "skip", "detail": "expected failure"}
    return {"status": "pass", "detail": ""}


def run_worker(which: str, path: str, jobs: int, timeout: float, pattern: str | None) -> dict:
    setup_library(which, path)
    module, tests = load_tests(path)
    if pattern:
        tests = [t for t in tests if re.search(pattern, f"{t[0]}.{t[1]}")]
    results: dict[str, dict] = {}
    pending = list(tests)
    running: dict[int, tuple[str, int, float, list]] = {}  # pid -> (id, fd, start, chunks)
    while pending or running:
        while pending and len(running) < jobs:
            cls_name, attr = pending.pop(0)
            test_id = f"{cls_name}.{attr}"
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: run the test, report through the pipe, leave
                os.close(r)
                try:
                    out = _run_one(module, cls_name, attr)
                except BaseException:  # noqa: BLE001
                    out = {"status": "fail", "detail": traceback.format_exc()[-1500:]}
                os.write(w, json.dumps(out).encode())
                os._exit(0)
            os.close(w)
            running[pid] = (test_id, r, time.monotonic(), [])
        fds = {v[1]: pid for pid, v in running.items()}
        ready, _, _ = select.select(list(fds), [], [], 0.2)
        for fd in ready:
            pid = fds[fd]
            chunk = os.read(fd, 65536)
            if chunk:
                running[pid][3].append(chunk)
                continue
            test_id, _, _, chunks = running.pop(pid)
            os.close(fd)
            _, status = os.waitpid(pid, 0)
            try:
                results[test_id] = json.loads(b"".join(chunks).decode())
            except ValueError:
                results[test_id] = {"status": "fail", "detail": f"crashed (status {status})"}
        now = time.monotonic()
        for pid, (test_id, fd, start, _) in list(running.items()):
            if now - start > timeout:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(fd)
                running.pop(pid)
                results[test_id] = {"status": "fail", "detail": f"timed out after {timeout}s"}
    scope = {}
    for cls_name, attr in tests:
        scope[f"{cls_name}.{attr}"] = out_of_scope_reason(
            test_source(getattr(module, cls_name), attr))
    return {"results": results, "scope": scope}


def _spawn(which: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), args.path, "--worker", which,
           "--jobs", str(args.jobs), "--timeout", str(args.timeout)]
    if args.k:
        cmd += ["-k", args.k]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"the {which} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", help="PyTorch's test/test_autograd.py (fetched, not in this repo)")
    ap.add_argument("-k", help="only tests whose Class.test_name matches this regex")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per test")
    ap.add_argument("--show-failures", action="store_true",
                    help="print why each in-scope test fails under autograd_nb")
    ap.add_argument("--json", help="write every test's outcome in both runs here")
    ap.add_argument("--reuse-torch", metavar="JSON",
                    help="take the torch run from an earlier --json file (it does not change)")
    ap.add_argument("--worker", choices=("torch", "autograd_nb"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        out = run_worker(args.worker, args.path, args.jobs, args.timeout, args.k)
        print(json.dumps(out))
        return 0

    if args.reuse_torch:
        with open(args.reuse_torch) as f:
            torch_run = json.load(f)["torch"]
    else:
        torch_run = _spawn("torch", args)
    ours = _spawn("autograd_nb", args)
    scope = {t: r for t, r in torch_run["scope"].items()
             if not args.k or re.search(args.k, t)}
    reasons: dict[str, int] = {}
    in_scope, passing, failing = [], [], []
    torch_fail = torch_skip = 0
    for test_id, reason in sorted(scope.items()):
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        t = torch_run["results"].get(test_id, {"status": "fail"})
        if t["status"] == "skip":
            torch_skip += 1
            continue
        if t["status"] != "pass":
            torch_fail += 1
            continue
        in_scope.append(test_id)
        o = ours["results"].get(test_id, {"status": "fail", "detail": "not run"})
        (passing if o["status"] == "pass" else failing).append((test_id, o))

    print(f"{len(scope)} tests in the file")
    siblings = _stub_sibling_test_files(args.path)
    if siblings:
        print("not run: classes the file imports from its sibling files (PyTorch's test/autograd/"
              "), which are not this file: " + ", ".join(siblings))
    print("out of scope:")
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {reason}")
    print(f"  {torch_skip:4d}  skipped under torch (slow, CUDA-only, expect files)")
    print(f"  {torch_fail:4d}  fail under torch 2.13 itself")
    print("adapter shims in the autograd_nb run:" + ("" if ADAPTER_SHIMS else " none"))
    for name, why in ADAPTER_SHIMS.items():
        print(f"  torch.{name}: {why}")
    print(f"failing in scope ({len(failing)}):")
    for test_id, o in failing:
        last = [ln for ln in o.get("detail", "").strip().splitlines() if ln.strip()]
        print(f"  {test_id}: {last[-1][:160] if last else o['status']}")
        if args.show_failures:
            print("    " + o.get("detail", "").replace("\n", "\n    "))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch_run, "autograd_nb": ours}, f, indent=1)
    print(f"{len(passing)}/{len(in_scope)} in scope")
    return 0


if __name__ == "__main__":
    sys.exit(main())
