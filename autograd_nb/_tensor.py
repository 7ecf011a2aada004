"""Tensor: an array plus the bookkeeping autograd needs.

A tensor holds

* ``_data``: its numbers (a numpy array on the cpu, a cupy array on cuda);
* ``requires_grad``: whether gradients should flow into it;
* ``grad_fn``: the node that produced it (None for a *leaf*: a tensor you made
  yourself, or any tensor that does not require grad);
* ``grad``: where backward accumulates the gradient of a leaf;
* a version counter, bumped by every in-place change, shared with its views, so a
  node that saved it can tell that the value it saved is gone;
* ``is_inference()``: made inside ``inference_mode``.

Arithmetic, reductions, shape ops and indexing are defined in ``ops/`` and attached to
this class there; this module holds the tensor itself and its autograd entry points.
"""
from __future__ import annotations

import warnings
import weakref
from typing import Any, Iterator

import numpy as np

from . import _backend as B
from .autograd.grad_mode import STATE
from .autograd import node as _node_module
from .autograd.functional import backward as _backward
from .autograd.node import AccumulateGrad, Node, RemovableHandle

__all__ = ["Tensor", "Size", "type_label"]


class Size(tuple):
    """A tensor's shape: a tuple of ints printed as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):                     # slices stay a Size
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))


_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
    "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
}


_CPP_NAMES = B.CPP_NAMES                              # (dtype names as PyTorch's C++ prints them)
_SCALAR_NAMES = B.SCALAR_NAMES


def type_label(t: "Tensor") -> str:
    """PyTorch's legacy type name, e.g. ``torch.FloatTensor`` / ``torch.cuda.LongTensor``."""
    name = _TYPE_NAMES[B.from_numpy_dtype(t._data.dtype).name]
    return ("torch.cuda." if t.is_cuda else "torch.") + name


# Switching requires_grad off on a non-leaf (PyTorch's wording).
_NONLEAF_OFF = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")


# How a view was made (PyTorch's CreationMeta), kept in ``Tensor._view_meta``: None for
# an ordinary view; "no_grad" / "inference" for one made while nothing recorded; "multi"
# for an output of split / chunk / unbind (one node, several views); "custom" for a view
# of an input returned by a custom Function. A view of a view inherits its base's unless
# it is itself made under no_grad / inference_mode ("inference" always stays).
_MODE_WORDS = {"inference": ("inference", "in normal mode", "inference_mode")}
_NO_GRAD_WORDS = ("no_grad", "with grad mode enabled", "no_grad")
_WHY = {
    "multi": "This view is the output of a function that returns multiple views. Such functions do not allow "
             "the output views to be modified inplace. You should replace the inplace operation by an "
             "out-of-place one.",
    "custom": "This view was created inside a custom Function (or because an input was returned as-is) and the "
              "autograd logic to handle view+inplace would override the custom backward associated with the "
              "custom Function, leading to incorrect gradients. This behavior is forbidden. You can fix this by "
              "cloning the output of the custom Function.",
}


def propagate_view_meta(parent: Any, new: Any) -> Any:
    """The creation meta of a view made from a view whose meta is ``parent``: ``new``
    (how this view was made) unless that is ordinary; "inference" always wins."""
    if new is None:
        return parent
    return parent if parent == "inference" else new


def view_meta_error(meta: Any, inplace: bool, view: "Tensor") -> str:
    """PyTorch's refusal for a view whose creation meta (``meta``) is not ordinary.

    ``inplace``: the view itself is being changed in place; otherwise its base (or
    another view of it) was changed and the view is then used. The view is named by its
    node ("Output 1 of Split is a view and ...") when it has one; one made under no_grad
    / inference_mode, or one without a node, is "A view was created in ..." (or, with a
    node, "... a view of a view which was created in ...": it inherited the mode).
    """
    kind = meta[0] if isinstance(meta, tuple) else meta      # (a custom Function's: a tuple)
    mode, when, block = _MODE_WORDS.get(kind, _NO_GRAD_WORDS)
    changed = "is being" if inplace else "its base or another view of its base has been"
    fn = view._gfn
    name = None if fn is None else f"Output {view._output_nr} of {_node_module._short_name(fn)}"
    if kind in ("no_grad", "inference") or fn is None:
        prefix = "A view was created in" if fn is None else f"{name} is a view of a view which was created in"
        head = f"{prefix} {mode} mode and {changed} modified inplace {when}."
    else:
        head = f"{name} is a view and {changed} modified inplace."
    why = _WHY.get(kind) or (
        f"Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
        f"moving both the view and the inplace either both inside the {block} block (if you don't want the "
        f"inplace to be tracked) or both outside (if you want the inplace to be tracked).")
    return f"{head} {why}"


