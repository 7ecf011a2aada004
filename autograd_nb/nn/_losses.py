"""Loss functions of ``nn.functional``: argument checks, then the primitives of ``ops.nnops.loss``.

``reduction`` says how the per-element losses become the result: ``'mean'``
(default), ``'sum'``, or ``'none'`` (one loss per element/sample).

``cross_entropy`` is not a primitive: it is ``nll_loss(log_softmax(x))``, which is why
its grad_fn is ``NllLossBackward0`` with ``LogSoftmaxBackward0`` behind it. With
class *probabilities* as target (same shape as the input) it is
``-(log_softmax(x) * target).sum() / batch``.
"""
from __future__ import annotations

import warnings
import numpy as np

from .._backend import SCALAR_NAMES, xp_of
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..ops._histories import histories_first, read_histories, saved_first
from ..ops.nnops import loss as _L

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_similarity", "nll_loss", "cross_entropy", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

class _Natives:
    """The primitives of ``ops.nnops.loss`` that are PyTorch's native losses, called as
    PyTorch calls them: their autograd layer reads the inputs' histories and saves them
    before the kernel checks dtypes and values, so an argument error of the kernel comes
    after those (``histories_first``: an inference tensor among the saved inputs is
    refused first)."""

    def __getattr__(self, name: str):
        fn = histories_first(getattr(_L, name))
        setattr(self, name, fn)
        return fn


_N = _Natives()

_CODES = {"none": _L.NONE, "mean": _L.MEAN, "sum": _L.SUM, "elementwise_mean": _L.MEAN}
_WORD = SCALAR_NAMES


def _reduction(reduction: str, size_average: bool | None = None, reduce: bool | None = None) -> int:
    """The reduction code (0 none, 1 mean, 2 sum); the legacy flags still work, with a warning."""
    if size_average is not None or reduce is not None:
        keep_all = reduce is False
        reduction = "none" if keep_all else ("sum" if size_average is False else "mean")
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    if reduction not in _CODES:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _CODES[reduction]


def _legacy(reduction: str, size_average: bool | None, reduce: bool | None) -> str:
    """The reduction name, with the legacy flags translated (the weighted losses use names)."""
    if size_average is None and reduce is None:
        return reduction
    return ("none", "mean", "sum")[_reduction(reduction, size_average, reduce)]


