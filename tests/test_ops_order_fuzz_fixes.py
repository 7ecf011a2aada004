"""Small op causes and the order of checks: differences the program fuzzer found (#24).

Each test runs one snippet under real torch and autograd_nb and compares what a learner
sees: the value or the error (type and first line), and for create_graph gradients the
nodes the gradient links to, as PyTorch's backward formulas (derivatives.yaml) record
them: a number times a tensor inside a formula is ``MulBackward1``, ``t + 1`` is
``AddBackward1``, ``1 - t`` a ``SubBackward0`` of a filled tensor.
"""
from __future__ import annotations

import functools
import math

import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")

from torch_errors import outcome, same_outcome  # noqa: E402

_outcome = functools.partial(outcome, first_line=True, quiet=True)

pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")


def same(fn):
    """``fn(lib)`` under torch and autograd_nb: the same outcome."""
    return same_outcome(fn, torch, first_line=True, quiet=True)


def values(t, digits=6):
    """A tensor's values to ``digits`` significant digits (NaN as the string 'nan', so
    that lists compare)."""
    return [v if isinstance(v, bool) else "nan" if v != v else float(f"{v:.{digits}g}")
            for v in t.reshape(-1).tolist()]


def chain(t, depth=4):
    """The names of the nodes a tensor's history reaches, level by level (None for an
    edge to nothing), as PyTorch's next_functions list them."""
    levels, frontier = [], [t.grad_fn]
    for _ in range(depth):
        names, nxt = [], []
        for fn in frontier:
            if fn is None:
                names.append(None)
                continue
            names.append(type(fn).__name__)
            nxt += [n for n, _ in fn.next_functions]
        levels.append(names)
        frontier = nxt
    return levels


def result(t):
    return (str(t.dtype).split(".")[-1], tuple(t.shape), t.tolist())


# --- integer division by zero: checked per element, so never on an empty result ------

_DIVISIONS = {
    "floordiv": lambda x, d: x // d, "mod": lambda x, d: x % d, "rfloordiv": lambda x, d: 5 // x,
    "floor": lambda x, d: x.div(d, rounding_mode="floor"), "trunc": lambda x, d: x.div(d, rounding_mode="trunc"),
    "remainder": lambda x, d: x.remainder(d), "fmod": lambda x, d: x.fmod(d),
    "floor_divide": lambda x, d: x.floor_divide(d),
    "floor_": lambda x, d: x.div_(d, rounding_mode="floor"), "trunc_": lambda x, d: x.div_(d, rounding_mode="trunc"),
    "remainder_": lambda x, d: x.remainder_(d), "fmod_": lambda x, d: x.fmod_(d),
    "floor_divide_": lambda x, d: x.floor_divide_(d), "ifloordiv": lambda x, d: x.__ifloordiv__(d),
    "imod": lambda x, d: x.__imod__(d),
}


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
@pytest.mark.parametrize("op", sorted(_DIVISIONS))
@pytest.mark.parametrize("n", [0, 2])
def test_integer_division_by_zero(op, dtype, n):
    def run(lib):
        x = lib.tensor([3, 4][:n], dtype=getattr(lib, dtype))
        return [result(_DIVISIONS[op](x.clone(), d)) for d in
                (0, lib.zeros((), dtype=lib.int64), lib.zeros(1, dtype=getattr(lib, dtype)))]
    same(run)


