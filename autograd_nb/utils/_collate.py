"""Collation: how a list of samples becomes one batch (``default_collate``).

A batch of ``(image, label)`` pairs becomes ``[images stacked along a new first
dimension, labels as one tensor]``: the structure of a sample is kept, and the
values at each position are merged.
"""
from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._creation import tensor
from .._tensor import Tensor
from ..autograd.grad_mode import STATE

__all__ = ["default_collate", "default_convert"]


_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
_STR_OR_OBJECT = re.compile(r"[SaUO]")


def _stack(batch: Sequence[Tensor]) -> Tensor:
    first = batch[0]
    shape = first._data.shape
    for i, t in enumerate(batch):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}")
    if STATE.grad_enabled and any(t._requires_grad for t in batch):
        from .. import stack                  # differentiable stack, records a graph
        return stack(list(batch), 0)
    xp = B.xp_of(first._data)
    return Tensor._wrap(xp.stack([t._data for t in batch]))


def _from_numpy_values(values: Any) -> Tensor:
    arr = np.asarray(values)
    if arr.dtype.kind == "U" or arr.dtype.kind == "S" or arr.dtype.kind == "O":
        raise TypeError(_COLLATE_ERROR.format(arr.dtype))
    return Tensor._wrap(np.ascontiguousarray(arr))


def _rebuild_mapping(elem: Any, values: dict) -> Any:
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            out = copy.copy(elem)
            out.update(values)
            return out
        return type(elem)(values)
    except TypeError:
        return values


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into one batch, the way PyTorch's DataLoader does.

    * tensors are stacked along a new first dimension (numpy arrays become tensors first);
    * Python floats become a float64 tensor, ints an int64 tensor, bools a bool tensor;
    * strings stay a list of strings;
    * a dict is collated key by key; a tuple or list position by position
      (tuples come back as a *list*, as in PyTorch), namedtuples keep their type.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if _STR_OR_OBJECT.search(elem.dtype.str) is not None:
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return default_collate([Tensor._wrap(np.ascontiguousarray(b)) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return _from_numpy_values(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=B.float64)
    if isinstance(elem, int):                                  # bool is an int too
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {k: default_collate([d[k] for d in batch]) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                out = copy.copy(elem)
                out[:] = columns
                return out
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Without batching: numpy arrays and numbers inside ``data`` become tensors."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.bool_, np.number)):
        if isinstance(data, np.ndarray) and _STR_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return Tensor._wrap(np.ascontiguousarray(np.asarray(data)))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
