"""%%autograd --compare-torch: free-name analysis, refusals, the side-by-side panel, and a
real run against PyTorch in a fresh process."""
from __future__ import annotations

import sys

import pytest

pytest.importorskip("IPython")

from IPython.core.error import UsageError  # noqa: E402
from test_notebook_magics import ip, run, shown  # noqa: E402,F401  (the shell fixtures)

import autograd_nb as anb  # noqa: E402
from autograd_nb.autograd.grad_mode import STATE  # noqa: E402
from autograd_nb.notebook import compare  # noqa: E402
from autograd_nb.notebook._torch_side import graph_names  # noqa: E402


def test_free_names():
    src = ("import numpy as np\nfrom math import pi\na = x * w + np.ones(2)\n"
           "def f(t):\n    return t * k\nb = [i * j for i in range(3)]\nc += 1\nprint(a)")
    assert compare.free_names(src) == ["x", "w", "k", "j", "c"]


def test_earlier_variables_and_modules():
    import numpy
    ns = {"x": anb.ones(2), "np": numpy, "F": anb.autograd, "torch": anb, "k": 3}
    variables, modules = compare.earlier_variables("y = torch.exp(x) * k + np.pi + F.x", ns)
    assert variables == ["x", "k"]
    assert modules == {"torch": "torch", "np": "numpy", "F": "torch.autograd"}


def test_graph_names_nested_and_shared():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    assert graph_names(z.grad_fn) == "SumBackward0(MulBackward0(MulBackward0(AccumulateGrad, " \
                                     "None), MulBackward0))"
    assert graph_names(None) is None


def test_panel_highlights_differences():
    mine = {"printed": "tensor(1.)\n", "error": None,
            "tensors": {"y": {"grad_fn": "MulBackward0(AccumulateGrad, None)", "grad": None},
                        "x": {"grad_fn": None, "grad": "tensor([2.])"}}}
    theirs = {"printed": "tensor(1.)\n", "error": None, "torch_version": "9.9",
              "tensors": {"y": {"grad_fn": "MulBackward0(AccumulateGrad, None)", "grad": None},
                          "x": {"grad_fn": None, "grad": "tensor([3.])"}}}
    panel = compare.compare_panel(mine, theirs)
    assert panel.title == "autograd_nb vs PyTorch 9.9: 1 row(s) differ (marked)"
    assert panel.rows == [["printed output", "tensor(1.)", "tensor(1.)"],
                          ["y.grad_fn graph", "MulBackward0(AccumulateGrad, None)",
                           "MulBackward0(AccumulateGrad, None)"],
                          ["x.grad", "tensor([2.])", "tensor([3.])"]]
    assert panel.marks == {(2, 1), (2, 2)}
    assert "<mark>tensor([2.])</mark>" in panel.html()
    assert "tensor([2.]) *" in panel.text()


def test_refuses_a_cell_that_uses_earlier_variables(ip, shown, monkeypatch):
    monkeypatch.setattr(compare, "torch_available", lambda: True)
    ip.user_ns.update(torch=anb, x=anb.ones(2), k=2.0)
    result, _ = run(ip, "%%autograd --compare-torch\nran = True\ny = x * k")
    assert isinstance(result.error_in_exec, UsageError)
    assert "the cell uses x, k from earlier cells" in str(result.error_in_exec)
    assert "ran" not in ip.user_ns and shown == []


def test_refuses_without_torch(ip, shown, monkeypatch):
    monkeypatch.setattr(compare, "torch_available", lambda: False)
    result, _ = run(ip, "%%autograd --mode no_grad --compare-torch\nran = True")
    assert isinstance(result.error_in_exec, UsageError)
    assert "PyTorch is not installed" in str(result.error_in_exec)
    assert "ran" not in ip.user_ns and STATE.grad_enabled


def test_failing_cell_still_compares_and_raises(ip, shown, monkeypatch):
    monkeypatch.setattr(compare, "torch_available", lambda: True)
    monkeypatch.setattr(compare, "run_torch", lambda *a: {
        "printed": "", "tensors": {}, "error": "RuntimeError: same", "torch_version": "x"})
    result, _ = run(ip, "%%autograd --compare-torch\nimport autograd_nb as torch\n"
                        "torch.tensor([1, 2], requires_grad=True)")
    assert isinstance(result.error_in_exec, RuntimeError)
    panel = shown[0]["autograd_nb vs PyTorch"]
    assert panel.row("error")[1] == \
        "RuntimeError: Only Tensors of floating point and complex dtype can require gradients"


def test_compare_with_real_pytorch(ip, shown):
    pytest.importorskip("torch")
    ip.user_ns["torch"] = anb
    before = {k for k in sys.modules if k == "torch" or k.startswith("torch.")}
    result, cap = run(ip, "%%autograd --compare-torch --backward loss\n"
                          "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                          "y = (x * x).sin()\n"
                          "loss = y.sum()\n"
                          "print(loss)\n"
                          "y")
    assert result.success
    assert "tensor(0.0847, grad_fn=<SumBackward0>)" in cap.stdout
    panel = shown[-1]["autograd_nb vs PyTorch"]
    assert panel.title.startswith("autograd_nb vs PyTorch 2.") and panel.title.endswith("identical")
    assert panel.row("x.grad")[1:] == ["tensor([ 1.0806, -2.6146])"] * 2
    assert panel.row("loss.grad_fn graph")[1] == \
        "SumBackward0(SinBackward0(MulBackward0(AccumulateGrad, AccumulateGrad)))"
    assert panel.row("printed output")[1] == panel.row("printed output")[2] == \
        "tensor(0.0847, grad_fn=<SumBackward0>)\n" \
        "Out: tensor([ 0.8415, -0.7568], grad_fn=<SinBackward0>)"
    after = {k for k in sys.modules if k == "torch" or k.startswith("torch.")}
    assert after == before                  # real torch never entered this process
