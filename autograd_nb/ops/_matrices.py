"""What the ``torch.linalg`` ops share: checks of matrix arguments, PyTorch's named
results (``torch.return_types.linalg_svd(U=..., S=..., Vh=...)``), ``LinAlgError`` and
an LU factorization written out (``lu_factor``), which gives PyTorch's messages for
singular matrices and the ``_saved_LU`` / ``_saved_pivots`` its nodes show.

The ops themselves: ``matrix_functions.py`` (det, slogdet, inv, solve, cross,
matrix_power) and ``decompositions.py`` (eigh, svd, qr).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ..autograd.node import save as _save
from ._core import no_kernel


class _LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: the matrix is singular (or the algorithm
    did not converge). A ``RuntimeError``, so ``except RuntimeError`` catches it."""


_LinAlgError.__module__ = "torch._C"


def check_matrix(fn: str, A: Tensor, square: bool = True, floating: bool = True, half: str = "",
                 prefix: str = "linalg.") -> None:
    """PyTorch's refusals for ``A`` as a (stack of) matrices: at least 2-D, square, float.

    ``half`` names the LAPACK kernel PyTorch lacks for float16 (``"lu_cpu"``: a
    NotImplementedError); without it, float16 is refused as a low precision dtype.
    """
    d = A._data
    if d.ndim < 2:
        raise RuntimeError(f"{prefix}{fn}: The input tensor A must have at least 2 dimensions.")
    if square and d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"{prefix}{fn}: A must be batches of square matrices, but they are "
                           f"{d.shape[-2]} by {d.shape[-1]} matrices")
    if not floating:
        return
    if d.dtype.kind != "f":
        raise RuntimeError(f"{prefix}{fn}: Expected a floating point or complex tensor as input. "
                           f"Got {B.SCALAR_NAMES[d.dtype.name]}")
    if d.dtype == np.float16:
        if half:
            raise no_kernel(half, d.dtype)
        raise RuntimeError(f"{prefix}{fn}: Low precision dtypes not supported. Got Half")


def _eye_like(t: Tensor, n: int) -> Tensor:
    """The n x n identity as a constant on ``t``'s device and dtype."""
    xp = B.xp_of(t._data)
    return Tensor._wrap(xp.eye(n, dtype=t._data.dtype))


def lu_factor(a: Any) -> tuple[Any, Any, Any]:
    """Gaussian elimination with partial pivoting, ``P A = L U``, for a stack of matrices.

    Returns ``(LU, pivots, info)`` as LAPACK's ``getrf`` does: ``L`` (unit diagonal,
    not stored) below the diagonal and ``U`` on and above it in one matrix; ``pivots[k]``
    the 1-based row swapped with row ``k`` at step ``k``; ``info`` the 1-based index of
    the first zero pivot (0: the matrix is invertible). Column ``k``: pick the largest
    entry at or below the diagonal, swap it up, subtract multiples of its row below.
    """
    xp = B.xp_of(a)
    n = a.shape[-1]
    lu = a.reshape((-1, n, n)).astype(a.dtype, copy=True)
    batch = lu.shape[0]
    rows = xp.arange(batch)
    piv = xp.zeros((batch, n), dtype=np.int32)
    info = xp.zeros(batch, dtype=np.int64)
    for k in range(n):
        p = k + xp.abs(lu[:, k:, k]).argmax(axis=1)
        piv[:, k] = p + 1
        row_k, row_p = lu[rows, k].copy(), lu[rows, p].copy()
        lu[rows, p], lu[rows, k] = row_k, row_p
        pivot = lu[:, k, k]
        zero = pivot == 0
        info = xp.where((info == 0) & zero, k + 1, info)
        lu[:, k + 1:, k] /= xp.where(zero, 1, pivot)[:, None]      # (a zero pivot: column is 0)
        lu[:, k + 1:, k + 1:] -= lu[:, k + 1:, k, None] * lu[:, k, None, k + 1:]
    shape = a.shape[:-2]
    return lu.reshape(a.shape), piv.reshape(shape + (n,)), info.reshape(shape)


