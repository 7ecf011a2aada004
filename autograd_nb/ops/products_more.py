"""More "add a product" ops, each forward beside its node: ``addmv`` (a matrix times a
vector), ``addr`` (an outer product), ``baddbmm`` (a batch of matrix products) and
``addbmm`` (the sum of a batch of matrix products), all ``beta * input + alpha *
product``, as ``addmm`` is for two matrices.

The rules are the product rule of each product, scaled by ``alpha``; ``input`` gets the
gradient scaled by ``beta`` (summed back where it was broadcast).
"""
from __future__ import annotations

from typing import Any

from .. import _backend as B
from .._tensor import Tensor
from ._core import OpNode, as_array, note_broadcast, record, register
from .pointwise import mul_scalar


def _scaled(t: Tensor, s: Any) -> Tensor:
    """``t * s``, or ``t`` itself when ``s`` is 1 (PyTorch's maybe_multiply)."""
    return t if s == 1 else mul_scalar(t, s)


def _combine(input: Tensor, product: Any, beta: Any, alpha: Any) -> Any:
    """``beta * input + alpha * product`` on arrays (``input`` ignored when beta is 0)."""
    xp = B.xp_of(product)
    if product.dtype.kind in "iub":                   # (integers: the factors truncated, as PyTorch)
        alpha, beta = int(alpha), int(beta)
    out = product if alpha == 1 else product * alpha
    if beta != 0:
        out = out + (input._data if beta == 1 else input._data * beta)
    return xp.broadcast_to(out, product.shape).astype(product.dtype, copy=True)


def _record(out: Any, node: type, input: Tensor, others: tuple, **fields: Any) -> Tensor:
    res = record(as_array(out), node, (input,) + others, saved=others, **fields)
    note_broadcast(res, input, *others)
    return res


class AddmvBackward0(OpNode):
    """self scaled by beta plus a matrix-vector product scaled by alpha: mat gets the
    gradient's outer product with vec, vec gets mat's transpose times the gradient, both
    times alpha.

    out = beta * self + alpha * (mat @ vec)
    grad_self = beta * grad
    grad_mat = alpha * grad.outer(vec)
    grad_vec = alpha * mat.T @ grad
    """
    saved_names = ("mat", "vec")
    fields = ("alpha", "beta")

    def backward(self, g):
        m, v = (s.unpack() for s in self._saved)
        nf = self.next_functions
        return (_scaled(g, self.beta) if nf[0][0] is not None else None,
                _scaled(g.outer(v), self.alpha) if nf[1][0] is not None else None,
                _scaled(m.t().mv(g), self.alpha) if nf[2][0] is not None else None)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    if mat.dim() != 2 or vec.dim() != 1 or mat.shape[1] != vec.shape[0] or \
            input.dim() > 1 or (input.dim() == 1 and input.shape[0] not in (1, mat.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({', '.join(map(str, input.shape))}), mat "
                           f"({'x'.join(map(str, mat.shape))}), vec ({', '.join(map(str, vec.shape))})")
    out = _combine(input, B.xp_of(mat._data).matmul(mat._data, vec._data), beta, alpha)
    return _record(out, AddmvBackward0, input, (mat, vec), alpha=alpha, beta=beta)


class AddrBackward0(OpNode):
    """self scaled by beta plus an outer product scaled by alpha: vec1 gets the gradient
    times vec2, vec2 the gradient's transpose times vec1, both times alpha.

    out = beta * self + alpha * vec1.outer(vec2)
    grad_self = beta * grad
    grad_vec1 = alpha * grad @ vec2
    grad_vec2 = alpha * grad.T @ vec1
    """
    saved_names = ("vec1", "vec2")
    fields = ("alpha", "beta")

    def backward(self, g):
        v1, v2 = (s.unpack() for s in self._saved)
        nf = self.next_functions
        return (_scaled(g, self.beta) if nf[0][0] is not None else None,
                _scaled(g.mv(v2), self.alpha) if nf[1][0] is not None else None,
                _scaled(g.t().mv(v1), self.alpha) if nf[2][0] is not None else None)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.dim()}-D")
    out = _combine(input, B.xp_of(vec1._data).outer(vec1._data, vec2._data), beta, alpha)
    return _record(out, AddrBackward0, input, (vec1, vec2), alpha=alpha, beta=beta)


