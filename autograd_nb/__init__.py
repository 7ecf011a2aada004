"""autograd_nb: PyTorch's autograd, small enough to read and made to be seen.

Use it where you would use PyTorch's autograd::

    import autograd_nb as torch
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 2).sum()
    y.backward()
    x.grad          # tensor([2., 4.])

Everything prints, fails and behaves as in PyTorch 2.x (values, reprs, grad_fn names,
errors), and everything is written in plain Python over numpy, so you can open any
op and read its forward and backward side by side.
"""
from __future__ import annotations

from typing import Any

import numpy as _np

from . import _backend
from ._backend import (bool_ as bool, device, dtype, float16, float32, float64,  # noqa: A001
                       get_default_dtype, int8, int16, int32, int64, promote_types,
                       set_default_dtype, uint8)
from ._creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                        linspace, logspace, ones, ones_like, scalar_tensor, tensor, zeros, zeros_like)
from ._printing import get_printoptions, set_printoptions
from ._tensor import Size, Tensor
from . import ops as _ops  # noqa: F401  (attaches the ops to Tensor)
from . import random
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)
from ._random_tensors import (bernoulli, multinomial, normal, rand, rand_like, randint, randint_like,
                              randn, randn_like, randperm)
from ._compat import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
                      IntTensor, LongTensor, ShortTensor, compile, e, get_default_device, inf, nan, pi,
                      range, set_default_device)
from . import _compat
from .autograd import (enable_grad, inference_mode, is_grad_enabled,
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import autograd
from .autograd.functional import is_warn_always_enabled, set_warn_always
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled
from .serialization import load, save
from .checkgrads import check_grads  # autograd_nb only: hand-made gradients vs the engine's
from ._functions import *  # noqa: F401,F403
from ._functions import __all__ as _fn_all

__version__ = "0.1.0"

# PyTorch computes 1/0 = inf and sqrt(-1) = nan without warnings; so do we.
_np.seterr(all="ignore")

float = float32          # noqa: A001  torch.float
double = float64
half = float16
long = int64
int = int32              # noqa: A001  torch.int
short = int16
cfloat = None

_SUBMODULES = ("nn", "optim", "utils", "datasets", "viz", "notebook", "cuda", "backends", "testing",
               "jit", "func", "distributions", "functional", "accelerator", "profiler", "linalg")

_compat.install_tensor_methods()
# torch.sin_(x) & co: the in-place methods as functions (whichever Tensor has)
for _name in ("abs_", "acos_", "acosh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_",
              "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "detach_", "erf_", "exp_", "exp2_",
              "expm1_", "fill_", "fix_", "floor_", "frac_", "log_", "log10_", "log1p_", "log2_", "logit_",
              "nan_to_num_", "neg_", "negative_", "reciprocal_", "relu_", "round_", "rsqrt_", "selu_",
              "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "zero_",
              "celu_", "xlogy_", "threshold_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
              "arctanh_", "as_strided_", "resize_as_"):
    if hasattr(Tensor, _name):
        globals()[_name] = getattr(Tensor, _name)
# ... and the in-place activations, which are functions only (torch.celu_ is nn.functional's)
from .nn.functional import celu_, rrelu_, selu_, threshold_  # noqa: E402
from .nn.functional import _torch_dropout_ as dropout_, _torch_feature_dropout_ as feature_dropout_  # noqa: E402

# The public classes print under the public name (``<class 'autograd_nb.Tensor'>``).
for _cls in (Tensor, Size, dtype, device, Generator):
    _cls.__module__ = __name__


def is_tensor(obj: Any) -> bool:
    """True if ``obj`` is a Tensor (or a Parameter)."""
    return isinstance(obj, Tensor)


def is_inference(input: Tensor) -> bool:
    """True for an inference tensor (made inside ``inference_mode``)."""
    return input.is_inference()


def numel(input: Tensor) -> int:
    return input.numel()


def result_type(a: Any, b: Any) -> dtype:
    """The dtype an op on ``a`` and ``b`` would produce (PyTorch's promotion rules)."""
    def key(x: Any) -> tuple:
        if isinstance(x, Tensor):
            return (x.dtype, 2 if x.ndim else 1)
        return (_backend.scalar_dtype(x), 0)
    return _backend.result_type(key(a), key(b))


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def load_ipython_extension(ip: Any) -> None:
    """``%load_ext autograd_nb``: the magics and error explanations (IPython loads lazily)."""
    from .notebook import load_ipython_extension as load
    load(ip)


def unload_ipython_extension(ip: Any) -> None:
    """``%unload_ext autograd_nb``."""
    from .notebook import unload_ipython_extension as unload
    unload(ip)


def step(loss: Any, gradient: Any = None, retain_graph: bool = False, names: Any = None) -> Any:
    """Open the backward stepper over ``loss``: the real backward, one event at a time.

    In Jupyter it shows Next / Back / Reset / Run to end, the graph with the current
    node highlighted, the gradients on every edge and the ``+=`` into each ``.grad``
    (needs ipywidgets; ``autograd_nb.widgets.step`` has the details).
    """
    from .widgets import step as _step
    if names is None:
        from .viz.snapshot import caller_namespace
        names = caller_namespace(1)
    return _step(loss, gradient, retain_graph, names=names)


def install_as_torch() -> None:
    """Make ``import torch`` give autograd_nb in this process (refused if torch is imported)."""
    from .notebook.alias import install
    install()


def uninstall_as_torch() -> None:
    """Undo :func:`install_as_torch`: ``import torch`` imports PyTorch again."""
    from .notebook.alias import uninstall
    uninstall()


def __getattr__(name: str) -> Any:
    """Submodules load on first use; anything else PyTorch has but we lack says so."""
    if name in _SUBMODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"autograd_nb does not implement torch.{name} yet "
        "(autograd_nb.supported() lists what exists)")


def supported() -> list[str]:
    """The names this package provides under ``torch.``."""
    names = {n for n in globals() if not n.startswith("_")}
    names.update(_SUBMODULES)
    return sorted(names)
