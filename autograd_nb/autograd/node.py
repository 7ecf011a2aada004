"""Nodes of the backward graph, and the buffers they save.

Every op that records itself creates one ``Node`` (what ``tensor.grad_fn`` shows, e.g.
``MulBackward0``). A node knows

* ``next_functions``: one ``(node, input_nr)`` edge per input of the forward op,
  pointing at the node that produced that input (``None`` for inputs that need no
  gradient). A leaf that requires grad is reached through its ``AccumulateGrad`` node.
* its saved buffers (``SavedTensor``), the values its backward rule will need.
* ``backward(*grads)``: the local rule, turning the gradient of each output into the
  gradient of each input. Rules are written with autograd_nb's own tensor ops, so when
  the engine runs them with ``create_graph=True`` they are themselves recorded.

Saved buffers are first-class: each remembers the tensor's version when it was saved,
its size in bytes and whether it was freed, and a process-wide counter
(``saved_bytes()``) tracks the bytes that live buffers hold.
"""
from __future__ import annotations

import itertools
import re
import weakref
from typing import Any, Callable, NamedTuple

from .grad_mode import STATE

__all__ = ["Node", "AccumulateGrad", "SavedTensor", "saved_bytes", "RemovableHandle", "GradientEdge"]

_seq = itertools.count()

# Live bytes of saved buffers, process wide. A one-element list so hot paths can add
# to it without a global statement.
_live = [0]


def saved_bytes() -> int:
    """Bytes of memory that live graphs hold only because they saved them for backward.

    It grows while a forward pass in grad mode records nodes, stays 0 under
    ``no_grad`` / ``inference_mode``, and drops back after ``backward()`` frees the
    graph (or when a graph is garbage collected without a backward).

    What counts, as for PyTorch's graph memory: each storage once (a tensor saved by
    two nodes, or two views of one array, count once), and never a leaf that requires
    grad (a parameter) or a view of one: the model holds those anyway. A buffer's own
    size is ``SavedTensor.nbytes``, whatever the counter does.
    """
    return _live[0]


# The storages the counter holds: id(array that owns the memory) -> its entry
# [saves, nbytes, array, id]; a saved buffer keeps its entry (SavedTensor._key).
_storages: dict[int, list] = {}


def _count(data: Any) -> list:
    """Count the storage behind array ``data`` for one more saved buffer; its entry."""
    owner = data.base
    if owner is None or owner.__class__ is not data.__class__:
        owner = data
    key = id(owner)
    entry = _storages.get(key)
    if entry is None:                                 # (holding the owner keeps its id its own)
        entry = _storages[key] = [1, owner.nbytes, owner, key]
        _live[0] += owner.nbytes
    else:
        entry[0] += 1
    return entry


SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")

_NUMBERS = (int, float, bool)
_weakref = weakref.ref
_new = object.__new__

UINT64_MAX = (1 << 64) - 1

# The Tensor class, set by autograd_nb._tensor once it exists (that module imports this
# one, so this one cannot import it at the top; an import inside a hot function costs
# about a microsecond a call).
Tensor: Any = None

# Anomaly detection (autograd.set_detect_anomaly): [enabled, check_nan]
ANOMALY = [False, True]

# saved_tensors_hooks: a stack of (pack, unpack) pairs, innermost last.
HOOK_STACK: list[tuple[Callable, Callable]] = []

# Called with a tensor just before an op changes it in place (ops._core.check_inplace):
# allow_mutation_on_saved_tensors keeps a copy of what a node saved from it there.
PRE_MUTATION: list[Callable[[Any], None]] = []

# disable_saved_tensors_hooks: the messages of the blocks that forbid saved-tensor hooks.
HOOKS_DISABLED: list[str] = []

# Non-leaf tensors that detach_() cut out of the graph: id -> weak reference. A built-in
# rule refuses to use one it saved as an input while it still had its history (PyTorch's
# saved input can no longer tell its node); buffers saved after the detach_ are exempt.
DETACHED: dict[int, Any] = {}
_SAVED_DETACHED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

