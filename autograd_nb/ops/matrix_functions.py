"""Functions of whole matrices: ``det``, ``slogdet``, ``logdet``, ``inv``, ``solve``,
``matrix_power``, and the cross product of 3-vectors.

Each forward is one call of ``numpy.linalg`` over a stack of matrices (leading batch
dims allowed, as in PyTorch); each node is named as PyTorch's ``grad_fn`` and its
backward rule is written with our own differentiable ops (matmul, ``inv``, ``solve``,
``mT``, ...), so a second backward (``create_graph=True``) differentiates the rule itself.

The rules, for a learner (``g`` is the incoming gradient, ``A^-T`` the transposed inverse):

* ``det``: ``d det(A) = det(A) tr(A^-1 dA)``, so ``grad_A = g det(A) A^-T``;
* ``slogdet``: ``grad_A = g_logabsdet A^-T`` (the sign has no gradient);
* ``inv``: ``d(A^-1) = -A^-1 dA A^-1``, so ``grad_A = -A^-T g A^-T``;
* ``solve`` (``AX = B``): ``grad_B = A^-T g``, ``grad_A = -grad_B X^T``;
* ``cross``: ``grad_a = b x g``, ``grad_b = g x a``;
* ``matrix_power``: recorded as the matrix products it does (no node of its own).

The decompositions (eigh, svd, qr) are in ``decompositions.py``; ``torch.linalg``
itself (``autograd_nb/linalg.py``) adds the norms and ``multi_dot``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._backend import SCALAR_NAMES, xp_of   # (by name too: ``solve`` has an argument named B, as PyTorch's)
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._histories import histories_first
from ._core import (OpNode, as_method, check_broadcast, device_mismatch, no_kernel, note_broadcast,
                    record, record_multi, register)
from ._matrices import (RESULTS, _LUSaved, _diag_scale, _eye_like, _save_outputs, _singular_error, check_matrix,
                        lu_det)

EXPORTS = ["det", "logdet", "slogdet", "inverse", "cross", "matrix_power"]


# ---------------------------------------------------------------------------
# det, slogdet, logdet
# ---------------------------------------------------------------------------


class LinalgDetBackward0(_LUSaved, OpNode):
    """Jacobi's formula, d det(A) = det(A) tr(A^-1 dA): the gradient is g times det(A)
    times the transposed inverse. A singular A has no inverse: a first backward then
    gives 0 there (PyTorch solves A^T X = g det(A) I, and with det(A) = 0 the solution it
    computes is 0); with create_graph=True it gives the true gradient, g times the
    cofactor matrix (cofactors, from the SVD, differentiable), as PyTorch does.

    out = det(A)
    grad_A = grad * result * A^-T   (singular A: grad * cofactors(A) under create_graph, else 0)
    """
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
        from .decompositions import cofactors
        return where(flags, _diag_scale(g) * cofactors(A), regular)


def linalg_det(A: Tensor) -> Tensor:
    """The determinant of a (stack of) square matrices: ``torch.linalg.det(A)``."""
    check_matrix("det", A, half="lu_cpu")
    xp = B.xp_of(A._data)
    return record(xp.asarray(xp.linalg.det(A._data)), LinalgDetBackward0, (A,), saved=(A,),
                  save_output=True)


class LinalgSlogdetBackward0(_LUSaved, OpNode):
    """log|det(A)| changes by tr(A^-1 dA): the gradient of logabsdet times the transposed
    inverse (the sign has no gradient).

    (sign, logabsdet) = slogdet(A)
    grad_A = grads[1] * A^-T
    """
    saved_names = ("A", "sign")

    def backward(self, g_sign: Tensor | None, g_logabsdet: Tensor | None) -> Tensor | None:
        if g_logabsdet is None:
            return None
        A, sign = (s.unpack() for s in self._saved)
        if not (sign._data == 0).any():
            return _diag_scale(g_logabsdet) * inv(A).mT
        from .decompositions import cofactors
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
    """The inverse changes by d(A^-1) = -A^-1 dA A^-1, so the gradient is the incoming
    one between two transposed inverses, negated.

    inverse = A^-1
    grad_A = -inverse^T @ grad @ inverse^T
    """
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
    """Solving A X = B (left) or X A = B (left=False): B's gradient is one more solve,
    with the transposed matrix; A's is minus B's gradient times X transposed (left) or X
    transposed times it (right). Batch dims broadcast; the sums over them happen
    centrally (reduce_grad).

    result = A^-1 B   (left=False: B A^-1)
    grad_A = -grad_B @ result^T   (left=False: -result^T @ grad_B)
    grad_B = solve(A^T, grad, left=left)
    """
    saved_names = ("A", "result")
    fields = ("left", "_vector")                      # _vector: B is a (batch of) vector(s)
    _lu_of_transpose = False

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor]:
        A, X = (s.unpack() for s in self._saved)
        left, vector = self.left, self._vector
        gB = solve(A.mT, g, left=left)
        if vector:
            gA = -(gB.unsqueeze(-1) * X.unsqueeze(-2))      # (vectors: left only)
        else:
            gA = -(gB @ X.mT) if left else -(X.mT @ gB)
        return gA, gB


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
                           f"{SCALAR_NAMES[a.dtype.name]} and B of type {SCALAR_NAMES[b.dtype.name]} instead")
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
    xp = xp_of(a)
    am = a if left else a.swapaxes(-1, -2)
    try:
        x = xp.linalg.solve(am, bm)
    except np.linalg.LinAlgError:
        raise _singular_error(a, "torch.linalg.solve", where="solver") from None
    x = x[..., 0] if vector else (x if left else x.swapaxes(-1, -2))
    out = record(x, LinalgSolveExBackward0, (A, B), saved=(A,), save_output=True, left=left, _vector=vector)
    note_broadcast(out, A, B)
    return out


def _substitute(t: Any, b: Any, upper: bool, unit: bool) -> Any:
    """X with T X = B for a triangular T, by substitution, one row of X at a time: from
    the last row up (upper T) or from the first down (lower T). Row i: subtract what the
    rows already known contribute, divide by T_ii (1 when ``unit``). A zero T_ii gives
    inf / nan, as LAPACK does: no error."""
    xp = B.xp_of(t)
    n = t.shape[-1]
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = xp.broadcast_to(t, batch + t.shape[-2:])
    x = xp.zeros(batch + b.shape[-2:], dtype=b.dtype)
    b = xp.broadcast_to(b, x.shape)
    for i in (range(n - 1, -1, -1) if upper else range(n)):
        known = slice(i + 1, n) if upper else slice(0, i)
        row = b[..., i, :] - (t[..., i:i + 1, known] @ x[..., known, :])[..., 0, :]
        x[..., i, :] = row if unit else row / t[..., i, i, None]
    return x


class LinalgSolveTriangularBackward0(OpNode):
    """Solving with a triangular A, as solve: B's gradient is a triangular solve with A
    transposed (triangular the other way), A's is minus B's gradient times X transposed
    (left) or X transposed times it, kept to A's triangle (without the diagonal when
    unitriangular: those entries are never read).

    result = A^-1 B   (left=False: B A^-1)
    grad_self = triu(-grad_B @ result^T)   (left=False: -result^T @ grad_B; lower A: tril)
    grad_B = solve_triangular(self^T, grad, upper=not upper, left=left, unitriangular=unitriangular)
    """
    saved_names = ("self", "result")
    fields = ("upper", "left", "unitriangular")

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor]:
        A, X = (s.unpack() for s in self._saved)
        upper, left, unit = self.upper, self.left, self.unitriangular
        gB = solve_triangular(A.mT, g, upper=not upper, left=left, unitriangular=unit)
        gA = -(gB @ X.mT) if left else -(X.mT @ gB)
        return (gA.triu(1 if unit else 0) if upper else gA.tril(-1 if unit else 0)), gB


def solve_triangular(input: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (``left=False``: X A = B) for a triangular A (``upper`` or lower;
    only that triangle is read, and not the diagonal when ``unitriangular``): solved by
    substitution, no factorization needed."""
    A = input
    check_matrix("solve_triangular", A, floating=False)
    a, b = A._data, B._data
    if a.dtype not in (np.float32, np.float64):
        raise no_kernel("triangular_solve_cpu", a.dtype)
    if b.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    check_broadcast(b.shape[:-2], a.shape[:-2])
    if type(a) is not type(b):
        raise device_mismatch(a, b)
    b = b.astype(a.dtype, copy=False)                 # (PyTorch computes in A's dtype)
    if left:
        x = _substitute(a, b, upper, unitriangular)
    else:                                             # X A = B  <=>  A^T X^T = B^T
        x = _substitute(a.swapaxes(-1, -2), b.swapaxes(-1, -2), not upper, unitriangular).swapaxes(-1, -2)
    out = record(x, LinalgSolveTriangularBackward0, (A, B), saved=(A,), save_output=True,
                 upper=upper, left=left, unitriangular=unitriangular)
    note_broadcast(out, A, B)
    return out


