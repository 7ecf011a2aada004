"""What every op shares: argument preparation, recording a node, un-broadcasting.

An op does three things:

1. turn its arguments into arrays of the right dtype on one device (``prep2``),
2. compute the result array with the array module,
3. hand the result to ``record``, which wraps it in a Tensor and, if grad mode is on
   and some input requires grad, creates the op's node with its edges and saved
   buffers. Under ``no_grad`` / ``inference_mode`` step 3 creates no node at all.

Gradients of broadcast inputs are summed back to each input's shape here, in
``Node.apply``'s wrapper ``reduce_grads`` -- never inside an op's rule.
"""
from __future__ import annotations

import inspect
import math
import sys
from typing import Any, Callable, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import INFERENCE_INPLACE, Tensor, view_meta_error
from ..autograd.grad_mode import STATE
from ..autograd.node import _seq, ANOMALY, PRE_MUTATION, Node
from ..autograd.node import save as _save
from ._histories import KERNEL_FIRST, histories_first, read_histories, saved_first, numpy_names_too
from ._numpy_names import ALIASES as _NUMPY_ALIASES, translate

_ndarray = np.ndarray
_generic = np.generic
_new = object.__new__
_Tensor = Tensor
_NO_EDGE = (None, 0)
_Number = (int, float, bool)


def as_array(d: Any) -> Any:
    """numpy returns scalars from some 0-d computations; tensors always hold arrays."""
    if isinstance(d, _generic):
        return np.asarray(d)
    return d


def device_mismatch(a: Any, b: Any) -> RuntimeError:
    da, db = B.array_device(a), B.array_device(b)
    return RuntimeError(
        "Expected all tensors to be on the same device, but found at least two devices, "
        f"{max(str(da), str(db))} and {min(str(da), str(db))}!")


def broadcast_error(sa: tuple, sb: tuple) -> RuntimeError:
    """PyTorch's message for two shapes that do not broadcast (first clash from the right)."""
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def check_broadcast(sa: tuple, sb: tuple) -> None:
    """Raise PyTorch's error unless the two shapes broadcast."""
    if sa != sb:
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            raise broadcast_error(sa, sb) from None


def to_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """A Tensor for ``x`` (tensors pass through; numbers become 0-d tensors)."""
    if isinstance(x, Tensor):
        return x
    from .._creation import tensor
    t = tensor(x)
    if like is not None and not like.is_cpu:
        t = Tensor._wrap(B.to_device(t._data, like.device))
    return t


def prep2(a: Any, b: Any) -> tuple[Any, Any, Tensor | None, Tensor | None]:
    """Arrays for a binary op, promoted to PyTorch's result type.

    Returns ``(a_array, b_array, a_tensor_or_None, b_tensor_or_None)``. A Python
    number stays a number (numpy keeps the tensor's dtype for it, as PyTorch does).
    """
    ta = a if isinstance(a, Tensor) else None
    tb = b if isinstance(b, Tensor) else None
    if ta is not None and tb is not None:
        ad, bd = ta._data, tb._data
        if type(ad) is not type(bd):
            if B.array_device(ad) != B.array_device(bd):
                raise device_mismatch(ad, bd)
            ad, bd = as_array(ad), as_array(bd)       # (a numpy scalar slipped into a tensor)
        if ad.shape != bd.shape:
            check_broadcast(ad.shape, bd.shape)
        if ad.dtype is not bd.dtype:
            rt = B.result_type((B._FROM_NP[ad.dtype], 2 if ad.ndim else 1),
                               (B._FROM_NP[bd.dtype], 2 if bd.ndim else 1)).np
            if ad.dtype != rt:
                ad = ad.astype(rt)
            if bd.dtype != rt:
                bd = bd.astype(rt)
        return ad, bd, ta, tb
    if ta is not None:
        return (*_with_scalar(ta._data, b), ta, None)
    if tb is not None:
        bd, ad = _with_scalar(tb._data, a)
        return ad, bd, None, tb
    raise TypeError("expected at least one Tensor argument")


_INT_RANGE = {np.dtype(t).char: (int(np.iinfo(t).min), int(np.iinfo(t).max))
              for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}


