"""Matrix products: ``dot``, ``mv``, ``mm``, ``bmm``, ``addmm``, ``outer`` and ``matmul`` (``@``).

The four kernels each have their own node:

=========  ==================  =========================================================
op         result              gradients (g: incoming gradient)
=========  ==================  =========================================================
dot(a, b)  sum(a * b)          da = g * b,           db = g * a
mv(A, v)   A v                 dA = outer(g, v),     dv = A^T g
mm(A, B)   A B                 dA = g B^T,           dB = A^T g
bmm(A, B)  A[i] B[i] per i     dA[i] = g[i] B[i]^T,  dB[i] = A[i]^T g[i]
=========  ==================  =========================================================

``matmul`` (the ``@`` operator) owns no node. It picks a kernel from the ranks of its
operands and reshapes around it with ordinary view ops, exactly as PyTorch does, so
``(x @ w).grad_fn`` shows the same little graph PyTorch shows (``UnsafeViewBackward0``
over ``MmBackward0`` over ``ViewBackward0`` for a batch of rows times a matrix...).
The gradient of the reshapes is a reshape back, so nothing else is needed.

Unlike element-wise ops, the products never promote: both operands must already have
the same dtype (``float32 @ float64`` is an error, as in PyTorch).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import _backend as B
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._core import OpNode, as_array, broadcast_error, device_mismatch, note_broadcast, plain, record, register
from . import views as _views
from .views import UnsafeViewBackward0

_wrap = Tensor._wrap
_ndarray = np.ndarray
_asarray = np.asarray
_empty = np.empty
_F32 = np.dtype(np.float32)



def _w(a: Any) -> str:
    """PyTorch's word for an array's dtype in these errors (``Float``)."""
    return B.SCALAR_NAMES[a.dtype.name]


def _need_tensor(fn: str, name: str, pos: int, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _same_device(a: Any, b: Any) -> None:
    if type(a) is not type(b):
        raise device_mismatch(a, b)


def _no_bool(d: Any, kernel: str) -> None:
    if d.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _geometry(d: Any) -> tuple[tuple, tuple]:
    """Sizes and strides (in elements) of an array, as ``_saved_*_sym_sizes/strides`` show."""
    return d.shape, tuple(s // d.itemsize for s in d.strides)


def _operands(fn: str, names: tuple[str, str], input: Any, other: Any) -> tuple[Any, Any]:
    """The arrays of a product's two tensor operands (same device), with PyTorch's errors."""
    _need_tensor(fn, names[0], 1, input)
    _need_tensor(fn, names[1], 2, other)
    a, b = input._data, other._data
    _same_device(a, b)
    return a, b


def _product(data: Any, node: type, input: Tensor, other: Tensor, **fields: Any) -> Tensor:
    """Record a two-operand product (with the node's ``fields``). Each operand is saved
    only if the *other* one needs a gradient (d(AB)/dA needs B, and the other way round),
    as PyTorch does."""
    return record(data, node, (input, other),
                  saved=(input if other._requires_grad else None,
                         other if input._requires_grad else None), **fields)


def _mm_shapes_error(a: Any, b: Any) -> RuntimeError:
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                        f"{b.shape[0]}x{b.shape[1]})")


# ---------------------------------------------------------------------------
# the kernels
# ---------------------------------------------------------------------------


class DotBackward0(OpNode):
    """Dot product: each vector gets the gradient times the other vector.

    out = sum(self * tensor)
    grad_self = grad * tensor
    grad_tensor = grad * self
    """
    saved_names = ("self", "tensor")

    def backward(self, g):
        a, b = self._saved
        return (None if b is None else g * b.unpack(),
                None if a is None else g * a.unpack())


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length and dtype."""
    a, b = _operands("dot", ("input", "tensor"), input, tensor)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_w(a)} and "
                           f"{_w(b)}")
    if a.shape != b.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
            f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    _no_bool(a, "dot")
    return _product(as_array(a @ b), DotBackward0, input, tensor)


