"""Reductions (ops/reduce.py) and matrix products (ops/linalg.py).

One list of cases drives three checks:

* parity with real PyTorch 2.13 (values, result dtype, ``grad_fn`` name, the whole
  ``next_functions`` tree, gradients after backward with a random upstream gradient),
  in float32 and float64;
* gradients against central finite differences in float64 (no PyTorch needed);
* for a few ops, second derivatives (``create_graph=True`` then ``grad`` again) against
  PyTorch and against finite differences of the first derivative.

Then: error messages, saved attributes (``grad_fn._saved_*``), the
``torch.return_types.max`` pair, integer dtypes, and a Hypothesis test of ``matmul``
over broadcast batch shapes and ranks 1-4.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_nb as anb


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# ---------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------


def normal(rng, shape):
    return rng.standard_normal(shape)


def distinct(rng, shape):
    """No two values equal (max/min/amax are not differentiable at ties)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - 0.3 * n + rng.uniform(-0.05, 0.05, n)).reshape(shape)


def away_from_zero(rng, shape):
    v = rng.uniform(0.5, 1.5, shape)
    return v * rng.choice([-1.0, 1.0], shape)


class fixed:
    """Inputs given literally (ties, zeros, huge values) instead of drawn at random."""

    def __init__(self, *arrays):
        self.arrays = [np.asarray(a, dtype=np.float64) for a in arrays]


class Case(NamedTuple):
    name: str
    fn: Callable[..., Any]                   # fn(m, *tensors), m = autograd_nb or torch
    shapes: tuple = ((2, 3),)
    values: Callable = normal                # per input, or ``fixed(...)`` for all inputs
    numeric: bool = True                     # finite differences meaningful here
    requires: tuple = ()                     # which inputs require grad (default: all)


def _val(o):
    return o[0] if isinstance(o, tuple) else o


REDUCE = [
    Case("sum", lambda m, x: x.sum()),
    Case("sum_dims_keep", lambda m, x: x.sum((0, -1), keepdim=True), ((2, 3, 2),)),
    Case("sum_neg_dim", lambda m, x: m.sum(x, -1)),
    Case("sum_empty_dims", lambda m, x: x.sum(())),
    Case("mean", lambda m, x: x.mean()),
    Case("mean_dim", lambda m, x: m.mean(x, (0, 2)), ((2, 3, 2),)),
    Case("prod", lambda m, x: x.prod(), ((2, 3),), away_from_zero),
    Case("prod_one_zero", lambda m, x: x.prod(), values=fixed([[2.0, 0.0, 3.0], [1.5, -1.0, 0.5]])),
    Case("prod_two_zeros", lambda m, x: x.prod(), values=fixed([2.0, 0.0, 0.0, 1.0])),
    Case("prod_dim", lambda m, x: m.prod(x, 1), ((3, 4),), away_from_zero),
    Case("prod_dim_zeros", lambda m, x: x.prod(-1, keepdim=True),
         values=fixed([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]])),
    Case("prod_0d", lambda m, x: x.prod(0), ((),)),
    Case("max", lambda m, x: x.max(), ((3, 4),), distinct),
    Case("min", lambda m, x: m.min(x), ((3, 4),), distinct),
    Case("max_ties", lambda m, x: x.max(), values=fixed([[1.0, 3.0, 3.0], [0.0, 3.0, 1.0]]),
         numeric=False),
    Case("min_ties", lambda m, x: x.min(), values=fixed([[1.0, 3.0, 1.0], [1.0, 3.0, 2.0]]),
         numeric=False),
    Case("max_dim", lambda m, x: x.max(1), ((3, 4),), distinct),
    Case("max_dim_keep", lambda m, x: m.max(x, 0, True), ((3, 4),), distinct),
    Case("max_dim_ties", lambda m, x: x.max(dim=1), values=fixed([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]]),
         numeric=False),
    Case("min_dim", lambda m, x: x.min(-1), ((2, 3, 4),), distinct),
    Case("max_0d", lambda m, x: x.max(0), ((),)),
    Case("max_binary", lambda m, a, b: m.max(a, b), ((2, 3), (3,)), distinct),
    Case("min_binary", lambda m, a, b: a.min(b), ((2, 3), (2, 3)), distinct),
    Case("amax", lambda m, x: x.amax(1), ((3, 4),), distinct),
    Case("amax_all", lambda m, x: m.amax(x), ((3, 4),), distinct),
    Case("amin_tuple_keep", lambda m, x: m.amin(x, (0, 2), keepdim=True), ((2, 3, 2),), distinct),
    Case("amax_ties", lambda m, x: x.amax(1), values=fixed([[1.0, 3.0, 3.0], [0.0, 3.0, 1.0]]),
         numeric=False),
    Case("var", lambda m, x: x.var(), ((3, 4),)),
    Case("var_dim_c0", lambda m, x: x.var(1, correction=0), ((3, 4),)),
    Case("var_unbiased_keep", lambda m, x: m.var(x, (0, 1), False, True), ((2, 3, 2),)),
    Case("std", lambda m, x: x.std(), ((3, 4),)),
    Case("std_dim_keep", lambda m, x: m.std(x, 0, keepdim=True), ((3, 4),)),
    Case("std_constant_row", lambda m, x: x.std(1), values=fixed([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]),
         numeric=False),
    Case("norm", lambda m, x: x.norm(), ((3, 4),)),
    Case("norm_p1", lambda m, x: x.norm(p=1), ((3, 4),), away_from_zero),
    Case("norm_inf", lambda m, x: m.norm(x, float("inf")), ((3, 4),), distinct),
    Case("norm_inf_ties", lambda m, x: x.norm(p=float("inf")), values=fixed([-3.0, 3.0, 1.0]),
         numeric=False),
    Case("norm_dim_keep", lambda m, x: x.norm(dim=1, keepdim=True), ((3, 4),)),
    Case("norm_p3_dim", lambda m, x: x.norm(3, -1), ((3, 4),), away_from_zero),
    Case("norm_p_half", lambda m, x: x.norm(p=0.5), ((5,),), away_from_zero),
    Case("norm_zero_rows", lambda m, x: x.norm(dim=1), values=fixed([[0.0, 0.0], [3.0, 4.0]]),
         numeric=False),
    Case("logsumexp", lambda m, x: x.logsumexp(1), ((3, 4),)),
    Case("logsumexp_tuple_keep", lambda m, x: m.logsumexp(x, (0, -1), keepdim=True), ((2, 3, 2),)),
    Case("logsumexp_huge", lambda m, x: x.logsumexp(0), values=fixed([1000.0, 1000.0, 999.0]),
         numeric=False),
    Case("softmax", lambda m, x: x.softmax(1), ((3, 4),)),
    Case("softmax_dim0", lambda m, x: m.softmax(x, 0), ((3, 4),)),
    Case("softmax_huge", lambda m, x: x.softmax(-1), values=fixed([[1000.0, 1.0, -1000.0]]),
         numeric=False),
    Case("log_softmax", lambda m, x: m.log_softmax(x, -1), ((3, 4),)),
    Case("cumsum", lambda m, x: x.cumsum(1), ((3, 4),)),
    Case("cumsum_neg", lambda m, x: m.cumsum(x, -3), ((2, 3, 2),)),
    Case("cumsum_0d", lambda m, x: x.cumsum(0), ((),)),
]