def _with_scalar(arr: Any, s: Any) -> tuple[Any, Any]:
    if type(s) is float:
        if arr.dtype.kind != "f":
            arr = arr.astype(B.get_default_dtype().np)
        return arr, s
    if type(s) is int or type(s) is bool:
        if type(s) is int:
            kind = arr.dtype.kind
            if kind == "b":
                arr = arr.astype(np.int64)
            elif kind in "iu" and not _INT_RANGE[arr.dtype.char][0] <= s <= _INT_RANGE[arr.dtype.char][1]:
                s = int(np.array(s).astype(arr.dtype))  # (PyTorch casts the number to the dtype: it wraps)
        return arr, s
    if isinstance(s, (np.generic, np.ndarray)):
        return _with_scalar(arr, s.item()) if np.ndim(s) == 0 else (arr, s)
    if isinstance(s, _Number):                        # int/float subclasses
        return _with_scalar(arr, float(s) if isinstance(s, float) else int(s))
    raise TypeError(f"unsupported operand type: '{type(s).__name__}'")


def needs_grad(*ts: Any) -> bool:
    """True when the op must record: grad mode on and some input requires grad."""
    if STATE.mode:
        return False
    for t in ts:
        if t is not None and (t._requires_grad or t._vbase is not None and t.requires_grad):
            return True                               # (a view may require grad via its base)
    return False


def plain(data: Any, inference: bool) -> Tensor:
    """The result of an op that records nothing (``no_grad`` / ``inference_mode``).

    The hottest ops check the mode themselves and call this instead of ``record``
    (a cheaper call: under no_grad / inference_mode an op is little more than this).
    ``_view_*`` slots stay unset: only views (``views._make_view``) have them.
    """
    if data.__class__ is not _ndarray and isinstance(data, _generic):
        data = np.asarray(data)                       # numpy's 0-d results are scalars
    out = _new(_Tensor)
    out._data = data
    out._requires_grad = False
    out._gfn = None
    out._output_nr = 0
    out._grad = None
    out._vc = [0]
    out._vbase = None
    out._acc = out._hooks = out._post_hooks = None
    out._retains_grad = False
    out._is_inference = inference
    return out


def _inference_only(inputs: Sequence[Tensor | None]) -> bool:
    """Are all the op's inputs inference tensors (no number among them)? PyTorch's autograd
    then never sees the op, even outside inference mode and for one that requires grad
    (``x * x`` records nothing; ``x * 2`` does: the 2 becomes an ordinary tensor)."""
    return all(u is not None and u._is_inference for u in inputs)


def wrapped_number(*inputs: Tensor | None) -> bool:
    """Is a number form of an op (``x.remainder(2)``, ``2 - x``, ``5 % x``) recorded as its
    Tensor form? In PyTorch the number form is a composite kernel that wraps the number in
    an ordinary tensor and calls the Tensor form. Autograd sees the number form itself
    (``RemainderBackward0``), unless every tensor input is an inference tensor: then it
    never sees the number form, and records the Tensor form (``RemainderBackward1``), the
    wrapped number one of its inputs (saved like any input)."""
    return not STATE.mode and _inference_only(inputs)


# Nonzero while an in-place op computes the values it writes into an integer or bool
# ``self`` (``pointwise._inplace``, ``convert._overwrite``, ``indexing._index_put``).
INTEGER_SELF = [0]


def _integer_result(data: Any) -> bool:
    """Is an integer or bool result of an op some input of which requires grad recorded?

    PyTorch gives a history to floating (and complex) tensors only: an op that would record
    an integer result is refused ("Autograd not support dtype: Long", from its
    ``set_history``), ``int_tensor_with_history + 1`` or ``x.sum(dtype=torch.long)``. An
    in-place op is not refused: ``int_tensor.fill_(v)`` with ``v`` requiring grad gives the
    integer tensor the node (PyTorch checks no dtype when it rebases ``self``'s history),
    and every later in-place op on it records too. Ops whose integer results are not
    differentiable (comparisons, ``argmax``, ``x.long()``) never get here: they record
    nothing, whatever their inputs."""
    if INTEGER_SELF[0]:
        return True
    raise RuntimeError(f"Autograd not support dtype: {DTYPE_WORDS[data.dtype.name]}")


def written_into(self: Tensor, op: Callable, *args: Any, **kwargs: Any) -> Any:
    """``op(*args, **kwargs)``: the values an in-place op is about to write into ``self``.
    For an integer or bool ``self``, ``record`` then records an integer result (see
    ``_integer_result``)."""
    if self._data.dtype.kind == "f":
        return op(*args, **kwargs)
    INTEGER_SELF[0] += 1
    try:
        return op(*args, **kwargs)
    finally:
        INTEGER_SELF[0] -= 1


