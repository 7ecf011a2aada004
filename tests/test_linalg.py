"""``torch.linalg`` beyond the catalog: what one op call with random inputs cannot show.

The catalog (tests/catalog.py, entries ``linalg_*``) checks values, gradients (first and
second order, against finite differences), graphs and errors on random well-conditioned
inputs. Here: singular matrices (det's cofactor gradient), the whole graph of the
composites (``multi_dot``, ``matrix_norm``), saved attributes and their values, the
named results (``.U``, ``.sign``, ...), torch's LinAlgError, and small properties a
learner can check by hand (det of a product, A @ inv(A) = I).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_nb as anb
import autograd_nb.linalg  # noqa: F401  (torch.linalg)

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def both(arr: Any, requires_grad: bool = True) -> tuple[Any, Any]:
    """The same float64 leaf under autograd_nb and torch."""
    a = np.asarray(arr, dtype=np.float64)
    return (anb.tensor(a, dtype=anb.float64, requires_grad=requires_grad),
            torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad))


def graph(t: Any) -> Any:
    """The graph below ``t`` as nested (node name, output number, children)."""
    def walk(fn: Any, nr: int) -> Any:
        if fn is None:
            return None
        return (type(fn).__name__, nr, tuple(walk(n, i) for n, i in fn.next_functions))
    return walk(t.grad_fn, t.output_nr)


def close(a: Any, b: Any, tol: float = 1e-8) -> bool:
    return np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


# ---------------------------------------------------------------------------
# det: the gradient is the cofactor matrix, also where A is singular
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("matrix", [
    [[1.0, 2.0], [2.0, 4.0]],                                  # rank 1: cofactors nonzero
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],       # rank 2
    [[0.0, 0.0], [0.0, 1.0]],                                  # det exactly 0
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]],       # rank 1: cofactors all 0
    [[[2.0, 0.0], [0.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]]],      # a batch, one singular
])
def test_det_gradient_at_a_singular_matrix_is_torchs(matrix):
    """A first backward gives 0 where det(A) = 0 (as PyTorch); with create_graph=True, the
    cofactor matrix (as PyTorch), itself differentiable."""
    a, t = both(matrix)
    anb.linalg.det(a).sum().backward()
    torch.linalg.det(t).sum().backward()
    assert close(a.grad, t.grad, 1e-6)
    (g,) = anb.autograd.grad(anb.linalg.det(a).sum(), a, create_graph=True)
    (tg,) = torch.autograd.grad(torch.linalg.det(t).sum(), t, create_graph=True)
    assert close(g, tg, 1e-6)
    assert np.allclose(g.detach().numpy(), _cofactors(np.asarray(matrix)), atol=1e-6)


def _cofactors(m: np.ndarray) -> np.ndarray:
    """The cofactor matrix by its definition: signed determinants of the minors."""
    out = np.zeros_like(m)
    n = m.shape[-1]
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(m, i, -2), j, -1)
            out[..., i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return out


def test_det_of_product_and_inverse_properties():
    rng = np.random.default_rng(0)
    m1, m2 = rng.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)
    a, b = anb.tensor(m1), anb.tensor(m2)
    L = anb.linalg
    assert np.isclose(L.det(a @ b).item(), L.det(a).item() * L.det(b).item(), rtol=1e-5)
    assert np.allclose((a @ L.inv(a)).numpy(), np.eye(3), atol=1e-5)
    sign, logabs = L.slogdet(a)
    assert np.isclose(sign.item() * np.exp(logabs.item()), L.det(a).item(), rtol=1e-5)


def test_slogdet_of_a_singular_matrix():
    a, t = both([[1.0, 2.0], [2.0, 4.0]])
    mine, ref = anb.linalg.slogdet(a), torch.linalg.slogdet(t)
    assert mine.sign.item() == ref.sign.item() == 0.0
    assert mine.logabsdet.item() == ref.logabsdet.item() == -np.inf


def test_logdet_of_a_negative_determinant_is_nan_and_its_graph_is_torchs():
    a, t = both([[0.0, 1.0], [1.0, 0.0]])
    mine, ref = anb.logdet(a), torch.logdet(t)
    assert np.isnan(mine.item()) and np.isnan(ref.item())
    assert graph(mine) == graph(ref)


# ---------------------------------------------------------------------------
# saved attributes: names and values as torch's
# ---------------------------------------------------------------------------


def _well_conditioned(n: int = 3, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, n)) + n * np.eye(n) * np.array([1, -1, 1])[:n]


def test_det_and_solve_save_the_lu_factorization_torch_saves():
    a, t = both(_well_conditioned())
    cases = []
    for x, tx in ((a, t), (a.mT, t.mT)):           # (of A^T when A is contiguous, as torch)
        cases += [(anb.linalg.det(x), torch.linalg.det(tx)),
                  (anb.linalg.slogdet(x)[1], torch.linalg.slogdet(tx)[1]),
                  (anb.linalg.solve(x, a[:, :1]), torch.linalg.solve(tx, t[:, :1]))]
    for mine, ref in cases:
        assert close(mine.grad_fn._saved_LU, ref.grad_fn._saved_LU)
        assert mine.grad_fn._saved_pivots.tolist() == ref.grad_fn._saved_pivots.tolist()
        assert str(mine.grad_fn._saved_pivots.dtype) == "torch.int32"
        assert close(mine.grad_fn._saved_A, ref.grad_fn._saved_A)


def test_saved_values_read_by_torchs_names():
    a, t = both(_well_conditioned())
    L, TL = anb.linalg, torch.linalg
    assert anb.linalg.solve(a, a, left=False).grad_fn._saved_left is False
    assert close(L.inv(a).grad_fn._saved_inverse, TL.inv(t).grad_fn._saved_inverse)
    u = L.svd(a[:, :2]).U
    assert u.grad_fn._saved_full_matrices is True and u.grad_fn._saved_S_sym_argsize_minus_1 == 2
    assert L.svd(a, full_matrices=False).S.grad_fn._saved_full_matrices is False
    assert L.qr(a).Q.grad_fn._saved_mode == TL.qr(t).Q.grad_fn._saved_mode == "reduced"
    assert L.qr(a, mode="r").R.grad_fn._saved_mode == "r"
    for dim in (-1, 0):
        mine = L.cross(a, a.flip(0), dim=dim).grad_fn._saved_dim
        assert mine == TL.cross(t, t.flip(0), dim=dim).grad_fn._saved_dim
    w = L.eigh(a + a.mT).eigenvalues
    assert close(w.grad_fn._saved_eigenvalues, TL.eigh(t + t.mT).eigenvalues)


# ---------------------------------------------------------------------------
# named results, LinAlgError, odd corners
# ---------------------------------------------------------------------------


def test_named_results_print_as_torchs():
    a, t = both(np.diag([3.0, 2.0]), requires_grad=False)
    for fn in (lambda m: m.linalg.slogdet(a if m is anb else t),
               lambda m: m.linalg.eigh(a if m is anb else t),
               lambda m: m.linalg.svd(a if m is anb else t),
               lambda m: m.svd(a if m is anb else t),
               lambda m: m.linalg.qr(a if m is anb else t)):
        assert repr(fn(anb)) == repr(fn(torch))
    res = anb.linalg.svd(a)
    assert res.U is res[0] and res.S is res[1] and res.Vh is res[2]
    old = anb.svd(a)
    assert old.V is old[2] and old.U is old[0]
    q, r = anb.linalg.qr(a)
    assert anb.linalg.qr(a).Q.shape == q.shape
    assert anb.linalg.eigh(a).eigenvectors.shape == (2, 2)


def test_linalg_error_is_torchs_and_a_runtime_error():
    assert issubclass(anb.linalg.LinAlgError, RuntimeError)
    with pytest.raises(anb.linalg.LinAlgError, match="The diagonal element 2 is zero"):
        anb.linalg.inv(anb.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): The solver failed"):
        anb.linalg.solve(anb.stack([anb.eye(2), anb.ones(2, 2)]), anb.ones(2))
    assert type(anb.linalg.LinAlgError("x")).__name__ == type(torch.linalg.LinAlgError("x")).__name__


def test_qr_mode_r_returns_an_empty_q_and_refuses_backward_as_torch():
    a, t = both(_well_conditioned())
    (q, r), (tq, tr) = anb.linalg.qr(a, mode="r"), torch.linalg.qr(t, mode="r")
    assert tuple(q.shape) == tuple(tq.shape) == (0,)
    with pytest.raises(RuntimeError) as mine:
        r.sum().backward()
    with pytest.raises(RuntimeError) as ref:
        tr.sum().backward()
    assert str(mine.value).splitlines()[0] == str(ref.value).splitlines()[0]


def test_torch_svd_without_uv_returns_zero_matrices():
    a, t = both(np.arange(6.0).reshape(3, 2) + np.eye(3, 2))
    mine, ref = anb.svd(a, compute_uv=False), torch.svd(t, compute_uv=False)
    assert [tuple(x.shape) for x in mine] == [tuple(x.shape) for x in ref]
    assert not mine.U.numpy().any() and not mine.V.detach().numpy().any()
    assert close(mine.S, ref.S) and graph(mine.S) == graph(ref.S)
    mine.S.sum().backward()
    ref.S.sum().backward()
    assert close(a.grad, t.grad)


def test_eigh_reads_one_triangle_only():
    m = np.array([[2.0, 100.0], [1.0, 3.0]])            # upper triangle ignored with UPLO='L'
    for uplo in ("L", "U"):
        a, t = both(m)
        w, tw = anb.linalg.eigvalsh(a, UPLO=uplo), torch.linalg.eigvalsh(t, UPLO=uplo)
        assert close(w, tw)
        w.sum().backward()
        tw.sum().backward()
        assert close(a.grad, t.grad)


def test_cross_without_dim_takes_the_first_dim_of_size_3():
    a, t = both(np.arange(9.0).reshape(3, 3) ** 1.5)
    b, tb = both(np.ones((3, 3)))
    with pytest.warns(UserWarning) if not anb.ops.matrix_functions._WARNED else _nothing():
        mine = anb.cross(a, b)
    assert close(mine, torch.cross(t, tb, dim=0))
    with pytest.raises(RuntimeError, match="no dimension of size 3 in input"):
        anb.cross(anb.ones(2, 2), anb.ones(2, 2))


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


# ---------------------------------------------------------------------------
# graphs of the composites, all the way down
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(3,), (3, 4), (4,)], [(2, 3), (3, 4), (4, 1), (1, 5)],
                                    [(5, 1), (1, 4), (4, 3), (3, 2), (2,)], [(3,), (3,)]])
def test_multi_dot_graph_and_gradients(shapes):
    rng = np.random.default_rng(len(shapes))
    pairs = [both(rng.standard_normal(s)) for s in shapes]
    mine = anb.linalg.multi_dot([p[0] for p in pairs])
    ref = torch.linalg.multi_dot([p[1] for p in pairs])
    assert graph(mine) == graph(ref)
    assert close(mine, ref)
    mine.sum().backward()
    ref.sum().backward()
    assert all(close(p[0].grad, p[1].grad) for p in pairs)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("dim, keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm_graph_matches_torch(ord, dim, keepdim):
    rng = np.random.default_rng(3)
    a, t = both(rng.standard_normal((2, 3, 4)))
    mine = anb.linalg.matrix_norm(a, ord, dim, keepdim)
    ref = torch.linalg.matrix_norm(t, ord, dim, keepdim)
    assert graph(mine) == graph(ref)
    assert close(mine, ref, 1e-7)
    mine.sum().backward()
    ref.sum().backward()
    assert close(a.grad, t.grad, 1e-7)


@pytest.mark.parametrize("n", [-3, -2, -1, 0, 1, 2, 3, 4, 7])
def test_matrix_power_graph_matches_torch(n):
    a, t = both(_well_conditioned())
    assert graph(anb.linalg.matrix_power(a, n)) == graph(torch.linalg.matrix_power(t, n))


def test_norm_without_dim_or_ord_is_the_2_norm_of_all_entries():
    a, t = both(np.arange(24.0).reshape(2, 3, 4))
    assert close(anb.linalg.norm(a), torch.linalg.norm(t))
    assert graph(anb.linalg.norm(a)) == graph(torch.linalg.norm(t))


# ---------------------------------------------------------------------------
# second derivatives against torch's (the catalog checks them against finite differences)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, fn", [
    ("det", lambda m, x: m.linalg.det(x)),
    ("slogdet", lambda m, x: m.linalg.slogdet(x)[1]),
    ("inv", lambda m, x: m.linalg.inv(x).sin().sum()),
    ("solve", lambda m, x: m.linalg.solve(x, x[..., :1].exp()).sum()),
    ("svdvals", lambda m, x: m.linalg.svdvals(x).pow(3).sum()),
    ("eigvalsh", lambda m, x: m.linalg.eigvalsh(x + x.mT).pow(3).sum()),
])
def test_hessian_vector_products_match_torch(name, fn):
    a, t = both(_well_conditioned(seed=5))
    v = np.random.default_rng(6).standard_normal((3, 3))
    out = []
    for m, x in ((anb, a), (torch, t)):
        (g,) = m.autograd.grad(fn(m, x), x, create_graph=True)
        (h,) = m.autograd.grad((g * m.tensor(v)).sum(), x)
        out.append(h.detach().numpy())
    assert np.allclose(out[0], out[1], rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------
# refusals PyTorch makes for dtypes, and corners of the deprecated functions
# ---------------------------------------------------------------------------

_DTYPE_CALLS = {
    "det": lambda m, x: m.linalg.det(x), "slogdet": lambda m, x: m.linalg.slogdet(x),
    "logdet": lambda m, x: m.logdet(x), "inv": lambda m, x: m.linalg.inv(x),
    "solve": lambda m, x: m.linalg.solve(x, x), "eigh": lambda m, x: m.linalg.eigh(x),
    "eigvalsh": lambda m, x: m.linalg.eigvalsh(x), "svd": lambda m, x: m.linalg.svd(x),
    "svdvals": lambda m, x: m.linalg.svdvals(x), "torch.svd": lambda m, x: m.svd(x),
    "qr": lambda m, x: m.linalg.qr(x), "matrix_power_inverse": lambda m, x: m.linalg.matrix_power(x, -1),
    "nuc": lambda m, x: m.linalg.matrix_norm(x, "nuc"), "matrix_norm_2": lambda m, x: m.linalg.matrix_norm(x, 2),
    "logdet_shape": lambda m, x: m.logdet(x[:1]), "cross_dtypes": lambda m, x: m.linalg.cross(
        m.ones(3, dtype=x.dtype), m.ones(3, dtype=m.float32 if x.dtype == m.float64 else m.float64)),
}


def _error_line(fn: Any) -> str | None:
    try:
        fn()
    except Exception as exc:                       # noqa: BLE001 - compared with torch
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@pytest.mark.parametrize("dtype", ["float16", "int64", "bool", "float64"])
@pytest.mark.parametrize("name", sorted(_DTYPE_CALLS))
def test_dtype_refusals_match_torch(name, dtype):
    call = _DTYPE_CALLS[name]
    data = np.eye(2) * 2 + 1
    mine = _error_line(lambda: call(anb, anb.tensor(data, dtype=getattr(anb, dtype))))
    ref = _error_line(lambda: call(torch, torch.tensor(data, dtype=getattr(torch, dtype))))
    assert mine == ref


def test_slogdet_gradient_at_a_singular_matrix_is_infinite_as_torchs():
    a, t = both([[1.0, 2.0], [2.0, 4.0]])
    anb.linalg.slogdet(a).logabsdet.backward()
    torch.linalg.slogdet(t).logabsdet.backward()
    assert a.grad.tolist() == t.grad.tolist()                # +-inf with the same signs


def test_deprecated_qr_and_method_forms():
    a, t = both(_well_conditioned())
    with pytest.warns(UserWarning, match="torch.qr is deprecated") if not anb.ops.decompositions._QR_WARNED \
            else _nothing():
        mine = anb.qr(a)
    ref = torch.qr(t)
    assert type(mine).__name__ == type(ref).__name__ == "qr"
    assert close(mine.Q @ mine.R, ref.Q @ ref.R) and close(mine.R.abs(), ref.R.abs())
    assert graph(a.qr().R) == graph(t.qr().R)
    assert repr(anb.eye(2).slogdet()).startswith("torch.return_types.slogdet(")
    assert close(a.slogdet().logabsdet, t.slogdet().logabsdet) and close(a.logdet(), t.logdet(), 1e-7) \
        or np.isnan(t.logdet().item())


@pytest.mark.parametrize("kwargs", [{}, {"atol": 1.5}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 0.9},
                                    {"hermitian": True}])
def test_matrix_rank_thresholds_match_torch(kwargs):
    data = np.diag([4.0, 2.0, 1.0, 1e-20]) + np.eye(4, k=1) * 1e-3
    data = data + data.T
    for batch in (data, np.stack([data, np.eye(4)])):
        mine = anb.linalg.matrix_rank(anb.tensor(batch), **kwargs)
        ref = torch.linalg.matrix_rank(torch.tensor(batch), **kwargs)
        assert mine.tolist() == ref.tolist() and str(mine.dtype) == str(ref.dtype)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf])
def test_cond_of_singular_and_regular_matrices(p):
    data = np.stack([np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([[2.0, 1.0], [0.5, 3.0]])])
    mine, ref = anb.linalg.cond(anb.tensor(data), p), torch.linalg.cond(torch.tensor(data), p)
    assert mine[1].item() == pytest.approx(ref[1].item(), rel=1e-9)
    assert (mine[0].item() > 1e15) == (ref[0].item() > 1e15)          # inf, or huge from rounding


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (2, 3, 3)])
@pytest.mark.parametrize("kwargs", [{}, {"hermitian": True}, {"atol": 0.5}, {"rtol": 0.3}])
def test_pinv_values_and_gradients_match_torch(shape, kwargs):
    rng = np.random.default_rng(sum(shape))
    data = rng.standard_normal(shape)
    if kwargs.get("hermitian"):
        if shape[-1] != shape[-2]:
            return
        data = data + np.swapaxes(data, -1, -2)
    a, t = both(data)
    up = rng.standard_normal(shape[:-2] + (shape[-1], shape[-2]))
    mine, ref = anb.linalg.pinv(a, **kwargs), torch.linalg.pinv(t, **kwargs)
    assert close(mine, ref) and graph(mine) == graph(ref)
    (mine * anb.tensor(up)).sum().backward()
    (ref * torch.tensor(up)).sum().backward()
    assert close(a.grad, t.grad, 1e-7)


def test_solve_triangular_with_a_zero_pivot_gives_inf_and_nan_as_torch():
    for m in ([[0.0, 0.0], [0.0, 0.0]], [[2.0, 1.0], [0.0, 0.0]]):
        mine = anb.linalg.solve_triangular(anb.tensor(m), anb.ones(2, 2), upper=True)
        ref = torch.linalg.solve_triangular(torch.tensor(m), torch.ones(2, 2), upper=True)
        assert np.array_equal(mine.numpy(), ref.numpy(), equal_nan=True)


def test_solve_triangular_reads_one_triangle_and_computes_in_as_dtype():
    data = np.array([[2.0, 5.0], [7.0, 3.0]])                 # 7 ignored (upper), 5 ignored (lower)
    for upper in (True, False):
        for unit in (False, True):
            a, t = both(data)
            mine = anb.linalg.solve_triangular(a, anb.tensor([[1.0], [2.0]], dtype=anb.float32), upper=upper,
                                               unitriangular=unit)
            ref = torch.linalg.solve_triangular(t, torch.tensor([[1.0], [2.0]]), upper=upper, unitriangular=unit)
            assert close(mine, ref) and str(mine.dtype) == str(ref.dtype)
            mine.sum().backward()
            ref.sum().backward()
            assert close(a.grad, t.grad)