LINALG = [
    Case("dot", lambda m, a, b: m.dot(a, b), ((4,), (4,))),
    Case("mv", lambda m, a, b: a.mv(b), ((3, 4), (4,))),
    Case("mm", lambda m, a, b: m.mm(a, b), ((3, 4), (4, 2))),
    Case("mm_transposed", lambda m, a, b: a.t().mm(b), ((4, 3), (4, 2))),
    Case("mm_one_side", lambda m, a, b: m.mm(a, b), ((3, 4), (4, 2)), requires=(True, False)),
    Case("bmm", lambda m, a, b: m.bmm(a, b), ((2, 3, 4), (2, 4, 2))),
    Case("outer", lambda m, a, b: m.outer(a, b), ((3,), (4,))),
    Case("ger", lambda m, a, b: a.ger(b), ((3,), (2,))),
    Case("addmm_bias", lambda m, b, x, w: m.addmm(b, x, w.t()), ((2,), (4, 3), (2, 3))),
    Case("addmm_alpha_beta", lambda m, c, x, y: m.addmm(c, x, y, beta=0.5, alpha=2.0),
         ((3, 2), (3, 4), (4, 2))),
    Case("addmm_method", lambda m, c, x, y: c.addmm(x, y), ((1, 2), (3, 4), (4, 2))),
    Case("matmul_1_1", lambda m, a, b: a @ b, ((3,), (3,))),
    Case("matmul_2_1", lambda m, a, b: m.matmul(a, b), ((2, 3), (3,))),
    Case("matmul_1_2", lambda m, a, b: a @ b, ((3,), (3, 4))),
    Case("matmul_2_2", lambda m, a, b: a.matmul(b), ((2, 3), (3, 4))),
    Case("matmul_3_2", lambda m, a, b: a @ b, ((5, 2, 3), (3, 4))),
    Case("matmul_3_1", lambda m, a, b: a @ b, ((5, 2, 3), (3,))),
    Case("matmul_1_3", lambda m, a, b: a @ b, ((3,), (5, 3, 4))),
    Case("matmul_2_3", lambda m, a, b: a @ b, ((2, 3), (5, 3, 4))),
    Case("matmul_2_3_rhs_only", lambda m, a, b: a @ b, ((2, 3), (5, 3, 4)), requires=(False, True)),
    Case("matmul_3_3", lambda m, a, b: a @ b, ((5, 2, 3), (5, 3, 4))),
    Case("matmul_3_3_batch1", lambda m, a, b: a @ b, ((5, 2, 3), (1, 3, 4))),
    Case("matmul_3_3_batch1_lhs", lambda m, a, b: a @ b, ((1, 2, 3), (4, 3, 2))),
    Case("matmul_4_3_broadcast", lambda m, a, b: a @ b, ((2, 1, 2, 3), (5, 3, 4))),
    Case("matmul_3_4_broadcast", lambda m, a, b: a @ b, ((5, 2, 3), (2, 1, 3, 4))),
    Case("matmul_noncontig_lhs", lambda m, a, b: a.transpose(0, 1) @ b, ((2, 5, 3), (3, 4)),
         requires=(True, False)),
    Case("rmatmul", lambda m, a, b: b.__rmatmul__(a), ((2, 3), (3, 4))),
]