# Tensor._is_inference is False for a normal tensor and True for an inference tensor (one
# made inside inference_mode), which has no version counter: it cannot be changed in place
# outside inference mode. detach() or .data of an inference tensor taken outside inference
# mode is an inference tensor that PyTorch gives a version counter of its own: COUNTED.
COUNTED = 2


def _detached_inference(t: "Tensor") -> Any:
    """``_is_inference`` of a tensor that ``detach()`` or ``.data`` makes from ``t``."""
    if not t._is_inference:
        return False
    return COUNTED if STATE.mode < 2 else True


# Changing an inference tensor in place outside inference mode (PyTorch's wording).
INFERENCE_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")


def _dim_error(dim: int, ndim: int) -> IndexError:
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    return IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")


def canon_dim(dim: int, ndim: int) -> int:
    """A dim in ``[0, ndim)`` from a possibly negative one (0-d tensors accept 0 and -1)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise _dim_error(dim, ndim)
    return dim + n if dim < 0 else dim


def _element_strides(a: Any) -> tuple[int, ...]:
    return tuple(st // a.itemsize for st in a.strides)


def _obeys_layout(g: Any, var: Any) -> bool:
    """PyTorch's layout contract for ``.grad``: a dense leaf's gradient has the leaf's
    strides (in every dim longer than 1), another leaf's is contiguous."""
    if g.flags.c_contiguous and var.flags.c_contiguous:     # (the common case: both row-major)
        return True
    from .ops import _layout                         # (ops import this module)
    if _layout._dense(var.shape, _element_strides(var)):
        return all(n == 1 or sg == sv for n, sg, sv in zip(g.shape, g.strides, var.strides))
    return g.flags.c_contiguous