def record(data: Any, node_cls: type, inputs: Sequence[Tensor | None],
           saved: Sequence[Any] = (), save_output: bool = False,
           number: bool = False, **fields: Any) -> Tensor:
    """Wrap ``data`` as the op's result and record ``node_cls`` if grad is needed.

    ``inputs``: the forward inputs in PyTorch's order (None for non-tensors); one
    ``next_functions`` edge each. ``saved``: values for the node's ``saved_names``
    (a Tensor, a Python number or None); with ``save_output`` the result itself is
    saved last (its name is ``result``). ``fields``: the node's declared ``fields``
    (``record(data, SumBackward1, (x,), dim=(0,), keepdim=False)``).
    ``number``: a Python number among the op's arguments is an ordinary tensor in PyTorch
    (its composite op wraps it), so autograd sees the op even when every tensor input is
    an inference tensor.

    This is the hottest function of the library, hence the inlined constructor.
    """
    if data.__class__ is not _ndarray and isinstance(data, _generic):
        data = np.asarray(data)
    out = _new(_Tensor)
    out._data = data
    out._requires_grad = False
    out._gfn = None
    out._output_nr = 0
    out._grad = None
    out._vc = [0]
    out._vbase = None
    out._acc = out._hooks = out._post_hooks = None       # (_view_* only on views)
    out._retains_grad = False
    mode = STATE.mode                                 # 0: recording (see grad_mode._State)
    out._is_inference = mode > 1
    if mode:
        return out
    for t in inputs:
        if t is not None and (t._requires_grad or t._vbase is not None and t.requires_grad):
            break                                     # (a view may require grad via its base)
    else:
        return out
    if data.dtype.kind != "f" and not _integer_result(data):   # (see there: maybe refused)
        return out
    if t._is_inference and not number and _inference_only(inputs) and not any(   # (an ordinary
            s.__class__ is _Tensor and not s._is_inference for s in saved):   # index or mask counts,
        return out                                    # and a number PyTorch wraps in a tensor: number)
    node = _new(node_cls)
    node._seq = next(_seq)
    node._x = None
    edges = []
    for t in inputs:                                  # one (node, input_nr) edge per input
        if t is None:
            edges.append(_NO_EDGE)
        elif t._vbase is not None:
            edges.append(t._edge())                   # a view: maybe re-derived first
        elif not t._requires_grad:
            edges.append(_NO_EDGE)
        else:
            fn = t._gfn
            if fn is not None:
                edges.append((fn, t._output_nr))
            else:                                     # a leaf: its AccumulateGrad
                acc = t._acc
                edges.append((acc, 0) if acc is not None else t._edge())
    node.next_functions = tuple(edges)
    if fields:
        if node_cls._slot_fields:                     # (some kept in slots: see _Declared)
            _keep(node, fields)
        else:
            node._f = fields                          # (read through the class's field attributes)
    node._in_meta = None
    node.num_outputs = 1
    out._requires_grad = True
    out._gfn = node
    if saved:
        if len(saved) == 2:                           # (the common case, without a loop)
            a, b = saved
            node._saved = (None if a is None else _save(a, node),
                           None if b is None else _save(b, node))
        else:
            node._saved = tuple([None if s is None else _save(s, node) for s in saved])
        if save_output:
            node._saved += (_save(out, node, True),)
    elif save_output:
        node._saved = (_save(out, node, True),)
    else:
        node._saved = ()
    if ANOMALY[0]:
        from ..autograd.anomaly_mode import note_creation
        note_creation(node)
    return out


def _keep(node: Any, fields: dict) -> None:
    """Give a new node the ``fields`` values ``record`` was given: the dict itself, kept as
    it came (its class's field attributes read it), or one by one where some fields live in
    slots (see ``_Declared``)."""
    if node._slot_fields:
        for name, value in fields.items():
            setattr(node, name, value)
    else:
        node._f = fields


_F = np.dtype(np.float64)                             # (a stand-in: a placeholder output holds 0.0)


def record_multi(datas: Sequence[Any], node_cls: type, inputs: Sequence[Tensor | None],
                 saved: Sequence[Any] = (),
                 differentiable: Sequence[bool] | None = None, **fields: Any) -> tuple[Tensor, ...]:
    """Like ``record`` for ops with several outputs (``max(dim)``, ``split``, ``unbind``)."""
    outs = tuple(Tensor._wrap(as_array(d)) for d in datas)
    if not needs_grad(*inputs) or _inference_only(inputs):   # (only inference inputs: autograd
        return outs                                         # never sees the op, see record)
    for i, o in enumerate(outs):                      # (an integer piece of split / sort / max(dim):
        if (differentiable is None or differentiable[i]) and getattr(o._data, "dtype", _F).kind in "biu":
            _integer_result(o._data)                  # refused, as record refuses one)
    node = node_cls.__new__(node_cls)
    node._init_common()
    node.next_functions = tuple([(None, 0) if t is None else t._edge() for t in inputs])
    if fields:
        _keep(node, fields)
    node._in_meta = None
    node.num_outputs = len(outs)
    node._saved = tuple([None if s is None else _save(s, node) for s in saved])
    for i, o in enumerate(outs):
        if differentiable is None or differentiable[i]:
            o._requires_grad = True
            o._gfn = node
            o._output_nr = i
    return outs