CASES = REDUCE + LINALG
IDS = [c.name for c in CASES]


def make_arrays(case: Case, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if isinstance(case.values, fixed):
        return [a.copy() for a in case.values.arrays]
    return [np.asarray(case.values(rng, s), dtype=np.float64) for s in case.shapes]


def leaves(m: Any, arrays: list, dtype: str, case: Case) -> list:
    req = case.requires or (True,) * len(arrays)
    return [m.tensor(a, dtype=getattr(m, dtype), requires_grad=r) for a, r in zip(arrays, req)]


def tree(node: Any) -> Any:
    """The graph below a node as nested (name, children) -- comparable across libraries."""
    if node is None:
        return None
    return (type(node).__name__, tuple((tree(n), i) for n, i in node.next_functions))


def as_np(t: Any) -> np.ndarray | None:
    return None if t is None else np.asarray(t.detach().tolist(), dtype=np.float64)


# ---------------------------------------------------------------------------
# parity with PyTorch
# ---------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case: Case, dtype: str, torch) -> None:
    arrays = make_arrays(case, 1)
    ours, theirs = leaves(anb, arrays, dtype, case), leaves(torch, arrays, dtype, case)
    out, ref = case.fn(anb, *ours), case.fn(torch, *theirs)
    assert type(out).__name__ == type(ref).__name__
    o, r = _val(out), _val(ref)
    assert tuple(o.shape) == tuple(r.shape)
    assert str(o.dtype) == str(r.dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(as_np(o), as_np(r), rtol=rtol, atol=rtol)
    if isinstance(ref, tuple):                                     # (values, indices)
        assert out.indices.tolist() == ref.indices.tolist()
        assert out.indices.dtype == anb.int64 and not out.indices.requires_grad
    assert tree(o.grad_fn) == tree(r.grad_fn)
    upstream = np.random.default_rng(2).standard_normal(tuple(r.shape))
    o.backward(anb.tensor(upstream, dtype=getattr(anb, dtype)))
    r.backward(torch.tensor(upstream, dtype=getattr(torch, dtype)))
    for a, b in zip(ours, theirs):
        ga, gb = as_np(a.grad), as_np(b.grad)
        assert (ga is None) == (gb is None)
        if ga is not None:
            assert a.grad.dtype == a.dtype
            np.testing.assert_allclose(ga, gb, rtol=rtol * 10, atol=rtol * 10)


# ---------------------------------------------------------------------------
# central finite differences (float64; no PyTorch needed)
# ---------------------------------------------------------------------------

# one implementation of central differences for the whole suite (float64, every element)
from test_catalog_gradients import numerical_gradient  # noqa: E402


@pytest.mark.parametrize("case", [c for c in CASES if c.numeric],
                         ids=[c.name for c in CASES if c.numeric])
def test_gradients_match_finite_differences(case: Case) -> None:
    arrays = make_arrays(case, 3)
    xs = [anb.tensor(a, dtype=anb.float64, requires_grad=True) for a in arrays]
    out = _val(case.fn(anb, *xs))
    u = np.random.default_rng(4).standard_normal(tuple(out.shape))
    grads = anb.autograd.grad(out, xs, anb.tensor(u), allow_unused=True)
    for got, want in zip(grads, numerical_gradient(lambda *t: case.fn(anb, *t), arrays, [u])):
        got = np.zeros_like(want) if got is None else got.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# second derivatives
# ---------------------------------------------------------------------------

TWICE = ["prod", "prod_one_zero", "prod_two_zeros", "prod_dim_zeros", "max", "max_dim", "amax",
         "var_dim_c0", "std", "norm", "norm_p3_dim", "logsumexp", "softmax", "log_softmax",
         "cumsum", "mm", "mv", "dot", "bmm", "addmm_bias", "matmul_1_2", "matmul_3_2",
         "matmul_2_3", "matmul_4_3_broadcast"]
TWICE_CASES = [c for c in CASES if c.name in TWICE]


def first_grads(m: Any, case: Case, xs: list, u: Any) -> tuple:
    out = _val(case.fn(m, *xs))
    return m.autograd.grad(out, xs, u, create_graph=True, allow_unused=True)


def hvp(m: Any, case: Case, arrays: list, u: np.ndarray, w: list) -> list[np.ndarray]:
    """d/dx <grad(<f, u>, x), w>, with module ``m``."""
    xs = [m.tensor(a, dtype=m.float64, requires_grad=True) for a in arrays]
    gs = first_grads(m, case, xs, m.tensor(u))
    total = sum((g * m.tensor(wi)).sum() for g, wi in zip(gs, w) if g is not None)
    if not getattr(total, "requires_grad", False):
        return [np.zeros_like(a) for a in arrays]
    out = m.autograd.grad(total, xs, allow_unused=True)
    return [np.zeros_like(a) if g is None else as_np(g) for g, a in zip(out, arrays)]


@pytest.mark.parametrize("case", TWICE_CASES, ids=[c.name for c in TWICE_CASES])
def test_second_derivatives_match_finite_differences(case: Case) -> None:
    arrays = make_arrays(case, 5)
    rng = np.random.default_rng(6)
    with anb.no_grad():
        shape = tuple(_val(case.fn(anb, *[anb.tensor(a) for a in arrays])).shape)
    u = rng.standard_normal(shape)
    w = [rng.standard_normal(a.shape) for a in arrays]
    got = hvp(anb, case, arrays, u, w)

    def grads_at(shift: float) -> list[np.ndarray]:
        xs = [anb.tensor(a + shift * wi, dtype=anb.float64, requires_grad=True)
              for a, wi in zip(arrays, w)]
        gs = first_grads(anb, case, xs, anb.tensor(u))
        return [np.zeros_like(a) if g is None else g.detach().numpy() for g, a in zip(gs, arrays)]

    eps = 1e-5
    want = [(p - q) / (2 * eps) for p, q in zip(grads_at(eps), grads_at(-eps))]
    for g, n in zip(got, want):
        np.testing.assert_allclose(g, n, rtol=1e-4, atol=1e-5)


@pytest.mark.torch
@pytest.mark.parametrize("case", TWICE_CASES, ids=[c.name for c in TWICE_CASES])
def test_second_derivatives_match_torch(case: Case, torch) -> None:
    arrays = make_arrays(case, 7)
    rng = np.random.default_rng(8)
    with anb.no_grad():
        shape = tuple(_val(case.fn(anb, *[anb.tensor(a) for a in arrays])).shape)
    u = rng.standard_normal(shape)
    w = [rng.standard_normal(a.shape) for a in arrays]
    for g, r in zip(hvp(anb, case, arrays, u, w), hvp(torch, case, arrays, u, w)):
        np.testing.assert_allclose(g, r, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------
# matmul over broadcast batch shapes (Hypothesis)
# ---------------------------------------------------------------------------


@st.composite
def matmul_shapes(draw):
    ra, rb = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    n, k, p = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 3), min_size=max(ra, rb) - 2, max_size=max(ra, rb) - 2)) \
        if max(ra, rb) > 2 else []
    def batch_for(r):                                  # a suffix of ``batch``, some sizes -> 1
        b = batch[len(batch) - max(r - 2, 0):] if r > 2 else []
        return [1 if draw(st.booleans()) else s for s in b]
    sa = tuple(batch_for(ra)) + ((n, k) if ra > 1 else (k,))
    sb = tuple(batch_for(rb)) + ((k, p) if rb > 1 else (k,))
    return sa, sb, draw(st.sampled_from([(True, True), (True, False), (False, True)]))


