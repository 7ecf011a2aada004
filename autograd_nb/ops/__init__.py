"""Differentiable ops, one module per family; importing this attaches them to Tensor.

Each family module defines its ops (forward function + node class side by side),
attaches methods with ``_core.register`` and lists its ``torch.X`` functions in
``EXPORTS`` (gathered by ``autograd_nb._functions``).
"""
import importlib

FAMILIES = ("pointwise", "views", "indexing", "compare", "convert", "reduce", "sorting", "combine",
            "linalg", "joins", "nnops", "inplace_views", "shapes",
            "matrix_functions", "decompositions", "inplace_forms", "unfold_view", "index_copy", "composites", "elementwise_more", "integer_ops", "regions", "products_more", "cumulative")

for _name in FAMILIES:
    importlib.import_module(f"{__name__}.{_name}")