class MvBackward0(OpNode):
    """Matrix-vector product y = A·v: dA = dy·vᵀ and dv = Aᵀ·dy.

    out = self @ vec
    grad_self = outer(grad, vec)
    grad_vec = self.T @ grad
    """
    saved_names = ("self", "vec")

    def backward(self, g):
        a, v = self._saved
        return (None if v is None else outer(g, v.unpack()),
                None if a is None else mv(a.unpack().t(), g))


def _all_inference_with_grad(*ts: Any) -> bool:
    """Are all of ``ts`` inference tensors, one of them requiring grad?"""
    return (all(isinstance(t, Tensor) and t._is_inference for t in ts)
            and any(t.requires_grad for t in ts))


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n x m) times vector (m): a vector (n)."""
    a, v = _operands("mv", ("input", "vec"), input, vec)
    if a.ndim == 0:                                  # (PyTorch looks at input's dim 0 first)
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if not STATE.mode and _all_inference_with_grad(input, vec):
        # PyTorch's mv writes into a fresh ordinary tensor with addmv_, whose autograd saves
        # the (inference) matrix and vector before any shape check
        from ..autograd.node import save
        save(input, None)
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_w(v)}, {_w(a)}, "
                           f"and {_w(v)}")
    _no_bool(a, "addmv_impl_cpu")
    return _product(a @ v, MvBackward0, input, vec)


class MmBackward0(OpNode):
    """Matrix product C = A·B: dA = dC·Bᵀ and dB = Aᵀ·dC (each laid out as its input
    was: the gradient of a transposed weight comes out transposed too).

    out = self @ mat2
    grad_self = grad @ mat2.T
    grad_mat2 = self.T @ grad
    """
    saved_names = ("self", "mat2")
    fields = ("self_sym_sizes", "self_sym_strides", "mat2_sym_sizes", "mat2_sym_strides")

    def backward(self, g):
        a, b = self._saved
        if not STATE.grad_enabled:                    # first order: the same rule on plain arrays
            gd = g._data
            return (None if b is None else _wrap(_grad_mat1(gd, b.unpack_data(), _strides_t(self.self_sym_strides),
                                                            True)),
                    None if a is None else _wrap(_grad_mat2(gd, a.unpack_data(), _strides_t(self.mat2_sym_strides),
                                                            True)))
        return (None if b is None else _grad_mat1(g, b.unpack(), _strides_t(self.self_sym_strides)),
                None if a is None else _grad_mat2(g, a.unpack(), _strides_t(self.mat2_sym_strides)))


def _strides_t(strides: tuple) -> bool:
    """Column-major 2-D strides (a transposed view such as ``weight.t()``)."""
    return len(strides) == 2 and strides[0] == 1 and strides[1] != 1


def _is_t(d: Any) -> bool:
    """True for a column-major matrix, i.e. a transposed view such as ``weight.t()``."""
    return d.ndim == 2 and not d.flags.c_contiguous and d.flags.f_contiguous


def _grad_mat1(g: Any, mat2: Any, mat1_t: bool, arrays: bool = False) -> Any:
    """d mat1 = g mat2^T, laid out like mat1 (so a parameter's .grad keeps its strides).
    On tensors (``mm``, ``t()``), or with ``arrays`` on plain arrays (a first-order
    backward, which records nothing)."""
    prod, t = (_matmul, _T) if arrays else (mm, Tensor.t)
    return t(prod(mat2, t(g))) if mat1_t else prod(g, t(mat2))


def _grad_mat2(g: Any, mat1: Any, mat2_t: bool, arrays: bool = False) -> Any:
    """d mat2 = mat1^T g, laid out like mat2: for ``weight.t()`` the weight's gradient
    comes out row-major, as PyTorch's does. (Tensors or arrays, as ``_grad_mat1``.)"""
    prod, t = (_matmul, _T) if arrays else (mm, Tensor.t)
    return t(prod(t(g), mat1)) if mat2_t else prod(t(mat1), g)


def _matmul(a: Any, b: Any) -> Any:
    return a @ b


def _T(a: Any) -> Any:
    return a.T


def _check_mm(a: Any, b: Any) -> None:
    if a.shape[1] != b.shape[0]:
        raise _mm_shapes_error(a, b)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {B.CPP_NAMES[a.dtype.name]} "
                           f"!= {B.CPP_NAMES[b.dtype.name]}")
    _no_bool(a, "addmm_impl_cpu_")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix (n x m) times matrix (m x p): a matrix (n x p)."""
    a, b = _operands("mm", ("input", "mat2"), input, mat2)
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_mm(a, b)
    (ss, st), (ms, mt) = _geometry(a), _geometry(b)
    return _product(a @ b, MmBackward0, input, mat2, self_sym_sizes=ss, self_sym_strides=st,
                    mat2_sym_sizes=ms, mat2_sym_strides=mt)


class BmmBackward0(OpNode):
    """A batch of matrix products C[i] = A[i]·B[i]: the matrix-product rule, batch by
    batch (dA = dC·Bᵀ and dB = Aᵀ·dC).

    out = bmm(self, mat2)
    grad_self = bmm(grad, mat2.transpose(1, 2))
    grad_mat2 = bmm(self.transpose(1, 2), grad)
    """
    saved_names = ("self", "mat2")

    def backward(self, g):
        a, b = self._saved
        return (None if b is None else bmm(g, b.unpack().transpose(1, 2)),
                None if a is None else bmm(a.unpack().transpose(1, 2), g))


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """A batch of matrix products: (b x n x m) times (b x m x p) gives (b x n x p)."""
    a, b = _operands("bmm", ("input", "mat2"), input, mat2)
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
            f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_w(a)} but found {_w(b)}")
    _no_bool(a, "bmm")
    return _product(a @ b, BmmBackward0, input, mat2)


class AddmmBackward0(OpNode):
    """Linear layer out = bias + x·Wᵀ (addmm): the bias gets the gradient summed over the
    batch, the matrices get the matrix-product rule.

    out = beta * self + alpha * (mat1 @ mat2)
    grad_self = beta * grad (summed to the bias's shape)
    grad_mat1 = alpha * grad @ mat2.T
    grad_mat2 = alpha * mat1.T @ grad
    """
    saved_names = ("mat1", "mat2")
    fields = ("alpha", "beta", "mat1_sym_sizes", "mat1_sym_strides", "mat2_sym_sizes", "mat2_sym_strides",
              "_row")                                 # _row: self is one row for the batch (nn.Linear)

    def backward(self, g):
        m1, m2 = self._saved
        alpha, beta = self.alpha, self.beta
        row = self._row
        if not STATE.grad_enabled:                    # first order: plain arrays
            gd = g._data
            ga = gd if alpha == 1 else gd * alpha
            gi = None
            if self.next_functions[0][0] is not None:
                gi = gd if beta == 1 else gd * beta
                meta = self._in_meta
                if row or meta is not None and meta[0][0] == gi.shape[1:]:   # a bias row: sum
                    gi = gi.sum(axis=0)                  # the batch (anything else: reduce_grad)
                gi = _wrap(gi)
            return (gi,
                    None if m2 is None else _wrap(_grad_mat1(ga, m2.unpack_data(), _strides_t(self.mat1_sym_strides),
                                                             True)),
                    None if m1 is None else _wrap(_grad_mat2(ga, m1.unpack_data(), _strides_t(self.mat2_sym_strides),
                                                             True)))
        ga = g if alpha == 1 else g * alpha
        gi = g if beta == 1 else g * beta
        return (gi.sum(0) if row else gi,
                None if m2 is None else _grad_mat1(ga, m2.unpack(), _strides_t(self.mat1_sym_strides)),
                None if m1 is None else _grad_mat2(ga, m1.unpack(), _strides_t(self.mat2_sym_strides)))


def addmm_shape(input: Tensor, mat1: Tensor, mat2: Tensor) -> tuple[int, int]:
    """addmm's checks of its operands, in PyTorch's order; the product's shape."""
    for i, (name, t) in enumerate((("input", input), ("mat1", mat1), ("mat2", mat2))):
        _need_tensor("addmm", name, i + 1, t)
    s, a, b = input._data, mat1._data, mat2._data
    _same_device(s, a)
    _same_device(a, b)
    for name, d in (("mat1", a), ("mat2", b)):
        if d.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {d.ndim}-D tensor")
    if s.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_w(s)} and {_w(b)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_w(a)} and {_w(b)}")
    if a.shape[1] != b.shape[0]:
        raise _mm_shapes_error(a, b)
    _no_bool(a, "addmm_impl_cpu_")
    return (a.shape[0], b.shape[1])


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape.

    What ``nn.Linear`` computes for a batch of rows: ``addmm(bias, x, weight.t())``.
    """
    if beta == 1 and alpha == 1 and isinstance(input, Tensor) and isinstance(mat1, Tensor) \
            and isinstance(mat2, Tensor):
        fast = _linear_rows(input, mat1, mat2)
        if fast is not None:
            return fast
    target = addmm_shape(input, mat1, mat2)
    s, a, b = input._data, mat1._data, mat2._data
    if s.shape != target and (s.ndim > 2 or any(k != 1 and k != t for k, t in
                                                 zip(s.shape[::-1], target[::-1]))):
        Tensor._wrap(s).expand(target)              # raises PyTorch's error: input does not fit
    prod = a @ b                                    # a fresh array: safe to update in place
    if alpha != 1:
        if prod.dtype.kind == "f":
            prod *= alpha
        else:
            prod = prod * alpha
    data = prod
    if beta != 0:
        if prod.dtype == s.dtype:
            prod += s if beta == 1 else s * beta
        else:
            data = prod + (s if beta == 1 else s * beta)
    res = record(data.astype(a.dtype, copy=False), AddmmBackward0, (input, mat1, mat2),
                 saved=(mat1 if mat2._requires_grad else None, mat2 if mat1._requires_grad else None),
                 alpha=alpha, beta=beta, mat1_sym_sizes=a.shape, mat1_sym_strides=_geometry(a)[1],
                 mat2_sym_sizes=b.shape, mat2_sym_strides=_geometry(b)[1], _row=False)
    if s.shape != target:
        note_broadcast(res, input, None, None)
    return res


def _linear_rows(input: Tensor, mat1: Tensor, mat2: Tensor) -> Tensor | None:
    """``addmm`` with beta = alpha = 1 on numpy matrices of one float dtype and a bias of
    the product's shape or one row of it (what ``nn.Linear`` does): no checks needed,
    the bias added in place. None for anything else (the general path has the errors).
    """
    s, a, b = input._data, mat1._data, mat2._data
    if s.__class__ is not _ndarray or a.__class__ is not _ndarray or b.__class__ is not _ndarray \
            or a.ndim != 2 or b.ndim != 2 or not (s.dtype is a.dtype is b.dtype) \
            or a.dtype.kind != "f" or a.shape[1] != b.shape[0]:
        return None
    row = s.shape == (b.shape[1],)
    if not row and s.shape != (a.shape[0], b.shape[1]):
        return None
    prod = a @ b
    prod += s
    sa, sb, size = a.strides, b.strides, a.itemsize       # strides in elements, as PyTorch's
    return record(prod, AddmmBackward0, (input, mat1, mat2),
                  (mat1 if mat2._requires_grad else None, mat2 if mat1._requires_grad else None),
                  alpha=1, beta=1, mat1_sym_sizes=a.shape, mat1_sym_strides=(sa[0] // size, sa[1] // size),
                  mat2_sym_sizes=b.shape, mat2_sym_strides=(sb[0] // size, sb[1] // size),
                  _row=row)                           # (the bias row's gradient sums the batch)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``.

    Built as PyTorch builds it: a column view of ``input`` times ``vec2``, broadcast.
    """
    _need_tensor("outer", "input", 1, input)
    _need_tensor("outer", "vec2", 2, vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(input._data.shape[0], 1) * vec2


# ---------------------------------------------------------------------------
# matmul: choose a kernel, reshape around it (PyTorch's structure, step by step)
# ---------------------------------------------------------------------------


def _reshape(t: Tensor, shape: tuple) -> Tensor:
    """``reshape`` as PyTorch records it (see ``views.reshape``)."""
    return _views.reshape(t, shape)


def _unsafe_view(t: Tensor, shape: tuple) -> Tensor:
    """Reshape a fresh intermediate result: no view bookkeeping (PyTorch's ``_unsafe_view``)."""
    return record(t._data.reshape(shape), UnsafeViewBackward0, (t,), self_sym_sizes=t._data.shape)


def _squeeze_first(t: Tensor) -> Tensor:
    """Drop the leading 1 of a fresh (1, p) result (not a view: nothing else sees the product),
    as PyTorch's in-place ``squeeze_(0)`` (``SqueezeBackward4``)."""
    return record(t._data.reshape(t._data.shape[1:]), _views.SqueezeBackward4, (t,),
                  self_sym_sizes=t._data.shape, dim=0)


def _broadcast_batch(a: tuple, b: tuple) -> tuple:
    """The broadcast of two batch shapes (PyTorch's error names the last clashing dim)."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    if any(sa != sb and sa != 1 and sb != 1 for sa, sb in zip(a, b)):
        raise broadcast_error(a, b)
    return tuple(sb if sa == 1 else sa for sa, sb in zip(a, b))


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """Can the batch of the larger operand be folded into rows (one ``mm``/``mv``)?

    PyTorch folds when the smaller operand (at most 2-D) needs a gradient -- its
    gradient is then one small matrix instead of a batch of them -- or when folding
    needs no copy.
    """
    a_larger = a._data.ndim >= b._data.ndim
    big = a._data if a_larger else b._data.swapaxes(-1, -2)
    small = b if a_larger else a
    if not (big.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if a._data.ndim == 2:
        return False
    if big.size == 0:
        return True
    st, sh = big.strides, big.shape
    return all(st[i] == st[i + 1] * sh[i + 1] for i in range(big.ndim - 2))


def _fold(a: Tensor, b: Tensor) -> Tensor:
    """(..., n, m) @ (m, p) as one (N, m) @ (m, p) product; 2-D/1-D @ N-D via transposes."""
    transpose = b._data.ndim > a._data.ndim
    t1 = b.mT if transpose else a
    t2 = (a.t() if a._data.ndim == 2 else a) if transpose else b
    sizes = t1._data.shape
    out_shape = sizes[:-1]
    rows = int(np.prod(out_shape, dtype=np.int64))
    folded = _reshape(t1, (rows, sizes[-1]))
    if t2._data.ndim == 2:
        out = _unsafe_view(mm(folded, t2), out_shape + (t2._data.shape[1],))
        return out.mT.contiguous() if transpose else out
    return _unsafe_view(mv(folded, t2), out_shape)


def _batched(a: Tensor, b: Tensor) -> Tensor:
    """Broadcast the batch dims, flatten them into one, and use ``bmm``."""
    da, db = a._data.ndim, b._data.ndim
    sa, sb = a._data.shape, b._data.shape
    n, m1 = (sa[-2] if da > 1 else 1), sa[-1]
    m2, p = (sb[-2] if db > 1 else sb[0]), (sb[-1] if db > 1 else 1)
    batch = _broadcast_batch(sa[:max(da - 2, 0)], sb[:max(db - 2, 0)])
    nb = int(np.prod(batch, dtype=np.int64))
    a3 = _reshape(a.expand(batch + (n, m1)), (nb, n, m1))
    if db == 1:
        b3 = _reshape(b.expand(batch + (m2,)), (nb, m2)).unsqueeze(2)
    else:
        b3 = _reshape(b.expand(batch + (m2, p)), (nb, m2, p))
    out = bmm(a3, b3)
    if db == 1:
        out = out.squeeze(-1)
    return _unsafe_view(out, batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ()))


def _matmul_general(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product ``input @ other`` for operands of any rank >= 1.

    * 1-D @ 1-D: ``dot``;  2-D @ 1-D: ``mv``;  2-D @ 2-D: ``mm``;
    * 1-D @ 2-D: the vector becomes a 1-row matrix, then ``mm``, then the row is dropped;
    * N-D: leading dims are batch dims and broadcast; a batch times a matrix is folded
      into one ``mm``, anything else goes through ``bmm``.
    """
    _need_tensor("matmul", "input", 1, input)
    _need_tensor("matmul", "other", 2, other)
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and "
                           f"{db}D")
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        return _squeeze_first(mm(input.unsqueeze(0), other))
    if da == 2 and db == 2:
        return mm(input, other)
    if da == 3 and db == 3:                         # a batch of one: drop it and fold
        na, nb = input._data.shape[0], other._data.shape[0]
        if na == 1 and nb != 1 and input._requires_grad:
            return matmul(input.squeeze(0), other)
        if nb == 1 and na != 1 and other._requires_grad:
            return matmul(input, other.squeeze(0))
    if _should_fold(input, other):
        return _fold(input, other)
    return _batched(input, other)