@pytest.mark.torch
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=matmul_shapes(), seed=st.integers(0, 2 ** 16))
def test_matmul_broadcast_matches_torch(case, seed) -> None:
    torch = pytest.importorskip("torch")
    sa, sb, req = case
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ours = [anb.tensor(x, dtype=anb.float32, requires_grad=r) for x, r in zip((a, b), req)]
    theirs = [torch.tensor(x, dtype=torch.float32, requires_grad=r) for x, r in zip((a, b), req)]
    out, ref = ours[0] @ ours[1], theirs[0] @ theirs[1]
    assert tuple(out.shape) == tuple(ref.shape) and out.dtype == anb.float32
    np.testing.assert_allclose(as_np(out), as_np(ref), rtol=1e-5, atol=1e-5)
    assert tree(out.grad_fn) == tree(ref.grad_fn)
    u = rng.standard_normal(tuple(ref.shape))
    out.backward(anb.tensor(u, dtype=anb.float32))
    ref.backward(torch.tensor(u, dtype=torch.float32))
    for x, y in zip(ours, theirs):
        if y.grad is None:
            assert x.grad is None
        else:
            np.testing.assert_allclose(as_np(x.grad), as_np(y.grad), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# errors: same type, same first line
# ---------------------------------------------------------------------------


def first_line(fn: Callable, m: Any) -> str:
    try:
        fn(m)
    except Exception as exc:                        # noqa: BLE001 - compared below
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return "no error"


def _x(m):
    return m.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 6.0]], requires_grad=True)


def _i(m):
    return m.tensor([[1, 2, 3], [4, 0, 6]])


F = lambda m, *s: m.ones(*s)                                       # noqa: E731
D = lambda m, *s: m.ones(*s, dtype=m.float64)                      # noqa: E731
L = lambda m, *s: m.ones(*s, dtype=m.int64)                        # noqa: E731
BO = lambda m, *s: m.ones(*s, dtype=m.bool)                        # noqa: E731

