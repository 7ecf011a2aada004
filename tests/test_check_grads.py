"""``autograd_nb.check_grads``: hand-made gradients compared with the engine's.

Each test builds a small graph, writes a gradient by hand (right, or with a learner's
usual slip) and asserts on the result's data: verdicts, shapes, the first differing
index, the broadcast hint, the names found in the caller's variables, and the colour
each graph node gets.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as torch
import autograd_nb.nn.functional as F
from autograd_nb.checkgrads import broadcast_hint, target_name


def _linear_tanh():
    torch.manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64)
    W = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0, 2, 1, 4])
    z = x @ W + b
    h = torch.tanh(z)
    loss = F.cross_entropy(h, y)
    with torch.no_grad():
        dh = (F.softmax(h, 1) - F.one_hot(y, 5)) / 4
        dz = dh * (1 - h ** 2)
        dW = x.T @ dz
        db = dz.sum(0)
    return locals()


def test_right_gradient_is_equal():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    loss = (x * 3).sum()
    dx = torch.full((3,), 3.0)
    result = torch.check_grads(loss, {"dx": dx})
    row = result["dx"]
    assert (row.verdict, row.max_abs, row.rel_err, row.first_index) == ("equal", 0.0, 0.0, None)
    assert row.target == "x" and row.shape == (3,) == row.expected_shape
    assert result.ok and result.verdicts == {"dx": "equal"}


def test_whole_chain_by_hand_is_right():
    v = _linear_tanh()
    result = torch.check_grads(v["loss"], {k: v[k] for k in ("dh", "dz", "dW", "db")},
                               names=v)
    assert result.ok, repr(result)
    assert set(result.verdicts.values()) <= {"equal", "close"}
    assert [r.target for r in result] == ["h", "z", "W", "b"]


def test_off_by_a_factor_is_wrong_with_the_first_index():
    v = _linear_tanh()
    dz = v["dz"].clone()
    dz[1, 2] *= 2                                # one element off
    result = torch.check_grads(v["loss"], {"dz": dz}, names=v)
    row = result["dz"]
    assert row.verdict == "wrong" and not result.ok
    assert row.first_index == (1, 2)
    assert row.yours == pytest.approx(2 * row.expected)
    assert row.max_abs == pytest.approx(abs(row.expected))
    assert "dz[1, 2]" in row.note

    everywhere = torch.check_grads(v["loss"], {"dz": v["dz"] * 4}, names=v)["dz"]
    assert everywhere.verdict == "wrong" and everywhere.first_index == (0, 0)
    assert "4 times autograd's everywhere" in everywhere.note


def test_forgotten_broadcast_sum_is_a_shape_mismatch():
    v = _linear_tanh()
    result = torch.check_grads(v["loss"], {"db": v["dz"]}, names=v)    # forgot .sum(0)
    row = result["db"]
    assert row.verdict == "wrong shape"
    assert row.shape == (4, 5) and row.expected_shape == (5,)
    assert row.max_abs is None and row.rel_err is None
    assert "db.sum(0)" in row.note and "your numbers are right" in row.note
    assert "4x5 (want 5)" in repr(result)
    # a stretched shape whose sum is still off, and a gradient summed too far
    off = torch.check_grads(v["loss"], {"db": v["dz"] * 3}, names=v)["db"]
    assert off.verdict == "wrong shape" and "still off" in off.note
    far = torch.check_grads(v["loss"], {"dz": v["dz"].sum(0)}, names=v)["dz"]
    assert far.verdict == "wrong shape" and "fewer elements" in far.note


def test_shape_mismatch_hint_for_a_kept_dimension():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    mu = x.mean(1, keepdim=True)                  # (3, 1), broadcast over dim 1 below
    loss = ((x - mu) ** 2).sum()
    dmu = -2 * (x - mu).detach()                  # forgot .sum(1, keepdim=True)
    row = torch.check_grads(loss, {"dmu": dmu})["dmu"]
    assert row.verdict == "wrong shape"
    assert "dmu.sum(1, keepdim=True)" in row.note
    assert broadcast_hint((2, 3, 4), (3, 1))[0] == ".sum(0).sum(1, keepdim=True)"
    assert broadcast_hint((3, 4), (5,)) is None


def test_close_is_rounding_only():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)         # float32
    loss = (x ** 2).sum()
    dx = 2 * x.detach() * (1 + 3e-7)
    assert torch.check_grads(loss, {"dx": dx})["dx"].verdict in ("close", "equal")
    dx_bad = 2 * x.detach() * (1 + 3e-3)
    assert torch.check_grads(loss, {"dx": dx_bad})["dx"].verdict == "wrong"
    # a tighter tolerance turns rounding into a mistake
    dx_near = (2 * x.detach().double() * (1 + 1e-6))
    assert torch.check_grads(loss, {"dx": dx_near}, rtol=1e-9)["dx"].verdict == "wrong"


def test_names_come_from_the_caller_variables():
    def backward_by_hand():
        a = torch.tensor([2.0, 5.0], requires_grad=True)
        s = a * a
        out = s.sum()
        ds = torch.ones(2)
        grad_a = 2 * a.detach()
        return torch.check_grads(out, {"ds": ds, "d_a": grad_a, "grad_a": grad_a})

    result = backward_by_hand()
    assert [r.target for r in result] == ["s", "a", "a"]
    assert result.ok
    assert target_name("dlogits", {"logits": torch.zeros(1)}) == "logits"
    assert target_name("dlogits", {"dlogits": torch.zeros(1)}) is None


def test_unknown_names_and_constants_are_explained():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 4.0])
    loss = (x * c).sum()
    with pytest.raises(KeyError, match="no tensor for 'dq'"):
        torch.check_grads(loss, {"dq": c})
    with pytest.raises(ValueError, match="c does not require grad"):
        torch.check_grads(loss, {"dc": x.detach()})
    # wrt names the tensor explicitly
    assert torch.check_grads(loss, {"g": c}, wrt={"g": x}).ok


def test_engine_leaves_grad_alone_and_graph_usable():
    v = _linear_tanh()
    torch.check_grads(v["loss"], {"dW": v["dW"]}, names=v)
    assert v["W"].grad is None
    v["loss"].backward()                          # the graph was retained
    assert np.allclose(v["W"].grad.numpy(), v["dW"].numpy())


def test_unused_tensor_has_zero_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([1.0], requires_grad=True)
    loss = x.sum()
    assert torch.check_grads(loss, {"dw": torch.zeros(1)})["dw"].verdict == "equal"
    row = torch.check_grads(loss, {"dw": torch.ones(1)})["dw"]
    assert row.verdict == "wrong" and "does not depend on this w" in row.note


def test_nan_in_a_hand_gradient_is_wrong():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 2).sum()
    row = torch.check_grads(loss, {"dx": torch.tensor([2.0, float("nan")])})["dx"]
    assert row.verdict == "wrong" and row.first_index == (1,)


def test_text_and_html_tables():
    v = _linear_tanh()
    result = torch.check_grads(v["loss"], {"dz": v["dz"] * 2, "dW": v["dW"], "db": v["dz"]},
                               names=v)
    text = repr(result)
    lines = text.splitlines()
    assert lines[0].split() == ["gradient", "shape", "max", "abs", "diff", "rel", "error",
                                "verdict"]
    assert lines[2].startswith("dz") and lines[2].endswith("wrong")
    assert lines[4].endswith("wrong shape")
    assert str(result) == text
    page = result._repr_html_()
    assert page.count("<tr>") >= 4 and "<svg" in page
    assert "#c62828" in page and "gradient flowing in" in page


def test_graph_nodes_coloured_by_the_gradient_flowing_in():
    v = _linear_tanh()
    result = torch.check_grads(v["loss"], {"dh": v["dh"], "dz": v["dz"] * 2, "db": v["dz"]},
                               names=v)
    drawing = result.draw()
    graph = drawing.graph
    colours = result.node_verdicts()
    by_name = {n.name: n.id for n in graph.tensors if n.name}
    assert colours[by_name["h"]] in ("equal", "close")
    assert colours[by_name["z"]] == "wrong"
    assert colours[by_name["b"]] == "wrong shape"
    assert colours[by_name["loss"]] == "unchecked" and colours[by_name["W"]] == "unchecked"
    made_by = {e.src: e.dst for e in graph.edges if e.kind == "grad_fn"}
    assert graph.node(made_by[by_name["z"]]).name == "AddBackward0"
    assert colours[made_by[by_name["z"]]] == "wrong"
    assert colours[made_by[by_name["h"]]] == colours[by_name["h"]]
    acc_b = next(e.src for e in graph.edges if e.kind == "variable" and e.dst == by_name["b"])
    assert colours[acc_b] == "wrong shape"
    # the SVG paints those boxes: the AddBackward0 box red, W's faded
    svg = drawing.svg
    node_z = svg.split(f'id="{drawing.id_prefix}node-{made_by[by_name["z"]]}"')[1].split("</g>")[0]
    assert 'fill="#fbdada" stroke="#c62828"' in node_z
    node_w = svg.split(f'id="{drawing.id_prefix}node-{by_name["W"]}"')[1].split("</g>")[0]
    assert 'fill="#ffffff" stroke="#bdbdbd"' in node_w


def test_hand_gradient_of_layer_norm_matches_pytorch():
    """The formula notebook 07 teaches, against real PyTorch's own autograd."""
    torch_ = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((4, 6))
    gv = rng.standard_normal((4, 6))
    x = torch_.tensor(xv, requires_grad=True)
    y = torch_.nn.functional.layer_norm(x, (6,), eps=1e-5)
    (y * torch_.tensor(gv)).sum().backward()
    mu = xv.mean(1, keepdims=True)
    rstd = 1 / np.sqrt(xv.var(1, keepdims=True) + 1e-5)
    xhat = (xv - mu) * rstd
    dx = rstd * (gv - gv.mean(1, keepdims=True) - xhat * (gv * xhat).mean(1, keepdims=True))
    assert np.allclose(dx, x.grad.numpy(), atol=1e-12)