def test_integer_division_empty_broadcast():
    same(lambda lib: result(lib.zeros((0, 2), dtype=lib.int64) // lib.tensor([0, 1])))
    same(lambda lib: result(lib.tensor(3) % lib.zeros(0, dtype=lib.int64)))
    same(lambda lib: result(lib.div(lib.tensor([False])[lib.tensor([False])], 0, rounding_mode="floor")))


def test_fmod():
    def run(lib):
        x = lib.tensor([5.5, -3.0, 2.0, -0.0], requires_grad=True)
        y = lib.tensor([2.0, 2.0, -1.5, 3.0], requires_grad=True)
        r = lib.fmod(x, y)
        gx, gy = lib.autograd.grad((r * r).sum(), [x, y], create_graph=True)
        s = lib.fmod(x, 2.5)
        return (values(r), type(r.grad_fn).__name__, values(gx), values(gy), chain(gy),
                values(s), type(s.grad_fn).__name__, result(lib.fmod(lib.tensor([5, -3]), lib.tensor([2.5]))))
    same(run)
    same(lambda lib: lib.fmod(2, lib.tensor([1.0])))


# --- create_graph gradients of one-input ops: the nodes of PyTorch's formulas --------

_UNARY = ["exp2", "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sinh", "cosh", "tan",
          "tanh", "sigmoid", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf", "reciprocal", "sin",
          "cos", "abs", "sign", "trunc", "frac", "neg", "ceil", "floor", "round", "square", "relu", "logit",
          "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "negative", "absolute"]


@pytest.mark.parametrize("x", [[0.3, -0.7], [1.3, 1.7], 0.5])
@pytest.mark.parametrize("op", _UNARY)
def test_unary_create_graph_nodes(op, x):
    def run(lib):
        t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        y = getattr(lib, op)(t)
        g, = lib.autograd.grad((y * y).mean(), [t], create_graph=True)
        return chain(g), values(g, 10)
    same(run)


def test_sgn():
    def run(lib):
        x = lib.tensor([1.5, 0.0, -2.0, float("nan")], requires_grad=True)
        y = lib.sgn(x)
        g, = lib.autograd.grad(y.sum(), [x], create_graph=True)
        a = x.abs()
        ga, = lib.autograd.grad(a.sum(), [x], create_graph=True)
        return (values(y), type(y.grad_fn).__name__, g.grad_fn is None, chain(ga),
                result(lib.sgn(lib.tensor([1, 0, -2]))), result(lib.sgn(lib.tensor([True, False]))))
    same(run)


# --- maximum / minimum / fmax / fmin / clamp with tensor bounds ----------------------

_NAN = float("nan")
_BINARY_BOUNDS = {
    "maximum": lambda lib, a, b, c: lib.maximum(a, b), "minimum": lambda lib, a, b, c: lib.minimum(a, b),
    "fmax": lambda lib, a, b, c: lib.fmax(a, b), "fmin": lambda lib, a, b, c: lib.fmin(a, b),
    "clamp": lambda lib, a, b, c: lib.clamp(a, b, c), "clamp_min": lambda lib, a, b, c: lib.clamp(a, min=b),
    "clamp_max": lambda lib, a, b, c: lib.clamp(a, max=c), "clamp_minT": lambda lib, a, b, c: lib.clamp_min(a, b),
    "clamp_maxT": lambda lib, a, b, c: lib.clamp_max(a, c),
    "minimum_bool": lambda lib, a, b, c: lib.minimum(a == 1.0, a),
    "maximum_bool": lambda lib, a, b, c: lib.maximum(b.detach(), a > 0),
}


@pytest.mark.parametrize("others", [True, False])
@pytest.mark.parametrize("op", sorted(_BINARY_BOUNDS))
def test_min_max_create_graph(op, others):
    """Ties (1 and 1), NaN on either side; the gradients, their nodes, and a third order."""
    def run(lib):
        a = lib.tensor([3.0, -0.5, 1.0, _NAN, 2.0], requires_grad=True)
        b = lib.tensor([1.0, 0.5, 1.0, 1.0, _NAN], requires_grad=others)
        c = lib.tensor([2.0, 0.0, 1.0, 2.0, 3.0], requires_grad=others)
        y = _BINARY_BOUNDS[op](lib, a, b, c)
        ins = [a, b, c] if others and "bool" not in op else [a]
        gs = lib.autograd.grad((y * y).sum(), ins, create_graph=True, allow_unused=True)
        out = [None if g is None else (chain(g), values(g)) for g in gs]
        h = lib.autograd.grad(gs[0].sum(), ins, allow_unused=True)
        return out, [None if t is None else values(t) for t in h]
    same(run)


def test_fmax_arguments():
    same(lambda lib: result(lib.fmax(lib.tensor([True, False]), lib.tensor([False, False]))))
    same(lambda lib: result(lib.fmin(lib.tensor([1, 2]), lib.tensor([1.5]))))
    same(lambda lib: lib.fmax(lib.tensor([1, 2]), 1))
    same(lambda lib: lib.tensor([1.0]).fmin(2.0))


# --- sorting ops: PyTorch's order of argument checks (dim, empty dim, k, dtype) -------

def _shape_of(r):
    parts = r if isinstance(r, tuple) else (r,)
    return [(tuple(t.shape), str(t.dtype).split(".")[-1]) for t in parts]


_SORTING = {
    "topk": lambda lib, x, d, k: lib.topk(x, k, d), "topk_smallest": lambda lib, x, d, k: lib.topk(x, k, d, largest=False),
    "kthvalue": lambda lib, x, d, k: lib.kthvalue(x, k, d), "sort": lambda lib, x, d, k: lib.sort(x, d),
    "argsort": lambda lib, x, d, k: lib.argsort(x, d), "median": lambda lib, x, d, k: lib.median(x, d),
    "nanmedian": lambda lib, x, d, k: lib.nanmedian(x, d), "median_all": lambda lib, x, d, k: lib.median(x),
    "msort": lambda lib, x, d, k: lib.msort(x),
}


@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
@pytest.mark.parametrize("shape", [(3, 0), (0,), (3, 2), ()])
@pytest.mark.parametrize("op", sorted(_SORTING))
def test_sorting_check_order(op, shape, dtype):
    for dim in (-1, 0, 1, 2):
        for k in (0, 1, 2, 4, -1):
            same(lambda lib: _shape_of(_SORTING[op](lib, lib.zeros(shape, dtype=getattr(lib, dtype)), dim, k)))


# --- a changed view is refused before the op's own argument errors (methods too) -----

def _changed_split_view(lib):
    """A split output whose base was changed in place: PyTorch refuses to use it
    wherever its autograd layer reads its history."""
    v0 = lib.tensor([[2.0, -1.5, 0.5], [1.5, 2.0, 3.0]], requires_grad=True)
    v2 = v0 * 1
    v3 = v2.split(1, 1)[0]
    v2.mul_(2)
    return v3


_VIEW_FIRST = {   # PyTorch reads the histories first: the view's error
    "softmax": lambda lib, v, bad: v.softmax(3), "T.softmax": lambda lib, v, bad: lib.softmax(v, 3),
    "F.softmax": lambda lib, v, bad: lib.nn.functional.softmax(v, 3), "sum": lambda lib, v, bad: v.sum(5),
    "add": lambda lib, v, bad: v.add(bad), "op+": lambda lib, v, bad: v + bad, "view": lambda lib, v, bad: v.view(7),
    "transpose": lambda lib, v, bad: v.transpose(0, 5), "topk": lambda lib, v, bad: v.topk(9),
    "sort": lambda lib, v, bad: v.sort(5), "argsort": lambda lib, v, bad: v.argsort(5),
    "expand": lambda lib, v, bad: v.expand(5, 5), "max": lambda lib, v, bad: v.max(5),
    "index_select": lambda lib, v, bad: v.index_select(0, lib.tensor([9])),
    "gather": lambda lib, v, bad: v.gather(0, lib.tensor([[9]])), "squeeze": lambda lib, v, bad: v.squeeze(5),
    "matmul": lambda lib, v, bad: v.matmul(bad), "mm": lambda lib, v, bad: v.mm(bad),
    "cumsum": lambda lib, v, bad: v.cumsum(5), "norm": lambda lib, v, bad: v.norm(dim=5),
    "select": lambda lib, v, bad: v.select(0, 9), "split": lambda lib, v, bad: v.split(1, 5),
    "repeat": lambda lib, v, bad: v.repeat(1), "std": lambda lib, v, bad: v.std(5),
    "permute": lambda lib, v, bad: v.permute(0, 5), "mean": lambda lib, v, bad: v.mean(5),
    "kthvalue": lambda lib, v, bad: v.kthvalue(9), "scatter": lambda lib, v, bad: v.scatter(0, lib.tensor([[9]]), 1.0),
    "clamp": lambda lib, v, bad: v.clamp(), "as_strided": lambda lib, v, bad: v.as_strided((9,), (1,)),
    "matmul_op": lambda lib, v, bad: v @ bad, "div_mode": lambda lib, v, bad: v.div(bad, rounding_mode="x"),
}
_KERNEL_FIRST = {   # PyTorch's own checks come first (an op it does not record, or a
    # composite that checks before it calls the ops that record)
    "argmax": lambda lib, v, bad: v.argmax(4), "T.argmax": lambda lib, v, bad: lib.argmax(v, 4),
    "all": lambda lib, v, bad: v.all(5), "count_nonzero": lambda lib, v, bad: v.count_nonzero(5),
    "reshape": lambda lib, v, bad: v.reshape(7), "T.reshape": lambda lib, v, bad: lib.reshape(v, (7,)),
    "flatten": lambda lib, v, bad: v.flatten(5), "narrow": lambda lib, v, bad: v.narrow(0, 0, 9),
    "chunk": lambda lib, v, bad: v.chunk(2, 5), "diff": lambda lib, v, bad: v.diff(dim=5),
    "movedim": lambda lib, v, bad: v.movedim(0, 5), "repeat_interleave": lambda lib, v, bad: v.repeat_interleave(2, dim=5),
    "getitem": lambda lib, v, bad: v[7], "setitem": lambda lib, v, bad: v.__setitem__(9, 1.0),
    "bool": lambda lib, v, bad: bool(v), "item": lambda lib, v, bad: v.item(),
}
_IN_PLACE = {   # in place: the in-place check of self comes first
    "add_": lambda lib, v, bad: v.add_(bad), "abs_": lambda lib, v, bad: v.abs_(),
    "copy_": lambda lib, v, bad: v.copy_(bad), "squeeze_": lambda lib, v, bad: v.squeeze_(5),
    "transpose_": lambda lib, v, bad: v.transpose_(0, 5),
}


@pytest.mark.parametrize("case", sorted({**_VIEW_FIRST, **_KERNEL_FIRST, **_IN_PLACE}))
def test_changed_view_error_order(case):
    op = {**_VIEW_FIRST, **_KERNEL_FIRST, **_IN_PLACE}[case]
    outcome = same(lambda lib: (op(lib, _changed_split_view(lib), lib.ones(5)), None)[1])
    assert ("Output 0 of Split" in outcome[1]) == (case not in _KERNEL_FIRST)


def test_changed_view_as_other_argument():
    """In place, the other inputs' histories are read before the kernel's errors."""
    same(lambda lib: lib.ones(2, 2).add_(_changed_split_view(lib).expand(2, 5)) and None)
    same(lambda lib: lib.ones(3).add(_changed_split_view(lib)) and None)


# --- autograd.grad / backward(inputs=...) read each input's history first ------------

def _no_grad_view_changed(lib):
    v0 = lib.tensor([1.5, 1.0], dtype=lib.float64, requires_grad=True)
    v1 = lib.nn.functional.softplus(v0)
    with lib.no_grad():
        v3 = v1.expand((2, 2))
    v1.sub_(3)
    return v0, v1, v3


def test_grad_inputs_read_history():
    def grad(lib):
        v0, v1, v3 = _no_grad_view_changed(lib)
        v5 = v1.chunk(2, -1)[-1]
        return lib.autograd.grad(v1.sum(), [v3, v5], create_graph=True, allow_unused=True)
    assert "no_grad mode" in same(lambda lib: grad(lib) and None)[1]

    def backward(lib):
        v0, v1, v3 = _no_grad_view_changed(lib)
        v1.sum().backward(inputs=[v0, v3])
    assert "no_grad mode" in same(backward)[1]

    def split_output(lib):
        v0 = lib.tensor([[2.0, -1.5], [1.5, 2.0]], requires_grad=True)
        v2 = v0 * 1
        v3 = v2.split(1, 1)[0]
        v2.mul_(2)
        return lib.autograd.grad(v2.sum(), [v3])
    assert "Output 0 of Split" in same(lambda lib: split_output(lib) and None)[1]
