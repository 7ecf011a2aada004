"""Matrix functions and decompositions: ``det``, ``slogdet``, ``inv``, ``solve``, ``eigh``,
``svd``, ``qr`` (the heart of ``torch.linalg``), plus ``cross`` and ``matrix_power``.

Each forward is one call of ``numpy.linalg`` over a stack of matrices (leading batch
dims allowed, as in PyTorch); each node is named as PyTorch's ``grad_fn`` and its
backward rule is written with our own differentiable ops (matmul, ``inv``, ``solve``,
``mT``, ...), so a second backward (``create_graph=True``) differentiates the rule itself.

The rules, for a learner (``g`` is the incoming gradient, ``A^-T`` the transposed inverse):

* ``det``: ``d det(A) = det(A) tr(A^-1 dA)``, so ``grad_A = g det(A) A^-T``;
* ``slogdet``: ``grad_A = g_logabsdet A^-T`` (the sign has no gradient);
* ``inv``: ``d(A^-1) = -A^-1 dA A^-1``, so ``grad_A = -A^-T g A^-T``;
* ``solve`` (``AX = B``): ``grad_B = A^-T g``, ``grad_A = -grad_B X^T``;
* ``eigh``, ``svd``, ``qr``: see their nodes; these assume distinct eigenvalues /
  singular values and full rank, as PyTorch's do.

``torch.linalg`` itself (``autograd_nb/linalg.py``) adds the norms and ``multi_dot``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.node import save as _save
from ._core import (DTYPE_WORDS, OpNode, as_method, check_broadcast, device_mismatch, no_kernel, note_broadcast,
                    record, record_multi, register)

EXPORTS = ["det", "logdet", "slogdet", "inverse", "svd", "qr", "cross", "matrix_power"]


class _LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: the matrix is singular (or the algorithm
    did not converge). A ``RuntimeError``, so ``except RuntimeError`` catches it."""


_LinAlgError.__module__ = "torch._C"
_xp_of = B.xp_of          # (``solve`` has an argument named B, as PyTorch's)


# ---------------------------------------------------------------------------
# checks and helpers every op shares
# ---------------------------------------------------------------------------


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
                           f"Got {DTYPE_WORDS[d.dtype.name]}")
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

    def _extra_saved(self, name: str) -> Any:
        if name in ("LU", "pivots"):
            a = self._saved[0].unpack()._data
            if self._lu_of_transpose and a.flags.c_contiguous:
                a = a.swapaxes(-1, -2)
            lu, piv, _ = lu_factor(a)
            return Tensor._wrap(lu if name == "LU" else piv)
        return OpNode._extra_saved(self, name)


def _save_outputs(outs: Sequence[Tensor], which: Sequence[int]) -> None:
    """Add outputs of a multi-output node to what it saved (after its inputs)."""
    node = next((o._grad_fn for o in outs if o._grad_fn is not None), None)
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


# ---------------------------------------------------------------------------
# det, slogdet, logdet
# ---------------------------------------------------------------------------


def cofactors(A: Tensor) -> Tensor:
    """The cofactor matrix C (C_ij: (-1)^(i+j) times the determinant of A without row i and
    column j), also for a singular A, from the SVD A = U diag(S) Vh:
    C = det(U) det(Vh) U diag(prod_{j != i} S_j) Vh. (C = det(A) A^-T when A is invertible.)"""
    from .compare import where
    U, S, Vh = linalg_svd(A)
    n = S.shape[-1]
    off = ~_eye_like(S, n).bool()
    others = where(off, S.unsqueeze(-2).expand(*S.shape[:-1], n, n), 1.0).prod(-1)
    xp = B.xp_of(U._data)
    sign = Tensor._wrap(xp.asarray(xp.linalg.det(U._data) * xp.linalg.det(Vh._data)))
    return _diag_scale(sign) * ((U * others.unsqueeze(-2)) @ Vh)