def _with_fast_products(slow: Callable[[Tensor, Any], Any], operator: bool) -> Callable[[Tensor, Any], Any]:
    """``slow`` with the common 1-D/2-D float cases of ``a @ b`` in front of it.

    Same result and graph as ``dot`` / ``mv`` / ``mm``; anything unusual (other ranks,
    mixed dtypes or devices, mismatched sizes, a non-Tensor) goes to ``slow`` for its
    errors. Each operand is saved only if the other one requires grad (see
    ``_product``). Made twice, for ``matmul`` and for the ``@`` operator (``operator``:
    Python calls it on a Tensor only, so ``input`` needs no check), so that each is a
    single call.
    """
    def product(input: Tensor, other: Any) -> Any:
        if other.__class__ is not Tensor and not isinstance(other, Tensor) or \
                not operator and input.__class__ is not Tensor and not isinstance(input, Tensor):
            return slow(input, other)
        a, b = input._data, other._data
        dt = a.dtype
        if a.__class__ is not _ndarray or b.__class__ is not _ndarray or b.dtype is not dt \
                or dt is not _F32 and dt.kind != "f":
            return slow(input, other)
        nb = b.ndim
        if nb == 1:
            na = a.ndim
            if na == 1:                               # ndarray.dot: the same kernel as a @ b,
                data = _empty((), dt)                 # written straight into a 0-d array (it
                try:                                  # returns a scalar: keep ``data``)
                    a.dot(b, data)
                except ValueError:                    # sizes differ: dot() has the error
                    return slow(input, other)
                mode = STATE.mode
                if mode:                              # nothing to record
                    return plain(data, mode > 1)
                return record(data, DotBackward0, (input, other),
                              (input if other._requires_grad else None,
                               other if input._requires_grad else None))
            elif na == 2 and a.shape[1] == b.shape[0] and not input._is_inference:  # ndarray.dot: gemv
                # (as a @ b; an inference matrix goes to mv, whose addmv_ may refuse it)
                mode = STATE.mode
                if mode:                              # nothing to record
                    return plain(a.dot(b), mode > 1)
                return record(a.dot(b), MvBackward0, (input, other),
                              (input if other._requires_grad else None,
                               other if input._requires_grad else None))
        elif nb == 2 and a.ndim == 2 and a.shape[1] == b.shape[0]:
            (ss, st), (ms, mt) = _geometry(a), _geometry(b)
            return record(a @ b, MmBackward0, (input, other),
                          (input if other._requires_grad else None,
                           other if input._requires_grad else None),
                          self_sym_sizes=ss, self_sym_strides=st, mat2_sym_sizes=ms, mat2_sym_strides=mt)
        return slow(input, other)
    return product


def _matmul_op_slow(self: Tensor, other: Any) -> Any:
    return _matmul_general(self, other) if isinstance(other, Tensor) else NotImplemented


matmul = _with_fast_products(_matmul_general, False)
matmul.__name__ = matmul.__qualname__ = "matmul"
matmul.__doc__ = _matmul_general.__doc__
_matmul_op = _with_fast_products(_matmul_op_slow, True)
_matmul_op.__name__ = _matmul_op.__qualname__ = "__matmul__"
_matmul_op.__doc__ = "``self @ other``"


def _rmatmul_op(self: Tensor, other: Any) -> Any:
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


def _matmul_method(self: Tensor, other: Any) -> Tensor:
    _need_tensor("matmul", "other", 1, other)
    return matmul(self, other)


register("matmul")(_matmul_method)
register("__matmul__")(_matmul_op)
register("__rmatmul__")(_rmatmul_op)
register("mm")(mm)
register("mv")(mv)
register("dot")(dot)
register("bmm")(bmm)
register("outer", "ger")(outer)
register("addmm")(addmm)

ger = outer
EXPORTS = ["matmul", "mm", "mv", "dot", "bmm", "addmm", "outer", "ger"]
