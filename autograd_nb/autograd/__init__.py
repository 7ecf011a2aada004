"""autograd: grad modes, the backward engine, nodes and saved buffers.

``torch.autograd`` in PyTorch; here ``autograd_nb.autograd``.
"""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from .functional import backward, grad  # noqa: F401
from .node import Node, saved_bytes  # noqa: F401
from . import graph  # noqa: F401

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "Node", "graph"]