def note_broadcast(out: Tensor, *inputs: Tensor | None) -> None:
    """Remember input shapes/dtypes when they differ from the result's (see reduce_grads)."""
    node = out._gfn
    if node is None:
        return
    od = out._data
    for t in inputs:
        if t is not None and (t._data.shape != od.shape or t._data.dtype != od.dtype):
            node._in_meta = tuple(None if t is None else (t._data.shape, t._data.dtype) for t in inputs)
            return


def sum_to(grad: Tensor, shape: tuple) -> Tensor:
    """Sum ``grad`` down to ``shape`` (undo broadcasting), with differentiable ops."""
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    if not shape:                                     # (PyTorch's at::sum_to: a plain sum)
        return grad.sum()
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    out = grad.sum(dims, keepdim=True) if dims else grad
    if lead:
        out = out.view(shape)
    return out


_NO_DEFAULT = object()


def _field(name: str, default: Any = _NO_DEFAULT) -> property:
    """The attribute of one declared field: its value lives in the node's ``_f`` dict (the
    keyword arguments ``record`` was given, kept as they came: recording stays cheap), or
    is the class's default when the op did not pass it (``alpha = 1`` beside ``fields``)."""
    def get(node: Any) -> Any:
        try:
            return node._f[name]
        except (AttributeError, KeyError):
            if default is not _NO_DEFAULT:
                return default
            raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'") from None

    def put(node: Any, value: Any) -> None:
        try:
            node._f[name] = value
        except AttributeError:
            node._f = {name: value}
    return property(get, put, doc=f"The kept ``{name}``.")


class _Declared(type):
    """OpNode's metaclass: each of the ``fields`` a node class declares becomes an
    attribute (``self.dim``), so a class says once what it keeps (``fields = ("dim",
    "keepdim")``) and needs no ``__slots__`` line; a class attribute of a field's name is
    that field's default (what the hottest ops then need not pass).

    A field the class also names in its ``__slots__`` is kept in that slot instead: the
    op of a hot path (``x[i]``, ``x.sum()``) then sets it on the node itself
    (``node.dim = 0``), which costs less than a keyword of ``record``."""

    def __new__(mcls, name: str, bases: tuple, ns: dict, **kwargs: Any) -> type:
        if "__module__" not in ns:                   # (a class made by type(...) in a family module)
            ns["__module__"] = sys._getframe(1).f_globals.get("__name__")
        slots = ns.setdefault("__slots__", ())
        if slots and any(f in slots for f in ns.get("fields", ())):
            ns["_slot_fields"] = True
        for f in ns.get("fields", ()):
            if f in slots:
                continue                              # (kept in its slot)
            own = ns.get(f, _NO_DEFAULT)
            if own is not _NO_DEFAULT and not isinstance(own, property):
                ns[f] = _field(f, own)                # (fields = ("alpha",); alpha = 1: its default)
                continue
            if f in ns or any(f in k.__dict__ for b in bases for k in b.__mro__):
                if not any(isinstance(k.__dict__.get(f), property) for b in bases for k in b.__mro__):
                    raise TypeError(f"{name}: field {f!r} would hide an attribute of the class")
                continue                              # (a parent's field, declared again)
            ns[f] = _field(f)
        return super().__new__(mcls, name, bases, ns, **kwargs)


