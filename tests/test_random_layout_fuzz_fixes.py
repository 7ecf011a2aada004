"""Random ops and memory layouts (issue #24, the program fuzzer): each case runs the same
code under real torch 2.13 and autograd_nb, both seeded alike, and compares the values,
the result's stride(), the error, and the random stream's position afterwards (the next
draw). Random ``*_like`` functions, in-place fills and multinomial fill memory in memory
order, so their numbers depend on the layout PyTorch gives the tensors involved."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import autograd_nb as T


def _run(lib, fn):
    """What ``fn(lib)`` gives after ``manual_seed(0)``: values, shape, strides (or the
    error), plus the next draw of the stream. (numpy gives an empty array zero strides, so
    those of an empty result are not compared.)"""
    lib.manual_seed(0)
    try:
        r = fn(lib)
        if isinstance(r, (tuple, list)):
            r = r[0]
        strides = tuple(r.stride()) if r.numel() else None     # (an empty tensor's strides: numpy's)
        out = ("ok", tuple(r.shape), strides, str(r.dtype).split(".")[-1], r.detach().tolist())
    except Exception as e:                                  # noqa: BLE001 - compared below
        out = (type(e).__name__, str(e).split("\n")[0])
    return out, lib.rand(1).item()


def _rounded(v):
    if isinstance(v, list):
        return [_rounded(x) for x in v]
    return float(f"{v:.5g}") if isinstance(v, float) else v


def _same(fn, approx=False):
    """Equal outcomes; ``approx``: float values to 5 digits (softmax's exp is vectorised in
    PyTorch, so a last bit may differ)."""
    ours, theirs = _run(T, fn), _run(torch, fn)
    if approx and ours[0][0] == theirs[0][0] == "ok":
        ours = (ours[0][:4] + (_rounded(ours[0][4]),), ours[1])
        theirs = (theirs[0][:4] + (_rounded(theirs[0][4]),), theirs[1])
    assert ours == theirs
    return theirs


# ---------------------------------------------------------------------------------------
# layouts the random values are filled in
# ---------------------------------------------------------------------------------------

def _z(lib, *shape):
    """A float tensor of ``shape`` holding 1, 2, 3, ... (distinct values, so a layout shows)."""
    n = 1
    for k in shape:
        n *= k
    return lib.arange(1.0, n + 1.0).reshape(shape)


_LAYOUTS = {
    "contiguous": lambda lib: _z(lib, 2, 3, 4),
    "transposed": lambda lib: _z(lib, 3, 4).t(),
    "permuted": lambda lib: _z(lib, 2, 3, 4).permute(2, 0, 1),
    "sliced": lambda lib: _z(lib, 2, 3, 4)[:, :, ::2],
    "sliced_T": lambda lib: _z(lib, 3, 4)[:, ::2].t(),
    "expanded": lambda lib: _z(lib, 2, 1, 4).expand(2, 3, 4),
    "expanded_row": lambda lib: _z(lib, 4).expand(3, 4),
    "expanded_T": lambda lib: _z(lib, 3, 1).expand(3, 4).t(),
    "size1_permuted": lambda lib: _z(lib, 2, 3, 4)[:, :1, :].permute(2, 1, 0),
    "big_T": lambda lib: _z(lib, 5, 7).t(),               # (16+ values: normal's block road)
}


@pytest.mark.parametrize("layout", sorted(_LAYOUTS))
@pytest.mark.parametrize("fn", ["rand_like", "randn_like", "randint_like", "randint_like_int"])
def test_random_like_fills_empty_like_layout_in_memory_order(fn, layout):
    """``rand_like(x)`` is ``empty_like(x).uniform_()``: a dense x keeps its strides, another
    (a slice with gaps, an expand: the fuzzer's ``rand_like(x.broadcast_to(...))``) gets
    dense strides in its own stride order, and the draws fill memory in order."""
    make = _LAYOUTS[layout]
    calls = {"rand_like": lambda lib, x: lib.rand_like(x),
             "randn_like": lambda lib, x: lib.randn_like(x),
             "randint_like": lambda lib, x: lib.randint_like(x, 10),
             "randint_like_int": lambda lib, x: lib.randint_like(x.long(), 3, 10)}
    _same(lambda lib: calls[fn](lib, make(lib)))


def test_random_like_of_broadcast_fuzz_program():
    """seed 609 program 798: randint_like / rand_like of a broadcast_to view."""
    def f(lib):
        v2 = lib.tensor([[[0.25, -1.5, 1.5]], [[3.0, -2.0, 2.0]]], requires_grad=True).broadcast_to((2, 2, 1, 3))
        v5 = lib.randint_like(v2, 5)
        return lib.rand_like(v5)
    _same(f)


_PROB_LAYOUTS = {
    "contiguous": lambda lib: lib.arange(1.0, 13.0).reshape(3, 4),
    "transposed": lambda lib: lib.arange(1.0, 13.0).reshape(3, 4).t(),
    "sliced_T": lambda lib: lib.arange(1.0, 25.0).reshape(4, 6)[:, ::2].t(),
    "expanded_rows": lambda lib: lib.arange(1.0, 5.0).expand(3, 4),
    "expanded_cols": lambda lib: lib.arange(1.0, 4.0).reshape(3, 1).expand(3, 4),
    "big_T": lambda lib: lib.arange(1.0, 36.0).reshape(5, 7).t(),
    "one_dim_sliced": lambda lib: lib.arange(1.0, 9.0)[::2],
}


@pytest.mark.parametrize("layout", sorted(_PROB_LAYOUTS))
@pytest.mark.parametrize("n,replacement", [(1, False), (2, False), (1, True), (3, True)])
def test_multinomial_noise_in_probs_layout(layout, n, replacement):
    """multinomial without replacement (and with one sample) divides by exponential noise
    drawn into ``empty_like(probs)``: in probs' memory order (seed 601 program 693:
    ``multinomial(sigmoid(x.T), 1)``). With replacement, one uniform per sample, row by row."""
    _same(lambda lib: lib.multinomial(_PROB_LAYOUTS[layout](lib), n, replacement))


def test_multinomial_of_transposed_sigmoid_fuzz_program():
    def f(lib):
        v0 = lib.tensor([[-2.0, 0.5, -2.0], [3.0, 0.0, -1.0]], requires_grad=True)
        return lib.multinomial(lib.sigmoid(v0.T), 1)
    _same(f)


@pytest.mark.parametrize("layout", ["transposed", "sliced_T", "permuted", "size1_permuted"])
def test_dropout_noise_in_input_layout(layout):
    """dropout's noise is ``empty_like(input).bernoulli_(1 - p)``."""
    make = _LAYOUTS[layout]
    _same(lambda lib: lib.nn.functional.dropout(make(lib) + 1.0, 0.5))


