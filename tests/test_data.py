"""autograd_nb.utils.data and autograd_nb.datasets: collation, loaders, splits, digits, IDX files."""
from __future__ import annotations

import collections
import gzip

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.datasets import MNIST, Digits, load_digits, read_idx
from autograd_nb.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset,
                                    RandomSampler, SequentialSampler, Subset, SubsetRandomSampler,
                                    TensorDataset, default_collate, default_convert, random_split)

DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]   # scikit-learn's load_digits

Point = collections.namedtuple("Point", ["x", "y"])


def _plain(obj):
    """A structure with tensors replaced by (dtype name, shape, values): comparable across libraries."""
    if hasattr(obj, "dtype") and hasattr(obj, "shape") and hasattr(obj, "tolist"):
        return ("T", str(obj.dtype).replace("torch.", ""), tuple(obj.shape), obj.tolist())
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(v) for v in obj])
    return obj


# --------------------------------------------------------------------------- collate

def _batches(lib):
    T = lib.tensor
    return {
        "tensors": [T([1.0, 2.0]), T([3.0, 4.0])],
        "pairs": [(T([1.0, 2.0]), 0), (T([3.0, 4.0]), 1)],
        "floats": [0.5, 1.5, 2.0],
        "ints": [1, 2, 3],
        "bools": [True, False],
        "mixed numbers": [1, 2.5],
        "strings": [("a", 1), ("b", 2)],
        "dicts": [{"x": T([1]), "y": 1.0}, {"x": T([2]), "y": 2.0}],
        "lists": [[1, 2, 3], [4, 5, 6]],
        "namedtuples": [Point(1, T([1.0])), Point(2, T([2.0]))],
        "numpy": [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
        "numpy scalars": [np.float32(1.5), np.float32(2.5)],
        "numpy float64 rows": [np.arange(3.0), np.ones(3)],
        "int tensors": [T(3), T(4)],
        "nested": [(T([1.0]), {"a": [1, 2]}), (T([2.0]), {"a": [3, 4]})],
    }


@pytest.mark.parametrize("name", list(_batches(anb)))
def test_default_collate_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    ours = default_collate(_batches(anb)[name])
    theirs = torch_collate(_batches(torch)[name])
    assert _plain(ours) == _plain(theirs)


def test_collate_of_tuples_gives_a_list_and_namedtuples_keep_type():
    out = default_collate([(anb.tensor([1.0]), 0), (anb.tensor([2.0]), 1)])
    assert type(out) is list and out[0].shape == (2, 1) and out[1].dtype is anb.int64
    pt = default_collate([Point(1, 2), Point(3, 4)])
    assert type(pt) is Point and pt.x.tolist() == [1, 3]


def test_collate_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    cases = [
        ("unequal lists", lambda L: [[1, 2], [3]]),
        ("unequal tensors", lambda L: [L.zeros(3), L.zeros(2)]),
        ("object", lambda L: [object(), object()]),
        ("string arrays", lambda L: [np.array(["a"]), np.array(["b"])]),
    ]
    for name, make in cases:
        with pytest.raises(Exception) as theirs:
            torch_collate(make(torch))
        with pytest.raises(Exception) as ours:
            default_collate(make(anb))
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value)), name


def test_collate_keeps_the_graph_of_samples_that_require_grad():
    w = anb.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    assert batch.grad_fn is not None and batch.shape == (2, 2)
    batch.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


def test_default_convert():
    out = default_convert((np.array([1, 2]), 3, "s"))
    assert isinstance(out, list) and isinstance(out[0], anb.Tensor) and out[1:] == [3, "s"]
    assert default_convert({"a": np.float64(2.0)})["a"].dtype is anb.float64


# --------------------------------------------------------------------------- datasets

def test_tensor_dataset():
    x, y = anb.arange(12.0).view(6, 2), anb.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.tolist() == [8.0, 9.0] and yi.item() == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, anb.arange(5))


def test_tensor_dataset_size_mismatch_matches_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(AssertionError) as theirs:
        torch.utils.data.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(AssertionError) as ours:
        TensorDataset(anb.zeros(3), anb.zeros(4))
    assert str(ours.value) == str(theirs.value)


