"""autograd: grad modes, the backward engine, nodes and saved buffers.

``torch.autograd`` in PyTorch; here ``autograd_nb.autograd``.
"""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, is_multithreading_enabled, no_grad,
                        set_grad_enabled, set_multithreading_enabled)
from .functional import backward, grad  # noqa: F401
from .node import Node, saved_bytes  # noqa: F401
from .function import Function, FunctionCtx, InplaceFunction, once_differentiable  # noqa: F401
from .variable import Variable  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from .view_tracking import _force_original_view_tracking, is_view_replay_enabled  # noqa: F401
from .node import SavedTensor  # noqa: F401
from . import graph, functional  # noqa: F401


__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "Node", "graph", "Function",
           "FunctionCtx", "once_differentiable", "detect_anomaly", "set_detect_anomaly",
           "gradcheck", "gradgradcheck", "GradcheckError", "functional", "Variable",
           "InplaceFunction", "set_multithreading_enabled", "is_multithreading_enabled",
           "is_view_replay_enabled", "SavedTensor"]


def __getattr__(name: str):
    if name == "torch":                              # torch.autograd.torch: the package itself
        import autograd_nb
        return autograd_nb
    if name == "profiler":                           # loads the op wrappers only when asked for
        import importlib
        return importlib.import_module(f"{__name__}.profiler")
    raise AttributeError(f"autograd_nb does not implement torch.autograd.{name} yet")