ERRORS = {
    "sum_dim_range": lambda m: _x(m).sum(5),
    "prod_dim_range": lambda m: _x(m).prod(-3),
    "max_dim_range": lambda m: _x(m).max(5),
    "amax_dim_range": lambda m: _x(m).amax(5),
    "argmax_dim_range": lambda m: _x(m).argmax(5),
    "var_dim_range": lambda m: _x(m).var(5),
    "norm_dim_range": lambda m: _x(m).norm(dim=5),
    "logsumexp_dim_range": lambda m: _x(m).logsumexp(5),
    "softmax_dim_range": lambda m: _x(m).softmax(5),
    "cumsum_dim_range": lambda m: _x(m).cumsum(5),
    "sum_dup_dims": lambda m: _x(m).sum((0, -2)),
    "amax_dup_dims": lambda m: _x(m).amax((1, 1)),
    "var_dup_dims": lambda m: _x(m).var((0, 0)),
    "mean_int": lambda m: _i(m).mean(),
    "mean_bool": lambda m: m.tensor([True, False]).mean(),
    "var_int": lambda m: _i(m).var(),
    "std_int": lambda m: _i(m).std(1),
    "norm_int": lambda m: _i(m).norm(),
    "norm_nuc_like": lambda m: _x(m).norm(p="abc"),
    "norm_fro_3dims": lambda m: m.ones(2, 2, 2).norm(p="fro", dim=(0, 1, 2)),
    "norm_inf_empty": lambda m: m.zeros(0, 3).norm(p=float("inf")),
    "softmax_int_last": lambda m: _i(m).softmax(1),
    "softmax_int_first": lambda m: _i(m).softmax(0),
    "log_softmax_int": lambda m: _i(m).log_softmax(-1),
    "softmax_no_dim": lambda m: m.softmax(_x(m)),
    "log_softmax_no_dim": lambda m: _x(m).log_softmax(),
    "logsumexp_no_dim": lambda m: m.logsumexp(_x(m)),
    "cumsum_no_dim": lambda m: _x(m).cumsum(),
    "prod_tuple": lambda m: _x(m).prod((0, 1)),
    "max_float_arg": lambda m: _x(m).max(2.0),
    "max_empty": lambda m: m.zeros(0).max(),
    "min_empty_dim": lambda m: m.zeros(0, 3).min(0),
    "amax_empty": lambda m: m.zeros(0).amax(),
    "amax_empty_dim": lambda m: m.zeros(0, 3).amax(0),
    "argmax_empty": lambda m: m.zeros(0).argmax(),
    "argmax_empty_dim": lambda m: m.zeros(0, 3).argmax(0),
    "argmax_bool": lambda m: m.tensor([True, False]).argmax(),
    "mm_shapes": lambda m: F(m, 2, 3) @ F(m, 4, 5),
    "mm_fn_shapes": lambda m: m.mm(F(m, 2, 3), F(m, 4, 5)),
    "mm_not_matrix": lambda m: m.mm(F(m, 3), F(m, 3, 4)),
    "mm_mat2_not_matrix": lambda m: m.mm(F(m, 2, 3), F(m, 3)),
    "mv_size": lambda m: F(m, 2, 3) @ F(m, 4),
    "mv_ranks": lambda m: m.mv(F(m, 2, 3), F(m, 2, 3)),
    "dot_size": lambda m: F(m, 3) @ F(m, 4),
    "dot_ranks": lambda m: m.dot(F(m, 2, 3), F(m, 3)),
    "matmul_0d_1d": lambda m: m.tensor(2.0) @ F(m, 3),
    "matmul_1d_0d": lambda m: F(m, 3) @ m.tensor(2.0),
    "matmul_float_double": lambda m: F(m, 2, 3) @ D(m, 3, 4),
    "matmul_double_float": lambda m: D(m, 2, 3) @ F(m, 3, 4),
    "matmul_float_long": lambda m: F(m, 2, 3) @ L(m, 3, 4),
    "matmul_float_half": lambda m: F(m, 2, 3) @ m.ones(3, 4, dtype=m.float16),
    "matmul_vec_dtype": lambda m: F(m, 3) @ D(m, 3),
    "matmul_mv_dtype": lambda m: F(m, 2, 3) @ D(m, 3),
    "matmul_fold_dtype": lambda m: F(m, 5, 2, 3) @ D(m, 3, 4),
    "matmul_bmm_dtype": lambda m: F(m, 5, 2, 3) @ D(m, 5, 3, 4),
    "matmul_batch_mismatch": lambda m: F(m, 5, 2, 3) @ F(m, 4, 3, 4),
    "matmul_batch_inner": lambda m: F(m, 5, 2, 3) @ F(m, 5, 4, 4),
    "matmul_fold_inner": lambda m: F(m, 5, 2, 3) @ F(m, 4),
    "matmul_bool": lambda m: BO(m, 2, 3) @ BO(m, 3, 4),
    "dot_bool": lambda m: BO(m, 3) @ BO(m, 3),
    "mv_bool": lambda m: BO(m, 2, 3) @ BO(m, 3),
    "bmm_bool": lambda m: m.bmm(BO(m, 2, 2, 3), BO(m, 2, 3, 4)),
    "matmul_list": lambda m: m.matmul(F(m, 2, 3), [1.0, 2.0, 3.0]),
    "matmul_list_first": lambda m: m.matmul([1.0, 2.0], F(m, 2, 3)),
    "matmul_op_number": lambda m: F(m, 2, 3) @ 3,
    "rmatmul_op_list": lambda m: [[1.0, 2.0]] @ F(m, 2, 3),
    "mm_number": lambda m: m.mm(F(m, 2, 3), 3),
    "dot_number": lambda m: m.dot(F(m, 3), 2),
    "bmm_ranks": lambda m: m.bmm(F(m, 2, 3), F(m, 3, 4)),
    "bmm_ranks2": lambda m: m.bmm(F(m, 5, 2, 3), F(m, 3, 4)),
    "bmm_shapes": lambda m: m.bmm(F(m, 5, 2, 3), F(m, 4, 3, 4)),
    "outer_ranks": lambda m: m.outer(F(m, 2, 3), F(m, 3)),
    "outer_ranks2": lambda m: m.outer(F(m, 3), F(m, 2, 2)),
    "addmm_bias_shape": lambda m: m.addmm(F(m, 3), F(m, 2, 3), F(m, 3, 4)),
    "addmm_shapes": lambda m: m.addmm(F(m, 2, 4), F(m, 2, 3), F(m, 4, 4)),
    "addmm_rank": lambda m: m.addmm(F(m, 4), F(m, 3), F(m, 3, 4)),
    "addmm_self_dtype": lambda m: m.addmm(D(m, 4), F(m, 2, 3), F(m, 3, 4)),
    "addmm_mat1_dtype": lambda m: m.addmm(F(m, 4), D(m, 2, 3), F(m, 3, 4)),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name: str, torch) -> None:
    fn = ERRORS[name]
    want = first_line(fn, torch)
    assert want != "no error"
    assert first_line(fn, anb) == want