class LinalgDetBackward0(_LUSaved, OpNode):
    """out = det(A): grad_A = g * det(A) * A^-T (Jacobi's formula, d det = det tr(A^-1 dA)).

    A singular A has no inverse. A first backward then gives 0 there (PyTorch solves
    A^T X = g det(A) I, and with det(A) = 0 the solution it computes is 0). With
    ``create_graph=True`` it gives the true gradient, g times the cofactor matrix
    (``cofactors``, from the SVD, differentiable), as PyTorch does.
    """
    __slots__ = ()
    saved_names = ("A", "result")

    def backward(self, g: Tensor) -> Tensor:
        from .compare import where
        A, det = (s.unpack() for s in self._saved)
        singular = det._data == 0
        if not singular.any():
            return _diag_scale(g * det) * inv(A).mT
        flags = Tensor._wrap(singular[..., None, None])
        safe = where(flags, _eye_like(A, A.shape[-1]), A)   # (invertible; its det is 0 anyway)
        regular = _diag_scale(g * det) * inv(safe).mT
        if STATE.mode:                                      # a first backward, as PyTorch: 0 there
            return regular
        return where(flags, _diag_scale(g) * cofactors(A), regular)


def linalg_det(A: Tensor) -> Tensor:
    """The determinant of a (stack of) square matrices: ``torch.linalg.det(A)``."""
    check_matrix("det", A, half="lu_cpu")
    xp = B.xp_of(A._data)
    return record(xp.asarray(xp.linalg.det(A._data)), LinalgDetBackward0, (A,), saved=(A,),
                  save_output=True)


class LinalgSlogdetBackward0(_LUSaved, OpNode):
    """(sign, logabsdet) = slogdet(A): grad_A = g_logabsdet * A^-T (sign: no gradient)."""
    __slots__ = ()
    saved_names = ("A", "sign")

    def backward(self, g_sign: Tensor | None, g_logabsdet: Tensor | None) -> Tensor | None:
        if g_logabsdet is None:
            return None
        A, sign = (s.unpack() for s in self._saved)
        if not (sign._data == 0).any():
            return _diag_scale(g_logabsdet) * inv(A).mT
        # singular: A^-T = C / det(A) with det(A) = +-0, so +-inf (nan for a zero cofactor)
        det = Tensor._wrap(B.xp_of(A._data).asarray(lu_det(A._data)))
        return _diag_scale(g_logabsdet / det) * cofactors(A)


def linalg_slogdet(A: Tensor) -> Any:
    """``(sign, logabsdet)`` of det(A): the logarithm never overflows, even when det(A)
    does (``torch.linalg.slogdet``; sign 0 and logabsdet -inf for a singular matrix)."""
    check_matrix("slogdet", A)
    xp = B.xp_of(A._data)
    sign, logabs = xp.linalg.slogdet(A._data)
    outs = record_multi([xp.asarray(sign), xp.asarray(logabs)], LinalgSlogdetBackward0, (A,), saved=(A,))
    _save_outputs(outs, (0,))
    return RESULTS["linalg_slogdet"](*outs)


def det(input: Tensor) -> Tensor:
    """``torch.det`` / ``Tensor.det``: ``torch.linalg.det``."""
    return linalg_det(input)


def slogdet(input: Tensor) -> Any:
    """``torch.slogdet`` / ``Tensor.slogdet``: ``torch.linalg.slogdet`` (named ``slogdet``)."""
    return RESULTS["slogdet"](*linalg_slogdet(input))


def logdet(input: Tensor) -> Tensor:
    """log det(A): nan for a negative determinant (``torch.logdet``: slogdet, then
    ``where(sign < 0, nan, logabsdet)``, as PyTorch records it)."""
    from .compare import where
    check_matrix("logdet", input, prefix="")
    sign, logabs = linalg_slogdet(input)
    return where(sign < 0, float("nan"), logabs)


# ---------------------------------------------------------------------------
# inv, solve
# ---------------------------------------------------------------------------


class LinalgInvExBackward0(OpNode):
    """Ainv = A^-1: grad_A = -Ainv^T g Ainv^T (from d(A^-1) = -A^-1 dA A^-1)."""
    __slots__ = ()
    saved_names = ("inverse",)

    def backward(self, g: Tensor) -> Tensor:
        ainv_t = self._saved[0].unpack().mT
        return -(ainv_t @ g @ ainv_t)


