"""Neural-network primitives: the ops behind ``torch.nn.functional``.

Each is a forward kernel (vectorised numpy: sliding windows + one matmul for
convolution, reductions over windows for pooling) next to its node, named as in
PyTorch (``ConvolutionBackward0``, ``MaxPool2DWithIndicesBackward0``,
``NativeBatchNormBackward0``, ``NllLossBackward0``, ...):

* ``patches``: im2col / col2im, the sliding-window machinery;
* ``conv``: conv1d, conv2d, conv3d, constant padding;
* ``conv_transpose``: conv_transpose1d/2d/3d (the same node, transposed);
* ``pool``: max, average and adaptive average pooling;
* ``adaptive_max_pool``: adaptive max pooling (1-d, 2-d, 3-d);
* ``norm``: batch norm, layer norm;
* ``activation``: leaky ReLU, ELU, GELU, SiLU, softplus, erf;
* ``embedding``: table lookup;
* ``loss``: MSE, smooth L1, NLL, binary cross entropy (with and without logits).
"""
from .activation import (celu, elu, erf, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid,
                         mish, prelu, selu, silu, softplus, threshold)
from .conv import constant_pad_nd, conv1d, conv2d, conv3d
from .conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d
from .embedding import embedding as _embedding
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, mse_loss, nll_loss,
                   smooth_l1_loss)
from .norm import batch_norm, layer_norm
from .adaptive_max_pool import adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d
from .pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d, max_pool2d_with_indices
from .channel_shuffle import channel_shuffle
from .shapers import glu, group_norm, hardshrink, pixel_shuffle, pixel_unshuffle, softshrink
from .pdist import pdist


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``torch.embedding(weight, indices)``: rows of ``weight`` (note the argument order)."""
    return _embedding(weight, indices, None if padding_idx is None or padding_idx < 0 else padding_idx,
                      scale_grad_by_freq)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool1d``: ``F.max_pool1d`` without ``return_indices``."""
    from ...nn.functional import max_pool1d as f
    return f(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``torch.max_pool1d_with_indices``: ``(values, indices)`` of 1-d max pooling."""
    from ...nn.functional import max_pool1d_with_indices as f
    return f(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``torch.max_pool3d``: ``F.max_pool3d`` without ``return_indices``."""
    from .max_pool3d import max_pool3d as f
    return f(input, kernel_size, stride if stride != () else None, padding, dilation, ceil_mode)


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler``: ``F.grid_sample`` with the modes as numbers (0 bilinear, 1 nearest,
    2 bicubic; padding 0 zeros, 1 border, 2 reflection)."""
    from .grid_sample import grid_sample
    return grid_sample(input, grid, ("bilinear", "nearest", "bicubic")[interpolation_mode],
                       ("zeros", "border", "reflection")[padding_mode], align_corners)


def affine_grid_generator(theta, size, align_corners):
    """``torch.affine_grid_generator``: ``F.affine_grid`` without its argument checks' warnings."""
    from .grid_sample import affine_grid
    return affine_grid(theta, size, align_corners)


grid_sampler_2d = grid_sampler


EXPORTS = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "constant_pad_nd", "max_pool2d", "layer_norm", "embedding", "erf", "prelu",
           "pixel_shuffle", "pixel_unshuffle", "group_norm", "channel_shuffle",
           "max_pool1d", "max_pool1d_with_indices", "max_pool3d", "pdist", "grid_sampler", "grid_sampler_2d",
           "affine_grid_generator"]

from .._core import register as _register  # noqa: E402 - after the ops it attaches
_register("erf")(erf)
_register("prelu")(prelu)
_register("hardshrink")(hardshrink)
