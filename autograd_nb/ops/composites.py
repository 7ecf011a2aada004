"""PyTorch functions that are compositions of ops we already have.

PyTorch writes these in terms of other ops (its "CompositeImplicitAutograd" functions):
``fliplr`` is a ``flip``, ``hsplit`` a ``tensor_split``, which is slices,
``take_along_dim`` a ``gather``, ``cartesian_prod`` a ``meshgrid`` and a ``stack``. They
have no node of their own, so neither do they here: the graph shows the ops they are
made of, with those ops' rules, exactly as PyTorch's graph does.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._tensor import Tensor, canon_dim
from ._core import register
from .pointwise import div_scalar, mul_scalar


def positive(input: Tensor) -> Tensor:
    """``+x``: the tensor itself (a bool tensor is refused, as PyTorch refuses it)."""
    if input.dtype.name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def rdiv(self: Any, other: Any) -> Tensor:
    """``Tensor.__rdiv__``: ``other / self`` written as PyTorch's Python method writes it,
    ``self.reciprocal() * other`` (a MulBackward0)."""
    if not isinstance(self, Tensor):                  # (as PyTorch's: the number has no such method)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute 'reciprocal'")
    return self.reciprocal() * other


def fliplr(input: Tensor) -> Tensor:
    """The columns (dim 1) in reverse order: ``flip(input, [1])``."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return input.flip([1])


