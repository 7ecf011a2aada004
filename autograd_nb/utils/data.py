"""Datasets and the DataLoader that cuts them into shuffled mini-batches.

* A **Dataset** answers two questions: how many samples (``len(ds)``) and what is
  sample ``i`` (``ds[i]``), typically a tuple ``(input, label)``.
* A **sampler** decides the order of the indices (in order, or shuffled).
* A **DataLoader** groups those indices into batches, fetches the samples and
  *collates* them: a list of ``(x, y)`` pairs becomes ``[stacked_x, stacked_y]``.

The usual loop::

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True)
    for epoch in range(5):
        for xb, yb in loader:        # xb: (64, ...) tensor, yb: (64,) tensor
            ...

Everything runs in the main process: ``num_workers`` is accepted for compatibility
but samples are always loaded here, one batch after another (numpy indexing is fast
enough for the data sets a course uses). ``pin_memory`` is accepted and ignored.
"""
from __future__ import annotations

import bisect
import itertools
import math
import warnings
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .. import _backend as B
from .. import random as _random
from .._random_tensors import randperm
from ..random import Generator, default_generator
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._collate import default_collate, default_convert
from ._samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                        SubsetRandomSampler, WeightedRandomSampler)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler",
    "DataLoader", "default_collate", "default_convert", "get_worker_info",
]


# --------------------------------------------------------------------------- datasets

class Dataset:
    """A map-style data set: implement ``__getitem__(i)`` and ``__len__()``.

    ``ds1 + ds2`` concatenates two data sets.
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A data set you iterate over (a stream) instead of indexing: implement ``__iter__``."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")


class TensorDataset(Dataset):
    """Samples are rows: ``ds[i] == (t0[i], t1[i], ...)``. All tensors need the same first size."""

    def __init__(self, *tensors: Tensor) -> None:
        if not all(tensors[0].size(0) == t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)

    def _collated_batch(self, indices: Sequence[int]) -> list[Tensor] | None:
        """What ``default_collate`` would build for these rows, by one numpy index per tensor."""
        if STATE.grad_enabled and any(t._requires_grad for t in self.tensors):
            return None                     # keep the graph: go sample by sample
        return [_rows(t, indices) for t in self.tensors]


def _rows(t: Tensor, indices: Sequence[int]) -> Tensor:
    """A new tensor holding rows ``indices`` of ``t`` (a copy, as stacking would give)."""
    idx = np.asarray(indices, dtype=np.int64)
    if not t.is_cpu:
        idx = B.to_device(idx, t.device)
    return Tensor._wrap(t._data[idx])


class Subset(Dataset):
    """The samples of ``dataset`` at positions ``indices``, renumbered from 0."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        inner = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)

    def _collated_batch(self, indices: Sequence[int]) -> Any:
        fast = getattr(self.dataset, "_collated_batch", None)
        return None if fast is None else fast([self.indices[i] for i in indices])


class ConcatDataset(Dataset):
    """Several data sets one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into parts of the given sizes (non-overlapping Subsets).

    ``lengths`` are counts that add up to ``len(dataset)``, or fractions that add up
    to 1 (``[0.8, 0.2]``): each part gets ``floor(n * fraction)`` samples and the few
    left over go one each to the first parts. Pass a seeded ``generator`` for a
    split that repeats.
    """
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.")
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(sum(lengths), generator=generator or default_generator).tolist()
    ends = list(itertools.accumulate(lengths))
    return [Subset(dataset, order[end - size:end]) for end, size in zip(ends, lengths)]


def get_worker_info() -> None:
    """Always None: every sample is loaded in the main process here."""
    return None


# --------------------------------------------------------------------------- the loader

class DataLoader:
    """Iterate over ``dataset`` in mini-batches.

    * ``batch_size``: samples per batch (``None``: no batching, one sample at a time).
    * ``shuffle``: a new random order every epoch; ``generator`` (an
      ``autograd_nb.Generator``) makes it repeatable.
    * ``drop_last``: skip the last batch when it would be smaller than ``batch_size``.
    * ``sampler`` / ``batch_sampler``: your own order of indices / of index lists.
    * ``collate_fn``: how a list of samples becomes a batch (``default_collate``).

    ``len(loader)`` is the number of batches, so ``tqdm(loader)`` shows a progress bar.
    ``num_workers``, ``pin_memory``, ``timeout``, ``worker_init_fn``,
    ``prefetch_factor`` and ``persistent_workers`` are accepted so PyTorch code runs
    unchanged, but loading always happens in the main process.
    """

    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let num_workers "
                "> 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._iterable = iterable
        self._auto_collation = batch_size is not None or batch_sampler is not None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._FROZEN and self.__dict__.get("_initialized"):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        object.__setattr__(self, name, value)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)                 # TypeError if the stream has no length
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self) -> "_LoaderIter":
        return _LoaderIter(self, self._batches())

    def _fetch(self, indices: list[int]) -> Any:
        """One batch: fetch the samples at ``indices`` and collate them."""
        ds = self.dataset
        if self.collate_fn is default_collate:
            fast = getattr(ds, "_collated_batch", None)
            if fast is not None:
                batch = fast(indices)
                if batch is not None:
                    return batch
        many = getattr(ds, "__getitems__", None)
        samples = many(indices) if callable(many) else [ds[i] for i in indices]
        return self.collate_fn(samples)

    def _batches(self) -> Iterator[Any]:
        if self._iterable:
            stream = iter(self.dataset)
            if not self._auto_collation:
                for sample in stream:
                    yield self.collate_fn(sample)
                return
            while True:
                chunk = list(itertools.islice(stream, self.batch_size))
                if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                    return
                yield self.collate_fn(chunk)
        elif self._auto_collation:
            for indices in self.batch_sampler:
                yield self._fetch(list(indices))
        else:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])


class _LoaderIter:
    """One pass over a DataLoader (``iter(loader)``); knows how many batches remain in total."""

    def __init__(self, loader: DataLoader, batches: Iterator[Any]) -> None:
        self._loader = loader
        self._batches = batches
        # PyTorch draws a base seed for worker processes here (one int64 from the loader's
        # generator), even with no workers: drawing it too keeps the random stream in step.
        self._base_seed = int(_random.full_range(_random._gen(loader.generator), 1, np.dtype(np.int64))[0])

    def __iter__(self) -> "_LoaderIter":
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)
