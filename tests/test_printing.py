"""autograd_nb._printing must write tensors exactly as PyTorch does.

PyTorch itself is the oracle: every test builds a torch tensor, hands the same
values to ``format_tensor`` and compares with ``repr``. Print options are global
in both libraries, so a fixture restores them (and torch's default dtype) after
each test.
"""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from autograd_nb._printing import (  # noqa: E402
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)

torch_str = torch._tensor_str  # torch's printing module (has get_printoptions)


@pytest.fixture(autouse=True)
def restore_print_state():
    ours, theirs = get_printoptions(), torch_str.get_printoptions()
    default_dtype = torch.get_default_dtype()
    yield
    set_printoptions(**ours)
    torch.set_printoptions(**theirs)
    torch.set_default_dtype(default_dtype)


def set_both(**options):
    set_printoptions(**options)
    torch.set_printoptions(**options)


def ours(t, prefix="tensor(", device=None):
    """format_tensor called the way the Tensor class will call it."""
    extra = []
    if t.grad_fn is not None:
        extra.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extra.append("requires_grad=True")
    default = t.dtype in (torch.get_default_dtype(), torch.int64, torch.bool)
    return format_tensor(t.detach().numpy(), dtype_name=str(t.dtype),
                         default_dtype=default, device=device, extra=extra, prefix=prefix)


def check(t):
    assert ours(t) == repr(t)


nan, inf = math.nan, math.inf

# The scenario file shared/conformance/scenarios/repr_tensor_formats.py, with
# the text it is expected to print.
CONFORMANCE = [
    ("torch.tensor(2.0)", "tensor(2.)"),
    ("torch.tensor(1.5)", "tensor(1.5000)"),
    ("torch.tensor([4.0, 6.0, 2.0])", "tensor([4., 6., 2.])"),
    ("torch.tensor([4.0, 18.0, 4.0])", "tensor([ 4., 18.,  4.])"),
    ("torch.tensor([-1.0, 2.5, 100.0])", "tensor([ -1.0000,   2.5000, 100.0000])"),
    ("torch.tensor([[1.25, -3.0]])", "tensor([[ 1.2500, -3.0000]])"),
    ("torch.tensor([0.1, 0.2]) * 3", "tensor([0.3000, 0.6000])"),
    ("torch.tensor([1e-5, 1.0])", "tensor([1.0000e-05, 1.0000e+00])"),
    ("torch.tensor([1, 2, 3])", "tensor([1, 2, 3])"),
    ("torch.tensor([-1, 20, 3])", "tensor([-1, 20,  3])"),
    ("torch.tensor([True, False])", "tensor([ True, False])"),
    ("torch.zeros(2, 3)", "tensor([[0., 0., 0.],\n        [0., 0., 0.]])"),
    ("torch.arange(4)", "tensor([0, 1, 2, 3])"),
    ("torch.full((2,), 7.0)", "tensor([7., 7.])"),
    ("torch.tensor([])", "tensor([])"),
    ("torch.ones(2, 0)", "tensor([], size=(2, 0))"),
    ("torch.tensor(3.0, requires_grad=True)", "tensor(3., requires_grad=True)"),
    ("torch.ones(2, 2, 2)",
     "tensor([[[1., 1.],\n         [1., 1.]],\n\n        [[1., 1.],\n         [1., 1.]]])"),
]


@pytest.mark.parametrize("expr, expected", CONFORMANCE, ids=[c[0] for c in CONFORMANCE])
def test_conformance_scenario(expr, expected):
    t = eval(expr)
    assert repr(t) == expected
    assert ours(t) == expected


g = torch.Generator().manual_seed(0)

