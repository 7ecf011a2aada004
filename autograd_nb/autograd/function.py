"""Custom autograd functions: write ``forward`` and ``backward`` yourself.

::

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)          # a SavedTensor, checked like any other
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    y = Square.apply(x)                       # y.grad_fn is <SquareBackward>

``forward`` runs with recording switched off; ``apply`` then records one node whose
rule is your ``backward``. Saved tensors go through the same ``SavedTensor`` machinery as
the built-in ops, so in-place changes and freed graphs are detected the same way.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .grad_mode import STATE
from .node import ANOMALY, Node, save

__all__ = ["Function", "FunctionCtx", "once_differentiable", "BackwardCFunction", "InplaceFunction"]


class FunctionCtx:
    """The ``ctx`` object: a place to stash what ``backward`` will need."""

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors for backward (checked for in-place changes when read back)."""
        self._to_save = tensors

    def save_for_forward(self, *tensors: Any) -> None:
        self._to_save_fwd = tensors

    def mark_dirty(self, *tensors: Any) -> None:
        """Declare tensors that ``forward`` modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Declare outputs that should not require grad (e.g. indices)."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for outputs without a gradient."""
        self._materialize = value


class BackwardCFunction(Node, FunctionCtx):
    """The node ``Function.apply`` records; it is also the ``ctx`` passed to your methods."""

    __slots__ = ("_fn_cls", "_to_save", "_to_save_fwd", "_dirty", "_non_diff", "_materialize",
                 "needs_input_grad", "_shapes", "_in_shapes", "num_outputs", "_tensor_args")

    def name(self) -> str:
        return self._fn_cls.__name__ + "Backward"

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward`` (raises if freed or changed in place).

        With ``clear_saved_tensors_on_access = True`` on the Function, reading them also
        lets the node forget them (so ``backward`` holds the only references) and a second
        read raises.
        """
        if getattr(self._fn_cls, "clear_saved_tensors_on_access", False):
            if getattr(self, "_cleared", False):
                raise RuntimeError(
                    "saved_tensors can only be accessed once when clear_saved_tensors_on_access=True "
                    "is set on the autograd.Function. Either access saved_tensors only once, or set "
                    "clear_saved_tensors_on_access=False.")
            values = tuple(None if s is None else s.unpack(history=False) for s in self._saved)
            self._cleared = True
            self.release()
            return values
        return tuple(None if s is None else s.unpack(history=False) for s in self._saved)

    @property
    def saved_variables(self) -> tuple:
        """The old name of ``saved_tensors`` (deprecated)."""
        import warnings
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning,
                      stacklevel=2)
        return self.saved_tensors

    def backward(self, *grads: Any) -> tuple:
        if self._materialize:
            # a missing gradient of a tensor output becomes zeros (of a non-tensor output:
            # None); outputs marked non-differentiable too, unless
            # ``ctx._materialize_non_diff_grads = False``
            from .._creation import zeros
            keep_none = not getattr(self, "_materialize_non_diff_grads", True)
            grads = tuple(g if g is not None or d is None or (keep_none and nd)
                          else zeros(s, dtype=d)
                          for g, (s, d, nd) in zip(grads, self._shapes))
        out = self._fn_cls.backward(self, *grads)
        if not isinstance(out, tuple):
            out = (out,)
        n = len(self._in_shapes)                      # one gradient per forward argument
        if len(out) > n:                              # extra trailing Nones are allowed
            if any(g is not None for g in out[n:]):
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {n}, got {len(out)})")
            out = out[:n]
        elif len(out) < n:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {n}, got {len(out)})")
        from .._tensor import Tensor
        for i, (g, shape) in enumerate(zip(out, self._in_shapes)):
            if g is not None and shape is None:
                raise RuntimeError(f"function {self.name()} returned a gradient different than None at position "
                                   f"{i + 1}, but the corresponding forward input was not a Variable")
        checked = []                                  # ... and one edge per tensor argument
        for (nxt, _), i in zip(self.next_functions, self._tensor_args):
            g, shape = out[i], self._in_shapes[i]
            if g is not None and not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if nxt is None or g is None:
                checked.append(None)
                continue
            if tuple(g.shape) != shape:
                g = _fit_grad(self.name(), i, g, shape)
            checked.append(g)
        return tuple(checked)

    def apply(self, *grads: Any) -> tuple:
        return self.backward(*grads)


class _FunctionMeta(type):
    """Gives every Function subclass its own node class, named ``<ClassName>Backward``."""

    def __init__(cls, name: str, bases: tuple, attrs: dict) -> None:
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"__slots__": ()})


class Function(metaclass=_FunctionMeta):
    """Base class for custom differentiable operations (see the module docstring).

    Subclass it, define ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as
    static methods, and call ``YourFunction.apply(*args)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import warnings
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all static, "
            "so you should invoke them on the class itself. Instantiating an autograd function will "
            "raise an error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style "
            "autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function "
            "to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        """The modern style: ``forward(*args)`` takes no ctx and ``setup_context(ctx,
        inputs, output)`` saves what backward needs (define it to use this style)."""
        raise NotImplementedError("setup_context is not implemented.")

    # vmap (functorch) is not part of autograd_nb; the attributes exist as in PyTorch.
    generate_vmap_rule = False

    @staticmethod
    def vmap(info: Any, in_dims: Any, *args: Any) -> Any:
        raise NotImplementedError(
            "To use autograd.Function with vmap, you must either override the vmap staticmethod "
            "or set generate_vmap_rule=True.")

    @classmethod
    def _uses_setup_context(cls) -> bool:
        own = getattr(cls.setup_context, "__func__", cls.setup_context)
        return own is not Function.__dict__["setup_context"].__func__

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` without recording, then record one node for the whole function."""
        from .._tensor import Tensor
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        ctx._init_common()
        ctx._fn_cls = cls
        ctx._to_save = ()
        ctx._dirty = ()
        ctx._non_diff = ()
        ctx._materialize = True
        ctx._saved = ()
        tensor_args = [a if isinstance(a, Tensor) else None for a in args]
        ctx.needs_input_grad = tuple(bool(t is not None and t._requires_grad) for t in tensor_args)
        record = not STATE.mode and any(ctx.needs_input_grad)
        prev = STATE.grad_enabled
        STATE.grad_enabled = False
        try:
            if cls._uses_setup_context():             # forward(*args), then setup_context
                out = cls.forward(*args, **kwargs)
                import inspect
                bound = inspect.signature(cls.forward).bind(*args, **kwargs)
                bound.apply_defaults()
                cls.setup_context(ctx, tuple(bound.arguments.values()), out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.grad_enabled = prev
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        _check_dirty(ctx, args, outs, record)
        _views_of_inputs(args, outs, not STATE.mode)
        if not record:
            return out
        # as PyTorch's: an edge per tensor argument (non-tensor arguments get none)
        ctx._tensor_args = tuple(i for i, t in enumerate(tensor_args) if t is not None)
        ctx.next_functions = tuple(tensor_args[i]._edge() for i in ctx._tensor_args)
        if ANOMALY[0]:
            from .anomaly_mode import note_creation
            note_creation(ctx)
        ctx._in_shapes = tuple(None if t is None else tuple(t.shape) for t in tensor_args)
        ctx.num_outputs = len(outs)
        non_diff = {id(t) for t in ctx._non_diff}
        ctx._shapes = tuple((o.shape, o.dtype, id(o) in non_diff or o._data.dtype.kind != "f")
                            if isinstance(o, Tensor) else ((), None, True) for o in outs)
        dirty = {id(t) for t in ctx._dirty}
        rebase = None
        result = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                result.append(o)
                continue
            marked = id(o) in non_diff                 # (before an input is re-wrapped below)
            if id(o) in dirty:
                o._vc[0] += 1
                if o._vbase is not None and o is args[0] and len(outs) == 1:
                    rebase = o                         # a view changed in place: see below
            elif any(o is a for a in args):            # an input returned as is: a new tensor on its memory
                o = Tensor._wrap(o._data, vc=o._vc)
            if marked or o._data.dtype.kind != "f":
                result.append(o)
                continue
            o._gfn = ctx
            o._requires_grad = True
            o._output_nr = i
            result.append(o)
        saved = []
        for t in ctx._to_save:
            if t is None:
                saved.append(None)
                continue
            is_out = any(t is r for r in result if isinstance(r, Tensor)) and t._gfn is ctx
            saved.append(save(t, ctx, is_output=is_out))
        ctx._saved = tuple(saved)
        ctx._to_save = ctx._dirty = ctx._non_diff = ()  # the node holds only its SavedTensors
        if rebase is not None:                         # the view's base gets the change too
            from ..ops.views import rebase_view
            rebase._view_fn = rebase._view_fn or (lambda t: t)
            rebase_view(rebase, ctx)
        return result[0] if single else tuple(result)


_NOT_AN_INPUT = ("ctx.mark_dirty() received a tensor that was not an input. Only input Tensors "
                 "that have been mutated should be passed to ctx.mark_dirty().")


def _check_dirty(ctx: Any, args: tuple, outs: tuple, record: bool) -> None:
    """PyTorch's rules for ``mark_dirty``: only inputs, all of them returned, a view among
    them only with a single output, and never a leaf (or a view of one) that requires grad."""
    import warnings
    for t in ctx._dirty:
        if not any(t is a for a in args):
            if t._vbase is not None:
                raise RuntimeError(_NOT_AN_INPUT)
            warnings.warn(_NOT_AN_INPUT, UserWarning, stacklevel=3)
            continue
        if not any(t is o for o in outs):
            raise RuntimeError(
                "Some elements marked as dirty during the forward method were not returned as output. "
                "The inputs that are modified inplace must all be outputs of the Function.")
        if t._vbase is not None and len(outs) > 1:
            raise RuntimeError(
                "If your Function modifies inplace an input that is a view of another Tensor, your "
                "Function cannot return more than one Tensor. This is not supported by the current "
                "autograd engine. You should either make sure the input is not a view (using .clone() "
                "for example) or make your Function only return one Tensor (potentially splitting it "
                "into two Functions: one doing the inplace that returns a single Tensor and a second "
                "one that does the other operations). You can ask on the forum "
                "https://discuss.pytorch.org/ if you need help to do this change.")
        if record and getattr(t, "_view_meta", None) == "multi":     # a piece of split/unbind/chunk
            from .._tensor import view_meta_error
            raise RuntimeError(view_meta_error("multi", True, t))
        if record and t._gfn is None and t._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = t._vbase
        if record and base is not None and base._gfn is None and base._requires_grad:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def _views_of_inputs(args: tuple, outs: tuple, mark: bool) -> None:
    """Outputs made by views inside ``forward``: a view of an input stays a view but may not
    be changed in place (``mark``: grad mode is on); a view of a temporary is a plain tensor."""
    roots = {id(a._vbase if a._vbase is not None else a) for a in args if hasattr(a, "_vbase")}
    for o in outs:
        base = getattr(o, "_vbase", None)
        if base is None or any(o is a for a in args):
            continue
        if id(base) in roots:
            if mark:
                o._view_meta = "custom"                # (see _tensor.view_meta_error)
        else:
            o._vbase = o._view_fn = o._view_meta = None


class InplaceFunction(Function):
    """A Function with an ``inplace`` flag (PyTorch's base for in-place custom functions)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


def _fit_grad(name: str, i: int, g: Any, shape: tuple) -> Any:
    """A gradient of a broadcastable shape is summed down to the input's; others are refused."""
    gs = tuple(g.shape)
    lead = len(gs) - len(shape)
    fits = lead >= 0 and all(s == 1 or s == gs[lead + k] for k, s in enumerate(shape))
    if fits:
        from ..ops._core import sum_to
        return sum_to(g, shape)
    raise RuntimeError(
        f"Function {name} returned an invalid gradient at index {i} - got "
        f"[{', '.join(map(str, gs))}] but expected shape compatible with [{', '.join(map(str, shape))}]")


ONCE_DIFFERENTIABLE = "trying to differentiate twice a function that was marked with @once_differentiable"


def once_differentiable(fn: Callable) -> Callable:
    """Mark a ``backward`` that cannot itself be differentiated.

    It runs without recording. Under ``create_graph=True`` (grad mode on and a gradient
    that requires grad) its results are handed on through an ``Error`` node instead, as
    in PyTorch: the first-order gradients are right, and differentiating through them
    raises "trying to differentiate twice...".
    """
    from .._tensor import Tensor
    from ..ops._core import record_multi

    @functools.wraps(fn)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        prev = STATE.grad_enabled
        STATE.grad_enabled = False
        try:
            outputs = fn(ctx, *grads)
        finally:
            STATE.grad_enabled = prev
        if not prev or not any(isinstance(g, Tensor) and g.requires_grad for g in grads):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not any(isinstance(o, Tensor) for o in outs):
            return outputs
        from ..ops.gathers import Error
        # each result becomes a fresh leaf that requires grad, one input of the Error node,
        # whose output i is result i again (None stays None, with a None edge)
        fakes = [o.detach().requires_grad_() if isinstance(o, Tensor) else None for o in outs]
        made = record_multi([o._data if f is not None else 0.0 for o, f in zip(outs, fakes)],
                            Error, fakes, _message=ONCE_DIFFERENTIABLE)
        wrapped = tuple(m if f is not None else o for m, o, f in zip(made, outs, fakes))
        return wrapped[0] if single else wrapped
    return wrapper