def inv(A: Tensor) -> Tensor:
    """The inverse of a (stack of) square matrices; a singular one is refused with
    ``LinAlgError`` (which diagonal element of its LU factorization is zero)."""
    check_matrix("inv", A)
    xp = B.xp_of(A._data)
    try:
        data = xp.linalg.inv(A._data)
    except np.linalg.LinAlgError:
        raise _singular_error(A._data, "linalg.inv") from None
    return record(data, LinalgInvExBackward0, (A,), save_output=True)


def inverse(input: Tensor) -> Tensor:
    """``torch.inverse``: the same as ``torch.linalg.inv``."""
    return inv(input)


def _is_vector_rhs(A: Any, Bd: Any) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) when it is 1-D or A's shape minus one dim."""
    return Bd.ndim == 1 or (Bd.ndim == A.ndim - 1 and Bd.shape == A.shape[:-1])


class LinalgSolveExBackward0(_LUSaved, OpNode):
    """X = A^-1 B (left) or X = B A^-1 (left=False).

    left: grad_B = A^-T g (one more solve, with the transposed matrix), grad_A = -grad_B X^T;
    right: grad_B = g A^-T, grad_A = -X^T grad_B. Batch dims broadcast; the sums over them
    happen centrally (``reduce_grad``).
    """
    __slots__ = ()
    saved_names = ("A", "result")
    _lu_of_transpose = False

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor]:
        A, X = (s.unpack() for s in self._saved)
        left, vector = self.extra["left"], self.extra["_vector"]
        gB = solve(A.mT, g, left=left)
        if vector:
            gA = -(gB.unsqueeze(-1) * X.unsqueeze(-2))      # (vectors: left only)
        else:
            gA = -(gB @ X.mT) if left else -(X.mT @ gB)
        return gA, gB

    def _extra_saved(self, name: str) -> Any:
        return self.extra["left"] if name == "left" else _LUSaved._extra_saved(self, name)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with ``A X = B`` (``left=False``: ``X A = B``), without forming A^-1.

    ``B`` may be a (batch of) vector(s) or matrices; batch dims broadcast.
    """
    check_matrix("solve", A, half="lu_cpu")
    a, b = A._data, B._data
    if type(a) is not type(b):
        raise device_mismatch(a, b)
    if a.dtype != b.dtype:
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{DTYPE_WORDS[a.dtype.name]} and B of type {DTYPE_WORDS[b.dtype.name]} instead")
    vector = _is_vector_rhs(a, b)
    bm = b[..., None] if vector else b                # a vector is a one-column matrix
    n = a.shape[-1]
    if (bm.shape[-2] if left else bm.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {bm.shape[-2]}x{bm.shape[-1]})")
    if vector and not left:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for "
                           "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
    check_broadcast(bm.shape[:-2], a.shape[:-2])
    if not left:                                      # X A = B  <=>  A^T X^T = B^T
        bm = bm.swapaxes(-1, -2)
    xp = _xp_of(a)
    am = a if left else a.swapaxes(-1, -2)
    try:
        x = xp.linalg.solve(am, bm)
    except np.linalg.LinAlgError:
        raise _singular_error(a, "torch.linalg.solve", where="solver") from None
    x = x[..., 0] if vector else (x if left else x.swapaxes(-1, -2))
    out = record(x, LinalgSolveExBackward0, (A, B), saved=(A,), save_output=True,
                 extra={"left": left, "_vector": vector})
    note_broadcast(out, A, B)
    return out


# ---------------------------------------------------------------------------
# eigh, svd, qr
# ---------------------------------------------------------------------------


class LinalgEighBackward0(OpNode):
    """(L, V) = eigh(A), A = V diag(L) V^T symmetric.

    grad_A = V (diag(g_L) + skew(V^T g_V) / E) V^T with skew(X) = (X - X^T) / 2 and
    E_ij = L_j - L_i off the diagonal (so distinct eigenvalues are assumed). The result
    is symmetric: only symmetric changes of A keep it symmetric.
    """
    __slots__ = ()
    saved_names = ("eigenvalues", "eigenvectors")

    def backward(self, gL: Tensor | None, gV: Tensor | None) -> Tensor | None:
        L, V = (s.unpack() for s in self._saved)
        n = L.shape[-1]
        inner = None
        if gV is not None:
            VtgV = V.mT @ gV
            E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye_like(L, n)
            inner = ((VtgV - VtgV.mT) * 0.5) / E
        if gL is not None:
            inner = gL.diag_embed() if inner is None else inner + gL.diag_embed()
        if inner is None:
            return None
        return V @ inner @ V.mT


def _uplo(fn: str, UPLO: str) -> None:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(input: Tensor, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix; only the
    lower (``UPLO='L'``) or upper triangle of ``input`` is read."""
    A = input
    check_matrix("eigh", A, floating=False)
    if A._data.dtype not in (np.float32, np.float64):
        raise no_kernel("linalg_eigh_cpu", A._data.dtype)
    _uplo("eigh", UPLO)
    xp = B.xp_of(A._data)
    w, v = xp.linalg.eigh(A._data, UPLO=UPLO)
    outs = record_multi([w, v], LinalgEighBackward0, (A,))
    _save_outputs(outs, (0, 1))
    return RESULTS["linalg_eigh"](*outs)