CASES = {
    # styles of float
    "zero-d int": lambda: torch.tensor(3),
    "zero-d bool": lambda: torch.tensor(True),
    "zero-d nan": lambda: torch.tensor(nan),
    "zero-d sci": lambda: torch.tensor(1e-7),
    "zero-d float64": lambda: torch.tensor(2.5, dtype=torch.float64),
    "zero-d neg zero": lambda: torch.tensor(-0.0),
    "neg zero in row": lambda: torch.tensor([-0.0, 1.0, 0.0]),
    "neg zero fixed": lambda: torch.tensor([-0.0, 1.5]),
    "all zero": lambda: torch.zeros(3),
    "nonfinite only": lambda: torch.tensor([nan, inf, -inf, 0.0]),
    "nonfinite fixed": lambda: torch.tensor([1.5, -inf, nan]),
    "nonfinite int": lambda: torch.tensor([2.0, nan, -inf]),
    "nonfinite sci": lambda: torch.tensor([1e-6, nan, inf]),
    "ratio sci": lambda: torch.tensor([1.0, 1001.0]),
    "ratio just fixed": lambda: torch.tensor([1.0, 1000.0]),
    "big sci": lambda: torch.tensor([1e9]),
    "big int": lambda: torch.tensor([1e8, 2e8]),
    "small fixed": lambda: torch.tensor([1e-4, 2e-4]),
    "rounding up": lambda: torch.tensor([9.99996, 1.0]),
    "negatives": lambda: torch.tensor([-1.5, -1000.25, 3.0]),
    "float16": lambda: torch.tensor([0.1, 2.0, 65504.0], dtype=torch.float16),
    "float16 sci": lambda: torch.tensor([1e-5, 3.0], dtype=torch.float16),
    "float16 int": lambda: torch.tensor([[1.0, -2.0]], dtype=torch.float16),
    "float64 sci": lambda: torch.tensor([1e300, 1e-300], dtype=torch.float64),
    # other dtypes
    "int8": lambda: torch.tensor([-128, 5], dtype=torch.int8),
    "int16": lambda: torch.tensor([[300, -2]], dtype=torch.int16),
    "int32": lambda: torch.tensor([7], dtype=torch.int32),
    "uint8": lambda: torch.tensor([255, 0], dtype=torch.uint8),
    "bool 2d": lambda: torch.tensor([[True], [False]]),
    "int64 big": lambda: torch.tensor([2**62, -1]),
    # empty tensors
    "empty int64": lambda: torch.tensor([], dtype=torch.int64),
    "empty bool": lambda: torch.zeros(0, dtype=torch.bool),
    "empty float16": lambda: torch.zeros(0, dtype=torch.float16),
    "empty 0x3 int": lambda: torch.zeros(0, 3, dtype=torch.int64),
    "empty 3d float64": lambda: torch.zeros(2, 0, 1, dtype=torch.float64),
    "empty requires grad": lambda: torch.zeros(0, 2, requires_grad=True),
    # nesting and wrapping
    "3d random": lambda: torch.randn(2, 3, 4, generator=g),
    "4d": lambda: torch.arange(24.0).reshape(2, 3, 2, 2),
    "5d": lambda: torch.ones(1, 2, 1, 2, 1),
    "long row": lambda: torch.arange(100),
    "long float row": lambda: torch.randn(30, generator=g),
    "wide matrix": lambda: torch.randn(3, 20, generator=g) * 1000,
    "wide 3d": lambda: torch.randn(2, 2, 25, generator=g),
    "very wide elements": lambda: torch.tensor([-1.5e-10, 1e10] * 10, dtype=torch.float64),
    # suffixes
    "dtype and grad": lambda: torch.ones(2, dtype=torch.float64, requires_grad=True),
    "grad_fn": lambda: torch.ones(2, requires_grad=True) * 2,
    "grad_fn float64": lambda: torch.ones(3, dtype=torch.float64, requires_grad=True).sum(),
    "suffix wraps": lambda: torch.arange(19, dtype=torch.int32),
    "suffix wraps late": lambda: torch.randn(7, 7, dtype=torch.float64, generator=g) * 1e5,
    "suffix after newline": lambda: torch.randn(2, 8, generator=g, dtype=torch.float16),
    # summarising
    "arange 2000": lambda: torch.arange(2000),
    "arange float": lambda: torch.arange(2000.0) * 1.5,
    "matrix 40x40": lambda: torch.randn(40, 40, generator=g),
    "matrix 2x600": lambda: torch.randn(2, 600, generator=g),
    "matrix 600x2": lambda: torch.randn(600, 2, generator=g),
    "cube 20": lambda: torch.arange(8000).reshape(20, 20, 20),
    "4d summary": lambda: torch.randn(10, 10, 10, 10, generator=g, dtype=torch.float64),
    "summary sci": lambda: torch.logspace(-8, 8, 1500),
    "summary bool": lambda: torch.arange(1500) % 3 == 0,
    "summary grad": lambda: torch.zeros(1001, requires_grad=True),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_table(make):
    check(make())


OPTION_SETS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"sci_mode": True},
    {"sci_mode": False},
    {"linewidth": 40},
    {"linewidth": 5},
    {"threshold": 10},
    {"threshold": 10, "edgeitems": 1},
    {"threshold": 10, "edgeitems": 0},
    {"edgeitems": 0},
    {"profile": "full"},
    {"profile": "short"},
    {"profile": "short", "precision": 6, "sci_mode": True},
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
@pytest.mark.parametrize("make", [
    lambda: torch.tensor([1.12345, -2.5, 1e-3]),
    lambda: torch.tensor([1e-6, 2.0, nan]),
    lambda: torch.tensor([100.0, 3.0]),
    lambda: torch.tensor(0.123456),
    lambda: torch.arange(2000),
    lambda: torch.arange(50.0).reshape(5, 10) / 7,
    lambda: torch.randn(40, 40, generator=g, dtype=torch.float64),
    lambda: torch.ones(3, 4, 5, dtype=torch.int16),
    lambda: torch.tensor([True, False] * 20),
], ids=["fixed", "sci", "int", "zero-d", "arange", "matrix", "big", "3d", "bool"])
def test_print_options(options, make):
    set_both(**options)
    assert get_printoptions() == torch_str.get_printoptions()
    check(make())


