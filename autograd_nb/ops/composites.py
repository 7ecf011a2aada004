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


for _f in (positive, fliplr, flipud, tensor_split, hsplit, vsplit, dsplit, take_along_dim, argwhere, float_power):
    register(_f.__name__)(_f)
register("__rdiv__")(rdiv)

EXPORTS = ["positive", "fliplr", "flipud", "tensor_split", "hsplit", "vsplit", "dsplit", "take_along_dim",
           "cartesian_prod", "argwhere", "float_power"]