DETACHED_IN_PLACE = (
    "Trying to use a saved tensor that has been detached in-place, i.e. with .detach_().This is not "
    "supported, please use out-of-place `.detach()` instead")


def detached_in_place(t: Any) -> None:
    """``t`` (which had a grad_fn) was just detached in place (Tensor.detach_)."""
    key = id(t)
    DETACHED[key] = _weakref(t, lambda _, key=key: DETACHED.pop(key, None))


# Nodes whose C++ name PyTorch prints in full in its error messages.
_QUALIFIED = {"CopySlices": "torch::autograd::CopySlices",
              "AccumulateGrad": "torch::autograd::AccumulateGrad"}


def _short_name(node: "Node") -> str:
    """The name PyTorch's in-place error uses: ``Mul`` for MulBackward0, but ``Pow1`` for
    PowBackward1 (an overload's number stays), ``MyFn`` for a custom MyFnBackward."""
    name = node.name()
    m = re.fullmatch(r"(.*)Backward(\d*)", name)
    if m is None:
        return _QUALIFIED.get(name, name)
    return m[1] + ("" if m[2] in ("", "0") else m[2])


class SavedTensor:
    """One buffer a node keeps for its backward rule.

    Holds the value (a Tensor, or a plain Python number such as the ``3`` of ``x * 3``),
    the tensor's version when it was saved, its byte size, and whether it was freed.
    ``unpack()`` gives the value back, or raises PyTorch's error if the tensor was
    changed in place since (``_version`` moved) or the buffer was freed by an earlier
    backward.

    A node's own output (``exp`` saves its result) is stored as its array plus the
    version counter, not as the tensor, so the graph holds no reference cycle.

    ``save`` makes the buffers; a node's output is a ``_SavedOutput`` and a buffer
    packed by ``saved_tensors_hooks`` a ``_SavedPacked``, which hold the few fields a
    plain input's buffer (the most common kind) does without.
    """

    __slots__ = ("_value", "_vc", "version", "nbytes", "freed", "_key", "_unpack", "__weakref__")
    is_output = False             # True: the node's own output, stored as its array
    node = None                   # (an output: a weak reference to its node)
    output_nr = 0                 # (an output: which output of the node it is)
    # _unpack: None, or the unpack function of saved_tensors_hooks / register_hooks

    def __new__(cls, *args: Any, **kwargs: Any) -> "SavedTensor":
        # Only recording an op makes these (``save`` below), as in PyTorch.
        raise RuntimeError("Trying to create a SavedTensor object from Python is forbidden.")

    def unpack(self, history: bool = True) -> Any:
        """The saved value, checked: never stale, never freed. (``history=False``: the
        node's own readers, ``_saved_self`` or a custom Function's ``saved_tensors``, which
        may read an input that was detached in place since it was saved.)"""
        if self.freed:
            raise RuntimeError(SECOND_BACKWARD)
        value = self._value
        if self._unpack is not None:                  # packed by a hook: the hook answers
            value = self._unpack(value)               # for it (no version check, as torch)
            if not isinstance(value, Tensor):
                raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                                f"result of type {type(value).__name__}")
            origin = _ORIGIN.get(self) if _ORIGIN else None
            if origin is not None:
                # what the hook gave back stands for the saved tensor: it gets its history
                fn, nr, acc = origin
                if fn is not None and value._gfn is not fn:
                    value = Tensor._wrap(value._data, True, fn, nr, value._vc)
                elif fn is None and value._acc is not acc:      # a leaf: its accumulator
                    value = Tensor._wrap(value._data, True, None, 0, value._vc)
                    value._acc = acc
            return value
        if self.is_output:                            # the node's own output, rebuilt
            on_view = _ON_VIEW.get(self) if _ON_VIEW else None
            fn = on_view() if on_view is not None else None
            if fn is not None:                        # changed in place through a view: the
                value = Tensor._wrap(value, True, fn, 0, self._vc)      # view's history, as
            else:                                     # PyTorch (the op's node is reached
                value = Tensor._wrap(value, True, self.node(), self.output_nr, self._vc)  # via it)
        elif DETACHED and history and value.__class__ not in _NUMBERS:
            ref = DETACHED.get(id(value))
            if ref is not None and ref() is value and value._gfn is None \
                    and self not in _SAVED_DETACHED:
                raise RuntimeError(DETACHED_IN_PLACE)
        vc = self._vc
        if vc is not None and vc[0] != self.version:
            if self._unpack is None and not self.is_output and value._vbase is not None \
                    and vc[0] != value._view_ver:
                value._view_changed()                 # a view: its history first (may refuse)
            raise RuntimeError(self._stale_message(value))
        return value

    def unpack_data(self) -> Any:
        """The saved tensor's array, checked as ``unpack()`` checks it: what a first-order
        rule (one that computes on plain arrays) needs, without rebuilding a tensor."""
        vc = self._vc
        if self.freed or self._unpack is not None or vc is None or vc[0] != self.version or DETACHED:
            value = self.unpack()                     # its errors; hooks; a Python number
            return getattr(value, "_data", value)
        return self._value if self.is_output else self._value._data

    # -- PyTorch's SavedTensor object (``grad_fn._raw_saved_<name>``) -------------------
    def register_hooks(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        """Pack this one buffer now with ``pack_hook``; backward gets ``unpack_hook(packed)``.

        ``saved_tensors_hooks`` does the same for every buffer saved inside a block.
        """
        if self.freed:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved "
                "intermediate values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved variables after calling backward.")
        if self._unpack is not None:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor whose hooks have already been set. "
                "Hint: only one pair of hooks is allowed at a time.")
        tensor = self.unpack()
        self._value = _pack(pack_hook, tensor)
        self._unpack = unpack_hook
        if not self.is_output:
            _remember_origin(self, tensor)

    @property
    def data(self) -> Any:
        """What is stored: the packed object when hooks packed it, else the tensor (a node's
        own output comes back detached, since the node keeps only its numbers)."""
        if self._unpack is not None or self._vc is None:
            return self._value
        if self.is_output:
            return Tensor._wrap(self._value, False, None, 0, self._vc)
        return self._value

    @property
    def unpack_hook(self) -> Callable[[Any], Any] | None:
        return self._unpack

    def _stale_message(self, value: Any) -> str:
        from .._tensor import type_label
        shape = ", ".join(str(s) for s in value.shape)
        label = type_label(value)        # PyTorch's C++ name: legacy ones exist but for bool
        if value._data.dtype.kind == "b":
            label = ("CUDA" if value.is_cuda else "CPU") + "BoolType"
        where = ""
        if self.is_output:
            ref = _ON_VIEW.get(self) if _ON_VIEW else None
            fn = None if ref is None else ref()
            if fn is None:
                fn = self.node()
            nr = self.output_nr
        else:
            fn, nr = getattr(value, "_gfn", None), getattr(value, "_output_nr", 0)
        if fn is not None:
            where = f", which is output {nr} of {_short_name(fn)},"
        return (
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{label} [{shape}]]{where} is at version "
            f"{self._vc[0]}; expected version {self.version} instead. Hint: enable anomaly "
            "detection to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")

    @property
    def current_version(self) -> int:
        return self.version if self._vc is None else self._vc[0]

    @property
    def is_stale(self) -> bool:
        """True when the tensor was changed in place after it was saved."""
        return self._vc is not None and self._vc[0] != self.version

    def peek(self) -> Any:
        """The stored value without checks (for viewers such as the buffer inspector)."""
        if self.freed:
            return None
        value = self._value
        if self.is_output and not hasattr(value, "_data"):
            return Tensor._wrap(value, False, None, 0, self._vc)
        return value

    def free(self) -> None:
        """Release the buffer (backward does this unless retain_graph=True)."""
        if not self.freed:
            self.freed = True
            if self._key is not None:
                self._uncount()
            self._value = None

    def _uncount(self) -> None:
        entry, self._key = self._key, None
        if entry.__class__ is int:                    # counted per save (saved_tensors_hooks)
            _live[0] -= entry
            return
        entry[0] -= 1
        if not entry[0]:
            del _storages[entry[3]]
            _live[0] -= entry[1]

    def __del__(self) -> None:
        if self._key is not None:
            self._uncount()


