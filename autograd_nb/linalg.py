"""``torch.linalg``: norms, determinants, inverses, solves and decompositions.

The ops with a backward rule of their own live in ``ops/matrix_functions.py`` (``det``,
``slogdet``, ``inv``, ``solve``, ``cross``, ``matrix_power``) and ``ops/decompositions.py``
(``eigh``, ``svd``, ``qr``), forward and rule side by side.
Here are the *composites*, written with those ops exactly as PyTorch writes them, so the
graph a learner prints is PyTorch's:

* ``vector_norm``: ``(sum |x|^ord)^(1/ord)`` (one ``LinalgVectorNormBackward0``);
* ``matrix_norm``: 'fro' is the vector 2-norm of all entries; 'nuc' the sum of the
  singular values; 2 / -2 the largest / smallest singular value; 1 / inf the largest
  column / row sum of absolute values (-1 / -inf: the smallest);
* ``norm``: a vector or a matrix norm, depending on ``ord`` and ``dim``;
* ``multi_dot``: a chain of matrix products in the cheapest order.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import _backend as B
from ._tensor import Tensor
from .ops._matrices import _LinAlgError as LinAlgError, check_matrix
from .ops.decompositions import cholesky, eigh, eigvalsh, linalg_qr as qr, linalg_svd as svd, pinv, svdvals
from .ops.matrix_functions import (inv, linalg_cross as cross, linalg_det as det, linalg_slogdet as slogdet,
                                   matrix_power, solve, solve_triangular)

__all__ = ["vector_norm", "matrix_norm", "norm", "det", "slogdet", "inv", "solve", "eigh", "eigvalsh",
           "svd", "svdvals", "qr", "cholesky", "cross", "matrix_power", "multi_dot", "vecdot", "diagonal",
           "matrix_rank", "cond", "pinv", "solve_triangular", "LinAlgError"]


def vector_norm(input: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """``(sum |x|^ord)^(1/ord)`` over all elements or over ``dim`` (ord inf: max |x|,
    -inf: min |x|, 0: the number of nonzeros)."""
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
                        f"{type(ord).__name__}")
    from .ops.reduce import norm as _norm
    return _norm(input, ord, dim, keepdim, dtype=dtype)


def _shown(ord: Any) -> str:
    return str(int(ord)) if isinstance(ord, float) and math.isfinite(ord) and ord == int(ord) else str(ord)


def matrix_norm(input: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """A norm of each matrix of a stack (``dim``: the two dims that hold the matrices)."""
    A = input
    check_matrix("matrix_norm", A, square=False, floating=False)
    if A._data.dtype.kind != "f":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. "
                           f"Got {B.SCALAR_NAMES[A._data.dtype.name]}")
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + " ".join(str(d) for d in dim))
    nd = A.dim()
    for d in dim:
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                             f"but got {d})")
    d0, d1 = dim[0] % nd, dim[1] % nd
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {_shown(ord)} not supported.")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if dtype is not None:
        A = A.to(dtype)
    if ord == "nuc" or abs(ord) == 2:
        if A._data.dtype == np.float16:
            raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got Half")
        # the singular values of the matrices, moved to the last two dims
        perm = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
        S = svdvals(A.permute(*perm))
        out = S.sum(-1, keepdim) if ord == "nuc" else (S.amax(-1, keepdim) if ord > 0 else S.amin(-1, keepdim))
        if keepdim:
            reverse = sorted(range(nd), key=lambda i: perm[i])
            out = out.unsqueeze(-1).permute(*reverse)
        return out
    # 1 / inf: the absolute values summed over one dim (rows, for inf), then the extreme
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    sums = vector_norm(A, 1, (d0,), keepdim)
    return sums.amax(d1, keepdim) if ord > 0 else sums.amin(d1, keepdim)


def norm(input: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """A vector norm (``dim`` one dim, or all elements) or a matrix norm (``dim`` two dims,
    or a 2-D input with ``ord`` given); ``ord=None`` is the 2-norm / Frobenius norm."""
    A = input
    if dim is not None:
        dim = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is not None and A.dim() not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.dim()}D.")
    if isinstance(ord, str) or ord is not None and (dim is not None and len(dim) == 2 or
                                                    dim is None and A.dim() == 2):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def _chain_order(dims: Sequence[int]) -> list[list[int]]:
    """The classic dynamic programme for a chain of matrix products: ``split[i][j]`` is
    where the cheapest bracketing of matrices i..j splits (matrix i is dims[i] x dims[i+1])."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors: Sequence[Tensor], *, out: Any = None) -> Tensor:
    """``A @ B @ C @ ...`` bracketed so that the fewest multiplications are done; the
    first / last tensor may be a vector (a row / a column). Recorded as ``mm`` nodes and
    one final ``view`` (PyTorch's graph)."""
    from .ops.linalg import mm
    ts = list(tensors)
    n = len(ts)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = ts[0].dim(), ts[-1].dim()
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i in range(1, n - 1):
        if ts[i].dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {ts[i].dim()}D")
    dt = ts[0]._data.dtype
    for i, t in enumerate(ts):
        if t._data.dtype != dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{B.CPP_NAMES[dt.name]} and tensor {i} {B.CPP_NAMES[t._data.dtype.name]}")
    if first == 1:
        ts[0] = ts[0].unsqueeze(0)
    if last == 1:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i in range(n - 1):
        if ts[i].shape[-1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} "
                               f"and {list(tensors[i + 1].shape)} cannot be multiplied")
    if n == 2:
        result = mm(ts[0], ts[1])
    elif n == 3:
        a, b = ts[0].shape
        c, d = ts[2].shape
        result = mm(ts[0], mm(ts[1], ts[2])) if (a * c) * (b + d) > (b * d) * (a + c) \
            else mm(mm(ts[0], ts[1]), ts[2])
    else:
        split = _chain_order([ts[0].shape[0]] + [t.shape[1] for t in ts])

        def product(i: int, j: int) -> Tensor:
            if i == j:
                return ts[i]
            k = split[i][j]
            return mm(product(i, k), product(k + 1, j))
        result = product(0, n - 1)
    shape = ([result.shape[0]] if first == 2 else []) + ([result.shape[1]] if last == 2 else [])
    return result.view(shape)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along ``dim`` (other dims broadcast): ``(x * y).sum(dim)``;
    two 1-D tensors: ``vdot`` (PyTorch's graph)."""
    dx, dy = x._data.dtype, y._data.dtype
    if dx.kind != "f":
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got {B.SCALAR_NAMES[dx.name]}")
    if dx != dy:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{B.SCALAR_NAMES[dx.name]} and y of type {B.SCALAR_NAMES[dy.name]} instead")
    if x.dim() == 1 and y.dim() == 1:
        return x.vdot(y)
    return (x * y).sum(dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of a stack of matrices (a view): ``A.diagonal(offset, -2, -1)``."""
    return A.diagonal(offset, dim1, dim2)


def matrix_rank(input: Tensor, tol: Any = None, hermitian: bool = False, *, atol: Any = None,
                rtol: Any = None) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)`` (default: rtol =
    machine epsilon times max(m, n); ``tol``, the older form: ``atol=tol, rtol=0``); an
    integer, not differentiable."""
    A = input
    if tol is not None:
        atol, rtol = tol, 0.0
    from .autograd.grad_mode import no_grad
    check_matrix("matrix_rank", A, square=hermitian)
    with no_grad():
        S = eigvalsh(A).abs() if hermitian else svdvals(A)
    s = S._data
    xp = B.xp_of(s)
    if atol is None and rtol is None:
        rtol = np.finfo(s.dtype).eps * max(A.shape[-2], A.shape[-1])
    top = s.max(-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    tol = xp.maximum(0.0 if atol is None else _value(atol), (0.0 if rtol is None else _value(rtol)) * top)
    return Tensor._wrap(xp.asarray((s > tol).sum(-1), dtype=np.int64))


def _value(x: Any) -> Any:
    return x._data[..., None] if isinstance(x, Tensor) else x


def cond(input: Tensor, p: Any = None) -> Tensor:
    """The condition number: how much solving with A can magnify relative errors.

    p None or 2: largest / smallest singular value (-2: the inverse ratio); 'nuc': the sum
    of the singular values times the sum of their reciprocals; other p:
    ``matrix_norm(A, p) * matrix_norm(inv(A), p)``, infinite for a singular A (its inverse
    is filled with inf, as PyTorch does; 0 * inf counts as inf).

    For those other p, PyTorch 2.13 fills the inverse *in place*, after its node saved it:
    backward through ``cond`` then fails with the "modified by an inplace operation" error.
    So does it here, on purpose: the same program behaves the same in both.
    """
    A = input
    if p is None or p in (2, -2):
        check_matrix("cond", A, square=False)
        S = svdvals(A)
        big, small = S[..., :1], S[..., -1:]
        return (big / small if p != -2 else small / big).squeeze(-1)
    shown = p if isinstance(p, str) else _shown(float(p))
    check_matrix(f"cond(ord={shown})", A, prefix="linalg.")
    if p == "nuc":                                    # ||A||_* ||A^-1||_* from the singular values
        S = svdvals(A)
        return S.sum(-1) * S.reciprocal().sum(-1)
    from .ops._matrices import lu_factor
    from .ops.compare import where
    singular = lu_factor(A._data)[2] > 0
    flags = Tensor._wrap(singular[..., None, None])
    inverse = inv(where(flags, eye_like(A), A)) if singular.any() else inv(A)
    inverse.masked_fill_(flags, math.inf)             # (in place, as PyTorch: see the docstring)
    inf = math.inf
    return (matrix_norm(A, p) * matrix_norm(inverse, p)).nan_to_num(inf, inf, -inf)


def eye_like(A: Tensor) -> Tensor:
    """Identity matrices shaped like the stack ``A`` (a constant)."""
    xp = B.xp_of(A._data)
    return Tensor._wrap(xp.broadcast_to(xp.eye(A.shape[-1], dtype=A._data.dtype), A._data.shape))