# ---------------------------------------------------------------------------------------
# in-place fills: the order of the checks, empty tensors
# ---------------------------------------------------------------------------------------

_FILLS = [("uniform_", ()), ("uniform_", (1.0, 0.0)), ("normal_", ()), ("normal_", (0.0, -1.0)),
          ("random_", ()), ("random_", (5,)), ("random_", (3, 1)), ("random_", (0, 300)), ("random_", (-5, 2)),
          ("bernoulli_", ()), ("bernoulli_", (1.5,)), ("exponential_", ()), ("exponential_", (-1.0,)),
          ("geometric_", (0.5,)), ("geometric_", (1.5,)), ("log_normal_", ()), ("log_normal_", (1.0, -1.0)),
          ("cauchy_", ()), ("cauchy_", (0.0, -1.0))]
_TARGETS = {
    "plain": lambda lib, dt: lib.zeros(2, 3, dtype=dt).t(),
    "empty": lambda lib, dt: lib.zeros(0, 3, dtype=dt),
    "expanded": lambda lib, dt: lib.zeros(1, dtype=dt).expand(3),
    "expanded_empty": lambda lib, dt: lib.zeros(1, 0, dtype=dt).expand(3, 0),
}


@pytest.mark.parametrize("target", sorted(_TARGETS))
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float32", "float64"])
@pytest.mark.parametrize("name,args", _FILLS)
def test_inplace_fill_check_order(name, args, dtype, target):
    """PyTorch's order per fill: argument checks; the internal-overlap check (random_ and
    bernoulli_(tensor) before their range checks, exponential_ and log_normal_ before the
    dtype); dtype checks made by the kernel (normal_, exponential_, log_normal_) are never
    reached by an empty tensor (the fuzzer's ``x.expand(2).exponential_()`` on bool and
    ``normal_()`` on an empty bool)."""
    def f(lib):
        x = _TARGETS[target](lib, getattr(lib, dtype))
        getattr(x, name)(*args)
        return x
    _same(f)


