"""``torch.func``: derivatives as functions of functions, built on the same engine.

``grad(f)`` is a new function that returns the gradient of ``f`` at its arguments;
``jacrev(f)`` returns the Jacobian, ``hessian(f)`` the Hessian, ``vjp(f, x)`` the output
and a function that pulls cotangents back, ``vmap(f)`` maps ``f`` over a batch
dimension. Underneath, each one records ``f``'s graph and runs the ordinary backward
engine on it, so ``grad(grad(f))`` works exactly like ``create_graph=True``.

What is different from PyTorch's functorch: ``jacfwd`` and ``jvp`` are computed with
reverse mode (the same numbers; forward-mode AD is not part of autograd_nb), and
``vmap`` really loops over the batch, one call of ``f`` per sample, then stacks.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ._tensor import Tensor
from .autograd import functional as _functional
from .autograd.functional import grad as _grad
from .autograd.grad_mode import enable_grad

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]


def _argnums(argnums: int | Sequence[int], n: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnums={a}, but only {n} positional inputs")
    return tuple(a % n for a in nums)


def _tracked(x: Any) -> Tensor:
    """``x`` ready to be differentiated: a fresh leaf, or (inside an outer transform,
    where ``x`` already requires grad) an alias that keeps the outer graph connected."""
    if not isinstance(x, Tensor):
        raise RuntimeError(f"Expected tensor for argument, got {type(x).__name__}")
    return x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True)


def grad_and_value(func: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Like :func:`grad`, but the new function returns ``(gradient, value)``."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args))
        args = list(args)
        nested = any(isinstance(args[i], Tensor) and args[i].requires_grad for i in nums)
        with enable_grad():
            for i in nums:
                args[i] = _tracked(args[i])
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                out, aux = out
            if not isinstance(out, Tensor) or out.dim() != 0:
                dims = out.dim() if isinstance(out, Tensor) else type(out).__name__
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar "
                                   f"Tensor, got tensor with {dims} dims. Maybe you wanted to use "
                                   "the vjp or jacrev APIs instead?")
            gs = _grad(out, [args[i] for i in nums], create_graph=nested, allow_unused=True,
                       materialize_grads=True)
        g = gs[0] if isinstance(argnums, int) else tuple(gs)
        value = out if nested else out.detach()
        return ((g, (value, aux)) if has_aux else (g, value))
    return wrapper


def grad(func: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """A function that returns the gradient of scalar-valued ``func`` with respect to its
    argument(s) ``argnums``: ``grad(lambda x: (x ** 3).sum())(x)`` is ``3 * x ** 2``."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)``: ``vjp_fn(v)`` is ``v^T J`` for each primal (a tuple),
    the product backward computes."""
    nested = any(isinstance(p, Tensor) and p.requires_grad for p in primals)
    with enable_grad():
        xs = [_tracked(p) for p in primals]
        out = func(*xs)
        aux = None
        if has_aux:
            out, aux = out

    def vjp_fn(*cotangents: Any) -> tuple:
        vs = cotangents[0] if len(cotangents) == 1 and isinstance(out, (tuple, list)) else cotangents
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        with enable_grad():
            return tuple(_grad(outs, xs, tuple(vs), retain_graph=True, create_graph=nested,
                               allow_unused=True, materialize_grads=True))
    result = out if nested else (out.detach() if isinstance(out, Tensor) else type(out)(o.detach() for o in out))
    return (result, vjp_fn, aux) if has_aux else (result, vjp_fn)


def jvp(func: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """``(func(*primals), J @ tangents)`` (computed with two reverse passes here)."""
    out, jv = _functional.jvp(func, tuple(primals), tuple(tangents),
                              create_graph=any(p.requires_grad for p in primals))
    return out, jv


def jacrev(func: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """A function that returns the Jacobian of ``func`` with respect to ``argnums``:
    shape ``output.shape + input.shape``, one reverse pass per output element."""
    if has_aux:
        raise NotImplementedError("autograd_nb does not implement jacrev(has_aux=True) yet")

    def wrapper(*args: Any) -> Any:
        nums = _argnums(argnums, len(args))

        def of_chosen(*chosen: Any) -> Any:
            full = list(args)
            for i, c in zip(nums, chosen):
                full[i] = c
            return func(*full)
        nested = any(isinstance(args[i], Tensor) and args[i].requires_grad for i in nums)
        chosen = tuple(args[i] for i in nums)
        j = _functional.jacobian(of_chosen, chosen, create_graph=nested)
        if isinstance(argnums, int):
            return j[0] if isinstance(j, tuple) and not isinstance(j[0], tuple) else \
                (tuple(x[0] for x in j) if isinstance(j, tuple) else j)
        return j
    return wrapper


def jacfwd(func: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The same Jacobian as :func:`jacrev` (autograd_nb computes it in reverse mode)."""
    return jacrev(func, argnums, has_aux)


def hessian(func: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian of scalar ``func``: the Jacobian of its gradient (``jacfwd(jacrev(f))``)."""
    return jacfwd(jacrev(func, argnums), argnums)


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error",
         *, chunk_size: int | None = None) -> Callable:
    """``func`` applied to every slice along the batch dimension ``in_dims`` of its
    arguments (``None``: not batched), the results stacked along ``out_dims``.

    Here this is a loop over the batch, one call per sample: slower than PyTorch's
    batching rules for big batches, the same results.
    """
    from ._functions import stack

    def wrapper(*args: Any) -> Any:
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible "
                             f"with the structure of `inputs`. in_dims has structure {len(dims)} but "
                             f"inputs has structure {len(args)}.")
        sizes = {a.shape[d] for a, d in zip(args, dims) if d is not None and isinstance(a, Tensor)}
        if not sizes:
            raise ValueError("vmap(f, in_dims=..., ...)(<inputs>): at least one input must be a "
                             "Tensor with a mapped (non-None) dimension")
        if len(sizes) > 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sorted(sizes)} for the mapped dimension")
        n = sizes.pop()
        results = [func(*[a.select(d, k) if d is not None else a for a, d in zip(args, dims)])
                   for k in range(n)]
        if isinstance(results[0], tuple):
            outs = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(results[0])
            return tuple(stack([r[i] for r in results], dim=od) for i, od in enumerate(outs))
        return stack(results, dim=out_dims)
    return wrapper


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    """Call ``module`` with some of its parameters and buffers replaced by the given tensors
    (by dotted name), and put the originals back afterwards."""
    dicts = parameter_and_buffer_dicts
    replace = {}
    for d in (dicts if isinstance(dicts, (tuple, list)) else (dicts,)):
        replace.update(d)
    saved = []
    try:
        for name, value in replace.items():
            owner, _, leaf = name.rpartition(".")
            sub = module.get_submodule(owner) if owner else module
            reg = "_parameters" if leaf in sub._parameters else "_buffers"
            table = getattr(sub, reg)
            if leaf not in table:
                raise AttributeError(f"{type(sub).__name__} has no parameter or buffer named '{leaf}'")
            saved.append((table, leaf, table[leaf]))
            table[leaf] = value
        call_args = args if isinstance(args, tuple) else ((args,) if args is not None else ())
        return module(*call_args, **(kwargs or {}))
    finally:
        for table, leaf, old in reversed(saved):
            table[leaf] = old