def test_subset_and_concat():
    ds = TensorDataset(anb.arange(10))
    sub = Subset(ds, [7, 3, 5])
    assert len(sub) == 3 and sub[1][0].item() == 3
    both = ConcatDataset([sub, TensorDataset(anb.arange(100, 104))])
    assert len(both) == 7 and both.cumulative_sizes == [3, 7]
    assert [both[i][0].item() for i in range(7)] == [7, 3, 5, 100, 101, 102, 103]
    assert both[-1][0].item() == 103
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        both[-8]
    assert len(sub + sub) == 6
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])


def test_dataset_base_class():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__."):
        Dataset()[0]


# --------------------------------------------------------------------------- loader

def _range_ds(n):
    return TensorDataset(anb.arange(n))


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (5, 8, False),
                                       (5, 8, True), (1, 1, False)])
def test_loader_len_and_batches_match_torch(n, bs, drop):
    torch = pytest.importorskip("torch")
    ours = DataLoader(_range_ds(n), batch_size=bs, drop_last=drop)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(n)),
                                         batch_size=bs, drop_last=drop)
    assert len(ours) == len(theirs)
    assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]
    assert len(iter(ours)) == len(ours)


def test_shuffle_is_repeatable_with_a_seeded_generator():
    def epochs(seed, n_epochs=3):
        loader = DataLoader(_range_ds(20), batch_size=6, shuffle=True,
                            generator=anb.Generator().manual_seed(seed))
        return [[i for (b,) in loader for i in b.tolist()] for _ in range(n_epochs)]

    a, b, c = epochs(0), epochs(0), epochs(1)
    assert a == b and a != c
    assert a[0] != a[1]                              # a new order each epoch
    assert all(sorted(e) == list(range(20)) for e in a)


def test_shuffle_follows_manual_seed():
    def order():
        return [i for (b,) in DataLoader(_range_ds(15), batch_size=4, shuffle=True) for i in b.tolist()]
    anb.manual_seed(3)
    first = order()
    anb.manual_seed(3)
    assert order() == first and sorted(first) == list(range(15))


def test_drop_last():
    loader = DataLoader(_range_ds(10), batch_size=4, shuffle=True, drop_last=True,
                        generator=anb.Generator().manual_seed(0))
    sizes = [len(b[0]) for b in loader]
    assert sizes == [4, 4] and len(loader) == 2


def test_fast_path_equals_sample_by_sample_collation():
    rng = np.random.default_rng(0)
    x = anb.tensor(rng.standard_normal((23, 2, 3)).astype(np.float32))
    y = anb.tensor(rng.integers(0, 5, 23))
    ds = Subset(TensorDataset(x, y), list(range(3, 23)))
    fast = DataLoader(ds, batch_size=6, shuffle=True, generator=anb.Generator().manual_seed(5))
    slow = DataLoader(ds, batch_size=6, shuffle=True, generator=anb.Generator().manual_seed(5),
                      collate_fn=lambda b: default_collate(b))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype is sx.dtype and fy.dtype is sy.dtype is anb.int64
        np.testing.assert_array_equal(fx._data, sx._data)
        np.testing.assert_array_equal(fy._data, sy._data)


def test_samplers_and_batch_sampler():
    ds = _range_ds(10)
    seq = DataLoader(ds, sampler=SequentialSampler(ds), batch_size=5)
    assert [b[0].tolist() for b in seq] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    custom = DataLoader(ds, batch_sampler=[[9, 0], [4]])
    assert [b[0].tolist() for b in custom] == [[9, 0], [4]] and len(custom) == 2
    sub = DataLoader(ds, sampler=SubsetRandomSampler([1, 2, 3], generator=anb.Generator().manual_seed(0)),
                     batch_size=3)
    assert sorted(next(iter(sub))[0].tolist()) == [1, 2, 3]
    bs = BatchSampler(SequentialSampler(range(7)), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    rs = RandomSampler(range(5), replacement=True, num_samples=12, generator=anb.Generator().manual_seed(0))
    draws = list(rs)
    assert len(draws) == 12 and all(0 <= d < 5 for d in draws)
    more = list(RandomSampler(range(4), num_samples=6))    # a whole permutation, then 2 more
    assert len(more) == 6 and sorted(more[:4]) == [0, 1, 2, 3]


def test_no_batching_and_lists_from_a_plain_dataset():
    class Squares(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": np.array([i, i * i]), "label": i}

    samples = list(DataLoader(Squares(), batch_size=None))
    assert len(samples) == 4 and samples[2]["x"].tolist() == [2, 4] and samples[2]["label"] == 2
    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].tolist() == [[0, 0], [1, 1], [2, 4]] and batch["label"].tolist() == [0, 1, 2]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    loader = DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError):
        len(loader)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)