@pytest.mark.parametrize("name,args", [f for f in _FILLS if f[0] != "random_" or f[1] == ()])
def test_inplace_fill_of_expanded_leaf_view(name, args):
    """The autograd check (a view of a leaf that requires grad) comes before all others."""
    def f(lib):
        x = lib.zeros(1, requires_grad=True).expand(3)
        getattr(x, name)(*args)
        return x
    _same(f)


def test_inplace_fill_of_empty_tensor_moves_the_version():
    for lib in (T, torch):
        x = lib.zeros(1, 0).expand(3, 0)
        x.uniform_()
        assert x._version == 1


def test_normal_on_empty_bool_fuzz_program():
    """seed 906 program 779: an empty bool tensor from a mask, then normal_()."""
    def f(lib):
        v3 = lib.tensor([[-1.0]], dtype=lib.float64) <= -1.5
        v4 = lib.min(v3)
        v5 = v4[(v4 > 0.5)]
        return v5.normal_()
    _same(f)


_PROBS = {
    "half": lambda lib, s: lib.full(s, 0.5), "bad_first": lambda lib, s: lib.full(s, 1.5),
    "bad_later": lambda lib, s: lib.tensor([[0.5, 0.5, 2.0], [0.5, 0.5, 0.5]])[:s[0], :s[1]] if len(s) == 2 else lib.full(s, 0.5),
    "f64": lambda lib, s: lib.tensor([[0.1, 0.9, 0.5], [0.3, 0.7, 0.2]], dtype=lib.float64)[:s[0]],
    "int": lambda lib, s: lib.ones(s, dtype=lib.int64), "bool": lambda lib, s: lib.ones(s, dtype=lib.bool),
    "bad_shape": lambda lib, s: lib.full((4,), 0.5), "empty": lambda lib, s: lib.full((0,), 0.5),
}


@pytest.mark.parametrize("target", ["plain", "transposed", "expanded", "empty"])
@pytest.mark.parametrize("probs", sorted(_PROBS))
@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
def test_bernoulli_with_tensor_p(dtype, probs, target):
    """``x.bernoulli_(p)``: overlap first, an empty x is left alone, p is expanded to x's
    shape (PyTorch's expand error), must be floating, and is checked element by element
    while drawing in x's memory order: a bad p at place k has drawn (and written) k values."""
    def f(lib):
        dt = getattr(lib, dtype)
        x = {"plain": lambda: lib.zeros(2, 3, dtype=dt), "transposed": lambda: lib.zeros(3, 2, dtype=dt).t(),
             "expanded": lambda: lib.zeros(1, 3, dtype=dt).expand(2, 3),
             "empty": lambda: lib.zeros(0, 3, dtype=dt)}[target]()
        try:
            x.bernoulli_(_PROBS[probs](lib, tuple(x.shape)))
        except RuntimeError as e:
            return lib.tensor([float(x._version)] + x.double().flatten().tolist()) if "p_in" in str(e) else x.bernoulli_(_PROBS[probs](lib, tuple(x.shape)))
        return x
    _same(f)


@pytest.mark.parametrize("probs", ["half", "bad_later", "f64", "int", "bool"])
@pytest.mark.parametrize("shape", [(2, 3), (0, 3)])
def test_bernoulli_of_tensor(probs, shape):
    """``torch.bernoulli(p)``: a contiguous result drawn row by row; a non-floating p is
    refused by the kernel (not when empty); a bad p stops the draws where it stands."""
    _same(lambda lib: lib.bernoulli(_PROBS[probs](lib, shape)[:shape[0]]))


# ---------------------------------------------------------------------------------------
# random creation functions on empty tensors and odd dtypes
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(0,), (2, 0), (3,)])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float16", "float64"])
@pytest.mark.parametrize("fn", ["rand", "randn", "normal", "normal_mean", "normal_std", "randint", "randint300",
                                "rand_like", "randn_like", "randint_like"])