class OpNode(Node, metaclass=_Declared):
    """A built-in op's node: one class is the whole declaration of its op's backward.

    * its docstring: the rule in words, then one ``grad_<input> = ...`` line per forward
      input (in ``next_functions`` order), which the stepper shows;
    * ``saved_names``: the tensors it saves, named as PyTorch (``grad_fn._saved_self``);
    * ``fields``: the other values it keeps (``dim``, ``alpha``), set by ``record``;
    * ``backward(*grads)``: the rule, written with tensor ops.

    The engine sums a broadcast gradient back to its input's shape here (``_in_meta``).
    """

    __slots__ = ("_in_meta", "num_outputs", "_f")
    _slot_fields = False                              # (True: some fields kept in slots)

    def check_saved(self) -> None:
        """PyTorch unpacks every saved value before the rule runs: a freed or changed one
        fails first, in PyTorch's order (``_raise_first_stale``)."""
        for s in self._saved:
            if s is not None and s._unpack is None and (s.freed or s._vc is not None and s._vc[0] != s.version):
                _raise_first_stale(self)

    def apply(self, *grads: Any) -> tuple:
        if self._saved:
            self.check_saved()
        out = self.backward(*grads)
        if type(out) is not tuple:
            out = (out,)
        meta = self._in_meta
        if meta is not None:
            out = tuple([reduce_grad(g, m) for g, m in zip(out, meta)])
        return out


def _raise_first_stale(node: OpNode) -> None:
    """Raise the error of the first saved value that was changed in place (or freed), in
    the order PyTorch's generated nodes unpack them: the saved inputs by name, then the
    saved outputs by name -- even one the rule would not need this time (``x // y`` saves
    ``x`` and ``y``, though its gradient is zero)."""
    names = node.saved_names
    saved = node._saved
    order = sorted((i for i, s in enumerate(saved) if s is not None),
                   key=lambda i: (saved[i].is_output, names[i] if i < len(names) else "result"))
    for i in order:
        saved[i].unpack()


def reduce_grad(g: Any, meta: Any) -> Any:
    """Bring one input's gradient back to that input's shape and dtype."""
    if g is None or meta is None:
        return g
    shape, dtype = meta
    if g._data.shape != shape:
        g = sum_to(g, shape)
    if g._data.dtype != dtype:
        g = g.to(B._FROM_NP[dtype])
    return g


DTYPE_WORDS = B.SCALAR_NAMES                          # (numpy dtype name -> PyTorch's name)


CPP_NAMES = B.CPP_NAMES                               # (numpy dtype name -> the C++ name)


# the C++ types PyTorch names when a number does not fit a dtype
_SCALAR_TYPES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t",
                 "float16": "c10::Half", "float32": "float", "float64": "double"}


def shown_dim(dim: Any) -> Any:
    """``dim`` (or an index, ``ignore_index``, ``padding_idx``) as ``grad_fn._saved_*`` shows it in PyTorch.

    PyTorch stores dims as unsigned 64-bit numbers, so a negative dim such as -1
    reads back as 18446744073709551615. An int stays an int; a sequence is a tuple.
    """
    if isinstance(dim, (int, np.integer)):
        d = int(dim)
        return d + (1 << 64) if d < 0 else d
    return tuple(shown_dim(d) for d in dim)


def scalar_to(value: Any, dtype: Any) -> Any:
    """The number ``value`` as a numpy scalar of ``dtype``, converted as PyTorch converts
    a number it writes into a tensor (``fill_``, ``masked_fill_``, ``x[i] = number``):
    2.5 becomes 2 in an integer tensor and -1 wraps to 255 in a uint8 one, but a value
    the type cannot hold (a NaN or an inf for integers, 1e300 for float32) is refused."""
    dt = np.dtype(dtype)
    v = value.item() if isinstance(value, (np.generic, np.ndarray)) else value
    if dt.kind == "b" or isinstance(v, bool):
        return np.asarray(v).astype(dt)[()]
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if isinstance(v, float):
            bad = not math.isfinite(v) or v < info.min or v > info.max
        else:                                         # (negative ints wrap into unsigned types)
            bad = v > info.max or v < (-info.max if dt.kind == "u" else info.min)
    else:
        bad = (not isinstance(v, float) or math.isfinite(v)) and abs(v) > np.finfo(dt).max
    if bad:
        raise RuntimeError(f"value cannot be converted to type {_SCALAR_TYPES[dt.name]} without overflow")
    return np.asarray(v).astype(dt)[()]


