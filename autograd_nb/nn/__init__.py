"""``torch.nn``: modules, parameters, layers, losses, ``functional`` and ``init``.

Build models by subclassing ``nn.Module`` (or stacking layers in ``nn.Sequential``);
their ``parameters()`` go to an optimizer. Every layer here computes with the
differentiable ops of autograd_nb, so its graph (``grad_fn`` names included) is
the one PyTorch records.
"""
from . import functional, init
from .activation import (CELU, ELU, GELU, SELU, CosineSimilarity, PReLU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid,
                         LogSoftmax, Mish, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softsign,
                         Tanh, Tanhshrink, Threshold, GLU, Hardshrink, Softshrink, PairwiseDistance,
                         RReLU)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .dropout import Dropout, Dropout1d, Dropout2d
from .padding import (CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ConstantPad3d,
                      ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, ZeroPad1d,
                      ZeroPad2d, ZeroPad3d, ReflectionPad3d, ReplicationPad3d, CircularPad3d)
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss,
                   CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss,
                   MultiLabelSoftMarginLoss, PoissonNLLLoss, TripletMarginLoss, MultiLabelMarginLoss,
                   MultiMarginLoss, SoftMarginLoss, TripletMarginWithDistanceLoss, CTCLoss)
from .module import Module
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d,
                            InstanceNorm3d, LayerNorm, RMSNorm)
from .parameter import Buffer, Parameter
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .attention import (MultiheadAttention, NonDynamicallyQuantizableLinear, Transformer,
                        TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                        TransformerEncoderLayer)
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,
                   LazyConvTranspose2d, LazyConvTranspose3d, LazyLinear, LazyBatchNorm3d,
                   LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d,
                   UninitializedBuffer, UninitializedParameter)
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .sparse import Embedding, EmbeddingBag
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .fold import Fold, Unfold
from .dropout_more import AlphaDropout, Dropout3d, FeatureAlphaDropout
from .channelshuffle import ChannelShuffle, Softmax2d
from .local_response_norm import LocalResponseNorm
from .pooling3d import AdaptiveAvgPool3d, AvgPool3d
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .cross_map_lrn import CrossMapLRN2d
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions
from .loss import NLLLoss2d
from .pooling_more import (FractionalMaxPool2d, FractionalMaxPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool3d,
                           MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)
from . import utils

__all__ = [
    "Module", "Parameter", "Buffer", "Sequential", "ModuleList", "ModuleDict", "Linear", "Bilinear", "Identity",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Flatten", "Unflatten", "ReLU",
    "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "Hardtanh", "ReLU6", "LogSigmoid", "Softmin", "SELU", "CELU",
    "Threshold", "PReLU", "Mish", "Hardswish", "Hardsigmoid", "Softsign", "Tanhshrink", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Dropout", "Dropout1d", "Dropout2d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
    "ReplicationPad2d", "CircularPad1d", "CircularPad2d", "BatchNorm1d",
    "BatchNorm2d", "LayerNorm", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "Embedding", "EmbeddingBag", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "CosineSimilarity", "CrossEntropyLoss",
    "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "functional", "init", "utils",
    "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
    "UninitializedParameter", "UninitializedBuffer", "RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
    "GRUCell", "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
    "TransformerDecoderLayer", "TransformerDecoder", "Transformer", "GLU", "Hardshrink", "Softshrink",
    "GroupNorm", "PixelShuffle", "PixelUnshuffle", "ParameterList", "ParameterDict", "PairwiseDistance",
    "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "PoissonNLLLoss", "GaussianNLLLoss",
    "MultiLabelSoftMarginLoss", "TripletMarginLoss", "MultiLabelMarginLoss", "MultiMarginLoss", "SoftMarginLoss",
    "TripletMarginWithDistanceLoss", "CTCLoss", "RReLU",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "Fold", "Unfold",
    "AlphaDropout", "FeatureAlphaDropout", "Dropout3d", "ChannelShuffle", "Softmax2d",
    "LocalResponseNorm", "AvgPool3d", "AdaptiveAvgPool3d",
    "AdaptiveLogSoftmaxWithLoss", "LinearCrossEntropyLoss", "LinearCrossEntropyOptions", "NLLLoss2d",
    "BatchNorm3d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d", "MaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d",
    "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "RNNCellBase", "FractionalMaxPool2d", "FractionalMaxPool3d",
    "CrossMapLRN2d",
]