class _SavedOutput(SavedTensor):
    """A node's own output: also which output it is, and the node, held weakly (so
    node -> saved -> node is no reference cycle), to rebuild the tensor."""

    __slots__ = ("node", "output_nr")
    is_output = True


class _SavedPacked(SavedTensor):
    """A buffer packed by ``saved_tensors_hooks``: it may also be the node's output."""

    __slots__ = ("is_output", "node", "output_nr")


PACK_INPLACE = (
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to "
    "pack hook cannot be modified by in-place operations as this can lead to unexpected "
    "side-effects. Please open an issue if you need to perform in-place operations on the "
    "input to a pack hook.")


# A hook-packed buffer of a non-leaf input -> (grad_fn, output_nr) of the tensor it saved:
# the tensor unpacking gives back is attached there, so gradients still flow through it.
_ORIGIN: "weakref.WeakKeyDictionary[SavedTensor, tuple]" = weakref.WeakKeyDictionary()


# A node's own output saved by an in-place op on a view -> (a weak reference to) the view's
# grad_fn once the change went through it: PyTorch's in-place error names that node
# (AsStridedBackward0: "output 0 of AsStrided"), not the op's.
_ON_VIEW: "weakref.WeakKeyDictionary[SavedTensor, Any]" = weakref.WeakKeyDictionary()


