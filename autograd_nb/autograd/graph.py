"""``autograd.graph``: the public view of the recorded graph.

``saved_bytes()`` is the live total of bytes held by saved buffers (see ``SavedTensor``).
``saved_tensors_hooks(pack, unpack)`` lets code see (and replace) every tensor a node
saves, as PyTorch's API of the same name does; it is built on the same ``SavedTensor``
objects, not on a second mechanism.
"""
from __future__ import annotations

import weakref
from collections import defaultdict
from typing import Any, Callable, Iterable, Iterator

from .node import (HOOK_STACK, HOOKS_DISABLED, PRE_MUTATION, GradientEdge, Node,  # noqa: F401
                   RemovableHandle, SavedTensor, _TensorEdge, saved_bytes)

__all__ = ["Node", "saved_bytes", "saved_tensors_hooks", "save_on_cpu", "GradientEdge",
           "get_gradient_edge", "increment_version", "register_multi_grad_hook",
           "allow_mutation_on_saved_tensors", "disable_saved_tensors_hooks"]


def get_gradient_edge(tensor: Any) -> GradientEdge:
    """The edge through which ``tensor``'s gradient flows: ``(grad_fn, output_nr)``, or
    ``(AccumulateGrad, 0)`` for a leaf. Pass it to ``autograd.grad`` as an input to get
    the gradient at that point of the graph, even after ``tensor`` changed in place."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor "
                           "that does not require gradients")
    node, nr = tensor._edge()
    if node is None:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor "
                           "that does not require gradients")
    edge = _TensorEdge(node, nr)
    edge._meta = (tuple(tensor.shape), tensor.dtype)
    return edge


def increment_version(tensor: Any) -> None:
    """Count an in-place change made behind autograd's back (e.g. by numpy on ``.numpy()``),
    so nodes that saved the tensor notice. Accepts one tensor or several."""
    tensors = (tensor,) if hasattr(tensor, "_vc") else tuple(tensor)
    for t in tensors:
        if not t._is_inference:                       # inference tensors count nothing
            t._vc[0] += 1


class _MultiHandle:
    """What ``register_multi_grad_hook`` returns: ``remove()`` removes it from every tensor."""

    def __init__(self, handles: list) -> None:
        self.handles = handles

    def remove(self) -> None:
        for h in self.handles:
            h.remove()

    def __enter__(self) -> "_MultiHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def register_multi_grad_hook(tensors: Iterable[Any], fn: Callable, *, mode: str = "all") -> _MultiHandle:
    """One hook for several tensors, once per backward.

    ``mode="all"``: ``fn(grads)`` runs once the gradients of all the tensors this backward
    reaches are computed; ``grads`` has one entry per tensor (None where no gradient
    flows). ``mode="any"``: ``fn(grad)`` runs on the first gradient of any of them.
    Each backward counts on its own (also backwards running at once on several threads).
    """
    from .engine import current_task
    supported = ("all", "any")
    if mode not in supported:
        raise ValueError(f"Expects mode to be one of {supported} but got {mode}")
    tensors = tuple(tensors)
    key = object()                                    # this registration, in each run's state

    def make(i: int) -> Callable:
        def hook(grad: Any) -> None:
            task = current_task()
            if task is None:
                return
            state = task.multi_hooks.get(key)
            if mode == "any":
                if state is None:
                    task.multi_hooks[key] = True
                    fn(grad)
                return
            if state is None:                         # first gradient of this run: how many come
                expected = sum(1 for t in tensors if t.requires_grad and t._edge()[0] in task.will_run)
                state = task.multi_hooks[key] = [expected, [None] * len(tensors)]
            state[1][i] = grad
            state[0] -= 1
            if state[0] == 0:
                fn(tuple(state[1]))
        return hook
    return _MultiHandle([t.register_hook(make(i)) for i, t in enumerate(tensors) if t.requires_grad])


class saved_tensors_hooks:
    """Inside this block, every tensor saved for backward goes through ``pack_hook``.

    ``pack_hook(tensor)`` returns what to store; ``unpack_hook(stored)`` gives the
    tensor back when backward needs it.
    """

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> "saved_tensors_hooks":
        if HOOKS_DISABLED:
            raise RuntimeError(HOOKS_DISABLED[-1])
        HOOK_STACK.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc: Any) -> None:
        # (leaving more often than entering is a misuse; it must not break the stack)
        pair = (self.pack_hook, self.unpack_hook)
        if pair in HOOK_STACK:
            del HOOK_STACK[len(HOOK_STACK) - 1 - HOOK_STACK[::-1].index(pair)]


class disable_saved_tensors_hooks:
    """Inside this block, entering ``saved_tensors_hooks`` raises ``error_message``
    (for code whose saved tensors must stay as they are)."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        if HOOK_STACK:
            raise RuntimeError(self.error_message)
        HOOKS_DISABLED.append(self.error_message)

    def __exit__(self, *exc: Any) -> None:
        HOOKS_DISABLED.pop()


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