def test_workers_and_pin_memory_are_accepted():
    loader = DataLoader(_range_ds(5), batch_size=2, num_workers=2, pin_memory=True,
                        persistent_workers=True, prefetch_factor=2)
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3], [4]]


LOADER_ERRORS = {
    "workers": dict(num_workers=-1),
    "timeout": dict(timeout=-1),
    "prefetch": dict(prefetch_factor=2),
    "persistent": dict(persistent_workers=True),
    "sampler and shuffle": dict(sampler=[0, 1], shuffle=True),
    "batch_sampler and batch_size": dict(batch_sampler=[[0]], batch_size=2),
    "batch_size None and drop_last": dict(batch_size=None, drop_last=True),
    "batch size zero": dict(batch_size=0),
}


@pytest.mark.parametrize("name", list(LOADER_ERRORS))
def test_loader_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(4)), **LOADER_ERRORS[name])
    with pytest.raises(Exception) as ours:
        DataLoader(_range_ds(4), **LOADER_ERRORS[name])
    assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


def test_loader_attributes_are_frozen():
    loader = DataLoader(_range_ds(4), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3


def test_tqdm_progress_bar_knows_the_length():
    tqdm = pytest.importorskip("tqdm")
    loader = DataLoader(_range_ds(10), batch_size=3)
    bar = tqdm.tqdm(loader, disable=True)
    assert bar.total == 4 and len(list(bar)) == 4


# --------------------------------------------------------------------------- random_split

def test_random_split_counts_and_fractions_match_torch_sizes():
    torch = pytest.importorskip("torch")
    for n, lengths in ((10, [3, 7]), (10, [0.5, 0.5]), (11, [0.3, 0.3, 0.4]), (7, [0.1, 0.9]),
                       (100, [0.8, 0.1, 0.1])):
        ours = random_split(_range_ds(n), lengths, generator=anb.Generator().manual_seed(0))
        theirs = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        everything = sorted(i for s in ours for i in s.indices)
        assert everything == list(range(n))


def test_random_split_is_repeatable_and_checks_lengths():
    a = random_split(_range_ds(30), [10, 20], generator=anb.Generator().manual_seed(42))
    b = random_split(_range_ds(30), [10, 20], generator=anb.Generator().manual_seed(42))
    c = random_split(_range_ds(30), [10, 20], generator=anb.Generator().manual_seed(43))
    assert [s.indices for s in a] == [s.indices for s in b] != [s.indices for s in c]
    assert a[0][0][0].item() == a[0].indices[0]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(_range_ds(5), [2, 2])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(_range_ds(5), [0.5, 1.5, -1.0])
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        random_split(_range_ds(2), [0.5, 0.5, 0.0])


# --------------------------------------------------------------------------- digits

def test_digits_counts_labels_and_values():
    ds = Digits()
    assert len(ds) == 1797
    assert np.bincount(ds.targets._data).tolist() == DIGIT_COUNTS
    assert ds.data.dtype is anb.uint8 and ds.data.shape == (1797, 8, 8)
    assert int(ds.data._data.astype(np.int64).sum()) == 561718          # unchanged pixel data
    assert ds.data._data[0].tolist()[1] == [0, 0, 13, 15, 10, 15, 5, 0]
    assert ds.targets._data[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    image, label = ds[5]
    assert image.shape == (1, 8, 8) and image.dtype is anb.float32 and label == 5 and type(label) is int
    assert 0.0 <= image._data.min() and image._data.max() <= 1.0
    raw, _ = Digits(normalize=False)[0]
    assert raw._data.max() == 15.0 and raw._data.min() == 0.0
    assert "Number of datapoints: 1797" in repr(ds)


def test_digits_train_test_split():
    from autograd_nb.datasets import _digits_split
    train, test = Digits(train=True), Digits(train=False)
    assert (len(train), len(test)) == (1442, 355)
    assert all(np.bincount(t.targets._data, minlength=10).min() > 30 for t in (train, test))
    labels = Digits().targets._data
    tr, te = _digits_split(labels, True), _digits_split(labels, False)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(1797))
    np.testing.assert_array_equal(train.data._data, Digits().data._data[tr])
    np.testing.assert_array_equal(test.targets._data, labels[te])


def test_digits_transforms_and_loader():
    flat = Digits(train=False, transform=lambda x: x.flatten(), target_transform=lambda y: y + 100)
    x, y = flat[0]
    assert x.shape == (64,) and y == 100 + Digits(train=False)[0][1]
    plain = Digits(train=False)
    fast = DataLoader(plain, batch_size=50)
    slow = DataLoader(plain, batch_size=50, collate_fn=lambda b: default_collate(b))
    (fx, fy), (sx, sy) = next(iter(fast)), next(iter(slow))
    assert fx.shape == (50, 1, 8, 8) and fy.dtype is anb.int64
    np.testing.assert_array_equal(fx._data, sx._data)
    np.testing.assert_array_equal(fy._data, sy._data)
    assert len(fast) == 8


def test_load_digits():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype is anb.float32 and y.dtype is anb.int64
    assert float(x._data.max()) == 1.0
    raw, _ = load_digits(normalize=False, flatten=False)
    assert raw.shape == (1797, 8, 8) and float(raw._data.max()) == 16.0


# --------------------------------------------------------------------------- IDX / MNIST

def _write_idx(path, array, code, compress=False):
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(payload)


@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                        (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, code, compress):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = tmp_path / ("x.idx" + (".gz" if compress else ""))
    _write_idx(path, array, code, compress)
    out = read_idx(path)
    assert out.shape == array.shape and out._data.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out._data, array)


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x12\x34\x08\x01\x00\x00\x00\x01\x00")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(bad)
    short = tmp_path / "short"
    _write_idx(short, np.zeros((4,), np.uint8), 0x08)
    short.write_bytes(short.read_bytes()[:-1])
    with pytest.raises(ValueError, match="IDX header says shape"):
        read_idx(short)


