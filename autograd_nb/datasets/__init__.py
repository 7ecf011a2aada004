"""Small image data sets for the course: handwritten digits, shipped or read from disk.

* ``Digits`` / ``load_digits``: 1797 handwritten digits as 8x8 images with pixel
  values 0..16 (the UCI "optical recognition of handwritten digits" test set, the
  same data as scikit-learn's ``load_digits``). It ships inside the package
  (``digits.npz``, 45 KB), so it works offline: see ``LICENSE-DATA.md`` for its
  source and licence.
* ``MNIST``: the classic 28x28 digits, read from the standard IDX files you already
  have (``train-images-idx3-ubyte[.gz]`` ...). Nothing is ever downloaded.
* ``read_idx``: the IDX file reader itself.

Both data sets give ``(image, label)`` samples: a float32 tensor of shape
``(1, H, W)`` (one channel, values scaled to [0, 1] unless ``normalize=False``) and
a Python int. ``transform`` / ``target_transform`` are applied to those (they get a
tensor, not a PIL image as in torchvision).
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .._tensor import Tensor
from ..utils.data import Dataset

__all__ = ["Digits", "load_digits", "MNIST", "read_idx"]

_HERE = Path(__file__).resolve().parent


class ImageClassification(Dataset):
    """Shared by the data sets here: uint8 images plus integer labels, in memory.

    ``data``: uint8 tensor ``(N, H, W)``; ``targets``: int64 tensor ``(N,)``.
    ``ds[i]`` is ``(image, label)`` with the image as float32 ``(1, H, W)`` divided
    by ``scale`` (the largest pixel value) when ``normalize``.
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, images: np.ndarray, labels: np.ndarray, scale: float, normalize: bool,
                 transform: Callable | None, target_transform: Callable | None) -> None:
        self.data = Tensor._wrap(np.ascontiguousarray(images, dtype=np.uint8))
        self.targets = Tensor._wrap(np.asarray(labels, dtype=np.int64))
        self.normalize = normalize
        self.transform = transform
        self.target_transform = target_transform
        self._scale = np.float32(scale if normalize else 1.0)

    def __len__(self) -> int:
        return int(self.data._data.shape[0])

    def _images(self, index: Any) -> np.ndarray:
        """Float32 images at ``index`` with a channel axis added (``(..., 1, H, W)``)."""
        raw = self.data._data[index]
        return (raw.astype(np.float32) / self._scale)[..., None, :, :]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        index = int(index)
        image: Any = Tensor._wrap(self._images(index))
        label: Any = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def _collated_batch(self, indices: Sequence[int]) -> list[Tensor] | None:
        """A whole batch by numpy indexing (what default_collate would build)."""
        if self.transform is not None or self.target_transform is not None:
            return None
        idx = np.asarray(indices, dtype=np.int64)
        return [Tensor._wrap(self._images(idx)), Tensor._wrap(self.targets._data[idx])]

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        lines.extend(f"    {k}: {v}" for k, v in self._repr_fields())
        return "\n".join(lines)

    def _repr_fields(self) -> list[tuple[str, Any]]:
        return []


# --------------------------------------------------------------------------- digits

def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    with np.load(_HERE / "digits.npz") as f:
        return f["images"], f["labels"]


def _digits_split(labels: np.ndarray, train: bool) -> np.ndarray:
    """The fixed train/test split: every 5th sample of each class is a test sample.

    About 80 % train (1442) / 20 % test (355), every class in both, the same on every
    machine (no random numbers involved).
    """
    position = np.zeros(len(labels), dtype=np.int64)
    for c in range(10):
        members = np.flatnonzero(labels == c)
        position[members] = np.arange(len(members))
    is_test = position % 5 == 4
    return np.flatnonzero(~is_test if train else is_test)