class BaddbmmBackward0(OpNode):
    """self scaled by beta plus a batch of matrix products scaled by alpha: the product
    rule of bmm, times alpha.

    out = beta * self + alpha * batch1.bmm(batch2)
    grad_self = beta * grad
    grad_batch1 = alpha * grad.bmm(batch2.mT)
    grad_batch2 = alpha * batch1.mT.bmm(grad)
    """
    saved_names = ("batch1", "batch2")
    fields = ("alpha", "beta")

    def backward(self, g):
        b1, b2 = (s.unpack() for s in self._saved)
        nf = self.next_functions
        return (_scaled(g, self.beta) if nf[0][0] is not None else None,
                _scaled(g.bmm(b2.mT), self.alpha) if nf[1][0] is not None else None,
                _scaled(b1.mT.bmm(g), self.alpha) if nf[2][0] is not None else None)


def _batches(batch1: Tensor, batch2: Tensor) -> None:
    for name, b in (("batch1", batch1), ("batch2", batch2)):
        if b.dim() != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    want = [batch1.shape[0], batch1.shape[2]]
    if list(batch2.shape[:2]) != want:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: {want} but got: "
                           f"{list(batch2.shape[:2])}.")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)``, one matrix product per batch entry."""
    _batches(batch1, batch2)
    out = _combine(input, B.xp_of(batch1._data).matmul(batch1._data, batch2._data), beta, alpha)
    return _record(out, BaddbmmBackward0, input, (batch1, batch2), alpha=alpha, beta=beta)


class AddbmmBackward0(OpNode):
    """self scaled by beta plus the sum of a batch of matrix products scaled by alpha:
    each product gets the same gradient (expanded over the batch), then bmm's rule, times
    alpha.

    out = beta * self + alpha * batch1.bmm(batch2).sum(0)
    grad_self = beta * grad
    grad_batch1 = alpha * grad.expand(B, n, p).bmm(batch2.mT)
    grad_batch2 = alpha * batch1.mT.bmm(grad.expand(B, n, p))
    """
    saved_names = ("batch1", "batch2")
    fields = ("alpha", "beta", "batch1_sym_argsize_0", "batch1_sym_argsize_1", "batch2_sym_argsize_2")

    def backward(self, g):
        b1, b2 = (s.unpack() for s in self._saved)
        nf = self.next_functions
        ge = g.unsqueeze(0).expand(self.batch1_sym_argsize_0, self.batch1_sym_argsize_1, self.batch2_sym_argsize_2)
        return (_scaled(g, self.beta) if nf[0][0] is not None else None,
                _scaled(ge.bmm(b2.mT), self.alpha) if nf[1][0] is not None else None,
                _scaled(b1.mT.bmm(ge), self.alpha) if nf[2][0] is not None else None)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum over b of batch1[b] @ batch2[b]``."""
    for name, b in (("batch1", batch1), ("batch2", batch2)):
        if b.dim() != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x{batch1.shape[2]} and "
                           f"{batch2.shape[1]}x{batch2.shape[2]})")
    prod = B.xp_of(batch1._data).matmul(batch1._data, batch2._data).sum(0, dtype=batch1._data.dtype)
    out = _combine(input, prod, beta, alpha)
    return _record(out, AddbmmBackward0, input, (batch1, batch2), alpha=alpha, beta=beta,
                   batch1_sym_argsize_0=batch1.shape[0], batch1_sym_argsize_1=batch1.shape[1],
                   batch2_sym_argsize_2=batch2.shape[2])


for _f in (addmv, addr, baddbmm, addbmm):
    register(_f.__name__)(_f)

EXPORTS = ["addmv", "addr", "baddbmm", "addbmm"]