# --------------------------------------------------------------------------------------
# allow_mutation_on_saved_tensors: saved tensors are copied when changed in place
# --------------------------------------------------------------------------------------
_MUTATION_CONTEXT: list = []            # the open context (at most one)


class _Handle:
    """What a node keeps instead of a saved tensor under allow_mutation_on_saved_tensors;
    it lives as long as the graph that saved it."""


def _storage_key(t: Any) -> tuple:
    """(which memory, which version): views of one array share it until changed."""
    data = t._data
    owner = data.base if data.base is not None and data.base.__class__ is data.__class__ else data
    return (id(owner), t._vc[0])


class _AllowMutationOnSavedContext:
    """The state of one ``allow_mutation_on_saved_tensors`` block (readable, for learners):

    * ``original``: handle -> the saved tensor, while nothing changed it;
    * ``cloned``: handle -> the copy taken just before an in-place op changed it;
    * ``tid_to_weakhandle``: which saved tensor (by identity and version) has which handle;
    * ``sid_to_tid``: memory and version -> the saved tensors living on it.

    Entries disappear with the graph that holds the handle.
    """

    def __init__(self) -> None:
        self.cloned: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.original: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.tid_to_weakhandle: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self.sid_to_tid: dict = defaultdict(set)

    def clear(self) -> None:
        self.cloned.clear()
        self.original.clear()
        self.tid_to_weakhandle.clear()
        self.sid_to_tid.clear()

    def pack(self, tensor: Any) -> _Handle:
        sid = _storage_key(tensor)
        tid = (id(tensor),) + sid
        self.sid_to_tid[sid].add(tid)
        handle = self.tid_to_weakhandle.get(tid)       # the same tensor saved again: one copy
        if handle is None:
            handle = _Handle()
            self.tid_to_weakhandle[tid] = handle
            self.original[handle] = tensor
        return handle

    def unpack(self, handle: _Handle) -> Any:
        message = ("Trying to backward outside of the 'allow_mutation_on_saved_tensors' context"
                   "in which the graph was originally recorded.")
        if not _MUTATION_CONTEXT or _MUTATION_CONTEXT[-1] is not self:
            raise AssertionError(message)
        if handle in self.cloned:
            return self.cloned[handle]
        if handle not in self.original:
            raise AssertionError(message)
        return self.original[handle]

    def before_mutation(self, tensor: Any) -> None:
        """An op is about to change ``tensor`` in place: copy what was saved from its memory."""
        for tid in self.sid_to_tid.get(_storage_key(tensor), ()):
            handle = self.tid_to_weakhandle.get(tid)
            if handle is None or handle in self.cloned:   # freed by a backward, or copied already
                continue
            self.cloned[handle] = self.original.pop(handle).clone()


class allow_mutation_on_saved_tensors:
    """Under this block a tensor saved for backward may be changed in place: it is copied
    just before the change, and backward uses the copy. Run forward *and* backward
    inside the same block. ``with ... as ctx`` gives the block's state (see
    ``_AllowMutationOnSavedContext``); it is cleared on exit.
    """

    def __enter__(self) -> _AllowMutationOnSavedContext:
        if _MUTATION_CONTEXT:
            raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")
        self.ctx = ctx = _AllowMutationOnSavedContext()
        self._hooks = saved_tensors_hooks(ctx.pack, ctx.unpack)
        self._hooks.__enter__()
        _MUTATION_CONTEXT.append(ctx)
        PRE_MUTATION.append(ctx.before_mutation)
        return ctx

    def __exit__(self, *exc: Any) -> None:
        PRE_MUTATION.remove(self.ctx.before_mutation)
        _MUTATION_CONTEXT.remove(self.ctx)
        self._hooks.__exit__()
        self.ctx.clear()