def _grad_copy(g: Any, var: Any) -> "Tensor":
    """A first ``.grad`` copied from ``g``, laid out by the contract (``_obeys_layout``): a
    dense leaf's made as an empty tensor with its strides and then filled by ``copy_``
    (version 1, as in PyTorch), another leaf's a contiguous clone (version 0)."""
    from .ops import _layout
    strides = _element_strides(var)
    if not _layout._dense(var.shape, strides):
        return Tensor._wrap(g.astype(var.dtype, order="C", copy=True))
    out = Tensor._wrap(_layout.strided_copy(g.astype(var.dtype, copy=False), strides))
    out._vc[0] = 1
    return out


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    Make tensors with ``torch.tensor([...])``, ``torch.zeros(...)`` and friends. Pass
    ``requires_grad=True`` to ask autograd to compute ``d(something)/d(this tensor)``:
    after ``loss.backward()`` the answer waits in ``tensor.grad``.
    """

    __slots__ = ("_data", "_requires_grad", "_gfn", "_output_nr", "_grad", "_vc",
                 "_vbase", "_is_inference", "_acc", "_hooks", "_retains_grad",
                 "_post_hooks", "_view_fn", "_view_ver", "_view_meta", "__weakref__")

    # numpy should let our operators win in ``ndarray + tensor``.
    __array_priority__ = 1000

    # ------------------------------------------------------------------ creation
    def __new__(cls, *args: Any, **kwargs: Any) -> "Tensor":
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """``torch.Tensor(data)`` (float32 copy) or ``torch.Tensor(2, 3)`` (uninitialised)."""
        if len(args) == 1 and not isinstance(args[0], int):
            src = args[0]
            data = np.array(src._data if isinstance(src, Tensor) else src, dtype=B.get_default_dtype().np)
        else:
            data = np.zeros(tuple(args), dtype=B.get_default_dtype().np)
        self._init(data, False)

    def _init(self, data: Any, requires_grad: bool) -> None:
        self._data = data
        self._requires_grad = requires_grad
        self._gfn = None
        self._output_nr = 0
        self._grad = None
        self._vc = [0]
        self._vbase = None
        self._is_inference = STATE.mode > 1
        self._acc = self._hooks = self._post_hooks = None  # (_view_* only on views)
        self._retains_grad = False

    @classmethod
    def _wrap(cls, data: Any, requires_grad: bool = False, grad_fn: Node | None = None,
              output_nr: int = 0, vc: list | None = None) -> "Tensor":
        """Fast internal constructor: no checks, no copies.

        Every slot is assigned here (as in ``_init``, ``ops._core.record`` / ``plain`` and
        ``ops.views.plain_view``, each inlined on purpose): Tensor has no ``__getattr__``
        fallback, which keeps every attribute read on the fast path. A new slot goes into
        all of them; tests/test_tensor_api.py checks that every path fills every slot.
        """
        t = object.__new__(cls)
        t._data = data
        t._requires_grad = requires_grad
        t._gfn = grad_fn
        t._output_nr = output_nr
        t._grad = None
        t._vc = [0] if vc is None else vc
        t._vbase = None
        t._is_inference = STATE.mode > 1
        t._acc = t._hooks = t._post_hooks = None       # (_view_* only on views)
        t._retains_grad = False
        return t

    # ------------------------------------------------------------------ metadata
    @property
    def data(self) -> "Tensor":
        """The same numbers as a tensor outside the graph, with its *own* version counter.

        Changes made through ``.data`` are invisible to autograd: a node that saved this
        tensor cannot notice them, so backward may silently give a wrong gradient. Prefer
        ``detach()``, which shares the version counter and so raises instead.
        """
        out = Tensor._wrap(self._data)
        out._is_inference = _detached_inference(self)
        return out

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    @data.deleter
    def data(self) -> None:
        raise RuntimeError("Deleting tensor data is not allowed. Delete tensor instead!")

    # ``_grad_fn`` and ``_base`` (names PyTorch shows) read the slots ``_gfn`` and ``_vbase``.
    # Deleting them, or ``data``, ``requires_grad`` or ``_backward_hooks``, is refused as
    # PyTorch refuses it, by each property's deleter: a ``Tensor.__delattr__`` would make
    # every attribute store on every tensor go through a Python-level lookup (an op
    # stores a dozen on the tensor it returns: a third of a small op's time).
    @property
    def _grad_fn(self) -> Any:
        return self._gfn

    @_grad_fn.setter
    def _grad_fn(self, fn: Any) -> None:
        self._gfn = fn

    @_grad_fn.deleter
    def _grad_fn(self) -> None:
        raise RuntimeError("Deletion of _grad_fn not allowed. Detach tensor instead!")

    @property
    def _base(self) -> "Tensor | None":
        """The tensor this one is a view of (None for a tensor that owns its memory)."""
        return self._vbase

    @property
    def volatile(self) -> bool:
        """Removed in PyTorch 0.4 (use ``torch.no_grad()``): always False, with a warning."""
        warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                      stacklevel=2)
        return False

    def _is_view(self) -> bool:
        """True for a view: a tensor that shares its base's memory (see ``_base``)."""
        return self._vbase is not None and not self._is_inference   # (inference: no views tracked)

    def new(self, *args: Any) -> "Tensor":
        """A new tensor with this one's dtype and device (the pre-0.4 constructor):
        ``t.new(2, 3)`` or ``t.new(size)`` is uninitialised, ``t.new([1, 2])`` holds data."""
        from ._creation import empty, tensor
        if len(args) == 1 and not isinstance(args[0], (int, Size)) and not (
                isinstance(args[0], tuple) and all(isinstance(a, int) for a in args[0])):
            return tensor(args[0], dtype=self.dtype, device=self.device)
        shape = tuple(args[0]) if len(args) == 1 and not isinstance(args[0], int) else args
        return empty(shape, dtype=self.dtype, device=self.device)

    @property
    def _backward_hooks(self) -> dict | None:
        """The hooks ``register_hook`` put on this leaf (PyTorch's dict of them)."""
        return self._hooks

    @_backward_hooks.setter
    def _backward_hooks(self, hooks: dict | None) -> None:
        self._hooks = hooks

    @_backward_hooks.deleter
    def _backward_hooks(self) -> None:
        raise RuntimeError("Deletion of _backwards_hooks not allowed!")

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape (``torch.Size``), or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        if not self._data.ndim:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._data.shape[canon_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> B.dtype:
        return B._FROM_NP[self._data.dtype]

    @property
    def device(self) -> B.device:
        return B.array_device(self._data)

    @property
    def is_cuda(self) -> bool:
        return type(self._data) is not np.ndarray

    @property
    def is_cpu(self) -> bool:
        return type(self._data) is np.ndarray

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None) -> Any:
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[canon_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format: Any = None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def data_ptr(self) -> int:
        return int(self._data.__array_interface__["data"][0]) if self.is_cpu else int(self._data.data.ptr)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """Without an argument, PyTorch's type name (``'torch.FloatTensor'``); with a dtype
        or such a name (``'torch.cuda.LongTensor'``), ``self`` converted to it."""
        if dtype is None:
            return type_label(self)
        if isinstance(dtype, str):
            from .ops.convert import parse_type_name
            dt, device = parse_type_name(dtype)
            return self.to(dt, device)
        return self.to(dtype)

    @property
    def _version(self) -> int:
        """How many times this tensor (or a view sharing its storage) was changed in place.

        Inference tensors track no version counter: asking one raises, as in PyTorch
        (except one that ``detach()`` gave outside inference mode: see ``COUNTED``).
        """
        if self._is_inference is True:
            raise RuntimeError("Inference tensors do not track version counter.")
        return self._vc[0]

    def is_inference(self) -> bool:
        """True for tensors made inside ``inference_mode`` (and their views and detached copies)."""
        return self._is_inference is not False

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (``grad_fn is None``).

        Every tensor that does not require grad is a leaf, and so is one you made with
        ``requires_grad=True``. Only leaves get ``.grad`` filled by backward.
        """
        if self._vbase is not None and self._vc[0] != self._view_ver:
            self._view_changed()                       # (may refuse, as grad_fn does)
        return self._gfn is None

    @property
    def grad_fn(self) -> Node | None:
        """The node that made this tensor (``None`` for leaves)."""
        if self._vbase is not None and self._vc[0] != self._view_ver:
            self._view_changed()
        return self._gfn

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def _base_tensor(self) -> "Tensor | None":
        return self._vbase

    # ------------------------------------------------------------------ requires_grad
    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow into this tensor.

        Settable on leaves only, and only for floating point tensors. A view whose base
        requires grad does too, even one made under ``no_grad`` (it has no ``grad_fn``:
        nothing flows back through it to the base).
        """
        if self._requires_grad:
            return True
        base = self._vbase                    # (a view of an inference tensor does not follow)
        return base is not None and base._requires_grad and not self._is_inference

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._gfn is not None:
            if flag:
                raise RuntimeError("you can only change requires_grad flags of leaf variables.")
            raise RuntimeError(_NONLEAF_OFF)
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._check_inference_requires_grad(flag)
        if flag and not self._requires_grad:
            self._leaf_init()
        self._requires_grad = bool(flag)

    @requires_grad.deleter
    def requires_grad(self) -> None:
        raise RuntimeError("requires_grad must be a bool")

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return the tensor (leaves only)."""
        if self._gfn is not None and not requires_grad:
            raise RuntimeError(_NONLEAF_OFF)
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._check_inference_requires_grad(requires_grad)
        if self._gfn is None:
            if requires_grad and not self._requires_grad:
                self._leaf_init()
            self._requires_grad = bool(requires_grad)
        return self

    def _leaf_init(self) -> "Tensor":
        """A leaf starts (again) to require grad. Its AccumulateGrad and hooks of an earlier
        time stay, as in PyTorch (``x.detach_(); x.requires_grad_()``: a graph built before
        still reaches ``x``, whose gradient ``autograd.grad`` then finds)."""
        self._retains_grad = False
        return self

    def _check_inference_requires_grad(self, flag: bool) -> None:
        if flag and self._is_inference and not STATE.inference:
            raise RuntimeError(
                "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")

    # ------------------------------------------------------------------ grad
    @property
    def grad(self) -> "Tensor | None":
        """The accumulated gradient of a leaf (None until a backward reaches it).

        Reading it on a non-leaf gives None and a warning, unless ``retain_grad()``
        asked the non-leaf to keep its gradient.
        """
        if self._gfn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
                "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
                "information. (Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_CPP_NAMES[value._data.dtype.name]}' to a "
                    f"tensor with grad_dtype '{_SCALAR_NAMES[self._data.dtype.name]}'. The gradient must "
                    "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                    "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
                    "downstream systems that assume they match.")
            if type(value._data) is not type(self._data):
                raise RuntimeError("assigned grad has data located on a different device")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '[{', '.join(map(str, value._data.shape))}]' "
                    f"to a tensor of size '[{', '.join(map(str, self._data.shape))}]'. Please ensure that "
                    "the gradient and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    def _accumulate(self, grad: "Tensor", owned: bool = False) -> None:
        """Add ``grad`` into ``.grad`` (what AccumulateGrad and retain_grad do).

        The first gradient is copied, so ``.grad`` never aliases a tensor someone else
        holds; with ``owned`` (nobody else refers to ``grad``) its array is kept as is.
        A leaf whose ``requires_grad`` was switched off after the graph was built gets
        nothing, as in PyTorch.
        """
        if not self._requires_grad:
            return
        if grad._data.shape != self._data.shape:        # defensive; ops unbroadcast already
            from .ops._core import sum_to
            grad = sum_to(grad, self._data.shape)
        if STATE.grad_enabled:         # create_graph: the first gradient is copied into a new
            if self._grad is None:     # tensor with a recorded copy_ (CopyBackwards), later
                fresh = Tensor._wrap(B.xp_of(self._data).empty_like(self._data))   # ones added
                self._grad = fresh.copy_(grad)                                    # out of place
            else:
                self._grad = self._grad + grad
        elif self._grad is None:
            d = grad._data
            if not owned or d.dtype != self._data.dtype or not _obeys_layout(d, self._data):
                self._grad = _grad_copy(d, self._data)
            elif grad._vbase is None and not grad._requires_grad and grad.__class__ is Tensor:
                self._grad = grad                       # nobody else has it: keep it as is
            else:                                       # (PyTorch keeps grad.detach(): the
                self._grad = Tensor._wrap(d)            # same memory and version counter)
                self._grad._vc = grad._vc
        else:                                           # (even a create_graph .grad: in place)
            g = self._grad
            gd = g._data
            if not gd.flags.writeable:                  # a .grad you assigned: an expand()-ed
                from .ops._core import check_internal_overlap   # one is refused as PyTorch
                check_internal_overlap(g)               # refuses it; another read-only array
                g._data = gd = gd.copy()                # gets a writable copy
            gd += grad._data
            if g._is_inference is True and STATE.mode < 2:  # a .grad made in inference_mode:
                raise RuntimeError(INFERENCE_INPLACE)       # refused after the add, as torch
            g._vc[0] += 1
        if self._post_hooks:
            for hook in list(self._post_hooks.values()):
                if hook(self) is not None:
                    raise RuntimeError("Tensor post accumulate grad hooks should return None.")

    def retain_grad(self) -> None:
        """Ask a non-leaf to keep its gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._gfn is None or self._retains_grad:     # (PyTorch asks a leaf no more)
            return
        fn = self.grad_fn                                  # (a changed view: its history first)
        self._retains_grad = True
        ref = weakref.ref(self)

        def keep(grad: Tensor | None) -> None:
            t = ref()                   # a copy, never the gradient itself: what backward or
            if t is not None and grad is not None:    # autograd.grad hands on stays apart from
                if t._grad is None:                   # .grad (under create_graph the copy is
                    from .ops.convert import contiguous_clone     # recorded: CloneBackward0;
                    t._grad = contiguous_clone(grad)  # PyTorch's is a contiguous clone)
                else:
                    t._grad = t._grad + grad
        fn._tensor_hook_store(self._output_nr, retain=True)[0] = keep

    def _retain_moved(self, old_fn: Node | None, old_nr: int) -> None:
        """An in-place op gave this tensor a new history: its retain_grad hook moves from the
        old node to the new one, so ``.grad`` is the gradient of the tensor's latest value."""
        x = None if old_fn is None else old_fn._x
        store = None if x is None or not x.retain_prehooks else x.retain_prehooks.get(old_nr)
        keep = None if not store else store.pop(0, None)
        if keep is not None and self._gfn is not None:
            self._gfn._tensor_hook_store(self._output_nr, retain=True)[0] = keep

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Call ``hook(grad)`` whenever a gradient for this tensor is computed.

        The hook may return a new gradient to use instead. On a leaf it runs before
        the gradient is accumulated into ``.grad``.
        """
        if not self.requires_grad:                  # (a view made under no_grad too)
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:                # (a changed view: its history first)
            store = self._gfn._tensor_hook_store(self._output_nr)
        else:
            if self._hooks is None:
                self._hooks = {}
            store = self._hooks
        handle = RemovableHandle(store)
        store[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook: Any) -> RemovableHandle:
        """Call ``hook(tensor)`` after a gradient was accumulated into this leaf's ``.grad``."""
        if not self.requires_grad:                  # (a view made under no_grad too)
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_hooks is None:
            self._post_hooks = {}
        handle = RemovableHandle(self._post_hooks)
        self._post_hooks[handle.id] = hook
        return handle

    def _grad_accumulator(self, create: bool = True) -> AccumulateGrad | None:
        """This leaf's AccumulateGrad node, made on first use and then kept.

        (PyTorch holds it weakly and makes a new one per graph; keeping it saves a node
        per leaf per op. Leaf and node refer to each other, so a dropped leaf is freed by
        Python's cycle collector rather than at once.)
        """
        acc = self._acc
        if acc is None and create and self._requires_grad and self._gfn is None:
            acc = self._acc = AccumulateGrad(self)
        return acc

    def _refresh_view(self) -> None:
        """A view whose base was changed in place since the view was made: re-derive the
        view's history from the base (its values already changed: they share memory), so
        gradients flow through the base's new history, as in PyTorch."""
        self._view_ver = self._vc[0]
        if self._view_fn is None:
            return
        from .ops.views import restride_view             # PyTorch's AsStridedBackward0
        restride_view(self)

    def _view_changed(self) -> None:
        """This view's storage was changed in place since the view's history was set.

        A view without history whose base does not require grad has nothing to re-derive
        (even one that was itself made to require grad): it stays a leaf. Any other gets
        its history from the base again (a view made before its base required grad too),
        or is refused, every time it is asked, if it was not an ordinary view (made under
        no_grad / inference_mode, by split / chunk / unbind, ...: see ``view_meta_error``).
        """
        if self._gfn is None and not self._vbase._requires_grad:
            return
        meta = self._view_meta
        if meta is not None:
            raise RuntimeError(view_meta_error(meta, False, self))
        self._refresh_view()

    def _edge(self) -> tuple[Node | None, int]:
        """The ``(node, input_nr)`` edge a node that consumes this tensor records."""
        if self._vbase is not None and self._vc[0] != self._view_ver:
            self._view_changed()
        if self._gfn is not None:
            return (self._gfn, self._output_nr)
        if self._requires_grad:
            acc = self._acc
            if acc is None:
                acc = self._acc = AccumulateGrad(self)
            return (acc, 0)
        return (None, 0)

    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Compute the gradient of this tensor with respect to the graph's leaves.

        For a scalar, ``gradient`` may be left out (it is 1). For a tensor with several
        elements pass ``gradient`` (same shape): backward then computes the
        vector-Jacobian product ``gradient^T . J``. Gradients are *added* into each
        leaf's ``.grad``; the graph's saved buffers are freed unless
        ``retain_graph=True``.
        """
        _backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------------ conversion
    def detach(self) -> "Tensor":
        """A tensor sharing these numbers (and the version counter) but outside the graph."""
        out = Tensor._wrap(self._data, False, None, 0, self._vc)
        out._is_inference = _detached_inference(self)
        if out._is_inference is COUNTED:
            out._vc = [0]
        return out

    def detach_(self) -> "Tensor":
        """Cut this tensor out of the graph in place: it becomes a leaf.

        A view cannot be cut out (it shares its base's history); inside
        ``inference_mode`` nothing happens, as autograd's part of PyTorch's op is skipped
        (nor to an inference tensor, which has no autograd part: it keeps requires_grad).
        """
        if STATE.inference or self._is_inference:
            return self
        if self._is_view():
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        if self._gfn is not None:                 # (what it saved for backward cannot be used)
            _node_module.detached_in_place(self)
        self._gfn = None
        self._requires_grad = False
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The numbers as a numpy array that shares memory with the tensor."""
        if self._requires_grad and not force and STATE.grad_enabled:   # (allowed under no_grad)
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if not self.is_cpu:
            if force:
                return B.to_device(self._data, B.CPU)
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first.")
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def item(self) -> Any:
        """The single number in this tensor as a Python int, float or bool."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The numbers as (nested) Python lists; a 0-d tensor gives a number."""
        if self.is_cpu:
            return self._data.tolist()
        return B.to_device(self._data, B.CPU).tolist()

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __reduce_ex__(self, proto: int):
        return (_rebuild, (B.to_device(self._data, B.CPU), self._requires_grad, str(self.device),
                           type(self)))

    def __deepcopy__(self, memo: dict) -> "Tensor":
        if self._gfn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        out = type(self).__new__(type(self))
        Tensor._init(out, self._data.copy(), self._requires_grad)
        if self._grad is not None:
            out._grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = out
        return out

    # ------------------------------------------------------------------ printing
    def _repr_extras(self) -> list[str]:
        extra = []
        if self._vbase is not None and self._vc[0] != self._view_ver:
            try:
                self._view_changed()
            except RuntimeError:                       # a view whose grad_fn is refused
                return ["grad_fn=<Invalid>"]
        if self._gfn is not None:
            extra.append(f"grad_fn=<{type(self._gfn).__name__}>")         # not name(): as torch
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return extra

    def __repr__(self, prefix: str = "tensor(") -> str:
        from ._printing import format_tensor
        dt = self.dtype
        default = dt is B.int64 or dt is B.bool_ or dt is B.get_default_dtype()
        values = self._data if self.is_cpu else B.to_device(self._data, B.CPU)
        dev = None if self.is_cpu else str(self.device)
        return format_tensor(values, dtype_name=repr(dt), default_dtype=default, device=dev,
                             extra=self._repr_extras(), prefix=prefix)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return repr(self)


def clear_grad(t: Tensor, set_to_none: bool = True) -> None:
    """What ``zero_grad`` does to one parameter: drop its ``.grad``, or zero it in place
    (cut out of any graph, version bumped). Shared by ``Module`` and ``Optimizer``."""
    g = t._grad
    if g is None:
        return
    if set_to_none:
        t._grad = None
        return
    if g._gfn is not None:
        g.detach_()
    else:
        g._requires_grad = False
    g._data[...] = 0
    g._vc[0] += 1


def _rebuild(data: np.ndarray, requires_grad: bool, dev: str, cls: type) -> Tensor:
    t = cls.__new__(cls)
    Tensor._init(t, B.to_device(data, B.device(dev)), requires_grad)
    return t


_node_module.Tensor = Tensor          # for the autograd modules this one imports (a cycle)
