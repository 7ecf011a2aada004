"""``autograd.graph``: the public view of the recorded graph.

``saved_bytes()`` is the live total of bytes held by saved buffers (see ``SavedTensor``).
``saved_tensors_hooks(pack, unpack)`` lets code see (and replace) every tensor a node
saves, as PyTorch's API of the same name does; it is built on the same ``SavedTensor``
objects, not on a second mechanism.
"""
from __future__ import annotations

from typing import Any, Callable

from .node import HOOK_STACK, Node, SavedTensor, saved_bytes  # noqa: F401

__all__ = ["Node", "saved_bytes", "saved_tensors_hooks", "save_on_cpu"]


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


class save_on_cpu(saved_tensors_hooks):
    """Keep every tensor saved for backward in cpu memory (moved back to its device when used).

    On the cpu this changes nothing; with cuda tensors it trades GPU memory for copies.
    ``pin_memory`` is accepted for PyTorch compatibility and ignored.
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(t: Any) -> Any:
            return (t.device, t if t.is_cpu else t.cpu())

        def unpack(packed: Any) -> Any:
            dev, t = packed
            return t if dev.type == "cpu" else t.to(dev)

        super().__init__(pack, unpack)