def test_dimension_out_of_range_message() -> None:
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 5\)$"):
        _x(anb).sum(5)


# ---------------------------------------------------------------------------
# saved attributes, printing, dtypes, modes
# ---------------------------------------------------------------------------

SAVED = {
    "sum_dim": (lambda m, x: x.sum(-1), ["dim", "keepdim", "self_sym_sizes"]),
    "sum_tuple": (lambda m, x: x.sum((1, 0)), ["dim"]),
    "mean_dim": (lambda m, x: x.mean(1, True), ["dim", "keepdim", "self_sym_numel", "self_sym_sizes"]),
    "prod": (lambda m, x: x.prod(), ["self", "result"]),
    "prod_dim": (lambda m, x: x.prod(-1), ["dim", "keepdim", "self", "result"]),
    "max": (lambda m, x: x.max(), ["self", "result"]),
    "max_dim": (lambda m, x: x.max(1, True)[0], ["dim", "keepdim", "indices", "self_sym_sizes"]),
    "min_dim": (lambda m, x: x.min(-1).values, ["dim", "indices"]),
    "amax": (lambda m, x: x.amax(), ["dim", "keepdim", "self", "result"]),
    "amin_dim": (lambda m, x: x.amin(-1), ["dim", "result"]),
    "var": (lambda m, x: x.var(), ["dim", "keepdim", "correction", "self"]),
    "var_dim": (lambda m, x: x.var(-1, keepdim=True), ["dim", "keepdim", "correction"]),
    "var_unbiased": (lambda m, x: x.var(unbiased=False), ["correction"]),
    "var_dim_none": (lambda m, x: x.var(None), ["dim", "correction"]),
    "var_correction": (lambda m, x: x.var(correction=1.5), ["correction"]),
    "std_dim": (lambda m, x: m.std(x, 1, True, True), ["dim", "keepdim", "correction", "result"]),
    "norm": (lambda m, x: x.norm(), ["dim", "keepdim", "ord", "result"]),
    "norm_dim": (lambda m, x: x.norm(1.5, -1), ["dim", "ord"]),
    "norm_inf": (lambda m, x: x.norm(float("inf"), (0, 1)), ["dim", "ord"]),
    "logsumexp": (lambda m, x: x.logsumexp(-1), ["dim", "keepdim", "self", "result"]),
    "softmax": (lambda m, x: x.softmax(-1), ["dim", "result"]),
    "log_softmax": (lambda m, x: x.log_softmax(0), ["dim", "result"]),
    "cumsum": (lambda m, x: x.cumsum(-2), ["dim"]),
    "mm": (lambda m, x: x @ x.t(), ["self", "mat2", "self_sym_sizes", "self_sym_strides",
                                    "mat2_sym_sizes", "mat2_sym_strides"]),
    "mv": (lambda m, x: x @ x[0], ["self", "vec"]),
    "dot": (lambda m, x: x[0] @ x[1], ["self", "tensor"]),
    "bmm": (lambda m, x: m.bmm(x.unsqueeze(0), x.t().unsqueeze(0)), ["self", "mat2"]),
    "addmm": (lambda m, x: m.addmm(x[0], x.t(), x, beta=2, alpha=0.5),
              ["alpha", "beta", "mat1", "mat2", "mat1_sym_sizes", "mat1_sym_strides",
               "mat2_sym_sizes", "mat2_sym_strides"]),
    "outer": (lambda m, x: m.outer(x[0], x[1]), ["self", "other"]),
    "matmul_1_2": (lambda m, x: x[0] @ x.t(), ["dim", "self_sym_sizes"]),
    "matmul_fold": (lambda m, x: x.unsqueeze(0).expand(2, 2, 3).contiguous() @ x.t(),
                    ["self_sym_sizes"]),
}


def _same(mine: Any, want: Any) -> bool:
    """Saved values agree: tensors by value (float tolerance), everything else exactly."""
    if hasattr(want, "tolist"):
        return hasattr(mine, "tolist") and tuple(mine.shape) == tuple(want.shape) and \
            str(mine.dtype) == str(want.dtype) and np.allclose(mine.tolist(), want.tolist())
    return type(mine) is type(want) and mine == want