def eigvalsh(input: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of ``eigh`` alone (the node still keeps the eigenvectors for backward)."""
    return eigh(input, UPLO)[0]


class LinalgSvdBackward0(OpNode):
    """(U, S, Vh) = svd(A), A = U diag(S) Vh, k = min(m, n) singular values, distinct.

    With skew(X) = X - X^T and E_jk = S_k^2 - S_j^2 off the diagonal:
    grad_A = U [ (skew(U^T g_U) S + S skew(V^T g_V)) / E + diag(g_S) ] Vh
             + (I - U U^T) g_U S^-1 Vh      (when m > n)
             + U S^-1 g_V^T (I - V V^T)     (when m < n).
    Only g_S: grad_A = U diag(g_S) Vh. With full_matrices, only the first k columns of
    U (rows of Vh) count: the others are an arbitrary basis.
    """
    __slots__ = ()
    saved_names = ("S", "U", "Vh")

    def backward(self, gU: Tensor | None, gS: Tensor | None, gVh: Tensor | None) -> Tensor | None:
        S, U, Vh = (s.unpack() for s in self._saved)
        k = S.shape[-1]
        if self.extra["full_matrices"]:
            U, Vh = U[..., :k], Vh[..., :k, :]
            gU = None if gU is None else gU[..., :k]
            gVh = None if gVh is None else gVh[..., :k, :]
        if gU is None and gVh is None:
            return None if gS is None else (U * gS.unsqueeze(-2)) @ Vh
        m, n = U.shape[-2], Vh.shape[-1]
        S2 = S * S
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye_like(S, k)
        inner = 0
        if gU is not None:
            UtgU = U.mT @ gU
            inner = (UtgU - UtgU.mT) * S.unsqueeze(-2)
        if gVh is not None:
            VtgV = Vh @ gVh.mT
            inner = inner + S.unsqueeze(-1) * (VtgV - VtgV.mT)
        inner = inner / E
        if gS is not None:
            inner = inner + gS.diag_embed()
        gA = U @ inner @ Vh
        if m > n and gU is not None:
            gUS = gU / S.unsqueeze(-2)
            gA = gA + (gUS - U @ (U.mT @ gUS)) @ Vh
        if m < n and gVh is not None:
            gVhS = gVh / S.unsqueeze(-1)
            gA = gA + U @ (gVhS - (gVhS @ Vh.mT) @ Vh)
        return gA

    def _extra_saved(self, name: str) -> Any:
        if name == "S_sym_argsize_minus_1":
            return self._saved[0].unpack().shape[-1]
        return self.extra.get(name)


def _svd(fn: str, A: Tensor, full_matrices: bool) -> tuple[Tensor, Tensor, Tensor]:
    check_matrix(fn, A, square=False, half="linalg_svd_cpu")
    xp = B.xp_of(A._data)
    try:
        u, s, vh = xp.linalg.svd(A._data, full_matrices=full_matrices)
    except np.linalg.LinAlgError:
        raise _LinAlgError(f"linalg.svd: The algorithm failed to converge because the input matrix "
                           "is ill-conditioned or has too many repeated singular values") from None
    outs = record_multi([u, s, vh], LinalgSvdBackward0, (A,), extra={"full_matrices": full_matrices})
    _save_outputs(outs, (1, 0, 2))
    return outs


def linalg_svd(A: Tensor, full_matrices: bool = True) -> Any:
    """``torch.linalg.svd``: ``A = U diag(S) Vh``, singular values descending."""
    outs = _svd("svd", A, full_matrices)
    return RESULTS["linalg_svd"](*outs)


def svdvals(A: Tensor) -> Tensor:
    """The singular values alone (output 1 of the SVD node, which keeps U and Vh)."""
    return _svd("svd", A, False)[1]


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """``torch.svd`` (deprecated in PyTorch): returns ``V``, not ``Vh`` (a transposed view),
    reduced unless ``some=False``; ``compute_uv=False`` gives zero-filled U and V."""
    U, S, Vh = _svd("svd", input, not some if compute_uv else False)
    if not compute_uv:
        from .._creation import zeros
        m, n, lead = input.shape[-2], input.shape[-1], tuple(input.shape[:-2])
        U = zeros(lead + (m, m), dtype=input.dtype, device=input.device)
        V = zeros(lead + (n, n), dtype=input.dtype, device=input.device)
        return RESULTS["svd"](U, S, V)
    return RESULTS["svd"](U, S, Vh.mT)


class LinalgQrBackward0(OpNode):
    """(Q, R) = qr(A), Q^T Q = I, R upper triangular with a nonzero diagonal.

    m >= n (Q is m x n): with M = R g_R^T - g_Q^T Q and copyltu(M) the symmetric matrix
    made from M's lower triangle, grad_A = (g_Q + Q copyltu(M)) R^-T.
    m < n: split A = [X | Y] and R = [U | V] (U square): (Q, U) = qr(X) and V = Q^T Y, so
    grad_Y = Q g_V, and X gets the square rule with g_Q + Y g_V^T in place of g_Q.
    """
    __slots__ = ()
    saved_names = ("Q", "R")

    def backward(self, gQ: Tensor | None, gR: Tensor | None) -> Tensor | None:
        mode = self.extra
        if mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                               "differentiate through linalg.qr.")
        Q, R = (s.unpack() for s in self._saved)
        m, n = Q.shape[-2], R.shape[-1]
        if mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        if gQ is None and gR is None:
            return None
        if m >= n:
            return _qr_square_rule(Q, R, gQ, gR)
        X_R, V = R[..., :, :m], R[..., :, m:]
        gX_R = None if gR is None else gR[..., :, :m]
        gV = None if gR is None else gR[..., :, m:]
        if gV is not None:
            Y = Q @ V
            gQ = Y @ gV.mT if gQ is None else gQ + Y @ gV.mT
        from .joins import cat
        gX = _qr_square_rule(Q, X_R, gQ, gX_R)
        gY = Q @ gV if gV is not None else gX.new_zeros(gX.shape[:-1] + (n - m,))
        return cat([gX, gY], -1)


    def _extra_saved(self, name: str) -> Any:
        return self.extra if name == "mode" else None


def _qr_square_rule(Q: Tensor, R: Tensor, gQ: Tensor | None, gR: Tensor | None) -> Tensor:
    """grad_A = (g_Q + Q copyltu(M)) R^-T, M = R g_R^T - g_Q^T Q (A = QR with R square)."""
    M = 0
    if gR is not None:
        M = R @ gR.mT
    if gQ is not None:
        M = M - gQ.mT @ Q
    low = M.tril(-1)
    sym = low + low.mT + M.diagonal(0, -2, -1).diag_embed()
    rhs = Q @ sym if gQ is None else gQ + Q @ sym
    return solve(R, rhs.mT).mT          # rhs R^-T, as the solution of R Z = rhs^T


def linalg_qr(A: Tensor, mode: str = "reduced") -> Any:
    """``A = Q R``, Q with orthonormal columns, R upper triangular (``mode``: 'reduced',
    'complete' (Q square) or 'r' (R alone; Q is empty))."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           "(default), 'r', or 'complete'")
    check_matrix("qr", A, square=False, half="geqrf_cpu")
    xp = B.xp_of(A._data)
    if mode == "r":
        r = xp.linalg.qr(A._data, mode="r")
        q = xp.zeros((0,), dtype=A._data.dtype)
    else:
        q, r = xp.linalg.qr(A._data, mode=mode)
    outs = record_multi([q, r], LinalgQrBackward0, (A,), extra=mode)
    _save_outputs(outs, (0, 1))
    return RESULTS["linalg_qr"](*outs)


_QR_WARNED: list[bool] = []


def qr(input: Tensor, some: bool = True) -> Any:
    """``torch.qr`` / ``Tensor.qr`` (deprecated in PyTorch): ``linalg.qr`` with ``some``
    for 'reduced' (the default) or 'complete'."""
    if not _QR_WARNED:                                # PyTorch warns once per process
        import warnings
        _QR_WARNED.append(True)
        warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
                      "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string "
                      "parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = "
                      "torch.linalg.qr(A, 'reduced' if some else 'complete')", UserWarning, stacklevel=2)
    return RESULTS["qr"](*linalg_qr(input, "reduced" if some else "complete"))


