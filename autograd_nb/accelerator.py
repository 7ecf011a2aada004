"""``torch.accelerator``: is there a device faster than the cpu, and which one?

For autograd_nb the only accelerator is ``cuda`` through CuPy (with an NVIDIA GPU),
so the newer tutorials' ``torch.accelerator.current_accelerator()`` gives
``device(type='cuda')`` there and ``None`` elsewhere, as PyTorch does.
"""
from __future__ import annotations

from . import _backend as B

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available() -> bool:
    """True when a GPU can be used (CuPy and an NVIDIA GPU)."""
    from . import cuda
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> B.device | None:
    """``device(type='cuda')`` when a GPU is there, else None."""
    return B.device("cuda") if is_available() else None


def device_count() -> int:
    from . import cuda
    return cuda.device_count() if is_available() else 0