def saved_through_view(node: "Node", view_fn: "Node") -> None:
    """``node`` changed a view in place and the view's history is now ``view_fn``."""
    for s in node._saved:
        if s is not None and s.is_output:
            _ON_VIEW[s] = _weakref(view_fn)


def _remember_origin(saved: "SavedTensor", tensor: Any) -> None:
    """Where gradients of ``tensor`` go (its node, or a leaf's accumulator), for ``unpack``."""
    if tensor._gfn is not None:
        _ORIGIN[saved] = (tensor._gfn, tensor._output_nr, None)
    elif tensor._requires_grad:
        _ORIGIN[saved] = (None, 0, tensor._grad_accumulator())


def _pack(pack_hook: Callable[[Any], Any], tensor: Any) -> Any:
    """``pack_hook(tensor)``, run with grad mode off (as PyTorch does: packing is not part
    of the computation), refusing a hook that changed its input in place."""
    before = tensor._vc[0]
    mode = STATE.mode
    STATE.mode = mode | 1
    try:
        packed = pack_hook(tensor)
    finally:
        STATE.mode = mode
    if tensor._vc[0] != before:
        raise RuntimeError(PACK_INPLACE)
    return packed


def save(value: Any, node: "Node", is_output: bool = False) -> SavedTensor:
    """A ``SavedTensor`` holding ``value`` for ``node`` (what recording an op calls).

    A plain function filling the slots, as recording a node is the library's hot path.
    """
    if value.__class__ in _NUMBERS:                   # a Python number (x * 3 saves the 3)
        s = _new(SavedTensor)
        s.freed = False
        s._key = s._unpack = None
        s._value = value
        s._vc = None
        s.version = s.nbytes = 0
        return s
    if value._is_inference and STATE.mode < 2:
        raise RuntimeError(
            "Inference tensors cannot be saved for backward. Please do not use Tensors "
            "created in inference mode in computation tracked by autograd. To work "
            "around this, you can make a clone to get a normal tensor and use it in "
            "autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")
    if HOOK_STACK:
        s = _new(_SavedPacked)
        s.is_output = is_output
        s.node = _weakref(node) if is_output else None
        s.output_nr = value._output_nr
    elif is_output:
        s = _new(_SavedOutput)
        s.node = _weakref(node)
        s.output_nr = value._output_nr
    else:
        s = _new(SavedTensor)
    s.freed = False
    s._key = s._unpack = None
    vc = s._vc = value._vc
    s.version = vc[0]
    data = value._data
    s.nbytes = data.nbytes
    if HOOK_STACK:
        pack, unpack = HOOK_STACK[-1]
        s._value = _pack(pack, value)
        s._unpack = unpack
        if not is_output:
            _remember_origin(s, value)
        s._key = data.nbytes                          # the packed form is opaque: count this save
        _live[0] += data.nbytes
        return s
    if is_output:
        s._value = data
        s._key = _count(data)
        return s
    s._value = value
    if DETACHED and id(value) in DETACHED:            # saved after its detach_(): as a leaf
        _SAVED_DETACHED[s] = True
    if value._requires_grad:                          # a parameter, or a view of one: not counted
        if value._gfn is None:
            return s
        base = value._vbase
        if base is not None and base._gfn is None and base._requires_grad:
            return s
    s._key = _count(data)
    return s


