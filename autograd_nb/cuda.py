"""``torch.cuda``: is a GPU there, and a few helpers for it.

autograd_nb runs on an NVIDIA GPU through CuPy (``pip install autograd_nb[gpu]``).
Importing autograd_nb never imports CuPy; these functions probe for it on first use.
"""
from __future__ import annotations

from typing import Any

from . import _backend as B

__all__ = ["is_available", "device_count", "synchronize", "manual_seed", "manual_seed_all",
           "memory_allocated", "current_device", "get_device_name"]


def is_available() -> bool:
    """True when CuPy is installed and an NVIDIA GPU answers."""
    return B.cupy_or_none() is not None


def device_count() -> int:
    cp = B.cupy_or_none()
    return 0 if cp is None else int(cp.cuda.runtime.getDeviceCount())


def current_device() -> int:
    B.require_cupy()
    return 0


def get_device_name(device: Any = None) -> str:
    cp = B.require_cupy()
    props = cp.cuda.runtime.getDeviceProperties(0)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device: Any = None) -> None:
    """Wait until every queued GPU kernel has finished (do this before timing)."""
    B.require_cupy().cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU random generator."""
    cp = B.cupy_or_none()
    if cp is not None:
        cp.random.seed(seed)


manual_seed_all = manual_seed


def memory_allocated(device: Any = None) -> int:
    """Bytes of GPU memory held by arrays right now (CuPy's memory pool)."""
    cp = B.cupy_or_none()
    return 0 if cp is None else int(cp.get_default_memory_pool().used_bytes())
