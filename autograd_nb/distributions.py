"""``torch.distributions``: ``Normal``, ``Bernoulli`` and ``Categorical``.

Each distribution can draw samples (``sample``, from PyTorch's random stream, so a
seeded draw gives PyTorch's numbers), score values (``log_prob``) and report its
``entropy``, ``mean`` and ``variance``. ``Normal.rsample`` is the reparameterised
sample ``loc + eps * scale``: gradients flow into ``loc`` and ``scale`` through it --
the trick behind variational autoencoders, and a neat autograd lesson. ``sample``
records nothing (it runs under ``no_grad``).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import _backend as B
from ._tensor import Size, Tensor
from .autograd.grad_mode import no_grad

__all__ = ["Distribution", "Normal", "Bernoulli", "Categorical"]


def _as_tensor(v: Any) -> Tensor:
    from ._creation import tensor
    return v if isinstance(v, Tensor) else tensor(float(v), dtype=B.get_default_dtype())


def _broadcast(*values: Any) -> list[Tensor]:
    """The values as tensors of one common shape (expanded views, as broadcasting sees them)."""
    ts = [_as_tensor(v) for v in values]
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in ts))
    return [t if tuple(t.shape) == shape else t.expand(shape) for t in ts]


def _eps(t: Tensor) -> float:
    return float(np.finfo(t.dtype.np).eps)


class Distribution:
    """What every distribution shares: shapes, argument checks and the printed form."""

    arg_constraints: dict[str, str] = {}
    has_rsample = False

    def __init__(self, batch_shape: Sequence[int] = (), validate_args: bool | None = None) -> None:
        self._batch_shape = Size(tuple(batch_shape))
        if validate_args is not False:
            for name, constraint in self.arg_constraints.items():
                if name in self.__dict__:
                    self._check(name, getattr(self, name), constraint)

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return Size(())

    def _extended_shape(self, sample_shape: Sequence[int] = ()) -> tuple[int, ...]:
        return tuple(sample_shape) + tuple(self._batch_shape) + tuple(self.event_shape)

    def _check(self, name: str, value: Tensor, constraint: str) -> None:
        d = value.detach()
        ok = {"positive": lambda: bool((d > 0).all()),
              "unit_interval": lambda: bool(((d >= 0) & (d <= 1)).all()),
              "simplex": lambda: bool((d >= 0).all()) and bool(((d.sum(-1) - 1).abs() < 1e-6).all()),
              "real": lambda: True}[constraint]()
        if not ok:
            words = {"positive": "GreaterThan(lower_bound=0.0)",
                     "unit_interval": "Interval(lower_bound=0.0, upper_bound=1.0)", "simplex": "Simplex()"}
            shape = "(" + ", ".join(map(str, value.shape)) + ("," if value.dim() == 1 else "") + ")"
            shown = repr(d.item()) if d.dim() == 0 else str(d)
            raise ValueError(f"Expected parameter {name} (Tensor of shape {shape}) of distribution "
                             f"{self!r} to satisfy the constraint {words[constraint]}, but found invalid "
                             f"values:\n{shown}")

    def __repr__(self) -> str:
        parts = []
        for name in self.arg_constraints:
            if name in self.__dict__:
                v = self.__dict__[name]
                shown = repr(v.item()) if v.dim() == 0 else (str(v) if v.numel() == 1 else str(v.size()))
                parts.append(f"{name}: {shown}")
        return f"{type(self).__name__}({', '.join(parts)})"

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()


class Normal(Distribution):
    """The normal distribution N(``loc``, ``scale``^2)."""

    arg_constraints = {"loc": "real", "scale": "positive"}
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = _broadcast(loc, scale)
        super().__init__(self.loc.shape, validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return self.scale

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Draws (no graph): ``torch.normal(loc, scale)`` expanded to the sample shape."""
        from ._random_tensors import normal
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """A differentiable draw: ``loc + eps * scale`` with ``eps`` standard normal."""
        from ._creation import empty
        shape = self._extended_shape(sample_shape)
        eps = empty(shape, dtype=self.loc.dtype, device=self.loc.device).normal_()
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        """``-(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))``."""
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Bernoulli(Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0."""

    arg_constraints = {"probs": "unit_interval", "logits": "real"}

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = _broadcast(probs)
            shape = self.probs.shape
        else:
            (self.logits,) = _broadcast(logits)
            shape = self.logits.shape
        super().__init__(shape, validate_args)

    def __getattr__(self, name: str) -> Any:
        """The other parameter, computed on first use and kept (PyTorch's lazy property)."""
        if name == "probs":
            value = self.logits.sigmoid()
        elif name == "logits":
            p = self.probs.clamp(min=_eps(self.probs), max=1 - _eps(self.probs))
            value = p.log() - (-p).log1p()
        else:
            raise AttributeError(name)
        self.__dict__[name] = value
        return value

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        from ._random_tensors import bernoulli
        with no_grad():
            return bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value: Any) -> Tensor:
        from .nn.functional import binary_cross_entropy_with_logits
        logits, value = _broadcast(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        from .nn.functional import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    """One of ``K`` categories, with probabilities ``probs`` (normalised along the last
    dimension) or ``softmax(logits)``."""

    arg_constraints = {"probs": "simplex", "logits": "real"}

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            if validate_args is not False and not bool((probs >= 0).all()):
                self._check("probs", probs, "simplex")
            param = self.probs
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            param = self.logits
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], validate_args)

    def __getattr__(self, name: str) -> Any:
        """The other parameter, computed on first use and kept (PyTorch's lazy property)."""
        if name == "probs":
            value = self.logits.softmax(-1)
        elif name == "logits":
            value = self.probs.clamp(min=_eps(self.probs), max=1 - _eps(self.probs)).log()
        else:
            raise AttributeError(name)
        self.__dict__[name] = value
        return value

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Category indices: ``multinomial`` with replacement over the flattened batch."""
        from ._random_tensors import multinomial
        n = int(np.prod(tuple(sample_shape))) if len(tuple(sample_shape)) else 1
        with no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            samples_2d = multinomial(probs_2d, n, True).T
            return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        value, log_pmf = _broadcast(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype.np).min))
        return -(logits * self.probs).sum(-1)

    @property
    def mean(self) -> Tensor:
        from ._creation import full
        return full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)
