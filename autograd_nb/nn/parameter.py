"""``nn.Parameter``: a tensor that a Module treats as one of its learnable weights.

A Parameter is an ordinary leaf tensor that requires grad, with one extra meaning:
assigning it to an attribute of a ``Module`` (``self.w = nn.Parameter(...)``)
registers it, so ``module.parameters()`` finds it and an optimizer updates it.

Only the tensor you wrap is special. Anything computed from it (``p * 2``,
``p.detach()``, ``p.data``) is a plain ``Tensor``.

``nn.Buffer`` marks a tensor the same way, but as a *buffer*: state saved in the
``state_dict`` and moved by ``.to()``, never trained (BatchNorm's running mean).
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A learnable tensor: a leaf that requires grad (``requires_grad=False`` to freeze it).

    ``nn.Parameter(t)`` shares ``t``'s numbers (no copy). If ``t`` was computed by
    an op, the parameter is still a leaf: the history is cut off, as with
    ``detach()``.
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> "Parameter":
        return object.__new__(cls)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            from .._creation import empty
            data = empty(0)
        if requires_grad and data._data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        self._init(data._data, bool(requires_grad))
        self._vc = data._vc                          # shares memory, hence the version counter

    def __repr__(self, prefix: str = "tensor(") -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self, prefix)

    __str__ = __repr__


class Buffer(Tensor):
    """Marks a tensor as a Module buffer when assigned: ``self.stats = nn.Buffer(t)``.

    The module stores a plain tensor sharing ``t``'s numbers; ``persistent=False``
    keeps it out of the ``state_dict``.
    """

    __slots__ = ("persistent",)

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> "Buffer":
        return object.__new__(cls)

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        if data is None:
            from .._creation import empty
            data = empty(0)
        self._init(data._data, data._requires_grad)
        self._vc = data._vc
        self.persistent = persistent

    def _plain(self) -> Tensor:
        """The plain tensor a Module stores for this buffer."""
        out = Tensor._wrap(self._data, self._requires_grad, None, 0, self._vc)
        return out

    def __repr__(self, prefix: str = "tensor(") -> str:
        return Tensor.__repr__(self, prefix)

    __str__ = __repr__


def add_weight_and_bias(module: Any, weight_shape: Any, bias_shape: Any, bias: bool,
                        device: Any = None, dtype: Any = None) -> None:
    """Register ``module.weight`` and ``module.bias`` (uninitialised; the layer's
    ``reset_parameters`` fills them), or ``bias`` as None when the layer has none."""
    from .._creation import empty
    module.weight = Parameter(empty(weight_shape, device=device, dtype=dtype))
    if bias:
        module.bias = Parameter(empty(bias_shape, device=device, dtype=dtype))
    else:
        module.register_parameter("bias", None)


def _typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: ``'torch.FloatTensor'``, ``'int'``, ``'torch.nn....Linear'``."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    if module in (None, "builtins"):
        return cls.__qualname__
    return module + "." + cls.__qualname__


Parameter.__module__ = "autograd_nb.nn"        # printed as <class 'autograd_nb.nn.Parameter'>