def _fake_mnist(folder, n_train=6, n_test=4, compress=False):
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        suffix = ".gz" if compress else ""
        _write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, 0x08, compress)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, 0x08, compress)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_idx_files(tmp_path, compress):
    arrays = _fake_mnist(tmp_path, compress=compress)
    train, test = MNIST(tmp_path), MNIST(tmp_path, train=False)
    assert (len(train), len(test)) == (6, 4)
    image, label = train[2]
    assert image.shape == (1, 28, 28) and image.dtype is anb.float32 and type(label) is int
    np.testing.assert_allclose(image._data[0], arrays["train"][0][2] / 255.0, rtol=1e-6)
    assert label == int(arrays["train"][1][2])
    assert test.targets.tolist() == arrays["t10k"][1].tolist()
    xb, yb = next(iter(DataLoader(train, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.tolist() == arrays["train"][1][:4].tolist()


def test_mnist_finds_torchvision_layout(tmp_path):
    _fake_mnist(tmp_path / "MNIST" / "raw")
    assert len(MNIST(tmp_path)) == 6


def test_mnist_missing_files_error_names_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*train-labels-idx1-ubyte"):
        MNIST(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte") as e:
        MNIST(tmp_path, train=False, download=True)
    assert "never downloads" in str(e.value)


# --------------------------------------------------------------------------- end to end

def test_train_a_small_mlp_on_digits():
    """DataLoader + Adam + StepLR + plain tensor ops learn the digits (>= 90 % held out)."""
    anb.manual_seed(0)
    rng = np.random.default_rng(0)
    train, test = Digits(train=True), Digits(train=False)
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=anb.Generator().manual_seed(0))
    w1 = anb.tensor(rng.standard_normal((64, 32)).astype(np.float32) * 0.2, requires_grad=True)
    b1 = anb.zeros(32, requires_grad=True)
    w2 = anb.tensor(rng.standard_normal((32, 10)).astype(np.float32) * 0.2, requires_grad=True)
    b2 = anb.zeros(10, requires_grad=True)
    params = [w1, b1, w2, b2]
    opt = anb.optim.Adam(params, lr=0.01)
    sched = anb.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    eye = np.eye(10, dtype=np.float32)

    def logits(x):
        return (x.flatten(1) @ w1 + b1).relu() @ w2 + b2

    for _ in range(8):
        for xb, yb in loader:
            z = logits(xb)
            log_probs = z - z.exp().sum(1, keepdim=True).log()
            loss = -(anb.tensor(eye[yb.numpy()]) * log_probs).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    with anb.no_grad():
        xt, yt = next(iter(DataLoader(test, batch_size=len(test))))
        predicted = logits(xt).numpy().argmax(1)
    accuracy = float((predicted == yt.numpy()).mean())
    assert accuracy >= 0.9, accuracy
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in params]
    assert sched.get_last_lr() == [0.01 * 0.25]
