"""``torch.functional``: a handful of top-level functions PyTorch writes in Python
(``norm``, ``split``, ``meshgrid``, ``einsum``, ...), importable from here as well.

Only the ones autograd_nb has are here; they are the same objects as ``torch.<name>``.
(Activation functions live in ``torch.nn.functional``, usually imported as ``F``.)
"""
from __future__ import annotations

from typing import Any

_NAMES = ("atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
          "cartesian_prod", "block_diag", "cdist", "chain_matmul", "einsum", "lu", "norm", "meshgrid",
          "split", "tensordot", "unique", "unique_consecutive", "unravel_index")


def __getattr__(name: str) -> Any:
    import autograd_nb
    if name in _NAMES:
        return getattr(autograd_nb, name)           # torch.X's message when we lack it
    raise AttributeError(f"module 'torch.functional' has no attribute '{name}'")


def __dir__() -> list[str]:
    import autograd_nb
    return sorted(n for n in _NAMES if n in autograd_nb.supported())
