"""``backward()`` and ``grad()``: the two ways to run the engine to the end.

Both check their arguments the way PyTorch does, build the seed gradients, and then
simply exhaust ``engine.run_backward``.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from . import node as _nodes
from .engine import _INTEGER_GRAD, run_backward
from .grad_mode import STATE

__all__ = ["backward", "grad", "set_warn_always", "is_warn_always_enabled"]


def _as_tuple(x: Any) -> tuple:
    if x is None:
        return ()
    if isinstance(x, (_nodes.Tensor, _nodes.GradientEdge)):    # (an edge is a tuple itself)
        return (x,)
    return tuple(x)


def _inputs_tuple(inputs: Any, caller: str) -> tuple:
    """``inputs=`` as a tuple: a tensor, an edge, a sequence, or a dict (its values)."""
    if type(inputs) is dict:
        return tuple(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(f"`inputs` argument to `{caller}()` must be a dict, not {type(inputs).__name__}. "
                        "Other Mapping types are not supported.")
    return _as_tuple(inputs)


def _edge_seed(i: int, edge: Any, g: Any) -> tuple:
    """Root and seed for an output given as a GradientEdge (``get_gradient_edge(t)``)."""
    shape, dtype = getattr(edge, "_meta", (None, None))
    if g is None:
        if shape is None or int(np.prod(shape)) != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        from .._creation import ones
        g = ones(shape, dtype=dtype)
    elif shape is not None and tuple(g.shape) != shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{i}] has a shape of {_size_str(tuple(g.shape))} "
            f"and output[{i}] has a shape of {_size_str(shape)}.")
    return (edge.node, edge.output_nr), g


def _size_str(shape: tuple) -> str:
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


def _seed(i: int, out: Any, g: Any) -> Any:
    """The seed gradient of output ``i``, checked against the output: its shape, or for
    an implicit seed that the output is a real scalar (None: an output that does not
    require grad and got no gradient; the roots' check refuses it)."""
    Tensor = _nodes.Tensor
    if not isinstance(out, Tensor):
        raise AssertionError("Expected output to be a torch.Tensor")
    if g is None:
        if not out.requires_grad:
            return None
        if out._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        if out._data.dtype.kind != "f":
            raise RuntimeError(
                f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
        seed = B.xp_of(out._data).empty(out._data.shape, out._data.dtype)
        seed.fill(1)                                  # the seed: d out / d out = 1
        return Tensor._wrap(seed)
    if not isinstance(g, Tensor):
        raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if g._data.shape != out._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{i}] has a shape of {_size_str(g._data.shape)} "
            f"and output[{i}] has a shape of {_size_str(out._data.shape)}.")
    return g


def make_seeds(outputs: Sequence[Any], grad_outputs: Sequence[Any] | None,
               inputs: Sequence[Any] | None = None, accumulate: bool = False) -> tuple[list, list]:
    """Root edges and seed gradients, with PyTorch's checks, messages and their order.

    First every gradient against its output (what PyTorch checks in Python; surplus
    gradients are ignored, as its ``zip`` does), then what its engine checks: the
    counts, that every output has a history, that every input requires grad (with
    ``accumulate``, ``backward(inputs=...)``, a non-leaf input is asked to
    ``retain_grad()`` first, as PyTorch does, so it keeps its ``.grad``), and last each
    gradient's device and dtype (converted to the output's).
    """
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    roots: list = []
    seeds: list = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if isinstance(out, _nodes.GradientEdge):
            root, g = _edge_seed(i, out, g)
        else:
            root, g = None, _seed(i, out, g)
        roots.append(root)
        seeds.append(g)
    if len(seeds) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(seeds)} gradients")
    for i, out in enumerate(outputs):
        if roots[i] is None:
            roots[i] = out._edge()
            if roots[i][0] is None:   # (also a view made under no_grad: requires grad, no history)
                raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    for t in inputs or ():
        if isinstance(t, _nodes.GradientEdge):
            continue
        t.grad_fn                                     # noqa: B018 - read first, as PyTorch's engine
        if accumulate:                                # does: a changed view is refused here
            t.retain_grad()
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for i, (out, g) in enumerate(zip(outputs, seeds)):
        if g is None or isinstance(out, _nodes.GradientEdge):
            continue
        if type(g._data) is not type(out._data):
            raise RuntimeError(
                f"invalid gradient at index {i} - expected device {out.device} but got {g.device}")
        if g._data.dtype != out._data.dtype:
            seeds[i] = g.to(out.dtype)
        if out._data.dtype.kind != "f":               # an integer tensor given a history in place
            raise RuntimeError(_INTEGER_GRAD)
    return roots, seeds


_WARNED_CREATE_GRAPH: list = []

# torch.set_warn_always: warnings PyTorch gives once per process are given every time
_WARN_ALWAYS = [False]


def set_warn_always(b: bool) -> None:
    """Give "once per process" warnings (such as backward's create_graph notice) every time."""
    _WARN_ALWAYS[0] = bool(b)