def no_kernel(kernel: str, dtype: Any) -> NotImplementedError:
    """PyTorch's error for an op with no kernel for a dtype (``"abs_cpu" not implemented
    for 'Bool'``); ``dtype`` is the (promoted) numpy dtype the kernel would run on."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{DTYPE_WORDS[np.dtype(dtype).name]}\'')


def floating_kernel(kernel: str) -> Callable:
    """Decorator for an op that PyTorch computes with floating kernels only: an integer or
    bool first argument is refused with ``no_kernel(kernel, its dtype)``."""
    def deco(fn: Callable) -> Callable:
        def op(input: Tensor, *args: Any, **kwargs: Any) -> Any:
            dt = input._data.dtype
            if dt.kind != "f":
                raise no_kernel(kernel, dt)
            return fn(input, *args, **kwargs)
        op.__name__, op.__qualname__, op.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        op.__wrapped__ = fn
        return op
    return deco


def arg_error(fn: str, arg: str, pos: int, value: Any) -> TypeError:
    """PyTorch's wrong-type message for a function argument (``pos`` counts from 1, as
    ``torch.fn`` does); the method form, ``x.fn(...)``, does not count ``self``: its
    text rides along for ``as_method``."""
    text = f"{fn}(): argument '{arg}' (position {{}}) must be Tensor, not {type(value).__name__}"
    e = TypeError(text.format(pos))
    e.method_text = text.format(pos - 1)
    return e


def combination_error(fn: str, *args: Any) -> TypeError:
    """PyTorch's message for arguments that fit none of ``torch.fn``'s signatures (a Python
    number where a Tensor must come first, two numbers, ...): their types, in order."""
    got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args)
    return TypeError(f"{fn}() received an invalid combination of arguments - got ({got}), but expected one of:")


def reflected(fn: Callable, name: str) -> Callable:
    """``fn`` as the reflected operator ``Tensor.<name>`` (``__rmul__``, ``__rand__``, ...),
    which, called unbound on a non-tensor (``Tensor.__rmul__(2, t)``), refuses it as
    PyTorch's C method descriptor does."""
    def method(self: Any, other: Any) -> Any:
        if not isinstance(self, Tensor):
            raise TypeError(f"descriptor '{name}' for 'torch._C.TensorBase' objects doesn't apply to a "
                            f"'{type(self).__name__}' object")
        return fn(self, other)
    method.__name__ = name
    method.__doc__ = fn.__doc__
    return method