@pytest.mark.torch
@pytest.mark.parametrize("name", list(SAVED))
def test_saved_attributes_match_torch(name: str, torch) -> None:
    fn, attrs = SAVED[name]
    out, ref = fn(anb, _x(anb)), fn(torch, _x(torch))
    for a in attrs:
        mine, want = getattr(out.grad_fn, "_saved_" + a), getattr(ref.grad_fn, "_saved_" + a)
        assert _same(mine, want), (a, mine, want)


@pytest.mark.torch
def test_max_dim_pair_prints_and_unpacks_like_torch(torch) -> None:
    for m in (anb, torch):
        x = _x(m)
        r = x.max(1)
        values, indices = r
        assert values is r.values and indices is r[1]
    assert repr(_x(anb).max(1)) == repr(_x(torch).max(1))
    assert str(_x(anb).min(0, keepdim=True)) == str(_x(torch).min(0, keepdim=True))
    assert isinstance(_x(anb).max(1), anb.return_types.max)
    assert type(_x(anb).min(1)).__name__ == "min"


@pytest.mark.torch
@pytest.mark.parametrize("expr", [
    "i.sum()", "i.prod()", "i.prod(1)", "b.sum()", "b.prod()", "i.max()", "i.max(1)", "b.max()",
    "i.amax(1)", "i.argmax()", "i.argmin(1, keepdim=True)", "x.argmax(None, True)", "i.cumsum(1)",
    "b.cumsum(0)", "i.to(torch.int32).sum()", "i.to(torch.int32).cumsum(0)",
    "i.to(torch.int8).prod()", "i.logsumexp(1)", "i.softmax(1, dtype=torch.float32)",
    "i.sum(dtype=torch.float32)", "x.sum(dtype=torch.float64)", "x.prod(1, dtype=torch.float64)",
    "x.cumsum(1, dtype=torch.float64)", "x.mean(dtype=torch.float64)", "i.mean(1, dtype=torch.float64)",
    "x.norm(dtype=torch.float64)", "x.softmax(0, torch.float64)", "x.norm(p=0)", "x.norm(p=-1)",
    "x.norm(p=float('-inf'))", "x.half().sum()", "x.half().prod()",
    "i @ i.t()", "i[0] @ i[1]", "i @ i[0]", "i.to(torch.int32) @ i.t().to(torch.int32)",
    "x.half() @ x.t().half()", "x @ x.t()", "x.double() @ x.t().double()",
    "torch.zeros(0, 3).sum(0)", "torch.zeros(0, 3).prod(0)", "torch.zeros(0, 3).logsumexp(0)",
    "torch.zeros(0, 3).norm(dim=0)", "torch.zeros(0, 3).max(1)", "torch.zeros(0, 3).softmax(0)",
    "torch.zeros(2, 0) @ torch.zeros(0, 3)", "torch.tensor(5.).max(0)", "torch.tensor(5.).softmax(0)",
    "torch.tensor([float('nan'), 1.]).max()", "torch.tensor([1., float('nan'), 5.]).max(0)",
    "torch.tensor([[-float('inf'), -float('inf')]]).logsumexp(1)", "torch.tensor([1000., 1.]).softmax(0)",
    "torch.tensor([float('inf'), 1.]).softmax(0)", "torch.tensor([float('inf'), -float('inf')]).log_softmax(0)",
    "torch.tensor([[-float('inf'), -float('inf')], [-float('inf'), 0.]]).log_softmax(1)",
    "torch.tensor([float('inf'), 1.]).logsumexp(0)", "torch.zeros(2, 0).log_softmax(1)",
    "torch.tensor([1., -2., float('nan'), -0.0]).relu()", "torch.tensor(-0.0).relu()",
])
def test_values_and_dtypes_match_torch(expr: str, torch) -> None:
    def run(m):
        env = {"torch": m, "x": _x(m), "i": _i(m), "b": m.tensor([True, False, True])}
        out = eval(expr, env)
        return out
    assert repr(run(anb)) == repr(run(torch))


@pytest.mark.torch
def test_var_with_too_few_elements_warns_like_torch(torch) -> None:
    with pytest.warns(UserWarning, match=r"^var\(\): degrees of freedom is <= 0"):
        out = anb.tensor([5.0]).var()
    assert np.isnan(out.item())
    x = anb.tensor([[3.0, 3.0], [1.0, 2.0]], requires_grad=True)
    x.std(1, correction=0).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [-0.5, 0.5]]    # std 0: gradient taken as 0, as torch


def test_no_graph_under_no_grad_and_indices_never_require_grad() -> None:
    x = anb.randn(3, 4, requires_grad=True)
    w = anb.randn(4, 2, requires_grad=True)
    with anb.no_grad():
        for out in (x.sum(1), x.prod(), x.max(), x.max(0).values, x.norm(), x.softmax(1), x @ w,
                    x.unsqueeze(0) @ w, x.cumsum(0), x.var(), x.logsumexp(0)):
            assert out.grad_fn is None and not out.requires_grad
    r = x.max(1)
    assert r.values.requires_grad and not r.indices.requires_grad and r.indices.grad_fn is None