def is_warn_always_enabled() -> bool:
    return _WARN_ALWAYS[0]


# Reentrant backward: a custom Function's backward that itself calls backward() nests one
# engine run inside another, each some fifteen Python frames deep. Like PyTorch, which
# moves such a run to a pool thread before the C++ stack runs out, every _HANDOFF-th
# nested run continues on a fresh thread (its own stack and recursion count), the caller
# waiting for it; so a 2000-deep chain of reentrant backwards stays within Python's limit.
_NESTED = [0]
_HANDOFF = 40


def _drain(run: Any) -> None:
    """Run the engine generator ``run`` to the end (on a fresh thread when deep)."""
    _NESTED[0] += 1
    try:
        if _NESTED[0] % _HANDOFF:
            for _ in run:
                pass
            return
        failed: list = []
        mode = STATE.mode                              # (grad mode is per thread: carried over)

        def work() -> None:
            STATE.mode = mode
            try:
                for _ in run:
                    pass
            except BaseException as exc:               # re-raised in the calling thread
                failed.append(exc)
        worker = threading.Thread(target=work, name="autograd_nb reentrant backward")
        worker.start()
        worker.join()
        if failed:
            raise failed[0]
    finally:
        _NESTED[0] -= 1


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """Run backward from ``tensors`` and add the gradients into the leaves' ``.grad``.

    ``grad_tensors``: the gradient of something with respect to each of ``tensors``
    (may be left out for scalars). ``retain_graph``: keep the saved buffers so the
    graph can be traversed again (defaults to ``create_graph``). ``inputs``: only
    these tensors get gradients.
    """
    outputs = _as_tuple(tensors)
    grads = None if grad_tensors is None else _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    inp = None
    if inputs is not None:
        inp = _inputs_tuple(inputs, "backward")
        if len(inp) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    roots, seeds = make_seeds(outputs, grads, inp, accumulate=True)
    if create_graph and (not _WARNED_CREATE_GRAPH or _WARN_ALWAYS[0]):
        _WARNED_CREATE_GRAPH.append(True)            # once per process, as PyTorch
        import warnings
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after use "
            "to break the cycle and avoid the leak.", UserWarning, stacklevel=3)
    _drain(run_backward(roots, seeds, retain_graph, create_graph, inputs=inp, accumulate=True,
                        events=False))


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a tuple.

    Unlike ``backward()``, nothing is accumulated into ``.grad``. With
    ``create_graph=True`` the returned gradients carry a graph of their own, so they can
    be differentiated again (second derivatives, Hessian-vector products).
    """
    from .._creation import zeros_like
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outs = _as_tuple(outputs)
    inp = _inputs_tuple(inputs, "grad")
    if not inp:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    gouts = None if grad_outputs is None else _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds = make_seeds(outs, gouts, inp)
    captured: list = [None] * len(inp)
    _drain(run_backward(roots, seeds, retain_graph, create_graph, inputs=inp,
                        accumulate=False, captured=captured, events=False))
    result = []
    for i, (t, g) in enumerate(zip(inp, captured)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                if isinstance(t, _nodes.GradientEdge):
                    raise RuntimeError(
                        "materialize_grads cannot be used when the given input is a GradientEdge")
                g = zeros_like(t).requires_grad_(create_graph)   # differentiable again, as torch
        elif not create_graph and g._requires_grad:
            g = g.detach()
        result.append(g)
    if type(inputs) is dict:                          # a dict of inputs: a dict of gradients
        return dict(zip(inputs.keys(), result))
    return tuple(result)


def _batched_grad(outputs: Any, inputs: Any, grad_outputs: Any, retain_graph: Any,
                  create_graph: bool, allow_unused: Any, materialize_grads: bool) -> tuple:
    """``grad(..., is_grads_batched=True)``: the first dimension of every grad_output is a
    batch; the result stacks one vector-Jacobian product per batch entry. (PyTorch
    vectorizes this with vmap; here it is a plain loop over the batch.)"""
    from .._functions import stack
    outs, gouts = _as_tuple(outputs), _as_tuple(grad_outputs)
    for i, (o, g) in enumerate(zip(outs, gouts)):
        if tuple(g.shape[1:]) != tuple(o.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output "
                "as the batch dimension. The sizes of the remaining dimensions are expected to "
                f"match the shape of corresponding output, but a mismatch was detected: "
                f"grad_output[{i}] has a shape of {_size_str(tuple(g.shape))} and output[{i}] has "
                f"a shape of {_size_str(tuple(o.shape))}. If you only want some tensors in "
                "`grad_output` to be considered batched, consider using vmap.")
    n = gouts[0].shape[0]
    per_batch = [grad(outs, inputs, tuple(g[b] for g in gouts), retain_graph=True,
                      create_graph=create_graph, allow_unused=allow_unused,
                      materialize_grads=materialize_grads) for b in range(n)]
    return tuple(None if parts[0] is None else stack(list(parts))
                 for parts in zip(*per_batch))


# ---------------------------------------------------------------------------
# Whole-function derivatives: jacobian, hessian, vjp, jvp, hvp
# ---------------------------------------------------------------------------

def _prepare(inputs: Any, create_graph: bool) -> tuple[tuple, bool]:
    from .._tensor import Tensor
    single = isinstance(inputs, Tensor)
    ins = (inputs,) if single else tuple(inputs)
    prepared = tuple(t.detach().requires_grad_(True) if not create_graph or not t.requires_grad else t
                     for t in ins)
    return prepared, single


def vjp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), v^T . J)``: a vector-Jacobian product, what backward computes."""
    from .grad_mode import enable_grad
    ins, single = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*ins)
        outs = _as_tuple(out)
        vs = None if v is None else _as_tuple(v)
        gs = grad(outs, ins, vs, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    res = out if create_graph else (out.detach() if hasattr(out, "detach") else tuple(o.detach() for o in out))
    return res, (gs[0] if single else gs)


def jvp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), J . v)``: a Jacobian-vector product (by the double-vjp trick)."""
    from .._creation import zeros_like
    from .grad_mode import enable_grad
    ins, single = _prepare(inputs, create_graph)
    vs = _as_tuple(v) if v is not None else None
    with enable_grad():
        out = func(*ins)
        outs = _as_tuple(out)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = grad(outs, ins, us, create_graph=True, allow_unused=True, materialize_grads=True)
        if vs is None:
            if any(t.numel() != 1 for t in ins):
                raise RuntimeError("The vector v can only be None if the input to the user-provided "
                                   "function is a single Tensor with a single element.")
            from .._creation import ones_like
            vs = tuple(ones_like(t) for t in ins)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g.requires_grad]
        if pairs:
            jv = grad([g for g, _ in pairs], us, [vv for _, vv in pairs], create_graph=create_graph,
                      allow_unused=True, materialize_grads=True)
        else:
            jv = tuple(zeros_like(o) for o in outs)
    res = out if create_graph else (out.detach() if hasattr(out, "detach") else tuple(o.detach() for o in out))
    jv = tuple(j if create_graph else j.detach() for j in jv)
    return res, (jv[0] if not isinstance(out, tuple) else jv)


def jacobian(func: Any, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: shape ``out.shape + in.shape``.

    Built one output element at a time with reverse mode (``vectorize=True`` is not
    supported here).
    """
    from .._creation import zeros_like
    from .._functions import stack
    from .grad_mode import enable_grad
    if vectorize:
        raise NotImplementedError("autograd_nb does not implement jacobian(vectorize=True) yet")
    if strategy != "reverse-mode":
        raise NotImplementedError("autograd_nb implements only strategy='reverse-mode'")
    ins, single_in = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*ins)
        outs = _as_tuple(out)
        rows: list = [[[] for _ in ins] for _ in outs]
        for k, o in enumerate(outs):
            for r in range(o.numel()):
                seed = zeros_like(o)                  # (laid out as o: set element r in place)
                seed._data[np.unravel_index(r, seed._data.shape)] = 1
                gs = grad(o, ins, seed, retain_graph=True, create_graph=create_graph,
                          allow_unused=True, materialize_grads=True)
                for i, g in enumerate(gs):
                    rows[k][i].append(g)
    result = []
    for k, o in enumerate(outs):
        per_in = []
        for i, t in enumerate(ins):
            if rows[k][i]:
                j = stack(rows[k][i]).reshape(tuple(o.shape) + tuple(t.shape))
            else:
                j = zeros_like(t).reshape((0,) + tuple(t.shape))
            per_in.append(j if create_graph else j.detach())
        result.append(per_in[0] if single_in else tuple(per_in))
    return result[0] if not isinstance(out, tuple) else tuple(result)


def hessian(func: Any, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func``: the Jacobian of its gradient."""
    ins, single = _prepare(inputs, True)

    def gradient(*xs: Any) -> Any:
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element Tensor")
        gs = grad(out, xs, create_graph=True, allow_unused=True, materialize_grads=True)
        return gs[0] if single else gs
    return jacobian(gradient, ins[0] if single else ins, create_graph=create_graph, vectorize=vectorize)


def vhp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), v^T . H)``."""
    from .grad_mode import enable_grad
    ins, single = _prepare(inputs, True)
    with enable_grad():
        out = func(*ins)
        gs = grad(out, ins, create_graph=True, allow_unused=True, materialize_grads=True)
        vs = _as_tuple(v) if v is not None else None
        hv = grad(gs, ins, vs, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    hv = tuple(h if create_graph else h.detach() for h in hv)
    return (out if create_graph else out.detach()), (hv[0] if single else hv)


def hvp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(inputs), H . v)`` (equal to vhp for a symmetric Hessian)."""
    return vhp(func, inputs, v, create_graph, strict)
