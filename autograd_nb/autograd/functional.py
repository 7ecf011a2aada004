"""``backward()`` and ``grad()``: the two ways to run the engine to the end.

Both check their arguments the way PyTorch does, build the seed gradients, and then
simply exhaust ``engine.run_backward``.
"""
from __future__ import annotations

from typing import Any, Sequence

from .engine import run_backward

__all__ = ["backward", "grad"]


def _as_tuple(x: Any) -> tuple:
    if x is None:
        return ()
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _size_str(shape: tuple) -> str:
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


def make_seeds(outputs: Sequence[Any], grad_outputs: Sequence[Any] | None,
               allow_none_output: bool = False) -> tuple[list, list]:
    """Root edges and seed gradients, with PyTorch's checks and messages."""
    from .._creation import ones_like
    from .._tensor import Tensor
    roots, seeds = [], []
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad can be implicitly created only for scalar outputs" if False else
            f"Mismatch in number of gradients: expected {len(outputs)}, got {len(grad_outputs)}")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(out).__name__}")
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind != "f":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            g = ones_like(out)
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"expected Tensor or None as element {i} in argument 1, but got {type(g).__name__}")
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {_size_str(g._data.shape)} "
                    f"and output[{i}] has a shape of {_size_str(out._data.shape)}.")
            if type(g._data) is not type(out._data):
                raise RuntimeError(
                    f"invalid gradient at index {i} - expected device {out.device} but got {g.device}")
            if g._data.dtype != out._data.dtype:
                g = g.to(out.dtype)
        roots.append(out._edge())
        seeds.append(g)
    return roots, seeds


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
    if grads is not None and len(grads) == 0:
        grads = None
    if retain_graph is None:
        retain_graph = create_graph
    inp = None
    if inputs is not None:
        inp = _as_tuple(inputs)
        if len(inp) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        for t in inp:
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots, seeds = make_seeds(outputs, grads)
    for _ in run_backward(roots, seeds, retain_graph, create_graph, inputs=inp, accumulate=True):
        pass


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
        raise NotImplementedError("autograd_nb does not implement is_grads_batched=True yet")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outs = _as_tuple(outputs)
    inp = _as_tuple(inputs)
    if not inp:
        raise RuntimeError("grad requires non-empty inputs.")
    for t in inp:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    gouts = None if grad_outputs is None else _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds = make_seeds(outs, gouts)
    captured: list = [None] * len(inp)
    for _ in run_backward(roots, seeds, retain_graph, create_graph, inputs=inp,
                          accumulate=False, captured=captured):
        pass
    result = []
    for i, (t, g) in enumerate(zip(inp, captured)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = zeros_like(t)
        elif not create_graph and g._requires_grad:
            g = g.detach()
        result.append(g)
    return tuple(result)