def test_matmul_keeps_float32() -> None:
    a = anb.randn(5, 2, 3)
    for b in (anb.randn(3), anb.randn(3, 4), anb.randn(5, 3, 4), anb.randn(1, 3, 4)):
        assert (a @ b).dtype == anb.float32
    assert (anb.randn(3) @ anb.randn(3)).dtype == anb.float32


@pytest.mark.parametrize("mode", ["grad", "no_grad", "inference_mode"])
def test_vector_dot_result_is_a_fresh_writable_0d_array(mode: str) -> None:
    # the fast ``a @ b`` path writes numpy's dot into a 0-d array of its own; the
    # result must hold that array (numpy hands back a scalar copy, never the array)
    x = anb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = anb.tensor([4.0, 5.0, 6.0], requires_grad=True)
    ctx = {"grad": anb.enable_grad, "no_grad": anb.no_grad, "inference_mode": anb.inference_mode}[mode]
    with ctx():
        out = x @ y
        fn_out = anb.matmul(x, y)
    for r in (out, fn_out):
        d = r._data
        assert type(d) is np.ndarray and d.shape == () and d.dtype == np.float32
        assert d.base is None and d.flags.writeable and d.flags.owndata
        assert r.item() == 32.0
    assert out._data is not fn_out._data
    if mode == "grad":
        out.backward()
        assert x.grad.tolist() == [4.0, 5.0, 6.0] and y.grad.tolist() == [1.0, 2.0, 3.0]
    else:
        with ctx():
            out.add_(1.0)                            # its own memory: nothing else changes
        assert out.item() == 33.0 and fn_out.item() == 32.0


def test_max_dim_indices_are_saved_and_checked() -> None:
    x = anb.tensor([[1.0, 5.0, 2.0]], requires_grad=True)
    values, indices = x.max(1)
    indices.zero_()                                   # the node saved these very indices
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


def test_prod_gradient_with_zeros_is_exact_in_first_order() -> None:
    x = anb.tensor([[2.0, 0.0, 3.0, 4.0], [0.0, 1.0, 0.0, 5.0]], requires_grad=True)
    x.prod(1).backward(anb.tensor([1.0, 1.0]))
    assert x.grad.tolist() == [[0.0, 24.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]


def test_softmax_and_logsumexp_do_not_overflow() -> None:
    x = anb.tensor([[1000.0, 0.0], [-1000.0, -1000.0]], requires_grad=True)
    assert x.softmax(1).tolist() == [[1.0, 0.0], [0.5, 0.5]]
    lse = x.logsumexp(1)
    assert np.allclose(lse.tolist(), [1000.0, -1000.0 + np.log(2.0)])
    lse.sum().backward()
    assert np.allclose(x.grad.tolist(), [[1.0, 0.0], [0.5, 0.5]], atol=1e-4)


@pytest.mark.parametrize("values", [[1.0, 2.0, 1.0, 2.0, 0.5], [3.0, float("nan"), 1.0, float("nan"), 3.0],
                                    [2.0, 2.0, 2.0], [-0.0, 0.0, -1.0, float("inf"), float("-inf")]])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_ties_and_nan_order_like_torch(values, descending) -> None:
    # ties keep their original order, NaN is the largest value (PyTorch's cpu sort)
    t = pytest.importorskip("torch")
    mine = anb.tensor(values).sort(descending=descending)
    theirs = t.tensor(values).sort(descending=descending)
    assert mine.indices.tolist() == theirs.indices.tolist()
    np.testing.assert_array_equal(mine.values.numpy(), theirs.values.numpy())
    assert anb.tensor(values).argsort(descending=descending).tolist() == \
        t.tensor(values).argsort(descending=descending).tolist()


def test_sort_of_rows_and_columns_and_bools_like_torch() -> None:
    t = pytest.importorskip("torch")
    data = [[3, 1, 2, 1], [0, 5, 5, 4], [2, 2, 9, 0]]
    for dim in (0, 1, -1):
        for descending in (False, True):
            mine = anb.tensor(data).sort(dim, descending)
            theirs = t.tensor(data).sort(dim, descending)
            assert mine.values.tolist() == theirs.values.tolist()
            assert mine.indices.tolist() == theirs.indices.tolist()
    assert anb.tensor([True, False, True]).sort().indices.tolist() == \
        t.tensor([True, False, True]).sort().indices.tolist()


def test_topk_gradient_reaches_only_the_picked_elements() -> None:
    x = anb.tensor([[0.5, 3.0, -1.0, 2.0], [4.0, 0.0, 1.0, -2.0]], requires_grad=True)
    top = x.topk(2, dim=1)
    assert top.values.tolist() == [[3.0, 2.0], [4.0, 1.0]] and top.indices.tolist() == [[1, 3], [0, 2]]
    (top.values * anb.tensor([[10.0, 20.0], [30.0, 40.0]])).sum().backward()
    assert x.grad.tolist() == [[0.0, 10.0, 0.0, 20.0], [30.0, 0.0, 40.0, 0.0]]
    assert repr(top).startswith("torch.return_types.topk(\nvalues=tensor(")
