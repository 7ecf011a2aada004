"""The saved-value attributes PyTorch 2.13 shows on each node class: ``grad_fn._saved_<name>``.

``Node`` turns each name into a property of the node class of the same name (reading a
saved buffer, or a value the node keeps such as ``dim``), so nodes need no
``__getattr__`` and attribute reads stay fast. A name a class saves that is not listed
here gets its property too. tests/test_node_saved_names.py checks this table against
torch and prints the up-to-date entry of any class that differs.
"""
from __future__ import annotations

TORCH_SAVED: dict[str, tuple[str, ...]] = {
    "AbsBackward0": ('self',),
    "AdaptiveAvgPool2DBackward0": ('self',),
    "AddBackward0": ('alpha',),
    "AddmmBackward0": (
        'alpha', 'beta', 'mat1', 'mat1_sym_sizes', 'mat1_sym_strides', 'mat2', 'mat2_sym_sizes',
        'mat2_sym_strides'
    ),
    "AmaxBackward0": ('dim', 'keepdim', 'result', 'self'),
    "AminBackward0": ('dim', 'keepdim', 'result', 'self'),
    "AsStridedBackward0": ('size', 'storage_offset', 'stride'),
    "AvgPool2DBackward0": (
        'ceil_mode', 'count_include_pad', 'divisor_override', 'kernel_size', 'padding', 'self',
        'stride'
    ),
    "BinaryCrossEntropyBackward0": ('reduction', 'self', 'target', 'weight'),
    "BinaryCrossEntropyWithLogitsBackward0": (
        'pos_weight', 'reduction', 'self', 'target', 'weight'
    ),
    "BmmBackward0": ('mat2', 'self'),
    "CatBackward0": ('dim',),
    "ClampBackward0": ('max', 'min', 'self'),
    "ClampBackward1": ('max', 'min', 'self'),
    "Col2ImBackward0": ('dilation', 'kernel_size', 'padding', 'stride'),
    "ConstantPadNdBackward0": ('pad',),
    "ConvolutionBackward0": (
        'bias_sym_sizes_opt', 'dilation', 'groups', 'input', 'output_padding', 'padding', 'stride',
        'transposed', 'weight'
    ),
    "CosBackward0": ('self',),
    "CumsumBackward0": ('dim',),
    "DiagonalBackward0": ('dim1', 'dim2', 'offset', 'self_sym_sizes'),
    "DiagonalBackwardBackward0": ('dim1', 'dim2', 'offset'),
    "DivBackward0": ('other', 'self'),
    "DivBackward1": ('other',),
    "DivBackward2": ('other', 'rounding_mode', 'self'),
    "DotBackward0": ('self', 'tensor'),
    "EluBackward0": ('alpha', 'input_scale', 'scale', 'self'),
    "EluBackward1": ('alpha', 'input_scale', 'result', 'scale'),
    "EmbeddingBackward0": (
        'indices', 'padding_idx', 'scale_grad_by_freq', 'sparse', 'weight_sym_argsize_0'
    ),
    "ErfBackward0": ('self',),
    "ExpBackward0": ('result',),
    "ExpandBackward0": ('self_sym_sizes',),
    "Expm1Backward0": ('result',),
    "FlipBackward0": ('dims',),
    "GatherBackward0": ('dim', 'index', 'self', 'sparse_grad'),
    "GeluBackward0": ('approximate', 'self'),
    "Im2ColBackward0": (
        'dilation', 'kernel_size', 'padding', 'self_sym_argsize_minus_1',
        'self_sym_argsize_minus_2', 'stride'
    ),
    "IndexAddBackward0": ('alpha', 'dim', 'index', 'source', 'source_dim'),
    "IndexFillBackward0": ('dim', 'index'),
    "IndexFillBackward1": ('dim', 'index'),
    "IndexBackward0": ('indices', 'self_sym_sizes'),
    "IndexPutBackward0": ('accumulate', 'indices'),
    "IndexPutImplBackward0": ('accumulate', 'indices'),
    "IndexSelectBackward0": ('dim', 'index', 'self_sym_sizes'),
    "LeakyReluBackward0": ('negative_slope', 'self'),
    "LeakyReluBackward1": ('negative_slope', 'result'),
    "LinalgVectorNormBackward0": ('dim', 'keepdim', 'ord', 'result', 'self'),
    "Log1PBackward0": ('self',),
    "LogBackward0": ('self',),
    "LogSoftmaxBackward0": ('dim', 'result'),
    "LogsumexpBackward0": ('dim', 'keepdim', 'result', 'self'),
    "MaskedFillBackward0": ('mask',),
    "MaskedFillBackward1": ('mask',),
    "MaxBackward0": ('dim', 'indices', 'keepdim', 'self_sym_sizes'),
    "MaxBackward1": ('result', 'self'),
    "MaxPool2DWithIndicesBackward0": (
        'ceil_mode', 'dilation', 'kernel_size', 'padding', 'result1', 'self', 'stride'
    ),
    "MaximumBackward0": ('other', 'self'),
    "MeanBackward0": ('self_sym_numel', 'self_sym_sizes'),
    "MeanBackward1": ('dim', 'keepdim', 'self_sym_numel', 'self_sym_sizes'),
    "MinBackward0": ('dim', 'indices', 'keepdim', 'self_sym_sizes'),
    "MinBackward1": ('result', 'self'),
    "MinimumBackward0": ('other', 'self'),
    "MmBackward0": (
        'mat2', 'mat2_sym_sizes', 'mat2_sym_strides', 'self', 'self_sym_sizes', 'self_sym_strides'
    ),
    "MseLossBackward0": ('reduction', 'self', 'target'),
    "MulBackward0": ('other', 'self'),
    "MulBackward1": ('other',),
    "MvBackward0": ('self', 'vec'),
    "NativeBatchNormBackward0": (
        'eps', 'input', 'result1', 'result2', 'running_mean', 'running_var', 'training', 'weight'
    ),
    "NativeLayerNormBackward0": (
        'bias', 'input', 'normalized_shape', 'result1', 'result2', 'weight'
    ),
    "NllLoss2DBackward0": ('ignore_index', 'reduction', 'self', 'target', 'total_weight', 'weight'),
    "NllLossBackward0": ('ignore_index', 'reduction', 'self', 'target', 'total_weight', 'weight'),
    "PermuteBackward0": ('dims',),
    "PowBackward0": ('exponent', 'self'),
    "PowBackward1": ('exponent', 'result', 'self'),
    "PowBackward2": ('exponent', 'result', 'self'),
    "ProdBackward0": ('result', 'self'),
    "ProdBackward1": ('dim', 'keepdim', 'result', 'self'),
    "ReciprocalBackward0": ('result',),
    "ReflectionPad1DBackward0": ('padding', 'self'),
    "ReflectionPad1DBackwardBackward0": ('padding',),
    "ReflectionPad2DBackward0": ('padding', 'self'),
    "ReflectionPad2DBackwardBackward0": ('padding',),
    "ReflectionPad3DBackward0": ('padding', 'self'),
    "ReflectionPad3DBackwardBackward0": ('padding',),
    "ReluBackward0": ('result',),
    "RemainderBackward1": ('other', 'self'),
    "RepeatBackward0": ('repeats', 'self_sym_sizes'),
    "ReplicationPad1DBackward0": ('padding', 'self'),
    "ReplicationPad1DBackwardBackward0": ('padding',),
    "ReplicationPad2DBackward0": ('padding', 'self'),
    "ReplicationPad2DBackwardBackward0": ('padding',),
    "ReplicationPad3DBackward0": ('padding', 'self'),
    "ReplicationPad3DBackwardBackward0": ('padding',),
    "ReshapeAliasBackward0": ('self_sym_sizes',),
    "RollBackward0": ('dims', 'shifts'),
    "RsqrtBackward0": ('result',),
    "RsubBackward1": ('alpha',),
    "ScatterAddBackward0": ('dim', 'index'),
    "ScatterBackward0": ('dim', 'index'),
    "ScatterBackward1": ('dim', 'index'),
    "ScatterReduceBackward0": (
        'dim', 'include_self', 'index', 'reduce', 'result', 'self', 'src'
    ),
    "SelectBackward0": ('dim', 'index', 'self_sym_sizes'),
    "SelectBackwardBackward0": ('dim', 'index'),
    "SigmoidBackward0": ('result',),
    "SinBackward0": ('self',),
    "SliceBackward0": ('dim', 'end', 'self_sym_sizes', 'start', 'step'),
    "SliceBackwardBackward0": ('dim', 'end', 'start', 'step'),
    "SmoothL1LossBackward0": ('beta', 'reduction', 'self', 'target'),
    "SoftmaxBackward0": ('dim', 'result'),
    "SortBackward0": ('dim', 'indices', 'self_sym_sizes'),
    "SplitBackward0": ('dim', 'self_sym_sizes', 'split_size'),
    "SplitWithSizesBackward0": ('dim', 'self_sym_sizes', 'split_sizes'),
    "SqrtBackward0": ('result',),
    "SqueezeBackward0": ('self_sym_sizes',),
    "SqueezeBackward1": ('dim', 'self_sym_sizes'),
    "SqueezeBackward2": ('dim', 'self_sym_sizes'),
    "SqueezeBackward4": ('dim', 'self_sym_sizes'),
    "StackBackward0": ('dim',),
    "StdBackward0": ('correction', 'dim', 'keepdim', 'result', 'self'),
    "SubBackward0": ('alpha',),
    "SumBackward0": ('self_sym_sizes',),
    "SumBackward1": ('dim', 'keepdim', 'self_sym_sizes'),
    "TanBackward0": ('result',),
    "TanhBackward0": ('result',),
    "TopkBackward0": ('dim', 'indices', 'self_sym_sizes'),
    "TransposeBackward0": ('dim0', 'dim1'),
    "TrilBackward0": ('diagonal',),
    "TrilinearBackward0": ('expand1', 'expand2', 'expand3', 'i1', 'i2', 'i3', 'sumdim'),
    "TriuBackward0": ('diagonal',),
    "UnbindBackward0": ('dim',),
    "UnsafeViewBackward0": ('self_sym_sizes',),
    "UnsqueezeBackward0": ('dim',),
    "VarBackward0": ('correction', 'dim', 'keepdim', 'self'),
    "ViewBackward0": ('self_sym_sizes',),
    "WhereBackward0": ('condition',),
}