# ---------------------------------------------------------------------------
# cross, matrix_power
# ---------------------------------------------------------------------------


class LinalgCrossBackward0(OpNode):
    """out = a x b along ``dim``: grad_a = b x g, grad_b = g x a (the cross product is
    antisymmetric and <a x b, g> = <b x g, a> = <g x a, b>)."""
    __slots__ = ()
    saved_names = ("self", "other")

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor]:
        a, b = (s.unpack() for s in self._saved)
        dim = self.extra
        return linalg_cross(b, g, dim=dim), linalg_cross(g, a, dim=dim)

    def _extra_saved(self, name: str) -> Any:
        from .reduce import shown_dim
        return shown_dim(self.extra) if name == "dim" else None


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (other dims broadcast)."""
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.dtype.kind == "b":
        raise no_kernel("cross", a.dtype)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {DTYPE_WORDS[a.dtype.name]} but found {DTYPE_WORDS[b.dtype.name]}")
    nd = a.ndim
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. "
                           f"Got {a.shape[dim]} and {b.shape[dim]}")
    check_broadcast(a.shape, b.shape)
    if type(a) is not type(b):
        raise device_mismatch(a, b)
    xp = B.xp_of(a)
    out = record(xp.cross(a, b, axis=dim), LinalgCrossBackward0, (input, other), saved=(input, other),
                 extra=dim)
    note_broadcast(out, input, other)
    return out


_WARNED: list[bool] = []


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """``torch.cross``: without ``dim``, the first dimension of size 3 (deprecated in PyTorch)."""
    if dim is None:
        if not _WARNED:                              # PyTorch warns once per process
            import warnings
            _WARNED.append(True)
            warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
                          "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
                          "dim will change to agree with that of linalg.cross in a future release.",
                          UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(input._data.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """A^n by repeated squaring (binary powers), recorded as the matmuls it does:
    n = 0 gives the identity, n < 0 the power of the inverse (PyTorch's graph)."""
    A = input
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    check_matrix("matrix_power", A, floating=False)
    if n == 0:
        eye = _eye_like(A, A.shape[-1])
        return A.clone().copy_(eye.expand_as(A))
    if n == -1:
        return inv(A)
    if n < 0:
        A, n = inv(A), -n
    if n == 1:
        return A.clone()
    if n == 2:
        return A @ A
    if n == 3:
        return (A @ A) @ A
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = A if z is None else z @ z
        if bit:
            result = z if result is None else result @ z
    return result


register("det")(det)
register("logdet")(logdet)
register("slogdet")(slogdet)
register("inverse")(inverse)
register("svd")(svd)
register("qr")(qr)
register("cross")(as_method(cross))
register("matrix_power")(matrix_power)
