"""``torch.backends``: which accelerated backends exist, answered truthfully.

autograd_nb computes with numpy on the cpu and, with CuPy installed and a GPU
present, with CuPy on ``cuda``. It has no cuDNN, no Apple MPS, no MKL-DNN: those
report unavailable. The flags tutorials set (``cudnn.benchmark = True``,
``cudnn.deterministic = True``) are accepted and change nothing here.
"""
from __future__ import annotations

import types

__all__ = ["cuda", "cudnn", "mps", "mkl", "mkldnn", "openmp", "cpu"]


def _cuda_built() -> bool:
    from . import _backend as B
    return B.cupy_or_none() is not None


cudnn = types.SimpleNamespace(
    enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
    is_available=lambda: False, version=lambda: None,
    __doc__="No cuDNN here: is_available() is False; the flags are accepted and ignored.")
mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False,
                            __doc__="Apple's Metal backend: not available in autograd_nb.")
cuda = types.SimpleNamespace(
    is_built=_cuda_built, matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True),
    __doc__="is_built(): whether CuPy (autograd_nb's cuda path) can be imported.")
mkl = types.SimpleNamespace(is_available=lambda: False)
mkldnn = types.SimpleNamespace(is_available=lambda: False, enabled=False)
openmp = types.SimpleNamespace(is_available=lambda: False)
cpu = types.SimpleNamespace(get_cpu_capability=lambda: "DEFAULT",
                            __doc__="numpy's kernels, whatever SIMD numpy itself uses.")
