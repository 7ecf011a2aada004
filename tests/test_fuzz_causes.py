"""Causes of differences the program fuzzer (tests/fuzz) found, one small program each,
run under torch and under autograd_nb and compared: the result's values (NaN-aware),
dtype, shape, requires_grad and grad_fn name, the gradients of ``x`` when the program
sets one, or the error's type and first line of message.

Each group below is one cause, fixed in one place of autograd_nb/ops.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import autograd_nb

SETUP = ("nan, inf = float('nan'), float('inf')\n"
         "t = T.tensor([1.5, -2.0, 0.0]); d = t.double(); i = T.tensor([1, -2, 0]); "
         "j = i.int(); b = T.tensor([True, False, True])\n")

CAUSES = {
    # a method counts argument positions without ``self`` (one helper, _core.arg_error)
    "method_positions": ["out = t.maximum(0)", "out = t.minimum(0.5)", "out = t.atan2(1)",
                         "out = t.hypot(True)", "out = t.logaddexp(2.0)", "out = T.maximum(t, 0)"],
    # logical ops and isclose take tensors only; isclose/allclose want one dtype
    "tensor_only_args": ["out = t.isclose(2)", "out = T.isclose(t, 2)", "out = t.logical_and(.5)",
                         "out = T.logical_or(1, t)", "out = T.logical_xor(i, t)",
                         "out = T.allclose(t, d)", "out = T.isclose(i, t)", "out = T.allclose(i, i)"],
    # the alias names itself in its errors
    "arctan2_name": ["out = T.arctan2(t, 1)", "out = t.arctan2(1)", "out = T.arctan2(t, d)"],
    # bitwise ops promote (bool & int is int64) and have no floating kernel
    "bitwise_promotion": ["out = b & 1", "out = 1 | b", "out = b ^ True", "out = b & b",
                          "out = T.bitwise_and(2, i)", "out = t & 1", "out = d | i", "out = i ^ 1.5",
                          "out = T.bitwise_not(d)", "out = ~b", "out = ~i"],
    # clamp's result dtype promotes with its number bounds
    "clamp_promotion": ["out = b.clamp_max(-2)", "out = b.clamp(0, 1)", "out = i.clamp_min(0.5)",
                        "out = T.clamp_min(b, 1)", "out = j.clamp(max=1)"],
    # integer division by zero is an error, floating division by zero is not
    "integer_division_by_zero": ["out = i // 0", "out = i % 0", "out = T.remainder(1, b)",
                                 "out = i.div(0, rounding_mode='trunc')", "out = j.floor_divide(0)",
                                 "out = i % 0.0", "out = t // 0", "out = T.tensor(5) % T.tensor(0)"],
    # integer powers with negative exponent tensors
    "integer_power": ["out = T.tensor([2, 1, -1, 0]) ** T.tensor([-1, -2, -3, -1])",
                      "out = T.pow(-1, T.tensor([-1, -2, 3]))", "out = T.pow(2, i)",
                      "out = i.pow(-1)", "out = T.pow(2, b)"],
    # a float alpha cannot scale an integer result
    "integral_alpha": ["out = i.add(1, alpha=0.5)", "out = i.sub(2, alpha=0.5)",
                       "out = b.add(True, alpha=2.)", "out = b.add(1, alpha=2)",
                       "out = i.add(t, alpha=0.5)"],
    # kernels PyTorch does not have for integers or bools
    "unary_kernels": ["out = b.abs()", "out = b.sign()", "out = i.sign()", "out = b.ceil()",
                      "out = b.floor()", "out = b.round()", "out = b.trunc()", "out = i.trunc()",
                      "out = i.frac()", "out = j.frac()", "out = b.frac()", "out = T.relu(b)",
                      "out = b.ceil_()", "out = b.relu_()"],
    "activation_kernels": ["out = F.elu(i)", "out = F.selu(b)", "out = F.celu(j)", "out = F.silu(b)",
                           "out = F.gelu(j)", "out = F.mish(i)", "out = F.softplus(b)",
                           "out = F.hardswish(i)", "out = F.hardsigmoid(j)", "out = F.leaky_relu(b)",
                           "out = F.logsigmoid(i)", "out = F.hardtanh(b)", "out = F.relu6(b)",
                           "out = F.threshold(b, 0.5, 2.)", "out = F.threshold(i, 0, 2)",
                           "out = F.hardtanh(i)"],
    # NaN: sign(nan) is 0; threshold keeps a NaN (it is not <= the threshold)
    "nan_values": ["out = T.sign(T.tensor([nan, -0.0, -2.0, inf]))",
                   "x = T.tensor([nan, 0.5, 0.2], requires_grad=True); out = F.threshold(x, 0.4, 9.); "
                   "out.sum().backward()",
                   "x = T.tensor([nan, -1.0, 2.0], requires_grad=True); out = x.sign(); out.sum().backward()"],
    # zero gradients are selected by masks, never multiplied by them (0 * inf = nan)
    "masked_gradients": [
        "x = T.tensor([1., 2.], requires_grad=True); out = T.maximum(x, T.tensor([0., 3.])); "
        "out.backward(T.tensor([1., inf]))",
        "x = T.tensor([1., 2., 3.], requires_grad=True); out = T.minimum(x, T.tensor([0., 3., 3.])); "
        "out.backward(T.tensor([inf, nan, inf]))",
        "x = T.tensor([1., 2.], requires_grad=True); out = x.clamp(0, 1.5); out.backward(T.tensor([inf, inf]))",
        "x = T.tensor([1., 2.], requires_grad=True); out = x.clamp(T.tensor([0., 2.5])); "
        "out.backward(T.tensor([inf, inf]))",
        "x = T.tensor([1., -2.], requires_grad=True); out = x.relu(); out.backward(T.tensor([inf, inf]))",
        "x = T.tensor([1., -2.], requires_grad=True); out = x.relu(); out.backward(T.tensor([-1., nan]))",
        "x = T.tensor([1., 2.], requires_grad=True); out = x.max(); out.backward(T.tensor(inf))",
        "x = T.tensor([1., 2.], requires_grad=True); out = x.clamp_min(1.5); out.backward(T.tensor([inf, 1.]))",
        "x = T.tensor([1., 2.], requires_grad=True); out = x.clamp_max(T.tensor(1.5)); "
        "out.backward(T.tensor([inf, 1.]))",
    ],
    # gradients at the edges of their formulas
    "gradient_edges": [
        "x = T.tensor([0., 1.], requires_grad=True); out = T.atan2(x, T.tensor([0., 0.])); out.sum().backward()",
        "x = T.tensor([0., 1.], requires_grad=True); out = T.atan2(T.tensor([0., 0.]), x); out.sum().backward()",
        "x = T.tensor([0., 0., 2.], requires_grad=True); out = T.pow(x, T.tensor([0., 1., 0.])); "
        "out.sum().backward()",
        "x = T.tensor([-3., 3., -2.5, 3.5, -3.5], requires_grad=True); out = F.hardswish(x); out.sum().backward()",
        "x = T.tensor([0., 1., 0.], requires_grad=True); out = T.xlogy(x, T.tensor([2., 3., 0.])); "
        "out.sum().backward()",
        "x = T.tensor([0., 1.], requires_grad=True); out = T.xlogy(x, 2); out.sum().backward()",
        "x = T.tensor([0., 1.], requires_grad=True); out = T.xlogy(2, x); out.sum().backward()",
    ],
    # node names: the form of the call decides the node, as in PyTorch
    "node_names": [
        "x = T.tensor([1., 2.], requires_grad=True); out = x.div(2., rounding_mode=None); out.sum().backward()",
        "x = T.tensor([1., 2.], requires_grad=True); out = T.div(x, T.tensor([4., 2.]), rounding_mode=None); "
        "out.sum().backward()",
        "x = T.tensor([1., 2.], requires_grad=True); out = x / 2",
        "x = T.tensor([1., 2.], requires_grad=True); out = 0 % x",
        "x = T.tensor([1., 2.], requires_grad=True); out = 0 % x; out.sum().backward()",
        "x = T.tensor([1., 2.], requires_grad=True); out = x % 0.5",
    ],
    "floor_division_by_inf": ["out = T.tensor([5., -5., 0.186, -0.]).div(inf, rounding_mode='floor')",
                              "out = T.tensor([5., -5.]).div(-inf, rounding_mode='floor')",
                              "out = T.tensor([5., -5.]).div(0., rounding_mode='floor')",
                              "out = T.tensor([0.186]) // -inf"],
    # shapes: 0-d and 1-d tensors, and the function forms that want one tuple
    "shape_edges": ["x = T.tensor(2., requires_grad=True); out = x.sum_to_size(())",
                    "x = T.tensor([[1., 2.]], requires_grad=True); out = x.sum_to_size(())",
                    "out = T.count_nonzero(T.tensor(1.), 0)", "out = T.count_nonzero(T.tensor(0.), -1)",
                    "out = T.count_nonzero(T.tensor(0.), 1)",
                    "x = T.tensor(1., requires_grad=True); out = x.mT", "out = T.tensor([1., 2.]).mT",
                    "x = T.tensor(1., requires_grad=True); out = x.movedim(0, 0)",
                    "out = T.tensor(1.).movedim(0, 1)",
                    "out = T.reshape(T.tensor([1., 2.]), 2)", "out = T.reshape(T.tensor([1., 2.]), [2, 1])",
                    "out = T.permute(T.ones(1, 2), 1, 0)", "out = T.permute(T.ones(1, 2), 1)",
                    "out = T.permute(T.ones(1, 2), (1, 0))", "out = T.ones(1, 2).permute(1, 0)"],
    # memory overlap: an in-place write may not go into an expanded tensor (its elements
    # share memory) nor read from a tensor that shares part of the written memory
    "memory_overlap": ["x = T.tensor([1., 2.]); x.expand(2, 2).add_(1); out = x",
                       "x = T.tensor([1, 2]); x.expand(2, 2).add_(1.5); out = x",
                       "x = T.tensor([1., 2.]); x.expand(2, 2).exp_(); out = x",
                       "x = T.tensor([1., 2.]); y = x.expand(2, 2); y += 1; out = x",
                       "x = T.tensor([1., 2.]); x.broadcast_to(x.shape).mul_(3); out = x",
                       "x = T.tensor([1., 2.]); x.expand(1, 2).mul_(3); out = x",
                       "x = T.ones(2, 2); x.add_(x[0]); out = x", "x = T.ones(2, 2); x.add_(x); out = x",
                       "x = T.ones(2, 2); x.add_(x.t()); out = x",
                       "x = T.ones(4); x[:2].add_(x[2:]); out = x", "x = T.ones(4); x[:2].add_(x[1:3]); out = x",
                       "x = T.ones(4); x[:2] = x[1:3]; out = x", "x = T.ones(4); x[0] = x[0]; out = x",
                       "x = T.ones(2, 2); x[0] = x[1]; out = x", "x = T.ones(4); x[x > 0] = x; out = x",
                       "x = T.ones(4); x[T.tensor([0, 1])] = x[:2]; out = x",
                       "x = T.ones(3); x.index_add_(0, T.tensor([0, 1, 2]), x); out = x",
                       "x = T.ones(3); x.index_add_(0, T.tensor([0]), x[:1]); out = x",
                       "x = T.ones(3); x.scatter_(0, T.tensor([0]), x[1:2]); out = x",
                       "x = T.ones(2, 2); x.masked_fill_(x > 0, x[0, 0]); out = x",
                       "x = T.ones(2, 2); x.clamp_(min=x[0]); out = x", "x = T.ones(2); x.clamp_(min=x); out = x",
                       "x = T.ones(2, 2); x.lerp_(x[0], 0.5); out = x",
                       "x = T.ones(2, 2); x.mul_(x[:, :1]); out = x",
                       "x = T.tensor([1.], requires_grad=True); y = x * 1; y.expand(2).mul_(2); out = y"],
    # indexing: the dimension an error names is the index's position in the subscript
    "index_messages": ["x = T.ones(2, 3); out = x[None, 0, 3]", "x = T.ones(2, 3); out = x[..., 5]",
                       "x = T.ones(2, 3); out = x[:, None, 7]", "x = T.ones(2, 3, 4); out = x[None, ..., 9]",
                       "x = T.ones(2, 3); out = x[0, ..., 4]", "x = T.ones(2, 3); out = x[-3]",
                       "x = T.tensor(1.); out = x[0]", "x = T.tensor(1.); x[0] = 2.; out = x",
                       "x = T.tensor(1.); out = x[None, 0]", "x = T.ones(2, 3); out = x.select(1, 3)",
                       "x = T.ones(2, 3); out = x.select(0, -3)", "x = T.tensor(1.); out = x.select(0, 0)",
                       "x = T.ones(2, 3); x[0, 7] = 1.; out = x"],
    # messages that print PyTorch's C++ dtype names
    "cpp_dtype_names": ["out = i.lerp(T.tensor([True, False, True]), 0.5)",
                        "out = j.lerp(T.tensor([True, False, True]), 0.5)", "out = t.lerp(d, 0.5)",
                        "out = t.lerp(t, d)", "out = b.lerp(b, 0.5)", "x = i.clone(); x.clamp_(0.5); out = x",
                        "x = b.clone(); x.clamp_min_(2); out = x", "x = i.clone(); x.clip_(0.5, 1); out = x",
                        "x = i.clone(); x.add_(0.5); out = x"],
    # bool operands: a Python bool counts as a bool
    "bool_numbers": ["out = False // b", "out = True % b", "x = i.clone(); x.sub_(False); out = x",
                     "x = i.clone(); x.add_(True); out = x"],
    # remainder is fmod moved by one divisor (the zero keeps the dividend's sign, as PyTorch)
    "remainder_zero_sign": ["out = 1 / (-2.0 % T.tensor([0.5, -1., 2., -0.7]))",
                            "out = 1 / (T.tensor([5., -5., 3., -0.]) % 2.5)",
                            "out = T.tensor([5, -5, 3]) % T.tensor([3, 3, -2])",
                            "out = T.tensor([5., -5.]) % inf", "out = 3 % T.tensor([2, -2])",
                            "x = T.tensor([-2.0, 1.5], requires_grad=True); out = x % T.tensor([0.3, -1.]); "
                            "out.sum().backward()"],
    # pointwise losses: promoted dtypes (huber: the input's), no integer or bool kernels
    "loss_dtypes": ["out = F.mse_loss(t, d)", "out = F.mse_loss(t, j.float() * 0 + j)", "out = F.mse_loss(j, t)",
                    "out = F.mse_loss(i, i)", "out = F.mse_loss(b, b)", "out = F.smooth_l1_loss(j, t)",
                    "out = F.smooth_l1_loss(b, b)", "out = F.huber_loss(t, d)", "out = F.huber_loss(d, t)",
                    "out = F.huber_loss(j, t)", "out = F.huber_loss(t, j)", "out = F.huber_loss(i, i)",
                    "x = t.clone().requires_grad_(); out = F.mse_loss(x, d); out.backward()",
                    "out = F.binary_cross_entropy(i, i)", "out = F.binary_cross_entropy(t.sigmoid(), d.sigmoid())",
                    "out = F.binary_cross_entropy(t.sigmoid(), T.tensor([0.5, nan, 0.2]))",
                    "out = F.binary_cross_entropy(T.tensor([0.5, nan, 0.2]), t.sigmoid())",
                    "out = F.binary_cross_entropy_with_logits(i, t)", "out = F.binary_cross_entropy_with_logits(b, t)",
                    "out = F.binary_cross_entropy_with_logits(t, d.sigmoid())",
                    "x = d.clone().requires_grad_(); out = F.binary_cross_entropy_with_logits(x, t.sigmoid()); "
                    "out.backward()"],
    # small op-level causes: bool kernels, 0-d edges, messages naming types
    "op_edges": ["out = b.median()", "out = b.median(0)", "out = b.kthvalue(1)", "out = b.topk(1)",
                 "out = b.sort()", "out = b.scatter_reduce(0, T.tensor([0, 0, 0]), b, 'mean')",
                 "out = b.scatter_reduce(0, T.tensor([0, 0, 0]), b, 'amax')",
                 "out = t.scatter_reduce(0, T.tensor([0, 0, 0]), t, 'mean')",
                 "out = b.diff()", "out = T.tensor([[True, False], [True, True]]).diff(dim=0)",
                 "out = t.permute()", "out = T.tensor(1.).permute()", "out = T.tensor(1.)[-1]",
                 "out = T.tensor(1.)[1]", "out = T.tensor(1.).narrow(0, 0, 1)", "out = b.expand(())",
                 "out = i.view(1, 3).expand(())", "out = j.expand(())", "out = t.expand(())",
                 "x = t.clone().requires_grad_(); out = T.clamp(x, min=d[:1]); out.sum().backward()",
                 "out = T.clamp(b, min=T.tensor(0.5))", "x = b.clone(); x.clamp_max_(i); out = x",
                 "x = i.clone(); x.clamp_max_(0.5); out = x"],
    "more_edges": ["out = T.tensor([True, False]).any(-2)", "out = T.tensor(True).any(3)",
                   "out = T.tensor(True).all((0,))", "out = T.ones(2, 3).all((0, 1))",
                   "x = T.tensor([False, True, False]); x[..., 0] = x; out = x",
                   "x = T.tensor([-1.5, 1.5, 1.0, 0.5], dtype=T.float64, requires_grad=True); out = x.acosh(); "
                   "out.backward(T.tensor([0., 1., 1., 0.], dtype=T.float64))",
                   "x = T.tensor([2.0]); x[..., 0] = x; out = x",
                   "x = T.tensor([2.0], requires_grad=True); x[..., 0] = x; out = x"],
    # signed zeros, made visible by 1 / x
    "signed_zeros": ["out = 1 / F.selu(T.tensor([-0.0, 0.0]))", "out = 1 / F.elu(T.tensor([-0.0, 0.0]))",
                     "out = 1 / F.celu(T.tensor([-0.0, 0.0]), 0.5)",
                     "x = T.tensor([[0.0], [1.0], [1.0]]); out = 1 / F.nll_loss(F.log_softmax(x, -1), "
                     "T.tensor([0, 0, 0]))",
                     "x = T.tensor([[0.0], [1.0], [1.0]]); out = 1 / F.nll_loss(F.log_softmax(x, -1), "
                     "T.tensor([0, 0, 0]), reduction='sum')",
                     "x = T.tensor([[0.0], [1.0]]); out = 1 / F.nll_loss(F.log_softmax(x, -1), T.tensor([0, 0]), "
                     "weight=T.tensor([2.0]))"],
    "bool_and_integer_kernels": ["out = T.addcmul(i, i, i, value=2.0)", "out = T.addcmul(i, i, i, value=0.5)",
                                 "out = T.addcmul(b, b, b)", "out = T.addcmul(b, i, i)",
                                 "out = T.addcmul(i, t, i, value=0.5)", "out = T.clamp_min(b, True)",
                                 "out = T.clamp(b, True, True)", "out = T.clamp_max(b, False)",
                                 "out = T.clamp(b, min=0)", "out = b.clamp(min=True)",
                                 "out = T.mv(T.tensor(1.), T.tensor(1.))", "out = T.mv(t, t)"],
    "index_put_order": ["x = T.tensor([[True, False, True], [False, True, True]]); "
                        "x[T.tensor([[True, False, True], [False, True, True]])] = T.ones(2, 3, dtype=T.float64); out = x",
                        "x = T.tensor([1, 2]); x[T.tensor([True, False])] = T.tensor(1.5); out = x",
                        "x = T.tensor([1, 2]); x[T.tensor([0])] = T.tensor([1.5]); out = x"],
    # lerp: PyTorch's two-sided formula (weight 1 gives end exactly; no inf - inf), dtypes
    # checked before shapes, a 0-d weight of another dtype allowed
    "lerp": ["out = T.lerp(T.tensor([1., inf, 2.]), T.tensor([inf, 1., 3.]), 0.3)",
             "out = T.lerp(T.tensor([1., inf, 2.]), T.tensor([inf, 1., 3.]), 0.7)",
             "out = T.lerp(T.tensor([1., inf, 2.]), T.tensor([inf, 1., 3.]), T.tensor([0.3, 0.7, 0.5]))",
             "out = T.lerp(d, d * 2, T.tensor(0.5))", "out = T.lerp(d, d * 2, T.tensor([0.5]))",
             "out = T.lerp(T.ones(3), T.ones(2, dtype=T.int64), 0.5)",
             "x = T.tensor([0.2, 0.9], requires_grad=True); out = T.lerp(x, T.tensor([1., 2.]), x); "
             "out.sum().backward()"],
    # an element-wise in-place op reports the output shape before dtypes and kernels
    "inplace_output_shape": ["x = T.tensor(1); x.lerp_(T.ones(1, 3, dtype=T.int64), 0.5); out = x",
                             "x = T.tensor(True); x.addcmul_(b[:2], b[:2]); out = x",
                             "x = T.ones(2); x.add_(T.ones(3)); out = x", "x = T.ones(1); x.mul_(T.ones(2, 2)); out = x",
                             "x = T.ones(2); x.clamp_(min=T.ones(2, 2)); out = x",
                             "x = T.tensor([1]); x.sub_(T.ones(2, 2)); out = x",
                             "x = T.ones(2, 2); x.add_(T.ones(2)); out = x"],
    "inference_pieces": ["x = T.tensor([[1., 2.], [3., 4.]], requires_grad=True)\nwith T.inference_mode(): y = x * 2\n"
                         "out = (y.unbind(1)[0], y.split(1, 0)[1], y.chunk(2, 1)[0])"],
    "kthvalue_nan_and_where_shapes": ["out = T.tensor([1., nan, 0.]).kthvalue(2)", "out = T.tensor([1., nan, 0.]).kthvalue(3)",
                                      "out = T.tensor([[1., nan, 0.], [2., 1., 3.]]).kthvalue(1, 1)",
                                      "out = T.tensor([[1., nan, 0.], [2., 1., 3.]]).median(1)",
                                      "x = T.tensor([1., nan, 0.5], requires_grad=True); out = x.kthvalue(2); "
                                      "out[0].backward()",
                                      "out = T.where(T.tensor([True, False, True]), T.tensor([1., 2.]), 0.)",
                                      "out = T.where(T.tensor([True, False]), T.tensor([1., 2.]), T.ones(3))",
                                      "out = T.where(T.tensor([[True], [False]]), T.tensor([1., 2.]), 0.)"],
    "misc_fixes": ["out = T.add(i, i, alpha=1.0)", "out = T.add(t, t, alpha=1.0)", "out = True ** b",
                   "out = T.pow(False, b)", "x = T.ones(2, requires_grad=True); out = x[0] // 2",
                   "out = T.clamp(T.ones(2, 1, 2), min=T.ones(3))", "out = T.tensor(True).kthvalue(1, -1)",
                   "out = T.masked_select(T.tensor(1.), T.tensor(False)).median(0)",
                   "out = T.ones(2, 0).median(1)", "out = T.masked_select(b, b > 1).median()",
                   "x = T.remainder(T.tensor([[2., 2., 0.]]), T.zeros(0, 1, dtype=T.int64)); x.neg_(); out = x"],
    # 0-d views stay views (unbind of a 1-d tensor, expand of a 0-d tensor): in place changes show
    "zero_dim_views": ["x = T.tensor([0.0, -2.0, 2.0]); v = x.unbind(-1)[1]; v.add_(1); out = x",
                       "x = T.tensor([-2, -1, -2, 2]); v = x.unbind(-1)[-3]; v.add_(-2); out = (x, v)",
                       "x = T.tensor([0.0, -2.0, 2.0]); v = x.unbind(0)[1]; v.scatter_(0, T.tensor(0), 1.5); out = x",
                       "x = T.tensor(-1.5, requires_grad=True); y = T.maximum(x, x); v = y.expand_as(y); "
                       "y.sigmoid_(); out = v",
                       "x = T.tensor(0.5); v = x.expand(()); v.mul_(3); out = x"],
    # gradients where PyTorch's rule passes NaN: maximum/minimum of NaN, hardtanh at NaN
    "nan_gradients": ["x = T.tensor([1.0, 0.5, nan], requires_grad=True); out = x.minimum(x); out.sum().backward()",
                      "x = T.tensor([1.0, 2., nan], requires_grad=True); out = T.maximum(x, T.tensor([0., 3., 1.])); "
                      "out.sum().backward()",
                      "x = T.tensor([1.0, 2., 2.], requires_grad=True); out = T.maximum(x, T.tensor([0., 3., 2.])); "
                      "out.backward(T.tensor([1., inf, 4.]))",
                      "x = T.tensor([nan, 3., -2., 0.], requires_grad=True); out = F.hardtanh(x, -2, 3); "
                      "out.backward(T.ones_like(out))"],
    # pow with exponent +-0.5 is PyTorch's sqrt / rsqrt ((-inf) ** 0.5 is nan)
    "pow_half": ["out = T.tensor([-0.5, -inf, 1.0, 4.0, 0.], dtype=T.float64) ** -0.5",
                 "out = T.tensor([-0.5, -inf, 1.0, 4.0, 0.]) ** 0.5", "out = T.tensor([4, 0]) ** 0.5",
                 "x = T.tensor([4.0, 0.25], requires_grad=True); out = x ** -0.5; out.sum().backward()"],
    # cross_entropy/nll_loss skip ignored targets (a -inf there is not 0 * -inf)
    "ignored_targets": ["x = T.tensor([[-inf, 1., 2.], [0., 1., 2.]], requires_grad=True); "
                        "out = F.cross_entropy(x, T.tensor([0, 1]), ignore_index=0); out.backward()",
                        "x = T.tensor([[-inf, 1., 2.], [0., 1., 2.]]); "
                        "out = F.cross_entropy(x, T.tensor([0, 1]), ignore_index=0, reduction='none')",
                        "x = T.tensor([[-inf, 1., 2.], [0., 1., 2.]], requires_grad=True); "
                        "out = F.cross_entropy(x, T.tensor([0, 1]), ignore_index=0, label_smoothing=0.1); "
                        "out.backward()",
                        "x = T.tensor([[3.0]], dtype=T.float64, requires_grad=True); "
                        "out = F.cross_entropy(x, T.tensor([0]), ignore_index=0); (out * out).mean().backward()",
                        "x = T.tensor([0.0, -2.0, 0.0, 1.5], requires_grad=True); "
                        "y = F.cross_entropy(x, T.tensor(0), ignore_index=0); out = T.autograd.grad(y, [x])"],
}

CASES = [pytest.param(cause, src, id=f"{cause}-{k}") for cause, srcs in CAUSES.items()
         for k, src in enumerate(srcs)]


def _look(v):
    if isinstance(v, (torch.Tensor, autograd_nb.Tensor)):
        arr = np.array(v.detach().cpu().numpy())
        return ("tensor", str(v.dtype), tuple(v.shape), v.requires_grad,
                None if v.grad_fn is None else type(v.grad_fn).__name__, arr)
    if isinstance(v, (tuple, list)):
        return tuple(_look(x) for x in v)
    return v


def run(lib, src: str):
    """What the program leaves behind: ``out`` and ``x.grad`` described, or the error."""
    ns = {"T": lib, "F": lib.nn.functional}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(SETUP + src, ns)
        except Exception as e:                        # noqa: BLE001 - compared with torch
            msg = str(e).strip()
            return ("error", type(e).__name__, msg.splitlines()[0] if msg else "")
    grad = ns["x"].grad if "x" in ns else None
    return ("ok", _look(ns["out"]), _look(grad))


def same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind == "f":
            return bool(np.allclose(a, b, rtol=1e-5, atol=1e-7, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


@pytest.mark.parametrize("cause, src", CASES)
def test_same_as_torch(cause, src):
    want, got = run(torch, src), run(autograd_nb, src)
    assert same(want, got), f"{src}\n torch:       {want}\n autograd_nb: {got}"