# Every node class by its name (the first class of a name wins), for the readers that know
# a node only by the name a graph shows (the stepper's rule, widgets/rules.py).
NODE_CLASSES: dict[str, type] = {}

_GENERATED: set = set()                             # the properties __init_subclass__ made


def _generate(cls: type, attr: str, fn: Callable, doc: str) -> None:
    prop = property(fn, doc=doc)
    _GENERATED.add(prop)
    setattr(cls, attr, prop)


def _saved_reader(i: int) -> Callable[["Node"], Any]:
    def read(node: "Node") -> Any:
        s = node._saved[i] if i < len(node._saved) else None
        if s is None:
            return None
        value = s.unpack(history=False)
        if isinstance(value, (bool, int, float)):     # a number in a tensor's place (``x * 2``):
            return _wrapped_number(value)             # PyTorch saved it as a 0-d tensor
        return value
    return read


def _wrapped_number(value: bool | int | float) -> Any:
    """The 0-d tensor PyTorch makes of a Python number an op took in a tensor's place:
    ``bool`` for a bool, ``int64`` for an int, ``float64`` for a float (so ``(x * 2.5)
    .grad_fn._saved_other`` is ``tensor(2.5000, dtype=torch.float64)``)."""
    from .. import _backend as B
    from .._creation import tensor
    dt = B.bool_ if isinstance(value, bool) else (B.int64 if isinstance(value, int) else B.float64)
    return tensor(value, dtype=dt)


def _raw_reader(i: int | None) -> Callable[["Node"], Any]:
    def read(node: "Node") -> Any:
        if i is None:
            raise AttributeError(f"'{type(node).__name__}' saved no such buffer")
        return node._saved[i] if i < len(node._saved) else None
    return read


def _field_reader(name: str) -> Callable[["Node"], Any]:
    def read(node: "Node") -> Any:
        try:
            return getattr(node, name)
        except AttributeError:
            raise AttributeError(f"'{type(node).__name__}' object has no attribute '_saved_{name}'") from None
    return read


def _missing_reader(name: str) -> Callable[["Node"], Any]:
    def read(node: "Node") -> Any:
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '_saved_{name}'")
    return read


class GradientEdge(NamedTuple):
    """One edge of the graph: a node and which of its outputs (``grad_fn, output_nr``).

    ``autograd.grad`` and ``backward`` take edges wherever they take tensors: as
    ``inputs`` (the gradient flowing into that output of that node is returned, even if
    the tensor was changed in place since) and as ``outputs``.
    """

    node: Any
    output_nr: int


class _TensorEdge(GradientEdge):
    """The edge ``get_gradient_edge`` gives: it also remembers the tensor's shape and
    dtype, so backward can start from it without an explicit gradient."""

    _meta: tuple = ((), None)


class RemovableHandle:
    """Returned by ``register_hook``: call ``remove()`` to take the hook away."""

    _ids = itertools.count()

    def __init__(self, store: dict) -> None:
        self.id = next(self._ids)
        self._store = store

    def remove(self) -> None:
        self._store.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class NodeExtras:
    """The rarely used parts of a node, kept apart so recording a node stays cheap."""

    __slots__ = ("hooks", "prehooks", "tensor_prehooks", "retain_prehooks", "meta", "trace",
                 "parent")

    def __init__(self) -> None:
        self.hooks = self.prehooks = self.tensor_prehooks = self.retain_prehooks = None
        self.meta = self.trace = self.parent = None


