"""The decompositions: ``eigh`` (A = V diag(L) V^T), ``svd`` (A = U diag(S) Vh) and
``qr`` (A = QR), with the backward rules PyTorch uses.

Each rule assumes what makes the decomposition differentiable: distinct eigenvalues
(eigh), distinct nonzero singular values (svd; U and Vh matter only up to the signs of
their columns / rows, so a loss should not depend on those signs), a full-rank A (qr).
Near a repeated eigenvalue or singular value the gradients blow up, as they do in
PyTorch: the decomposition itself jumps there.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ._core import OpNode, no_kernel, record, record_multi, register
from ._matrices import RESULTS, _LinAlgError, _diag_scale, _eye_like, _save_outputs, check_matrix
from .matrix_functions import solve

EXPORTS = ["svd", "qr"]


class LinalgEighBackward0(OpNode):
    """The eigendecomposition A = V diag(L) V^T of a symmetric A: the eigenvalues' gradient
    goes on the diagonal, the eigenvectors' (its antisymmetric part) off it, divided by
    the differences of the eigenvalues (so distinct eigenvalues are assumed), all turned
    back by V. The result is symmetric: only symmetric changes of A keep it symmetric.

    (eigenvalues L, eigenvectors V) = eigh(A)
    grad_A = V @ (diag(grad) + skew(V^T @ grads[1]) / E) @ V^T, skew(X) = (X - X^T) / 2, E_ij = L_j - L_i
    """
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
    """The singular value decomposition A = U diag(S) Vh (k = min(m, n) distinct singular
    values): the singular values' gradient goes on the diagonal, the antisymmetric parts
    of U's and Vh's off it, divided by the differences of the squared singular values;
    a non-square A adds the parts of U's (or Vh's) gradient outside U's columns (Vh's
    rows). With full_matrices, only the first k columns of U (rows of Vh) count: the
    others are an arbitrary basis.

    (U, S, Vh) = svd(A); grad (U's), grads[1] (S's), grads[2] (Vh's)
    grad_A = U [(skew(U^T grad) S + S skew(Vh grads[2]^T)) / E + diag(grads[1])] Vh + (I - U U^T) grad S^-1 Vh (m > n) + U S^-1 grads[2] (I - Vh^T Vh) (m < n), skew(X) = X - X^T, E_jk = S_k² - S_j²
    """
    saved_names = ("S", "U", "Vh")
    fields = ("full_matrices", "S_sym_argsize_minus_1")

    def backward(self, gU: Tensor | None, gS: Tensor | None, gVh: Tensor | None) -> Tensor | None:
        S, U, Vh = (s.unpack() for s in self._saved)
        k = S.shape[-1]
        if self.full_matrices:
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


def _svd(fn: str, A: Tensor, full_matrices: bool) -> tuple[Tensor, Tensor, Tensor]:
    check_matrix(fn, A, square=False, half="linalg_svd_cpu")
    xp = B.xp_of(A._data)
    try:
        u, s, vh = xp.linalg.svd(A._data, full_matrices=full_matrices)
    except np.linalg.LinAlgError:
        raise _LinAlgError(f"linalg.svd: The algorithm failed to converge because the input matrix "
                           "is ill-conditioned or has too many repeated singular values") from None
    outs = record_multi([u, s, vh], LinalgSvdBackward0, (A,), full_matrices=full_matrices,
                        S_sym_argsize_minus_1=s.shape[-1])
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
    """The QR decomposition A = QR (Q^T Q = I, R upper triangular with a nonzero
    diagonal). For m >= n: with M = R g_R^T - g_Q^T Q and copyltu(M) the symmetric matrix
    made from M's lower triangle, the gradient is (g_Q + Q copyltu(M)) R^-T. For m < n:
    split A = [X | Y] and R = [U | V] (U square): (Q, U) = qr(X) and V = Q^T Y, so Y gets
    Q g_V, and X the square rule with g_Q + Y g_V^T in place of g_Q. Not differentiable
    for mode='r' (no Q), nor for mode='complete' with more rows than columns.

    (Q, R) = qr(A); grad (Q's), grads[1] (R's)
    grad_A = (grad + Q @ copyltu(M)) @ R^-T, M = R @ grads[1]^T - grad^T @ Q   (m >= n)
    """
    saved_names = ("Q", "R")
    fields = ("mode",)

    def backward(self, gQ: Tensor | None, gR: Tensor | None) -> Tensor | None:
        mode = self.mode
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
    outs = record_multi([q, r], LinalgQrBackward0, (A,), mode=mode)
    _save_outputs(outs, (0, 1))
    return RESULTS["linalg_qr"](*outs)


class LinalgCholeskyExBackward0(OpNode):
    """The Cholesky factor, A = L L^T with L lower triangular (upper=True: U = L^T). With
    P = tril(L^T g) and Phi = (P + tril(P, -1)^T) / 2 (the symmetric matrix made from P's
    lower triangle, its diagonal halved), the gradient is L^-T Phi L^-1 (Murray, 2016),
    two triangular solves (done here with solve).

    L = cholesky(A)
    grad_A = L^-T @ Phi @ L^-1, Phi = (P + tril(P, -1)^T) / 2, P = tril(L^T @ grad)
    """
    saved_names = ("L",)
    fields = ("upper",)

    def backward(self, g: Tensor) -> Tensor:
        L = self._saved[0].unpack()
        if self.upper:                                    # upper: work with L = U^T
            L, g = L.mT, g.mT
        P = (L.mT @ g).tril()
        phi = (P + P.tril(-1).mT) * 0.5
        return solve(L, solve(L.mT, phi), left=False)     # L^-T Phi L^-1


def _not_positive_definite(a: Any) -> _LinAlgError:
    """PyTorch's message: the first batch element whose leading k x k minor is not
    positive-definite (tried with growing k, as the factorization would meet it)."""
    host = np.asarray(B.to_device(a, B.CPU)).reshape((-1,) + a.shape[-2:])
    for b, m in enumerate(host):
        for k in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                prefix = f"(Batch element {b}): " if a.ndim > 2 else ""
                return _LinAlgError(f"linalg.cholesky: {prefix}The factorization could not be completed because "
                                    f"the input is not positive-definite (the leading minor of order {k} is not "
                                    "positive-definite).")
    return _LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                        "positive-definite.")


def cholesky(input: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix: A = L L^T, L lower
    triangular with a positive diagonal (``upper=True``: U with A = U^T U). Only the
    lower triangle of A is read."""
    A = input
    check_matrix("cholesky", A, half="cholesky_cpu")
    xp = B.xp_of(A._data)
    try:
        low = xp.linalg.cholesky(A._data)
    except np.linalg.LinAlgError:
        raise _not_positive_definite(A._data) from None
    data = low.swapaxes(-1, -2).copy() if upper else low
    return record(data, LinalgCholeskyExBackward0, (A,), save_output=True, upper=upper)


class LinalgPinvBackward0(OpNode):
    """The pseudoinverse P = pinv(A) (n x m for an m x n A), where A's rank does not
    change: dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (Golub and Pereyra).

    result = pinv(self)
    grad_self = -P^T grad P^T + (I - A P) grad^T P P^T + P^T P grad^T (I - P A)
    """
    saved_names = ("self", "result")

    def backward(self, g: Tensor) -> Tensor:
        A, P = (s.unpack() for s in self._saved)
        gt, Pt = g.mT, P.mT
        return -(Pt @ g @ Pt) + (gt - A @ (P @ gt)) @ (P @ Pt) + (Pt @ P) @ (gt - (gt @ P) @ A)


def pinv(input: Tensor, rcond: Any = None, hermitian: bool = False, *, atol: Any = None,
         rtol: Any = None) -> Tensor:
    """The pseudoinverse A^+ = V diag(1/S) U^T from the SVD, dropping the singular values
    at or below ``max(atol, rtol * largest)`` (default rtol: machine epsilon times
    max(m, n); ``rcond``, the older name of rtol). ``hermitian``: from ``eigh`` instead
    (only the lower triangle is read). A^+ solves least squares: x = A^+ b."""
    A, d = input, input._data
    if d.ndim < 2 or d.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"linalg.pinv({B.SCALAR_NAMES[d.dtype.name]}{{{list(d.shape)}}}): expected a tensor with "
                           "2 or more dimensions "
                           "of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    xp = B.xp_of(d)
    if hermitian:
        check_matrix("eigh", A, floating=False)
        w, v = xp.linalg.eigh(d)
        s, u, vh = xp.abs(w), v * xp.sign(w)[..., None, :], v.swapaxes(-1, -2)
    else:
        u, s, vh = xp.linalg.svd(d, full_matrices=False)
    if atol is None and rtol is None:
        rtol = np.finfo(d.dtype).eps * max(d.shape[-2], d.shape[-1])
    top = s.max(-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    atol_ = 0.0 if atol is None else (atol._data[..., None] if isinstance(atol, Tensor) else atol)
    rtol_ = 0.0 if rtol is None else (rtol._data[..., None] if isinstance(rtol, Tensor) else rtol)
    keep = s > xp.maximum(atol_, rtol_ * top)
    inv_s = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(d.dtype)
    data = (vh.swapaxes(-1, -2) * inv_s[..., None, :]) @ u.swapaxes(-1, -2)
    return record(data, LinalgPinvBackward0, (A,), saved=(A,), save_output=True)


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


register("svd")(svd)
register("qr")(qr)