def _broadcast_pair(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Expand ``a`` and ``b`` to their common shape (PyTorch's broadcast_tensors)."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa == sb:
        return a, b
    from ..ops._core import check_broadcast
    check_broadcast(sa, sb)                           # (PyTorch's message: the last clash first)
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    shape = tuple(max(x, y) if x != 0 and y != 0 else 0 for x, y in zip(pa, pb))
    return (a if sa == shape else a.expand(shape)), (b if sb == shape else b.expand(shape))


def _warn_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _not_differentiable(fn: str, arg: str, t: Tensor | None) -> None:
    if t is not None and t.requires_grad and STATE.grad_enabled:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{arg}'. "
                           "This input cannot have requires_grad True.")


def _weighted(errors: Tensor, weight: Tensor, input: Tensor, reduction: str) -> Tensor:
    """The ``weight=`` form of mse/l1: weighted errors, a weighted mean divides by sum(weight)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    out = errors * weight
    if reduction == "none":
        return out
    if reduction == "sum":
        return out.sum()
    if reduction == "mean":
        return out.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def _l1(a: Tensor, b: Tensor, code: int) -> Tensor:
    err = (a - b).abs()
    return err if code == _L.NONE else (err.sum() if code == _L.SUM else err.mean())


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence of the distribution ``target`` from ``input`` (log-probabilities):
    ``target * (log(target) - input)`` per element, reduced.

    ``reduction='batchmean'`` divides the sum by the batch size (the KL divergence per
    sample; a 0-d input is its own batch: just the sum); ``'mean'`` divides by the number
    of elements (PyTorch warns about it). ``log_target=True``: ``target`` holds
    log-probabilities too. Integer and bool tensors are refused (no log of a count).
    """
    if size_average is not None or reduce is not None:
        code = _reduction("mean", size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                          "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                          "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                          "major release.", stacklevel=2)
        code = _reduction("sum" if reduction == "batchmean" else reduction)
    if not (input.is_floating_point() and target.is_floating_point()):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    from ..ops.pointwise import xlogy
    # (operands in the order PyTorch's compiled kl_div creates them, right one first: the
    # order the target's gradient contributions are added up in)
    if log_target:
        diff = target - input
        loss = target.exp() * diff
    else:
        prod = target * input
        loss = xlogy(target, target) - prod
    loss = loss if code == _L.NONE else (loss.sum() if code == _L.SUM else loss.mean())
    if reduction == "batchmean" and input.dim() != 0:
        loss = loss / input.shape[0]
    return loss


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast):
    ``sum(x1 / |x1| * x2 / |x2|)``, each norm at least ``eps``.

    As PyTorch: integer operands are converted to the (floating) common dtype first, and
    each norm is raised to ``eps`` in place under no_grad, on a clone: the gradient flows
    through the norm as if it had not been clamped."""
    from .. import _backend as B
    from ..autograd.grad_mode import no_grad
    from ..linalg import vector_norm
    common = B.result_type((x1.dtype, 2 if x1.ndim else 1), (x2.dtype, 2 if x2.ndim else 1))
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {_WORD[common.np.name]}")
    if eps < 0:
        raise RuntimeError(f"eps must be non-negative, got: {eps:g}")
    x1 = x1 if x1.is_floating_point() else x1.to(common)
    x2 = x2 if x2.is_floating_point() else x2.to(common)
    x1, x2 = _broadcast_pair(x1, x2)
    n1 = vector_norm(x1, 2, dim, keepdim=True).clone()
    n2 = vector_norm(x2, 2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Squared error ``0.5 d^2`` for ``|d| < delta``, ``delta (|d| - 0.5 delta)`` beyond (d = x - t).

    Like ``smooth_l1_loss`` but not divided by ``delta``: the slope is capped at ``delta``.
    With ``weight``, each element's loss is weighted before the reduction.
    """
    _warn_size(input, target)
    code = _reduction(reduction)
    a, b = _broadcast_pair(input, target)
    if delta <= 0:                                    # (the kernel's check: after the inputs'
        read_histories(input, target)                 # histories are read and the inputs saved)
        first = saved_first(_L.huber_loss, (a, b), {})
        if first is not None:
            raise first from None
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return _N.huber_loss(a, b, code, delta)
    out = _N.huber_loss(a, b, _L.NONE, delta) * weight
    return out if code == _L.NONE else (out.sum() if code == _L.SUM else out.mean())


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(x - t)^2`` (grad_fn ``MseLossBackward0``)."""
    _warn_size(input, target)
    code = _reduction(reduction, size_average, reduce) if weight is None else None
    a, b = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted((a - b) ** 2, weight, input, _legacy(reduction, size_average, reduce))
    return _N.mse_loss(a, b, code)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|x - t|`` (composite: sub, abs, mean)."""
    _warn_size(input, target)
    code = _reduction(reduction, size_average, reduce) if weight is None else None
    a, b = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted((a - b).abs(), weight, input, _legacy(reduction, size_average, reduce))
    return _l1(a, b, code)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Huber-like loss: quadratic for ``|x - t| < beta``, linear beyond (``beta=0`` is L1)."""
    _warn_size(input, target)
    code = _reduction(reduction, size_average, reduce)
    a, b = _broadcast_pair(input, target)
    if beta < 0:                                      # (the kernel's check: after the inputs'
        read_histories(input, target)                 # histories are read and the inputs saved)
        first = saved_first(_L.smooth_l1_loss, (a, b), {})
        if first is not None:
            raise first from None
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return _l1(a, b, code)
    return _L.smooth_l1_loss(a, b, code, beta)


# ---------------------------------------------------------------------------
# negative log likelihood and cross entropy
# ---------------------------------------------------------------------------


def _check_class_weight(weight: Tensor | None, classes: int) -> None:
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")


def _nll_nd(input: Tensor, target: Tensor, weight: Tensor | None, code: int, ignore_index: int) -> Tensor:
    """NLL for any input rank: (C), (N, C), (N, C, H, W), other ranks folded to 4-d."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and input.shape[0] != (target.shape[0] if target.ndim else 0):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "   # (a 0-d
                         f"({target.shape[0] if target.ndim else 0}).")                         # target: 0)
    _not_differentiable("nll_loss_forward", "weight", weight)
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim == 4 and target.ndim != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                           f"dimension: {target.ndim}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_WORD[target.dtype.name]}")
    if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    _check_class_weight(weight, input.shape[0 if input.ndim == 1 else 1])
    if not input.is_floating_point():                 # (the kernels: floating types only)
        from ..ops._core import no_kernel
        raise no_kernel("nll_loss_out_frame" if input.ndim <= 2 else "nll_loss2d_forward_out_frame", input._data.dtype)
    if weight is not None and weight.dtype != input.dtype:     # (the kernel's own check)
        raise RuntimeError(f"expected scalar type {_WORD[input.dtype.name]} but found {_WORD[weight.dtype.name]}")
    if input.ndim <= 2:
        return _L.nll_loss(input, target, weight, code, ignore_index)
    if input.ndim == 4:
        if tuple(target.shape[1:]) != tuple(input.shape[2:]):
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")
        return _L.nll_loss(input, target, weight, code, ignore_index, _L.NllLoss2DBackward0)
    n, c = input.shape[:2]
    out_size = (n,) + tuple(input.shape[2:])
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {list(out_size)}, got {list(target.shape)}")
    x4 = input.contiguous().view(n, c, 1, -1)
    t3 = target.contiguous().view(n, 1, -1)
    out = _L.nll_loss(x4, t3, weight, code, ignore_index, _L.NllLoss2DBackward0)
    return out.view(out_size) if code == _L.NONE else out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: ``-input[n, target[n]]`` (input holds log-probabilities)."""
    return _nll_nd(input, target, weight, _reduction(reduction, size_average, reduce), ignore_index)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of raw scores (logits) ``input`` against class indices or class probabilities.

    With indices: ``nll_loss(log_softmax(input, 1), target)``. ``label_smoothing = e``
    mixes the one-hot target with the uniform distribution: ``(1 - e) * nll + e * mean(-log p)``.

    The nodes: ``NllLossBackward0`` (``ops/nnops/loss.py``: ``nll_loss``, the node, its
    rule ``nll_loss_backward``) with ``LogSoftmaxBackward0`` (``ops/reduce.py``) behind it.
    """
    if reduction == "mean" and weight is None and size_average is None and reduce is None \
            and label_smoothing == 0.0 and input.__class__ is Tensor and target.__class__ is Tensor:
        d, t = input._data, target._data             # the usual (N, C) logits, N class indices
        if d.ndim == 2 and t.ndim == 1 and d.shape[0] == t.shape[0]:
            fast = _L._nll_mean_rows(input.log_softmax(1), target, ignore_index)
            if fast is not None:
                return fast
    code = _reduction(reduction, size_average, reduce)
    class_dim = 0 if input.ndim == 1 else 1
    if input.shape == target.shape:
        return _soft_cross_entropy(input, target, weight, code, ignore_index, label_smoothing, class_dim)
    if label_smoothing > 0.0:                         # (a negative one is simply not used)
        _check_smoothing(label_smoothing)
    logp = input.log_softmax(class_dim)
    nll = _nll_nd(logp, target, weight, code, ignore_index)
    if label_smoothing <= 0.0:
        return nll
    classes = input.shape[class_dim]
    from ..ops.compare import where
    if weight is not None:
        wshape = [1] * input.ndim
        wshape[class_dim] = classes
        smooth = -(logp * weight.view(wshape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    ignored = target == ignore_index
    smooth = where(ignored, 0.0, smooth)
    if code == _L.MEAN:
        kept = ~ignored._data
        if weight is not None:
            denom = weight._data[target._data[kept]].sum()
        else:
            denom = kept.sum()
        ret = smooth.sum() / Tensor._wrap(xp_of(smooth._data).asarray(denom, dtype=smooth._data.dtype))
    elif code == _L.SUM:
        ret = smooth.sum()
    else:
        ret = smooth
    return _L.mul_scalar(nll, 1 - label_smoothing) + _L.mul_scalar(ret, label_smoothing / classes)


def _check_smoothing(label_smoothing: float) -> None:
    if label_smoothing > 1.0:                         # (PyTorch prints the number as C++ does: 2, 1.5)
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")


def _soft_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None, code: int, ignore_index: int,
                        label_smoothing: float, class_dim: int) -> Tensor:
    """Cross entropy against class probabilities ``target`` (same shape as ``input``).

    PyTorch's order of checks: the target's dtype, ``ignore_index``, the class count
    (a 0-d input has no dim 1), the weight, then log_softmax, then ``label_smoothing``."""
    if not target.is_floating_point():
        raise RuntimeError("Expected floating point type for target with class probabilities, got "
                           f"{_WORD[target.dtype.name]}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    classes = input.size(class_dim)
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {classes} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")
    logp = input.log_softmax(class_dim)
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / classes
    prod = logp * target
    if weight is not None:
        wshape = [1] * input.ndim
        wshape[class_dim] = classes
        prod = prod * weight.view(wshape)
    if code == _L.MEAN:
        if input.numel() == 0:                        # (PyTorch: the empty sum, filled with NaN)
            return -prod.sum().fill_(float("nan"))
        return _L.div_scalar(-prod.sum(), input.numel() / classes)
    if code == _L.SUM:
        return -prod.sum()
    return -prod.sum(class_dim)


# ---------------------------------------------------------------------------
# binary cross entropy
# ---------------------------------------------------------------------------


def _expand_to(t: Tensor | None, shape: tuple) -> Tensor | None:
    if t is None or tuple(t.shape) == tuple(shape):
        return t
    return _broadcast_pair(t, Tensor._wrap(xp_of(t._data).empty(shape, dtype=np.bool_)))[0]


def _check_broadcast(t: Tensor | None, shape: tuple) -> None:
    if t is not None:
        _expand_to(t, shape)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) for probabilities ``x`` in [0, 1]."""
    code = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    _not_differentiable("binary_cross_entropy", "weight", weight)
    return _N.binary_cross_entropy(input, target, _expand_to(weight, tuple(target.shape)), code)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """BCE of ``sigmoid(input)``, stable for large scores; ``pos_weight`` scales the positive term."""
    code = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    _not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    shape = tuple(target.shape)
    _check_broadcast(weight, shape)
    _check_broadcast(pos_weight, shape)
    return _N.binary_cross_entropy_with_logits(input, target, weight, pos_weight, code)

