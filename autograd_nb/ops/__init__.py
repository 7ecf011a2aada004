"""Differentiable ops, one module per family; importing this attaches them to Tensor."""
from . import pointwise, views, indexing, compare, convert, reduce  # noqa: F401