def test_random_creation_dtypes_and_empty(fn, dtype, shape):
    """normal's dtype check is its kernel's: ``randn(0, dtype=torch.long)`` is no error."""
    calls = {
        "rand": lambda lib, dt: lib.rand(*shape, dtype=dt),
        "randn": lambda lib, dt: lib.randn(*shape, dtype=dt),
        "normal": lambda lib, dt: lib.normal(0.0, 1.0, shape, dtype=dt),
        "normal_mean": lambda lib, dt: lib.normal(lib.zeros(shape, dtype=dt), 1.0),
        "normal_std": lambda lib, dt: lib.normal(0.0, lib.ones(shape, dtype=dt)),
        "randint": lambda lib, dt: lib.randint(0, 5, shape, dtype=dt),
        "randint300": lambda lib, dt: lib.randint(0, 300, shape, dtype=dt),
        "rand_like": lambda lib, dt: lib.rand_like(lib.zeros(shape, dtype=dt)),
        "randn_like": lambda lib, dt: lib.randn_like(lib.zeros(shape, dtype=dt)),
        "randint_like": lambda lib, dt: lib.randint_like(lib.zeros(shape, dtype=dt), 5),
    }
    _same(lambda lib: calls[fn](lib, getattr(lib, dtype)))


@pytest.mark.parametrize("n", [-1, 0, 3, 128, 129, 256, 257, 2049, 2050])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "float16", "float32"])
def test_randperm_dtype_limits(dtype, n):
    """No permutation of bools; n - 1 must fit the dtype (a float's exact integers)."""
    _same(lambda lib: lib.randperm(n, dtype=getattr(lib, dtype)))


# ---------------------------------------------------------------------------------------
# the layouts of ops whose results are filled or viewed later
# ---------------------------------------------------------------------------------------

_LAYOUT_OPS = {
    "softmax0": lambda lib, x: x.softmax(0), "softmax_last": lambda lib, x: x.softmax(-1),
    "log_softmax1": lambda lib, x: x.log_softmax(1),
    "clone": lambda lib, x: x.clone(), "detach_clone": lambda lib, x: x.detach().clone(),
    "double": lambda lib, x: x.double(), "to_int": lambda lib, x: x.to(lib.int32), "half": lambda lib, x: x.half(),
    "type": lambda lib, x: x.type(lib.float64), "contiguous": lambda lib, x: x.contiguous(),
    "cat0": lambda lib, x: lib.cat([x, x]), "cat1": lambda lib, x: lib.cat([x, x], 1),
    "stack0": lambda lib, x: lib.stack([x, x]), "stack1": lambda lib, x: lib.stack([x, x], 1),
    "stack_last": lambda lib, x: lib.stack([x, x], -1),
    "cumsum0": lambda lib, x: x.cumsum(0), "cumsum_last": lambda lib, x: x.cumsum(-1),
    "zeros_like": lambda lib, x: lib.zeros_like(x), "ones_like": lambda lib, x: lib.ones_like(x),
    "full_like": lambda lib, x: lib.full_like(x, 2), "empty_like": lambda lib, x: lib.empty_like(x).zero_(),
    "clone_sub_": lambda lib, x: x.clone().sub_(1),
}


@pytest.mark.parametrize("layout", sorted(set(_LAYOUTS) - {"contiguous"}))
@pytest.mark.parametrize("op", sorted(_LAYOUT_OPS))
def test_result_layout_matches_torch(op, layout):
    """softmax / log_softmax and cumsum write a contiguous result; clone, .to(dtype) and the
    ``*_like`` functions keep a dense layout and pack another in its stride order
    (preserve_format); cat / stack are contiguous (the fuzzer's stack of expanded views
    could not be ``view(-1)``-ed); then ``view(-1)`` works where PyTorch's does, and
    ``rand_like`` of the result draws in the same order."""
    make = _LAYOUTS[layout]

    def f(lib):
        return _LAYOUT_OPS[op](lib, make(lib))
    _same(f, approx=True)
    _same(lambda lib: lib.rand_like(f(lib).float()))
    _same(lambda lib: f(lib).view(-1), approx=True)


@pytest.mark.parametrize("layout", ["transposed", "permuted", "sliced_T"])
@pytest.mark.parametrize("kind", ["softmax", "log_softmax"])
def test_softmax_backward_layout(kind, layout):
    """The gradient softmax's backward hands on is contiguous as PyTorch's."""
    make = _LAYOUTS[layout]

    def f(lib):
        x = (make(lib) + 1.0).requires_grad_()
        y = x * 1
        got = []
        y.register_hook(lambda g: got.append(g))
        getattr(y, kind)(0).backward(lib.ones(y.shape).mT.contiguous().mT if y.dim() == 2 else lib.ones(y.shape))
        return got[0]
    _same(f, approx=True)


