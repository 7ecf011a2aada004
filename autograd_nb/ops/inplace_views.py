"""In-place view ops: ``x.transpose_(0, 1)``, ``x.t_()``, ``x.squeeze_()``, ``x.unsqueeze_(d)``,
``x.as_strided_(size, stride)``.

They change the *layout* of ``x`` (its shape and strides), not its numbers: ``x``
becomes the view that the out-of-place op would have returned, with the same memory.
While recording, ``x`` gets the view's node under PyTorch's in-place name
(``TransposeBackward1``, ``TBackward1``, ``SqueezeBackward3/4``, ``UnsqueezeBackward1``,
``AsStridedBackward1``)
and, as for every in-place op, its version moves and leaves that require grad refuse.
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import INFERENCE_INPLACE, Tensor
from ..autograd.grad_mode import STATE
from . import views
from ._core import check_inplace, register

__all__ = ["TransposeBackward1", "TBackward1", "SqueezeBackward3", "SqueezeBackward4",
           "UnsqueezeBackward1"]


class TransposeBackward1(views.TransposeBackward0):
    """transpose_ (swapdims_, swapaxes_): the rule of transpose, the gradient transposed back.

    grad_self = grad.transpose(dim0, dim1)
    """


class TBackward1(views.TBackward0):
    """t_: the rule of t, the gradient transposed back.

    grad_self = grad.t()
    """


class SqueezeBackward3(views.SqueezeBackward0):
    """squeeze_() (every size-1 dim): the rule of squeeze, the gradient gets the input's
    size-1 dims back.

    grad_self = grad unsqueezed at each size-1 dim of self
    """


class SqueezeBackward4(views.SqueezeBackward1):
    """squeeze_(dim): the rule of squeeze(dim), the gradient gets the squeezed dim back
    (if it had size 1).

    grad_self = grad.unsqueeze(dim) where self.shape[dim] == 1, else grad
    """


class UnsqueezeBackward1(views.UnsqueezeBackward0):
    """unsqueeze_: the rule of unsqueeze, the gradient loses the added dim again.

    grad_self = grad.squeeze(dim)
    """


def _inplace_view(view: Callable[..., Tensor], node_for: Callable[[tuple], type]) -> Callable:
    """The in-place form of view op ``view``; ``node_for(args)`` names its node class."""
    def method(self: Tensor, *args: Any) -> Tensor:
        if self._is_inference is True and not STATE.inference:
            raise RuntimeError(INFERENCE_INPLACE)
        check_inplace(self)
        out = view(self, *args)
        node = out._gfn
        if node is not None:
            node.__class__ = node_for(args)           # same rule, PyTorch's in-place name
            self._gfn, self._output_nr, self._requires_grad = node, 0, True
        self._data = out._data
        if self._vbase is not None:                    # a view stays a view of its base
            self._view_fn = out._view_fn
        if not self._is_inference or self._is_inference is not True and not STATE.inference:
            self._vc[0] += 1
            if self._vbase is not None:
                self._view_ver = self._vc[0]
        return self
    method.__name__ = view.__name__ + "_"
    method.__doc__ = f"In-place ``{view.__name__}``: this tensor becomes that view of its memory."
    return method


transpose_ = register("transpose_", "swapdims_", "swapaxes_")(
    _inplace_view(views.transpose, lambda args: TransposeBackward1))
t_ = register("t_")(_inplace_view(views.t, lambda args: TBackward1))
squeeze_ = register("squeeze_")(
    _inplace_view(views.squeeze, lambda args: SqueezeBackward4 if args else SqueezeBackward3))
unsqueeze_ = register("unsqueeze_")(_inplace_view(views.unsqueeze, lambda args: UnsqueezeBackward1))
as_strided_ = register("as_strided_")(_inplace_view(views.as_strided, lambda args: views.AsStridedBackward1))

EXPORTS: list[str] = []
