"""``autograd.graph``: the public view of the recorded graph.

``saved_bytes()`` is the live total of bytes held by saved buffers (see ``SavedTensor``).
``saved_tensors_hooks(pack, unpack)`` lets code see (and replace) every tensor a node
saves, as PyTorch's API of the same name does; it is built on the same ``SavedTensor``
objects, not on a second mechanism.
"""
from __future__ import annotations

from typing import Any, Callable

from .node import HOOK_STACK, Node, SavedTensor, saved_bytes  # noqa: F401

__all__ = ["Node", "saved_bytes", "saved_tensors_hooks"]


class saved_tensors_hooks:
    """Inside this block, every tensor saved for backward goes through ``pack_hook``.

    ``pack_hook(tensor)`` returns what to store; ``unpack_hook(stored)`` gives the
    tensor back when backward needs it.
    """

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> "saved_tensors_hooks":
        HOOK_STACK.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc: Any) -> None:
        HOOK_STACK.pop()
