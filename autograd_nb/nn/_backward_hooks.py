"""How ``Module.register_full_backward_hook`` / ``register_full_backward_pre_hook`` work.

A module is not a node of the graph: its ``forward`` records many nodes (a Linear
records ``AddmmBackward0`` and ``TBackward0``). To learn the gradients with respect
to the module's *inputs* and *outputs*, PyTorch marks both ends of the module's piece of
graph with an identity node, ``BackwardHookFunctionBackward``:

    inputs --[BackwardHookFunctionBackward]--> forward's nodes --[BackwardHookFunctionBackward]--> outputs

Backward reaches the outputs' marker first: it holds the gradients w.r.t. the outputs
(``grad_output``); the backward *pre*-hooks run there and may replace them. Later the
inputs' marker holds the gradients w.r.t. the inputs (``grad_input``); the backward
hooks run there with both and may replace ``grad_input``. That is why a module with
such hooks shows ``grad_fn=<BackwardHookFunctionBackward>`` on its output, and why its
inputs reach the first real node through another such node.

Only tensors given directly as positional arguments or returned directly (alone or
in a tuple) are marked; everything else shows up as ``None`` in ``grad_input`` /
``grad_output``. The legacy ``register_backward_hook`` is simpler (and deprecated): it
puts a hook on the ``grad_fn`` of the output, so its "grad_input" is whatever that one
node's inputs are (for Linear: bias, input, weight.T), not the module's inputs.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

from .._backend import xp_of
from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from ..ops._core import OpNode, record_multi
from ..ops.views import _make_view

__all__ = ["BackwardHook", "BackwardHookFunctionBackward"]


class BackwardHookFunctionBackward(OpNode):
    """The identity on several tensors: marks where a module's piece of graph starts or ends.

    Its backward passes each gradient through unchanged; a gradient that did not arrive
    is passed on as zeros (as PyTorch's custom functions do), so a hook on the inputs'
    marker sees zeros for an input tensor that does not require grad.

    outs = args   (each marked tensor, unchanged)
    grad_args = grads, each unchanged (one that did not arrive: zeros of its tensor's shape)
    """
    fields = ("_input_specs",)                        # (shape, dtype, array module) of each tensor

    def backward(self, *grads):
        return tuple(Tensor._wrap(xp.zeros(shape, dtype=dtype)) if g is None else g
                     for g, (shape, dtype, xp) in zip(grads, self._input_specs))


def mark(tensors: Sequence[Tensor]) -> tuple:
    """Pass ``tensors`` through one BackwardHookFunctionBackward node (PyTorch's BackwardHookFunction).

    The results share memory and version counter with the inputs; those that do not
    require grad stay outside the graph (no ``grad_fn``).
    """
    outs = record_multi([t._data for t in tensors], BackwardHookFunctionBackward, tensors,
                        _input_specs=tuple((t._data.shape, t._data.dtype, xp_of(t._data)) for t in tensors),
                        differentiable=[t.requires_grad for t in tensors])
    for i, (o, t) in enumerate(zip(outs, tensors)):
        _make_view(t, o, lambda base: base.view_as(base))   # the same memory and version counter
        o._view_fn = _NoInplace(o._view_fn, i)
    return outs


class _NoInplace:
    """The view function of a marked tensor; changing such a tensor in place is refused, as in PyTorch."""
    __slots__ = ("fn", "inplace_error")

    def __init__(self, fn: Any, nr: int) -> None:
        self.fn = fn
        self.inplace_error = (
            f"Output {nr} of BackwardHookFunction is a view and is being modified inplace. This view was "
            "created inside a custom Function (or because an input was returned as-is) and the autograd "
            "logic to handle view+inplace would override the custom backward associated with the custom "
            "Function, leading to incorrect gradients. This behavior is forbidden. You can fix this by "
            "cloning the output of the custom Function.")

    def __call__(self, t: Tensor) -> Tensor:
        return self.fn(t)


def _spread(positions: Sequence[int], values: Sequence[Any], size: int) -> tuple:
    """A tuple of ``size`` Nones with ``values`` put at ``positions``."""
    out: list = [None] * size
    for i, v in zip(positions, values):
        out[i] = v
    return tuple(out)


class BackwardHook:
    """One module call's hooks: marks its inputs and outputs and runs the user's hooks in backward.

    Made afresh by every ``module(...)`` call that has full backward (pre-)hooks; the
    ``grad_output`` seen at the outputs' marker is kept here until the inputs' marker
    runs and hands both to the hooks.
    """

    def __init__(self, module: Any, hooks: list[Callable], pre_hooks: list[Callable]) -> None:
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = self.n_outputs = -1
        self.input_positions: list[int] | None = None
        self.output_positions: list[int] | None = None

    # -- forward: put the markers in --------------------------------------------------
    def _mark(self, args: tuple, on_node: Callable) -> tuple[tuple, list[int] | None]:
        """Pass the tensors among ``args`` through one marker node; hook that node."""
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in positions]
        if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
            return args, None                          # nothing to mark: no gradient will come
        marked = mark(tensors)
        node = next(t.grad_fn for t in marked if t.grad_fn is not None)
        on_node(node)
        out = list(args)
        for i, t in zip(positions, marked):
            out[i] = t
        return tuple(out), positions

    def setup_input_hook(self, args: tuple) -> tuple:
        """Mark the module's positional tensor inputs (before ``forward``)."""
        marked, positions = self._mark(args, lambda node: node.register_hook(self._at_inputs))
        self.n_inputs, self.input_positions = len(args), positions
        return marked

    def setup_output_hook(self, result: Any) -> Any:
        """Mark the module's output tensor(s) (after ``forward`` and the forward hooks)."""
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        marked, positions = self._mark(outs, lambda node: node.register_hook(self._at_outputs))
        self.n_outputs, self.output_positions = len(outs), positions
        return marked[0] if single else marked

    # -- backward: the markers' node hooks --------------------------------------------
    def _at_outputs(self, grad_inputs: tuple, grad_outputs: tuple) -> tuple | None:
        """The outputs' marker: record grad_output (None for an unused output); pre-hooks may replace it."""
        self.grad_outputs = _spread(self.output_positions, grad_outputs, self.n_outputs)
        for pre_hook in self.pre_hooks:
            new = pre_hook(self.module, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(self.grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                   f"got {len(new)}, but expected {len(self.grad_outputs)}")
            self.grad_outputs = new
        current = self.grad_outputs
        if self.input_positions is None:               # no input needs a gradient: fire right now
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module outputs "
                "since no inputs require gradients. See "
                "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.register_full_backward_hook for more details.", UserWarning, stacklevel=2)
            nothing = (None,) * self.n_inputs
            for hook in self.hooks:
                res = hook(self.module, nothing, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                       "always return None or None for all gradients.")
            self.grad_outputs = None
        return tuple(current[i] for i in self.output_positions)

    def _at_inputs(self, grad_inputs: tuple, grad_outputs: tuple) -> tuple | None:
        """The inputs' marker: call the hooks with (grad_input, grad_output); they may replace grad_input."""
        if self.grad_outputs is None:                  # reached without passing the outputs' marker
            return None
        res = _spread(self.input_positions, grad_inputs, self.n_inputs)
        for hook in self.hooks:
            new = hook(self.module, res, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(res):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(new)}, but expected {len(res)}")
            res = new
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_positions)


# ---------------------------------------------------------------------------
# legacy register_backward_hook
# ---------------------------------------------------------------------------


def attach_legacy_hooks(module: Any, hooks: list[Callable], args: tuple, result: Any) -> None:
    """``register_backward_hook``: a hook on the ``grad_fn`` of the (first) output tensor."""
    var = result
    while not isinstance(var, Tensor):
        var = next(v for v in var.values() if isinstance(v, Tensor)) if isinstance(var, dict) else var[0]
    node = var.grad_fn
    if node is None:
        return
    for hook in hooks:
        node.register_hook(lambda gi, go, hook=hook: hook(module, gi, go))
    _warn_if_partial(args, result, node)


def _warn_if_partial(inputs: Any, result: Any, node: Any) -> None:
    """PyTorch's FutureWarnings for the cases where the legacy hook sees only part of the grads."""
    def warn(text: str) -> None:
        warnings.warn(text, FutureWarning, stacklevel=4)
    tail = " Please use register_full_backward_hook to get the documented behavior."
    outs = (result,) if isinstance(result, Tensor) else result
    if not (isinstance(outs, tuple) and all(isinstance(r, Tensor) for r in outs)):
        return warn("Using non-full backward hooks on a Module that does not return a single Tensor or a "
                    "tuple of Tensors is deprecated and will be removed in future versions. This hook "
                    "will be missing some of the grad_output." + tail)
    ins = (inputs,) if isinstance(inputs, Tensor) else inputs
    if not (isinstance(ins, tuple) and all(isinstance(i, Tensor) for i in ins)):
        return warn("Using non-full backward hooks on a Module that does not take as input a single Tensor "
                    "or a tuple of Tensors is deprecated and will be removed in future versions. This hook "
                    "will be missing some of the grad_input." + tail)
    out_nodes = {r.grad_fn for r in outs if r.grad_fn is not None}
    if not out_nodes or (len(out_nodes) == 1 and node not in out_nodes):
        return warn("Using a non-full backward hook when outputs are nested in python data structure is "
                    "deprecated and will be removed in future versions. This hook will be missing some "
                    "grad_output.")
    if len(out_nodes) > 1:
        return warn("Using a non-full backward hook when outputs are generated by different autograd Nodes "
                    "is deprecated and will be removed in future versions. This hook will be missing some "
                    "grad_output." + tail)
    if {i.grad_fn for i in ins if i.grad_fn is not None} != {n for n, _ in node.next_functions}:
        warn("Using a non-full backward hook when the forward contains multiple autograd Nodes is "
             "deprecated and will be removed in future versions. This hook will be missing some "
             "grad_input." + tail)