def lu_det(a: Any) -> Any:
    """det(A) from the LU factorization, as PyTorch's det computes it (of A^T for a
    C-contiguous A): the product of U's diagonal, negated for each row swap. For a
    singular A its zero keeps PyTorch's sign (what ``1 / det`` then gives, +inf or -inf)."""
    if a.flags.c_contiguous:
        a = a.swapaxes(-1, -2)
    xp = B.xp_of(a)
    lu, piv, _ = lu_factor(a)
    n = a.shape[-1]
    swaps = (piv != xp.arange(1, n + 1, dtype=piv.dtype)).sum(-1)
    return xp.diagonal(lu, 0, -2, -1).prod(-1) * xp.where(swaps % 2 == 1, -1.0, 1.0).astype(a.dtype)


def _singular_error(a: Any, text: str, where: str = "diagonal") -> _LinAlgError:
    """PyTorch's message for the first singular matrix of a stack (``(Batch element i)``)."""
    _, _, info = lu_factor(a)
    flat = np.asarray(B.to_device(info, B.CPU)).reshape(-1)
    bad = int(np.flatnonzero(flat)[0]) if flat.any() else 0
    k = int(flat[bad]) if flat.any() else a.shape[-1]
    prefix = f"(Batch element {bad}): " if a.ndim > 2 else ""
    if where == "diagonal":
        return _LinAlgError(f"{text}: {prefix}The diagonal element {k} is zero, the inversion could not "
                            "be completed because the input matrix is singular.")
    return _LinAlgError(f"{text}: {prefix}The solver failed because the input matrix is singular.")


class _LUSaved:
    """``_saved_LU`` / ``_saved_pivots`` of the nodes PyTorch computes through an LU
    factorization: numpy's LAPACK call keeps them to itself, so they are recomputed from
    the saved ``A`` when read (``lu_factor``). PyTorch's det and slogdet factor A^T when A
    is contiguous (LAPACK wants column-major data, and det(A^T) = det(A)): so do these."""
    __slots__ = ()
    _lu_of_transpose = True

    def _lu(self, which: int) -> Tensor:
        a = self._saved[0].unpack()._data
        if self._lu_of_transpose and a.flags.c_contiguous:
            a = a.swapaxes(-1, -2)
        return Tensor._wrap(lu_factor(a)[which])

    @property
    def _saved_LU(self) -> Tensor:
        """L (below the diagonal, unit diagonal not stored) and U of A's LU factorization."""
        return self._lu(0)

    @property
    def _saved_pivots(self) -> Tensor:
        """The 1-based row swaps of A's LU factorization (int32, as LAPACK's)."""
        return self._lu(1)


def _save_outputs(outs: Sequence[Tensor], which: Sequence[int]) -> None:
    """Add outputs of a multi-output node to what it saved (after its inputs)."""
    node = next((o._gfn for o in outs if o._gfn is not None), None)
    if node is not None:
        node._saved = node._saved + tuple(_save(outs[i], node, True) for i in which)


def _result_type(kind: str, fields: tuple[str, ...]) -> type:
    """A tuple with named fields printed as PyTorch's ``torch.return_types.<kind>(...)``."""
    def __new__(cls: type, *values: Tensor) -> tuple:
        return tuple.__new__(cls, values)

    def __repr__(self: tuple) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{kind}(\n{body})"

    ns: dict[str, Any] = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "__str__": __repr__,
                          "__reduce__": lambda self: (type(self), tuple(self)), "_fields": fields,
                          "__module__": "autograd_nb.return_types"}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: self[i])
    return type(kind, (tuple,), ns)


RESULTS = {kind: _result_type(kind, fields) for kind, fields in (
    ("linalg_slogdet", ("sign", "logabsdet")), ("slogdet", ("sign", "logabsdet")),
    ("linalg_eigh", ("eigenvalues", "eigenvectors")), ("linalg_svd", ("U", "S", "Vh")),
    ("svd", ("U", "S", "V")), ("linalg_qr", ("Q", "R")), ("qr", ("Q", "R")))}


def _diag_scale(x: Tensor) -> Tensor:
    """A batch of numbers as ``(..., 1, 1)``, to scale a batch of matrices."""
    return x.unsqueeze(-1).unsqueeze(-1)