class Digits(ImageClassification):
    """The 8x8 handwritten digits (1797 images of 0..9, shipped with autograd_nb).

    ``train=None`` gives all 1797; ``True`` the fixed training part (1442), ``False``
    the test part (355): see ``_digits_split``. Samples are ``(image, label)`` with
    ``image`` float32 ``(1, 8, 8)`` in [0, 1] (raw 0..16 with ``normalize=False``).
    Flatten a batch with ``x.flatten(1)`` for a linear model.
    """

    def __init__(self, train: bool | None = None, transform: Callable | None = None,
                 normalize: bool = True, target_transform: Callable | None = None) -> None:
        images, labels = _digits_arrays()
        if train is not None:
            keep = _digits_split(labels, bool(train))
            images, labels = images[keep], labels[keep]
        self.train = train
        super().__init__(images, labels, 16.0, normalize, transform, target_transform)

    def _repr_fields(self) -> list[tuple[str, Any]]:
        split = {None: "All", True: "Train", False: "Test"}[self.train]
        return [("Split", split), ("Image size", "8x8, values 0..16" + (" / 16" if self.normalize else ""))]


def load_digits(normalize: bool = True, flatten: bool = True) -> tuple[Tensor, Tensor]:
    """All 1797 digits as ``(X, y)``: ``X`` float32 ``(1797, 64)`` (``(1797, 8, 8)`` with
    ``flatten=False``), scaled to [0, 1] unless ``normalize=False``; ``y`` int64 labels."""
    images, labels = _digits_arrays()
    x = images.astype(np.float32)
    if normalize:
        x /= np.float32(16.0)
    if flatten:
        x = x.reshape(len(x), -1)
    return Tensor._wrap(x), Tensor._wrap(labels.astype(np.int64))


# --------------------------------------------------------------------------- IDX / MNIST

_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _open_maybe_gzip(path: Path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def read_idx(path: str | os.PathLike) -> Tensor:
    """Read an IDX file (MNIST's format), plain or gzip-compressed, into a tensor.

    The format: two zero bytes, a type code (0x08 = uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, each
    dimension as a big-endian 32-bit integer, then the values (big-endian, row-major).
    """
    path = Path(path)
    with _open_maybe_gzip(path) as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"{path}: IDX header says shape {shape} ({count * dtype.itemsize} bytes of data) "
                         f"but the file holds {len(raw) - header}")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return Tensor._wrap(data.astype(dtype.newbyteorder("="), copy=True))


_MNIST_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find(root: Path, name: str) -> Path | None:
    """``name`` (or ``name.gz``, or the ``train-images.idx3-ubyte`` spelling) under
    ``root``, ``root/raw`` or ``root/MNIST/raw`` (torchvision's layout)."""
    dotted = name.replace("-idx", ".idx")
    for folder in (root, root / "raw", root / "MNIST" / "raw"):
        for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
            if (folder / candidate).is_file():
                return folder / candidate
    return None


class MNIST(ImageClassification):
    """MNIST from the IDX files in ``root`` (train: 60000 images, test: 10000).

    Put ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each may end in
    ``.gz``) in ``root`` (or ``root/MNIST/raw``, where torchvision keeps them).
    Nothing is downloaded. Samples are ``(image, label)``, ``image`` float32
    ``(1, 28, 28)`` in [0, 1].
    """

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False,
                 normalize: bool = True) -> None:
        self.root = Path(root).expanduser()
        self.train = bool(train)
        names = _MNIST_FILES[self.train]
        paths = [_find(self.root, n) for n in names]
        if None in paths:
            missing = [n for n, p in zip(names, paths) if p is None]
            raise FileNotFoundError(
                f"MNIST {'training' if train else 'test'} files not found under {self.root}: "
                f"expected {' and '.join(n + '[.gz]' for n in missing)} in that folder (or in "
                f"its MNIST/raw subfolder). autograd_nb never downloads data: copy the four IDX "
                f"files there first" + (" (download=True is not supported)." if download else "."))
        images, labels = (read_idx(p)._data for p in paths)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"MNIST files hold images of shape {images.shape} and labels of shape "
                             f"{labels.shape}; expected (N, H, W) and (N,)")
        super().__init__(images, labels, 255.0, normalize, transform, target_transform)

    def _repr_fields(self) -> list[tuple[str, Any]]:
        return [("Root location", str(self.root)), ("Split", "Train" if self.train else "Test")]