def flipud(input: Tensor) -> Tensor:
    """The rows (dim 0) in reverse order: ``flip(input, [0])``."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return input.flip([0])


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple:
    """Views of ``input`` along ``dim``: ``n`` near-equal pieces (the first ``size % n`` one
    longer), or the pieces between the given indices. Each is a slice (SliceBackward0)."""
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {indices_or_sections.dim()} dims")
        indices_or_sections = (indices_or_sections.item() if indices_or_sections.dim() == 0
                               else indices_or_sections.tolist())
    d = canon_dim(dim, input.dim())
    size = input.shape[d]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        small, extra = divmod(size, n)
        bounds, start = [], 0
        for i in range(n):
            stop = start + small + (1 if i < extra else 0)
            bounds.append((start, stop))
            start = stop
    else:
        cuts = [int(i) for i in indices_or_sections]
        bounds, start = [], 0
        for c in cuts + [size]:
            bounds.append((start, c))
            start = c
    from .indexing import slice_dim
    return tuple(slice_dim(input, d, slice(a, max(a, b))) for a, b in bounds)


def _split_along(name: str, input: Tensor, sections: Any, dim: int, least: int) -> tuple:
    """hsplit / vsplit / dsplit: tensor_split along ``dim`` (an int must divide the size)."""
    if not isinstance(sections, (int, np.integer, list, tuple)):
        from ._core import combination_error
        raise combination_error(name, input, sections)
    if input.dim() < least:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, but got a tensor "
                           f"with {input.dim()} dimensions!")
    if isinstance(sections, (int, np.integer)):
        size = input.shape[dim]
        if sections == 0 or size % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along the columns (dim 1; dim 0 for a 1-d tensor)."""
    return _split_along("hsplit", input, indices_or_sections, 1 if input.dim() > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along the rows (dim 0)."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along the depth (dim 2)."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with the indices broadcast against ``input`` (all but ``dim``); without
    ``dim`` both are flattened first."""
    if dim is None:                                   # (no wrapping of negative positions here)
        return input.reshape(-1).gather(0, indices.reshape(-1))
    d = canon_dim(dim, input.dim())
    if input.dim() != indices.dim():
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.dim()} dimensions for input, and {indices.dim()} dimensions for indices")
    shape_i = list(input.shape)
    shape_x = list(indices.shape)
    shape_i[d] = shape_x[d] = 1
    common = list(np.broadcast_shapes(tuple(shape_i), tuple(shape_x)))
    want_x = common.copy()
    want_x[d] = input.shape[d]
    want_i = common.copy()
    want_i[d] = indices.shape[d]
    if indices.numel() and bool((indices < 0).any()):  # (negative positions count from the end,
        from .compare import where                    # modulo the size, as PyTorch)
        indices = where(indices < 0, indices.remainder(input.shape[d]), indices)
    return input.expand(*want_x).gather(d, indices.expand(*want_i))


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-d tensor, as the rows of a matrix
    (``meshgrid`` then ``stack`` of the flattened grids)."""
    from .._functions import meshgrid, stack
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements, one row each: ``nonzero(input)``."""
    return input.nonzero()


def float_power(input: Any, exponent: Any) -> Tensor:
    """``pow`` in double precision: both sides are converted to float64 first."""
    from .. import _backend as B
    from .._functions import pow
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        from ._core import combination_error
        raise combination_error("float_power", input, exponent)
    base = input.to(B.float64) if isinstance(input, Tensor) else float(input)
    exp = exponent.to(B.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(base, exp)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened input on the ``offset``-th diagonal of a square matrix (``diag``)."""
    return input.contiguous().reshape(-1).diag(offset)


def _trapezoid_dx(y: Tensor, x: Tensor, dim: int) -> Tensor:
    """The spacings ``x[i + 1] - x[i]`` along ``dim``, ``x`` viewed to broadcast with ``y``."""
    from .indexing import slice_dim
    if x.dim() == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        x = x.view([x.shape[0] if k == dim else 1 for k in range(y.dim())])
    elif x.dim() < y.dim():
        x = x.view([1] * (y.dim() - x.dim()) + list(x.shape))
    return slice_dim(x, dim, slice(1, None)) - slice_dim(x, dim, slice(0, -1))


def _float_for_scalar(t: Tensor) -> Tensor:
    """An integer tensor times or over a double becomes the default float dtype (as in
    PyTorch); the scalar ops below keep their input's dtype, so convert first."""
    from .. import _backend as B
    return t if t.dtype.is_floating_point else t.to(B.get_default_dtype())


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule: with spacing ``dx`` (a
    number, 1 by default), ``(sum(y) - (y[0] + y[-1]) / 2) * dx``; with sample points ``x``,
    ``sum(dx * (y_left + y_right)) / 2``."""
    from .indexing import slice_dim
    from .. import _backend as B
    d = canon_dim(dim, y.dim())
    if y.shape[d] == 0:
        return Tensor._wrap(B.xp_of(y._data).zeros(y.shape[:d] + y.shape[d + 1:], y._data.dtype))
    if isinstance(x, Tensor):
        if y.dtype.name == "bool" or x.dtype.name == "bool":
            raise RuntimeError("trapezoid: received a bool input for `x` or `y`, but bool is not supported")
        step = _trapezoid_dx(y, x, d)
        total = (step * (slice_dim(y, d, slice(0, -1)) + slice_dim(y, d, slice(1, None)))).sum(d)
        return div_scalar(_float_for_scalar(total), 2.0)
    if y.dtype.name == "bool":
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
    y = _float_for_scalar(y)
    step = 1.0 if dx is None and x is None else float(dx if dx is not None else x)
    return mul_scalar(y.sum(d) - mul_scalar(y.select(d, 0) + y.select(d, -1), 0.5), step)


def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral of ``y`` along ``dim`` (one value fewer)."""
    from .indexing import slice_dim
    d = canon_dim(dim, y.dim())
    left, right = slice_dim(y, d, slice(0, -1)), slice_dim(y, d, slice(1, None))
    if isinstance(x, Tensor):
        return div_scalar(_float_for_scalar((_trapezoid_dx(y, x, d) * (left + right)).cumsum(d)), 2.0)
    left, right = _float_for_scalar(left), _float_for_scalar(right)
    step = 1.0 if dx is None and x is None else float(dx if dx is not None else x)
    return mul_scalar(left + right, step / 2.0).cumsum(d)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-``r`` combinations of the elements of a 1-d tensor, as rows (a meshgrid
    of ``r`` copies, the entries with increasing indices picked, then stacked)."""
    from .._functions import meshgrid, stack
    from .._creation import arange, empty
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return empty(0, dtype=input.dtype)
    grids = meshgrid(*([input] * r), indexing="ij")
    index = meshgrid(*([arange(input.shape[0])] * r), indexing="ij")
    mask = None
    for a, b in zip(index, index[1:]):
        m = (a <= b) if with_replacement else (a < b)
        mask = m if mask is None else mask & m
    if mask is None:
        return stack(list(grids), 1)
    return stack([g.masked_select(mask) for g in grids], 1)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Any = None) -> Tensor:
    """Contract ``a``'s dims ``dims[0]`` with ``b``'s ``dims[1]`` (an int n: ``a``'s last n
    with ``b``'s first n): both permuted and flattened to matrices, one ``mm``, the free
    dims restored (a ViewBackward0, as PyTorch)."""
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        da, db = ([int(k)] if isinstance(k, (int, np.integer)) else [int(i) for i in k] for k in dims)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da = [canon_dim(k, a.dim()) for k in da]
    db = [canon_dim(k, b.dim()) for k in db]
    for i, j in zip(da, db):                          # (a size 1 against n: the n are summed first)
        if a.shape[i] != b.shape[j] and b.shape[j] == 1:
            a = a.sum(i, keepdim=True, dtype=a.dtype)
        elif a.shape[i] != b.shape[j] and a.shape[i] == 1:
            b = b.sum(j, keepdim=True, dtype=b.dtype)
        elif a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    free_a = [k for k in range(a.dim()) if k not in da]
    free_b = [k for k in range(b.dim()) if k not in db]
    size = int(np.prod([a.shape[k] for k in da])) if da else 1
    ma = a.permute(*(free_a + da)).reshape(-1 if free_a else 1, size) if a.dim() else a.reshape(1, 1)
    mb = b.permute(*(db + free_b)).reshape(size, -1 if free_b else 1) if b.dim() else b.reshape(1, 1)
    return ma.mm(mb).reshape([a.shape[k] for k in free_a] + [b.shape[k] for k in free_b])


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Dot products over the last dims (a product when either is 0-d)."""
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables (rows) over the observations (columns),
    optionally weighted: centre each row on its (weighted) mean, one ``mm`` with its
    transpose, divided by the (weighted) count less ``correction``."""
    from .. import _backend as B
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    x = input.view(1, -1) if input.dim() < 2 else input
    n = x.shape[1]
    w = None
    for name, t in (("fweights", fweights), ("aweights", aweights)):
        if t is None:
            continue
        if t.dim() > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{t.dim()} dimensions")
        if name == "fweights" and t.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{B.SCALAR_NAMES[t._data.dtype.name]} dtype")
        if name == "aweights" and not t.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{B.SCALAR_NAMES[t._data.dtype.name]} dtype")
        if t.numel() != n:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                               f"input but got {t.numel()} != {n}")
        if bool((t < 0).any()):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = t if w is None else w * t
    from .._creation import scalar_tensor
    w_sum = w.sum() if w is not None else scalar_tensor(n, dtype=B.int64)
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is None:
        norm = w_sum - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    if bool((norm <= 0).all()):
        import warnings
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                      "of observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    centred = x - avg.unsqueeze(1)
    c = centred.mm((centred * w if w is not None else centred).t())
    return (c / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients: the covariance matrix divided by the standard
    deviations of both variables, clipped to [-1, 1]."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    return c.clip(-1, 1)


def unravel_index(indices: Tensor, shape: Any) -> tuple:
    """The coordinates, one tensor per dimension of ``shape``, of flat positions (taken
    modulo the number of elements, as PyTorch)."""
    from .._creation import tensor as make
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer Tensor, but got {type(indices).__name__}")
    if indices.dtype.is_floating_point or indices.dtype.name == "bool":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    flat = indices._data.astype(np.int64)
    out, rest = [], flat
    for s in reversed(shape):
        out.append(rest % s if s else rest * 0)
        rest = rest // s if s else rest
    return tuple(make(o) for o in reversed(out))


for _f in (positive, fliplr, flipud, tensor_split, hsplit, vsplit, dsplit, take_along_dim, argwhere, float_power,
           diagflat, inner, cov, corrcoef):
    register(_f.__name__)(_f)
register("__rdiv__")(rdiv)

EXPORTS = ["positive", "fliplr", "flipud", "tensor_split", "hsplit", "vsplit", "dsplit", "take_along_dim",
           "cartesian_prod", "argwhere", "float_power", "diagflat", "trapezoid", "trapz", "cumulative_trapezoid",
           "combinations", "tensordot", "inner", "cov", "corrcoef", "unravel_index"]