# ---------------------------------------------------------------------------
# cross, matrix_power
# ---------------------------------------------------------------------------


class LinalgCrossBackward0(OpNode):
    """The cross product is antisymmetric and <a x b, g> = <b x g, a> = <g x a, b>: each
    input gets the cross product of the other one with the gradient.

    out = cross(self, other, dim)
    grad_self = cross(other, grad, dim)
    grad_other = cross(grad, self, dim)
    """
    saved_names = ("self", "other")
    fields = ("dim",)

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor]:
        a, b = (s.unpack() for s in self._saved)
        dim = self.dim
        return linalg_cross(b, g, dim=dim), linalg_cross(g, a, dim=dim)

    @property
    def _saved_dim(self) -> int:
        """``dim`` as PyTorch shows it (a negative one as an unsigned 64-bit number)."""
        from .reduce import shown_dim
        return shown_dim(self.dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (other dims broadcast)."""
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.dtype.kind == "b":
        raise no_kernel("cross", a.dtype)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {SCALAR_NAMES[a.dtype.name]} but found {SCALAR_NAMES[b.dtype.name]}")
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
                 dim=dim)
    note_broadcast(out, input, other)
    return out


_WARNED: list[bool] = []


# cross is PyTorch's composite: its own check, then linalg_cross, whose autograd layer reads
# the inputs' histories and saves them before the kernel checks the shapes
_recorded_cross = histories_first(linalg_cross)


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
    return _recorded_cross(input, other, dim=dim)


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
register("cross")(as_method(cross))
register("matrix_power")(matrix_power)
