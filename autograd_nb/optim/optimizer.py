"""The Optimizer base class: parameter groups, per-parameter state, ``zero_grad``.

An optimizer holds

* ``param_groups``: a list of dicts. Each has ``'params'`` (the tensors it updates)
  and every hyper-parameter (``'lr'``, ``'momentum'``, ...). Options you did not give
  a group come from ``defaults``, so two groups can share a model but not a
  learning rate.
* ``state``: a dict from parameter to that parameter's own running quantities
  (momentum buffers, Adam's averages, a step count). It starts empty and fills on
  the first ``step``.

``step()`` reads each parameter's ``.grad`` and changes the parameter *in place*:
the tensor object stays the same (a model keeps pointing at it), only its numbers
and its version counter move. Parameters whose ``.grad`` is None (frozen ones, or
ones the loss did not reach) are skipped.

The update arithmetic is numpy on the raw arrays, under ``no_grad``: an optimizer
step is not part of any graph.
"""
from __future__ import annotations

import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, clear_grad, type_label
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.node import RemovableHandle

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must set itself."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: "OrderedDict[int, Callable]" = OrderedDict()
_global_post_hooks: "OrderedDict[int, Callable]" = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``."""
    handle = RemovableHandle(_global_pre_hooks)
    _global_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    handle = RemovableHandle(_global_post_hooks)
    _global_post_hooks[handle.id] = hook
    return handle


def typename(obj: Any) -> str:
    """PyTorch's name for a value in messages: ``torch.FloatTensor``, ``int``, ``numpy.ndarray``."""
    if isinstance(obj, Tensor):
        return type_label(obj)
    cls = obj if isinstance(obj, type) else type(obj)
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", cls.__name__)
    return name if module in ("builtins", "") else f"{module}.{name}"


def scalar(x: Any) -> float:
    """A hyper-parameter as a Python number (a one-element tensor is allowed, as in PyTorch)."""
    return x.item() if isinstance(x, Tensor) else x


def _hooked_step(step: Callable) -> Callable:
    """Wrap a class's ``step`` so registered step hooks run around it."""
    def step_with_hooks(self: "Optimizer", *args: Any, **kwargs: Any) -> Any:
        for hook in chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        out = step(self, *args, **kwargs)
        for hook in chain(self._optimizer_step_post_hooks.values(), _global_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    step_with_hooks.__doc__ = step.__doc__
    step_with_hooks.__name__ = step.__name__
    step_with_hooks.__qualname__ = step.__qualname__
    step_with_hooks.hooked = True            # type: ignore[attr-defined]
    return step_with_hooks


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of tensors (``model.parameters()``), or of dicts that
    each define a parameter group: ``[{'params': body}, {'params': head, 'lr': 1e-2}]``.
    ``defaults`` holds the hyper-parameters a group gets when it does not set them.

    A subclass implements ``step``; this class handles groups, state, ``zero_grad``,
    ``state_dict`` / ``load_state_dict`` and step hooks.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got " + typename(params))
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _patch_step_function(self) -> None:
        cls = type(self)
        if not getattr(cls.step, "hooked", False):
            cls.step = _hooked_step(cls.step)                 # type: ignore[method-assign]

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. unfreezing a layer later).

        Options the group leaves out are taken from ``defaults``. A tensor may belong
        to one group only.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]     # named_parameters()
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information", stacklevel=3)

        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters before the next backward.

        By default ``.grad`` becomes None (the next backward then *assigns* instead of
        adding). With ``set_to_none=False`` the gradient tensors are filled with zeros.
        Remember: backward *accumulates*, so without this call gradients of successive
        batches add up.
        """
        for group in self.param_groups:
            for p in group["params"]:
                clear_grad(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter once from its ``.grad`` (implemented by each optimizer)."""
        raise NotImplementedError

    def _closure_loss(self, closure: Callable[[], Any] | None) -> Any:
        """Re-evaluate the model for optimizers that need it (with grad mode on)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ saving
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data, without the parameters themselves.

        ``'state'`` maps each parameter's *position* (0, 1, ... counting through the
        groups in order) to its state dict; ``'param_groups'`` lists each group's
        options with ``'params'`` as those positions. The tensors in ``'state'`` are the
        optimizer's own buffers, not copies (save them, or deep-copy the result).
        """
        index: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned, onto this optimizer's parameters.

        The groups must match in number and size; parameters are matched by position.
        Call it *after* creating any learning-rate scheduler (a scheduler resets
        ``lr`` when it is created).
        """
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = _cast(id_map[k], v)
            else:
                state[k] = v
        for group, new in zip(groups, saved_groups):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_optimizer_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_optimizer_step_post_hooks", OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        out = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):       # groups end with a newline, so
            out += f"\nParameter Group {i}\n"               # a blank line separates them
            out += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return out + ")"


def _cast(param: Tensor, value: Any, key: Any = None) -> Any:
    """A loaded state value made to fit ``param``: floating buffers take its dtype.

    The step counter keeps its own dtype. Containers are rebuilt around their values.
    """
    if isinstance(value, Tensor):
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


def check_hyper(lr: Any, *checks: tuple[str, Any]) -> None:
    """PyTorch's argument checks: a one-element tensor ``lr`` is allowed, and ``lr`` and each
    ``(what, value)`` must be >= 0 (else ``ValueError: Invalid <what>: <value>``)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    for what, value in (("learning rate", lr),) + checks:
        if not 0.0 <= scalar(value):
            raise ValueError(f"Invalid {what}: {value}")