def as_method(fn: Callable, name: str | None = None) -> Callable:
    """``fn`` as a Tensor method: argument errors then count positions as PyTorch's methods do."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except TypeError as e:
            if hasattr(e, "method_text"):
                raise TypeError(e.method_text) from None
            raise
    method.__name__ = name or fn.__name__
    method.__doc__ = fn.__doc__
    method.__wrapped__ = fn                           # (its parameters: see saved_first)
    return method


def register(*names: str) -> Callable:
    """Attach a function to Tensor under ``names`` (decorator). As a method, an op that
    refuses its arguments reads the inputs' histories first, as PyTorch's autograd layer
    does (``histories_first``; not the ops of ``KERNEL_FIRST``)."""
    def deco(fn: Callable) -> Callable:
        methods: dict = {}
        for n in names:
            if n in KERNEL_FIRST or not inspect.isfunction(fn):
                setattr(Tensor, n, numpy_names_too(fn) if inspect.isfunction(fn) else fn)
                continue
            inplace = n.endswith("_") and not n.endswith("__") or n.startswith("__i")
            if inplace not in methods:
                methods[inplace] = histories_first(fn, inplace)
            setattr(Tensor, n, methods[inplace])
        return fn
    return deco


def check_inplace(t: Tensor, *others: Any) -> None:
    """PyTorch's refusals for changing ``t`` in place (with ``others``, the op's other inputs).

    The in-place op records when ``t`` or any other input requires grad: then a view
    made under no_grad / inference_mode (or by split/unbind) may not be changed, even
    one that does not require grad itself. Leaves (and views of leaves) that require
    grad are refused for their own sake.
    """
    if PRE_MUTATION:                             # e.g. allow_mutation_on_saved_tensors
        for watcher in PRE_MUTATION:             # keeps what a node saved from ``t``
            watcher(t)
    mode = STATE.mode                            # (an inference tensor: see bump)
    if mode:                                     # nothing is recorded: nothing to refuse
        return
    own = t.requires_grad
    if not own and not any(isinstance(o, Tensor) and o.requires_grad for o in others):
        return
    if t._is_inference:                          # no autograd metadata at all: PyTorch's
        # inference error comes from bump(), unless an ordinary input (a tensor, or a number
        # PyTorch wraps) takes the op through autograd, which refuses a leaf first
        if own and t._gfn is None and t._vbase is None and others and any(
                not (isinstance(o, Tensor) and o._is_inference) for o in others):
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        return
    base = t._vbase
    if base is not None:
        meta = t._view_meta                      # a view made under no_grad / inference_mode,
        if meta is not None:                     # by split / unbind, ...
            raise RuntimeError(view_meta_error(meta, True, t))
        inplace_error = getattr(t._view_fn, "inplace_error", None)   # (nn/_backward_hooks)
        if inplace_error is not None:
            raise RuntimeError(inplace_error)
    if not own:
        return
    if t._gfn is None:                       # (a view that was made to require grad
        if base is not None and base._gfn is None:       # itself counts as one of a leaf)
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if base is not None and base._gfn is None:   # (even if the leaf's requires_grad was switched off since)
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


# ---------------------------------------------------------------------------
# memory overlap: what an in-place write may not do (PyTorch's TensorIterator checks)
# ---------------------------------------------------------------------------

INTERNAL_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
                    "single memory location. Please clone() the tensor before performing the operation.")
PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor "
                   "refer to a single memory location. Please clone() the tensor before performing the "
                   "operation.")


def has_internal_overlap(d: Any) -> bool:
    """Do elements of array ``d`` share memory (an ``expand``-ed view: a stride-0 dim of
    size > 1)? (An empty array has none: numpy gives empty arrays 0 strides.)"""
    return d.size != 0 and any(st == 0 and n > 1 for n, st in zip(d.shape, d.strides))


def check_internal_overlap(t: Tensor) -> None:
    """Refuse to write into a tensor whose elements share memory: which of the writes
    would win? (Fills may: see ``write_fill``.)"""
    if has_internal_overlap(t._data):
        raise RuntimeError(INTERNAL_OVERLAP)


def writable(a: Any) -> Any:
    """``a`` itself, or a writable alias of it. NumPy marks expanded arrays read-only;
    PyTorch lets some ops write through an expand (into its base's memory)."""
    if type(a) is not np.ndarray or a.flags.writeable:
        return a
    root = _root(a)
    if not isinstance(root, np.ndarray) or not root.flags.writeable:
        return a                                     # (memory that is truly read-only)
    start = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return np.ndarray(a.shape, a.dtype, root, start, a.strides)


def write_fill(dst: Any, src: Any) -> None:
    """Write ``src`` (``dst``'s shape and dtype) into array ``dst`` as PyTorch's filling
    kernels do (``fill_``, ``zero_``, ``masked_fill_``, ``index_fill_``, ``tril_``,
    ``index_put_``): they write only the places they fill, so PyTorch lets them write
    into a tensor whose elements share memory. There only the places whose value
    changes are written: each memory place then gets the filled value if any of the
    elements sharing it was filled (compared bit by bit: -0.0 and NaN count)."""
    out = writable(dst)
    if not has_internal_overlap(dst):
        out[...] = src
        return
    bits = np.dtype(f"u{dst.itemsize}")
    changed = dst.view(bits) != src.view(bits)
    out[changed] = src[changed]


EXPANDED_DEPRECATED = ("Use of {op} on expanded tensors is deprecated. Please clone() the tensor before "
                       "performing this operation. This also applies to advanced indexing e.g. {example}")


def warn_expanded(op: str, t: Tensor) -> None:
    """PyTorch's warning when ``masked_fill_`` / ``index_fill_`` / ``index_put_`` write
    into a tensor whose elements share memory (still done, for now)."""
    if has_internal_overlap(t._data):
        import warnings
        example = "tensor[indices] = tensor" if op == "index_put_" else "tensor[mask] = scalar"
        warnings.warn(EXPANDED_DEPRECATED.format(op=op, example=example), UserWarning, stacklevel=3)


def _root(a: Any) -> Any:
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def _dense_span(a: Any) -> tuple[int, int] | None:
    """``(first byte, end byte)`` of an array whose elements fill its span exactly (no
    gaps, no repeats, in any dim order), else None (PyTorch then does not check)."""
    dims = sorted((abs(st), n) for n, st in zip(a.shape, a.strides) if n != 1)
    expect = a.itemsize
    for st, n in dims:
        if st != expect:
            return None
        expect *= n
    start = a.__array_interface__["data"][0] + sum(st * (n - 1) for n, st in zip(a.shape, a.strides) if st < 0)
    return start, start + a.size * a.itemsize


def memory_overlap(a: Any, b: Any) -> str | None:
    """``"full"`` (the same elements, laid out alike), ``"partial"`` or None, for two arrays."""
    if a is b:
        return "full"
    if type(a) is not np.ndarray or type(b) is not np.ndarray or _root(a) is not _root(b):
        return None
    sa, sb = _dense_span(a), _dense_span(b)
    if sa is None or sb is None:
        return None
    if sa == sb:
        return "full" if a.strides == b.strides else "partial"
    return "partial" if sa[0] < sb[1] and sb[0] < sa[1] else None


def check_overlap(out: Tensor, inputs: Sequence[Any], full_too: bool = False) -> None:
    """Refuse an in-place write into ``out`` from inputs sharing part of its memory (all of
    it too, for scatter-like ops, ``full_too``): the result would depend on the order."""
    od = out._data
    for t in inputs:
        if isinstance(t, Tensor):
            o = memory_overlap(od, t._data)
            if o == "partial" or o == "full" and full_too:
                raise RuntimeError(PARTIAL_OVERLAP)


_NUMPY_KEYS = frozenset(_NUMPY_ALIASES)
_OUT_NOT_INPUT = frozenset({"gather", "index_select", "masked_select", "cat", "concat", "concatenate", "take"})


def with_out(name: str, fn: Callable) -> Callable:
    """``torch.<name>(..., out=t)``: the result is written into ``t`` (resized to fit) and
    ``t`` returned. As in PyTorch such a call records nothing, so it is refused while
    recording when an argument or ``t`` requires grad; writing into ``t`` is an in-place
    change of ``t`` (version bump; an inference tensor refuses it outside inference mode).

    An argument the op refuses (a dim out of range, a dtype without a kernel, shapes that
    do not broadcast) is refused after PyTorch's autograd layer read the inputs'
    histories: a view that may no longer be used is refused first (``read_histories``;
    not for the ops of ``KERNEL_FIRST``; methods: ``register``)."""
    def op(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if kwargs and not _NUMPY_KEYS.isdisjoint(kwargs):   # (torch.sum(x, axis=0): NumPy's names)
            kwargs = translate(fn, name, args, kwargs)
        if out is None:
            try:
                return fn(*args, **kwargs)
            except (RuntimeError, IndexError, ValueError):   # an argument refused by the kernel:
                if name not in KERNEL_FIRST:                 # PyTorch's autograd layer came first
                    read_histories(*args, *kwargs.values())
                    first = saved_first(fn, args, kwargs)    # (and saved the inputs)
                    if first is not None:
                        raise first from None
                raise
        if not STATE.mode & 1 and (out.requires_grad or any(
                isinstance(a, Tensor) and a.requires_grad for a in (*args, *kwargs.values()))):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if out._is_inference is True and STATE.mode < 2:
            raise RuntimeError(INFERENCE_INPLACE)
        result = fn(*args, **kwargs)
        check_inplace(out)
        rd = result._data
        if name in ("amax", "amin") and out._data.dtype != rd.dtype:   # (their kernels write no other dtype)
            raise RuntimeError(f"Expected the dtype for input and out to match, but got "
                               f"{B.SCALAR_NAMES[rd.dtype.name]} for input's dtype and "
                               f"{B.SCALAR_NAMES[out._data.dtype.name]} for out's dtype.")
        if name == "gather" and out._data.dtype != rd.dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {B.CPP_NAMES[rd.dtype.name]}, but got "
                               f"{B.CPP_NAMES[out._data.dtype.name]} instead")
        copying = name in _OUT_NOT_INPUT
        if copying or rd.shape == out._data.shape:   # (PyTorch's checks of the written-to tensor:
            check_internal_overlap(out)              # no element twice, no input's memory (any
            check_overlap(out, [t for a in (*args, *kwargs.values())   # of it for the ops that
                                for t in (a if isinstance(a, (list, tuple)) else (a,))],   # copy,
                          full_too=copying)          # checked before out is resized)
        if rd.shape == out._data.shape:
            out._data[...] = rd
        else:
            out._data = rd.astype(out._data.dtype, copy=True)
        bump(out)
        return out
    op.__name__, op.__doc__ = fn.__name__, fn.__doc__
    op.__wrapped__ = fn                               # (x?? and inspect.unwrap show the op itself)
    try:                                              # help() shows the op's own parameters
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        if "out" not in sig.parameters:
            at = len(params) - (params and params[-1].kind is inspect.Parameter.VAR_KEYWORD)
            params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
        op.__signature__ = sig.replace(parameters=params)
    except (TypeError, ValueError):
        pass
    return op


def bump(t: Tensor) -> None:
    """An in-place change happened: move the (shared) version counter.

    An inference tensor has no version counter: changed outside inference mode, it is
    refused here, after the change was written, as PyTorch refuses it (the numbers do
    change, then the error comes). One that has a counter (``_tensor.COUNTED``) counts
    changes made outside inference mode only.
    """
    inference = t._is_inference
    if inference:
        if STATE.mode > 1:
            return
        if inference is True:
            raise RuntimeError(INFERENCE_INPLACE)
    t._vc[0] += 1