class Node:
    """A recorded operation: what ``tensor.grad_fn`` is.

    Subclasses are named as in PyTorch (``MulBackward0``) and implement
    ``backward(self, *grads)`` returning one gradient (or None) per forward input.
    ``saved_names`` lists the names PyTorch gives the saved buffers, in the order
    they are stored in ``_saved``; they show up as ``grad_fn._saved_<name>``.
    """

    # ``_x`` holds the rarely used parts (hooks, metadata, anomaly trace) in a NodeExtras,
    # created on first use, so recording a node stays cheap.
    __slots__ = ("next_functions", "_saved", "_seq", "_x", "__weakref__")

    saved_names: tuple[str, ...] = ()
    # The non-tensor values the rule needs, named as PyTorch names them (``dim``,
    # ``alpha``, ``reduction``): each is read as ``grad_fn._saved_<name>`` (a name with a
    # leading underscore is the rule's own, not shown). Built-in op nodes (``OpNode``)
    # get one slot per field, set by ``record(..., name=value)``.
    fields: tuple[str, ...] = ()
    num_outputs = 1
    # True for a node that holds state to free after backward besides ``_saved``
    # (CopySlices holds the in-place op's node): the engine calls ``release`` on it too
    releasable = False
    # True for a node the engine runs even when no gradient reached it (PyTorch's
    # NotImplemented node, which then raises its "not implemented" error)
    runs_without_grad = False

    def check_saved(self) -> None:
        """Unpack every saved buffer as the rule would (raising PyTorch's error for a freed
        or changed one), without running the rule: what PyTorch's generated nodes do when
        no gradient reached them."""
        for s in self._saved:
            if s is not None:
                s.unpack()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give the class its ``_saved_<name>`` attributes as properties, from its declaration.

        A name in ``saved_names`` reads that buffer (``_raw_saved_<name>`` gives the
        SavedTensor itself); a name in ``fields`` reads the value the node keeps (``dim``).
        The names are PyTorch's: tests/torch_saved.py lists what PyTorch shows on each node
        class, and the tests check every class against it. (Properties rather than
        ``__getattr__``: a class with ``__getattr__`` makes every attribute read slower,
        and the engine reads nodes all the time.)
        """
        super().__init_subclass__(**kwargs)
        NODE_CLASSES.setdefault(cls.__name__, cls)
        saved = cls.saved_names
        fields = tuple(dict.fromkeys(f for k in reversed(cls.__mro__) for f in k.__dict__.get("fields", ())
                                     if not f.startswith("_")))   # (a subclass adds to its parents')
        names = dict.fromkeys(tuple(saved) + fields)
        for k in cls.__mro__[1:]:                       # a parent's buffers are not ours
            for attr, value in list(k.__dict__.items()):
                if value.__class__ is not property or value not in _GENERATED or attr in cls.__dict__:
                    continue
                raw, _, name = attr.partition("saved_")
                if name not in names:
                    _generate(cls, attr, _missing_reader(name) if raw == "_" else _raw_reader(None),
                              "Not saved by this node.")
        for name in names:
            attr = "_saved_" + name
            found = next((k.__dict__[attr] for k in cls.__mro__ if attr in k.__dict__), None)
            if found is not None and found not in _GENERATED:
                continue                                # written by hand
            if name in saved:
                i = saved.index(name)
                _generate(cls, attr, _saved_reader(i), f"The saved ``{name}``.")
                _generate(cls, "_raw_saved_" + name, _raw_reader(i), f"The SavedTensor of ``{name}``.")
            else:
                _generate(cls, attr, _field_reader(name), f"The kept ``{name}``.")

    def __init__(self, next_functions: tuple = (), saved: tuple = ()) -> None:
        self.next_functions = next_functions
        self._saved = saved
        self._init_common()

    def _init_common(self) -> None:
        self._seq = next(_seq)
        self._x = None

    @property
    def extras(self) -> "NodeExtras":
        """The node's hooks, metadata and anomaly trace (created on first use)."""
        x = self._x
        if x is None:
            x = self._x = NodeExtras()
        return x

    @property
    def _trace(self) -> str | None:
        return None if self._x is None else self._x.trace

    # -- what the learner sees --------------------------------------------------
    def name(self) -> str:
        """The node's PyTorch name, e.g. ``'MulBackward0'``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def metadata(self) -> dict:
        """A dict for your own notes about this node (PyTorch's ``Node.metadata``)."""
        x = self.extras
        if x.meta is None:
            x.meta = {}
        return x.meta

    def _sequence_nr(self) -> int:
        """The node's creation number: among ready nodes the engine runs the newest first."""
        return self._seq

    @property
    def requires_grad(self) -> bool:
        return True

    @property
    def saved_tensors_info(self) -> list[tuple[str, SavedTensor]]:
        """``[(name, SavedTensor), ...]``: every buffer this node saved."""
        return [(n, s) for n, s in zip(self.saved_names, self._saved) if s is not None]

    def unpack(self) -> tuple:
        """The saved values, checked for staleness and freeing."""
        return tuple(None if s is None else s.unpack() for s in self._saved)

    def release(self) -> None:
        """Free every saved buffer (after backward without retain_graph)."""
        for s in self._saved:
            if s is not None:
                s.free()

    # -- hooks --------------------------------------------------------------------
    def register_hook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward.

        It may return a new tuple of grad_inputs to use instead.
        """
        return self._add_hook("hooks", fn)

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node's backward; may return new ones."""
        return self._add_hook("prehooks", fn)

    def _hook_dict(self, attr: str) -> dict:
        """The extras dict named ``attr`` (``hooks``, ``prehooks``, ...), made on first use."""
        x = self.extras
        store = getattr(x, attr)
        if store is None:
            store = {}
            setattr(x, attr, store)
        return store

    def _add_hook(self, attr: str, fn: Callable) -> RemovableHandle:
        store = self._hook_dict(attr)
        h = RemovableHandle(store)
        store[h.id] = fn
        return h

    def _tensor_hook_store(self, output_nr: int, retain: bool = False) -> dict:
        """The dict of hooks registered on output ``output_nr`` (``tensor.register_hook``)."""
        store = self._hook_dict("retain_prehooks" if retain else "tensor_prehooks")
        return store.setdefault(output_nr, {})

    # -- the rule -----------------------------------------------------------------
    def backward(self, *grads: Any) -> tuple:           # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, *grads: Any) -> tuple:
        """Run the local rule (what the engine calls)."""
        out = self.backward(*grads)
        if type(out) is not tuple:
            out = (out,)
        return out

    def __call__(self, *grads: Any) -> Any:
        """Run the rule by hand: ``grad_fn(grad_output)``, one gradient per output."""
        if len(grads) != self.num_outputs:
            raise TypeError(f"{self.name()}: expected {self.num_outputs} arguments, got "
                            f"{len(grads)} instead")
        out = self.apply(*grads)
        return out[0] if len(out) == 1 else out


class AccumulateGrad(Node):
    """The node at the end of every path: adds the incoming gradient into ``.grad``.

    ``variable`` is the leaf tensor. The first gradient is copied (never aliased, so
    changing it later cannot change ``.grad``); later ones are added in place.
    """

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        self.next_functions = ()
        self._saved = ()
        self.variable = variable
        self._init_common()

    def name(self) -> str:
        """PyTorch's C++ name; the class (what reprs and graphs show) is ``AccumulateGrad``."""
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad: Any) -> tuple:
        self.variable._accumulate(grad)
        return ()

    def _sequence_nr(self) -> int:
        """PyTorch's number for every AccumulateGrad, the largest there is: the engine
        runs a ready AccumulateGrad before any other node."""
        return UINT64_MAX

    def take(self, grad: Any) -> tuple:
        """Like ``backward``, for a gradient no one else refers to: the leaf may keep
        its array as ``.grad`` rather than a copy (see ``engine._sole_owner``)."""
        self.variable._accumulate(grad, True)
        return ()