def test_randn_like_of_softmax_of_transpose_fuzz_program():
    """seed 616 program 456: softmax's result is contiguous, so randn_like draws row by row."""
    def f(lib):
        v1 = lib.tensor([[3.0, 0.25], [1.0, -2.0]], requires_grad=True).mT
        with lib.enable_grad():
            v2 = v1.softmax(1)
        return lib.randn_like(v2)
    _same(f)


def test_stack_of_expanded_view_fuzz_program():
    """seed 1001 program 673: stack's result is contiguous, so view(-1) works and sub_ meets
    the cast error."""
    def f(lib):
        v2 = lib.tensor([-1, -1], dtype=lib.int32).expand((2, 2))
        v5 = lib.stack([v2, v2], -3)
        v5.view(-1).sub_(0.5)
        return v5
    _same(f)


def test_reshape_of_cumsum_of_transpose_is_a_view():
    """seed 1201 program 540: cumsum's result is contiguous, so reshape is a view."""
    def f(lib):
        v0 = lib.tensor([[-1.5, 0.0, -0.5], [2.0, -0.5, 1.0], [-1.5, 0.5, 2.0]], requires_grad=True)
        v9 = lib.log1p(v0.exp().t()).cumsum(0).reshape(-1, 1)
        return v9, type(v9.grad_fn).__name__
    _same(f, approx=True)
    assert type(f(T)[0].grad_fn).__name__ == type(f(torch)[0].grad_fn).__name__ == "ViewBackward0"


_CL = {
    "channels_last": lambda lib: lib.arange(120.0).reshape(2, 4, 5, 3).permute(0, 3, 1, 2),
    "channels_last_3d": lambda lib: lib.arange(240.0).reshape(2, 3, 4, 5, 2).permute(0, 4, 1, 2, 3),
    "contiguous": lambda lib: lib.arange(120.0).reshape(2, 3, 4, 5),
    "n111": lambda lib: lib.arange(4.0).reshape(4, 1, 1, 1),
}


@pytest.mark.parametrize("b", sorted(_CL))
@pytest.mark.parametrize("a", sorted(_CL))
@pytest.mark.parametrize("op", ["cat0", "cat1", "stack0", "stack1", "stack_last"])
def test_join_of_channels_last(op, a, b):
    """cat keeps channels-last when every input is; stack along an existing dim is that cat,
    viewed (so its strides follow)."""
    calls = {"cat0": lambda lib, x, y: lib.cat([x, y]), "cat1": lambda lib, x, y: lib.cat([x, y], 1),
             "stack0": lambda lib, x, y: lib.stack([x, y]), "stack1": lambda lib, x, y: lib.stack([x, y], 1),
             "stack_last": lambda lib, x, y: lib.stack([x, y], -1)}
    _same(lambda lib: calls[op](lib, _CL[a](lib), _CL[b](lib)))


def test_retain_grad_is_a_contiguous_clone():
    def f(lib):
        x = lib.arange(6.0).reshape(2, 3).t().requires_grad_()
        y = x * 1
        y.retain_grad()
        (y * lib.ones(2, 3).t()).sum().backward()
        return y.grad
    _same(f)


@pytest.mark.parametrize("n", [3, 16, 20, 37])
@pytest.mark.parametrize("call", ["rand", "uniform_2_5", "randn", "normal_1_3"])
def test_float16_draws(call, n):
    """float16 uniforms are float32 ones rounded; float16's normal kernel draws 16 uniforms
    per whole block then 16 for the tail (values equal to print precision)."""
    calls = {"rand": lambda lib: lib.rand(n, dtype=lib.float16),
             "uniform_2_5": lambda lib: lib.zeros(n, dtype=lib.float16).uniform_(2, 5),
             "randn": lambda lib: lib.randn(n, dtype=lib.float16),
             "normal_1_3": lambda lib: lib.zeros(n, dtype=lib.float16).normal_(1, 3)}
    ours, theirs = _run(T, calls[call]), _run(torch, calls[call])
    assert ours[1] == theirs[1]                                   # the stream's position
    assert ours[0][:4] == theirs[0][:4]
    assert ours[0][4] == pytest.approx(theirs[0][4], abs=0.02, rel=2e-3)