def test_printoptions_api_matches_torch():
    assert get_printoptions() == torch_str.get_printoptions()
    for kwargs in [{"profile": "full"}, {"sci_mode": True}, {"precision": 2},
                   {"profile": "short"}, {"profile": "nonsense"}, {"profile": "default"}]:
        set_both(**kwargs)
        assert get_printoptions() == torch_str.get_printoptions()
    set_both(sci_mode=True)
    set_both(precision=3)  # PyTorch quirk: not passing sci_mode resets it
    assert get_printoptions()["sci_mode"] is None


def test_printoptions_context_restores():
    before = get_printoptions()
    with printoptions(precision=1, threshold=5):
        assert get_printoptions()["precision"] == 1
        text = format_tensor(np.arange(10), dtype_name="torch.int64", default_dtype=True)
        assert text == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    assert get_printoptions() == before


def test_default_dtype_float64():
    torch.set_default_dtype(torch.float64)
    check(torch.tensor([1.5, 2.0]))
    check(torch.tensor([1.5, 2.0], dtype=torch.float32))
    check(torch.zeros(0))
    check(torch.zeros(0, dtype=torch.float32))


def test_parameter_caller_adds_header():
    p = torch.nn.Parameter(torch.randn(3, 3, generator=g))
    assert repr(p) == "Parameter containing:\n" + ours(p)


def test_prefix_sets_indentation():
    class LongPrefixName(torch.Tensor):
        pass

    for t in [torch.ones(2, 3), torch.arange(60), torch.zeros(2, 0, dtype=torch.int32)]:
        sub = t.as_subclass(LongPrefixName)
        assert ours(t, prefix="LongPrefixName(") == repr(sub)


def test_device_comes_first(monkeypatch):
    # Pretend CUDA is the default device: PyTorch then labels CPU tensors with
    # device='cpu', which lets us check where the device suffix goes.
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "cuda")
    for t in [torch.ones(2, 0, dtype=torch.int32), torch.ones(2, dtype=torch.float64,
                                                            requires_grad=True),
              torch.arange(30, dtype=torch.int16), torch.ones(3)]:
        assert ours(t, device="cpu") == repr(t)
    set_both(edgeitems=0)
    assert ours(torch.ones(3), device="cpu") == repr(torch.ones(3))


def test_device_cuda_text():
    text = format_tensor(np.zeros((2, 0), np.int32), dtype_name="torch.int32",
                         default_dtype=False, device="cuda:0", extra=["requires_grad=True"])
    assert text == "tensor([], device='cuda:0', size=(2, 0), dtype=torch.int32, requires_grad=True)"
    assert format_tensor(np.array(1.0, np.float32), dtype_name="torch.float32",
                         default_dtype=True, device="cuda:0") == "tensor(1., device='cuda:0')"


# --- random tensors, random options -----------------------------------------

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32,
          np.int64, np.uint8, np.bool_]

magnitudes = st.builds(lambda sign, mantissa, exponent: sign * mantissa * 10.0 ** exponent,
                       st.sampled_from([1.0, -1.0]), st.floats(1.0, 9.999),
                       st.integers(-6, 9))
float_elements = st.one_of(magnitudes, st.integers(-1000, 1000).map(float),
                           st.sampled_from([0.0, -0.0, 0.5, nan, inf, -inf]))


@st.composite
def tensors(draw):
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    if dtype.kind == "f":
        wide = draw(hnp.arrays(np.float64, shape, elements=float_elements))
        with np.errstate(over="ignore"):
            values = wide.astype(dtype)  # float16 overflow gives inf, as in torch
    elif dtype.kind == "b":
        values = draw(hnp.arrays(dtype, shape, elements=st.booleans()))
    else:
        info = np.iinfo(dtype)
        small = st.integers(max(info.min, -20), min(info.max, 20))
        values = draw(hnp.arrays(dtype, shape,
                                 elements=st.one_of(small, st.integers(info.min, info.max))))
    t = torch.from_numpy(values)
    if dtype.kind == "f" and draw(st.booleans()):
        t.requires_grad_(True)
    return t


print_options = st.fixed_dictionaries({
    "precision": st.integers(0, 8),
    "threshold": st.sampled_from([1000, 5, 20, 100]),
    "edgeitems": st.integers(0, 4),
    "linewidth": st.integers(10, 120),
    "sci_mode": st.sampled_from([None, None, True, False]),
})


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(t=tensors())
def test_random_tensors_default_options(t):
    check(t)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(t=tensors(), options=print_options)
def test_random_tensors_random_options(t, options):
    set_both(**options)
    check(t)