def test_names_found_in_a_notebook_cell_and_under_autograd_magic():
    """In Jupyter the caller's variables are the cell's (IPython's user namespace),
    also when the cell runs under ``%%autograd``."""
    pytest.importorskip("IPython")
    import types

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from traitlets.config import Config
    if InteractiveShell.initialized():
        shell = InteractiveShell.instance()
    else:
        c = Config()                 # the shell the magics' tests make (one per process)
        c.HistoryManager.hist_file = ":memory:"
        c.InteractiveShell.colors = "nocolor"
        c.InteractiveShell.xmode = "Plain"
        shell = InteractiveShell.instance(config=c,
                                          user_module=types.ModuleType("agnb_test_user"))
    keys = set(shell.user_ns)
    shell.run_line_magic("load_ext", "autograd_nb")
    try:
        shell.user_ns["torch"] = torch
        cell = ("p = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                "q = p * p\nl = q.sum()\n"
                "found = torch.check_grads(l, {'dq': torch.ones(2), 'dp': 2 * p.detach() + 1})\n")
        for src in (cell, "%%autograd\n" + cell):
            with capture_output():
                shell.run_cell(src).raise_error()
            found = shell.user_ns["found"]
            assert found.verdicts == {"dq": "equal", "dp": "wrong"}
            assert [r.target for r in found] == ["q", "p"]
            del shell.user_ns["found"]
    finally:
        shell.run_line_magic("unload_ext", "autograd_nb")
        for k in set(shell.user_ns) - keys:
            del shell.user_ns[k]


def test_gradients_on_the_gpu(device_kind):
    """A graph on ``cuda`` (simulated or real): hand gradients on the device or on the
    host are compared the same way."""
    x = torch.tensor([1.0, -2.0, 3.0], device="cuda", requires_grad=True)
    b = torch.tensor([0.5], device="cuda", requires_grad=True)
    loss = (x * x + b).sum()
    result = torch.check_grads(loss, {"dx": 2 * x.detach(), "db": torch.tensor([3.0]),
                                      "d_x": x.detach().cpu()})
    assert result.verdicts == {"dx": "equal", "db": "equal", "d_x": "wrong"}
    assert result["d_x"].note.startswith("d_x[0] is 1, autograd has 2")


def test_a_freed_graph_is_explained():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    sq = x * x
    loss = sq.sum()
    loss.backward()                               # frees the saved buffers
    with pytest.raises(RuntimeError) as info:
        torch.check_grads(loss, {"dx": 2 * x.detach()})
    first, *rest = str(info.value).splitlines()
    assert first.startswith("Trying to backward through the graph a second time")
    assert any("Run the forward cells again" in line for line in rest)
