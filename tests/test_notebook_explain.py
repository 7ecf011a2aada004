"""The explanations catalog: every entry matches the real error, raised by autograd_nb and
by PyTorch itself (whose wording autograd_nb copies)."""
from __future__ import annotations

import string

import pytest

import autograd_nb as anb
from autograd_nb.notebook.catalog import CATALOG
from autograd_nb.notebook.explain import Explanation, explain, user_line


def _second_backward(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward()
    y.backward()


def _inplace(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def _inference_saved(t):
    with t.inference_mode():
        a = t.tensor([1.0, 2.0])
    x = t.tensor([1.0, 2.0], requires_grad=True)
    x * a


def _inference_inplace(t):
    with t.inference_mode():
        a = t.ones(2)
    a.add_(1)


def _inference_requires_grad(t):
    with t.inference_mode():
        a = t.ones(2)
    a.requires_grad_()


def _multi_view(t):
    y = t.ones(2, 2, requires_grad=True) * 1
    a, _ = y.unbind(0)
    a.mul_(2)


# key -> a function of the torch-like module that raises the error
CASES = {
    "second_backward": _second_backward,
    "inplace_modified": _inplace,
    "nonscalar_backward": lambda t: (t.tensor([1.0, 2.0], requires_grad=True) * 2).backward(),
    "no_grad_fn": lambda t: (t.tensor([1.0, 2.0]) * 2).sum().backward(),
    "inference_saved": _inference_saved,
    "int_requires_grad": lambda t: t.tensor([1, 2], requires_grad=True),
    "numpy_requires_grad": lambda t: t.tensor([1.0], requires_grad=True).numpy(),
    "nonleaf_requires_grad": lambda t: setattr(t.tensor([1.0], requires_grad=True) * 2,
                                               "requires_grad", False),
    "leaf_inplace": lambda t: t.tensor([1.0], requires_grad=True).add_(1),
    "multi_view_inplace": _multi_view,
    "broadcast_mismatch": lambda t: t.ones(3) + t.ones(4),
    "matmul_shapes": lambda t: t.ones(2, 3) @ t.ones(4, 5),
    "dot_size": lambda t: t.ones(3) @ t.ones(4),
    "mv_size": lambda t: t.ones(2, 3) @ t.ones(4),
    "dtype_mismatch": lambda t: t.ones(2, 3) @ t.ones(3, 2, dtype=t.float64),
    "cat_sizes": lambda t: t.cat([t.ones(2, 3), t.ones(3, 2)]),
    "bool_ambiguous": lambda t: bool(t.ones(3)),
    "item_many": lambda t: t.ones(3).item(),
    "inference_inplace": _inference_inplace,
    "inference_requires_grad": _inference_requires_grad,
    "retain_grad_no_grad": lambda t: t.ones(2).retain_grad(),
    "hook_no_grad": lambda t: t.ones(2).register_hook(lambda g: g),
    "view_stride": lambda t: t.ones(2, 3).t().view(6),
    "shape_invalid": lambda t: t.ones(2, 3).view(4),
    "grad_unused": lambda t: t.autograd.grad(
        (t.ones(2, requires_grad=True) * 2).sum(), [t.ones(2, requires_grad=True)]),
    "inputs_no_grad": lambda t: t.autograd.grad(
        (t.ones(2, requires_grad=True) * 2).sum(), t.ones(2)),
    "grad_shape": lambda t: (t.ones(2, requires_grad=True) * 2).backward(t.ones(3)),
    "reduce_int": lambda t: t.tensor([1, 2]).mean(),
}

# Errors that cannot be raised on this machine (no GPU) or only by autograd_nb: their
# PyTorch wording, written out.
LITERAL = {
    "device_mismatch": RuntimeError("Expected all tensors to be on the same device, but found "
                                    "at least two devices, cuda:0 and cpu!"),
    "numpy_device": TypeError("can't convert cuda:0 device type tensor to numpy. Use "
                              "Tensor.cpu() to copy the tensor to host memory first."),
    "nonreal_backward": RuntimeError("grad can be implicitly created only for real scalar "
                                     "outputs but got torch.int64"),
}


def test_every_catalog_entry_has_a_case():
    keys = [e.key for e in CATALOG]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(CASES) | set(LITERAL) | {"stepper_open"}


def test_entries_use_only_fields_their_pattern_captures():
    import re
    for e in CATALOG:
        fields = set(re.compile(e.pattern).groupindex)
        if e.fill is not None:
            fields |= set(e.fill({k: "2x3" for k in fields}))
        for text in (e.what, e.why, *e.fixes):
            used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert used <= fields, (e.key, used - fields)


def _raised(fn, module):
    with pytest.raises(Exception) as info:
        fn(module)
    return info.value


def _check(exp: Explanation | None, key: str, exc: BaseException):
    assert exp is not None, f"no explanation for {type(exc).__name__}: {exc}"
    assert exp.key == key
    assert exp.error.startswith(type(exc).__name__ + ": ")
    assert "?" not in exp.what                      # every field was filled from the message
    text, html = str(exp), exp._repr_html_()
    assert exp.title in text and exp.fixes[0] in text
    assert "<ul>" in html and "<script" not in html


NOT_YET_PYTORCH_WORDED = {
    "broadcast_mismatch": "autograd_nb lets numpy's broadcast ValueError through",
}


@pytest.mark.parametrize("key", [
    pytest.param(k, marks=pytest.mark.xfail(reason=NOT_YET_PYTORCH_WORDED[k], strict=False))
    if k in NOT_YET_PYTORCH_WORDED else k for k in sorted(CASES)])
def test_explains_autograd_nb_errors(key):
    exc = _raised(CASES[key], anb)
    if isinstance(exc, (AttributeError, TypeError)) and (
            "does not implement" in str(exc) or "has no attribute" in str(exc)
            or "unsupported operand" in str(exc)):
        pytest.skip(f"autograd_nb lacks the operation yet: {exc}")
    _check(explain(exc), key, exc)


@pytest.mark.parametrize("key", sorted(CASES))
def test_explains_pytorch_errors(key):
    torch = pytest.importorskip("torch")
    exc = _raised(CASES[key], torch)
    _check(explain(exc), key, exc)


@pytest.mark.parametrize("key", sorted(LITERAL))
def test_explains_written_out_errors(key):
    _check(explain(LITERAL[key]), key, LITERAL[key])


@pytest.mark.gpu
def test_explains_a_real_device_mismatch():
    from autograd_nb import _backend
    if _backend.cupy_or_none() is None:
        pytest.skip("needs CuPy and an NVIDIA GPU")
    exc = _raised(lambda t: t.ones(2, device="cuda") + t.ones(2), anb)
    _check(explain(exc), "device_mismatch", exc)


def test_stepper_open_is_explained():
    from autograd_nb.widgets import stepper
    x = anb.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    stepper.OPEN_STEPPERS[id(y.grad_fn)] = "stepper 1"
    try:
        exc = _raised(lambda t: y.backward(), anb)
    finally:
        del stepper.OPEN_STEPPERS[id(y.grad_fn)]
    _check(explain(exc), "stepper_open", exc)


def test_details_come_from_the_message():
    exc = _raised(_inplace, anb)
    exp = explain(exc)
    assert "saved for backward at version 0" in exp.what and "now at version 1" in exp.what
    assert "output 0 of the Exp operation" in exp.what
    assert exp.node == "ExpBackward0" and exp.origin is None
    exp = explain(RuntimeError("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"))
    assert "inner sizes 3 and 4 differ" in exp.what


def test_names_label_the_failing_node():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    loss = y.sum()
    loss.backward()
    exc = _raised(lambda t: loss.backward(), anb)
    # SumBackward0 saved nothing; SigmoidBackward0 needs its freed result
    assert explain(exc, {"x": x, "y": y, "loss": loss}).node == \
        "SigmoidBackward0 (the node that computed y)"
    assert explain(exc).node == "SigmoidBackward0"


@pytest.mark.filterwarnings("ignore:Error detected in")
def test_anomaly_mode_gives_the_creating_line():
    from autograd_nb.autograd import set_detect_anomaly
    with set_detect_anomaly(True):
        x = anb.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()  # the creating line
        y.add_(1)
        exc = _raised(lambda t: y.sum().backward(), anb)
    exp = explain(exc)
    assert exp.origin.endswith("y = x.exp()  # the creating line")
    assert not any("--anomaly" in f for f in exp.fixes)


def test_user_line_skips_autograd_nb_frames():
    import os
    pkg = os.path.dirname(anb.__file__)
    trace = (f'  File "/home/me/train.py", line 7, in <module>\n    loss = model(x)\n'
             f'  File "{pkg}/_tensor.py", line 90, in __mul__\n    return mul(self, other)\n')
    assert user_line(trace) == "line 7: loss = model(x)"
    assert user_line(f'  File "{pkg}/ops/_core.py", line 1, in f\n    x\n') is None


def test_unknown_errors_have_no_explanation():
    assert explain(ZeroDivisionError("division by zero")) is None
    assert explain(ValueError("grad can be implicitly created only for scalar outputs")) is None