def check_flags(foreach: Any, fused: Any, differentiable: bool) -> None:
    """Check PyTorch's speed options (accepted; one numpy code path serves them all).

    ``differentiable=True`` (differentiating *through* an optimizer step) is not
    supported: here ``step`` always works outside the graph.
    """
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise NotImplementedError(
            "autograd_nb optimizers update parameters outside the graph; differentiable=True "
            "is not supported")


def make_step(update: Callable[["Optimizer", dict[str, Any], list[Tensor]], None]) -> Callable:
    """Build an optimizer's ``step`` from a per-group update function.

    ``step`` evaluates the closure (with grad mode on), then, under ``no_grad``, hands
    each group's parameters that have a gradient to ``update``.
    """
    def step(self: Optimizer, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p._grad is not None]
                if params:
                    update(self, group, params)
        return loss
    step.__doc__ = (
        "Update each parameter that has a ``.grad`` once, in place.\n\n"
        "``closure`` (optional): a function that recomputes the loss (zero_grad, forward,\n"
        "backward) and returns it; ``step`` returns that loss.")
    return step


# --------------------------------------------------------------------------- array helpers
# The update rules below work on the raw arrays. Each helper mirrors one PyTorch in-place
# op, including the order of its arithmetic, so results agree to the last bits.

def new_step() -> Tensor:
    """A fresh step counter: a 0-d float tensor, as PyTorch keeps it."""
    dt = np.float64 if B.get_default_dtype() is B.float64 else np.float32
    return Tensor._wrap(np.zeros((), dtype=dt))


def next_step(state: dict[str, Any]) -> float:
    """Add one to ``state['step']`` (in place) and return the new count."""
    step = state["step"]
    if not isinstance(step, Tensor):                      # an old-style number
        step = state["step"] = Tensor._wrap(np.asarray(float(step), dtype=np.float32))
    step._data += 1
    step._vc[0] += 1
    return float(step._data)


def buffer_like(p: Tensor, fill: float = 0.0) -> Tensor:
    """A state buffer with ``p``'s shape, dtype and device."""
    xp = B.xp_of(p._data)
    return Tensor._wrap(xp.full(p._data.shape, fill, dtype=p._data.dtype))


def lerp_(a: Any, end: Any, weight: float) -> None:
    """``a += weight * (end - a)`` in place, computed as ``torch.lerp_`` does."""
    w = a.dtype.type(weight)
    if abs(w) < 0.5:
        a += w * (end - a)
    else:
        a[...] = end - (end - a) * (1 - w)


def grad_of(p: Tensor, maximize: bool, weight_decay: float) -> Any:
    """The gradient array an update uses: negated to maximize, plus L2 weight decay."""
    g = p._grad._data
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p._data
    return g


def bump(*ts: Tensor) -> None:
    """Record an in-place change of each tensor (its version counter moves)."""
    for t in ts:
        t._vc[0] += 1
