"""%%autograd and %autograd in a headless IPython shell: registration, execution, panels,
modes, bad input, explanations under failing cells."""
from __future__ import annotations

import re
import types

import pytest

pytest.importorskip("IPython")

from IPython.core.error import UsageError  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

import autograd_nb as anb  # noqa: E402
from autograd_nb.autograd.grad_mode import STATE  # noqa: E402
from autograd_nb.notebook import magics  # noqa: E402
from autograd_nb.notebook.explain import Explanation  # noqa: E402
from autograd_nb.notebook.panels import Report  # noqa: E402


def _shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    if InteractiveShell.initialized():
        return InteractiveShell.instance()
    c = Config()
    c.HistoryManager.hist_file = ":memory:"
    c.InteractiveShell.colors = "nocolor"
    c.InteractiveShell.xmode = "Plain"
    # a module of our own as the user module, so sys.modules['__main__'] stays pytest's
    return InteractiveShell.instance(config=c, user_module=types.ModuleType("agnb_test_user"))


@pytest.fixture
def ip():
    shell = _shell()
    keys = set(shell.user_ns)
    shell.run_line_magic("load_ext", "autograd_nb")
    shell.user_ns["torch"] = anb
    yield shell
    shell.run_line_magic("unload_ext", "autograd_nb")
    for k in set(shell.user_ns) - keys:
        del shell.user_ns[k]
    shell.user_ns.pop("torch", None)


@pytest.fixture
def shown(monkeypatch):
    """Everything the magics pass to display(), as objects."""
    out: list = []
    monkeypatch.setattr(magics, "display", lambda obj: out.append(obj))
    return out


def run(ip, src):
    with capture_output() as cap:
        result = ip.run_cell(src)
    return result, cap


X = "x = torch.tensor([1.0, 2.0], requires_grad=True)"


# ---------------------------------------------------------------- registration
def test_load_registers_and_unload_removes(ip):
    mm = ip.magics_manager
    assert "autograd" in mm.magics["cell"] and "autograd" in mm.magics["line"]
    inst = mm.registry["AutogradMagics"]
    assert inst.post_run_cell in ip.events.callbacks["post_run_cell"]
    ip.run_line_magic("unload_ext", "autograd_nb")
    assert "autograd" not in mm.magics["cell"] and "autograd" not in mm.magics["line"]
    assert "AutogradMagics" not in mm.registry
    assert inst.post_run_cell not in ip.events.callbacks["post_run_cell"]
    result, _ = run(ip, "%%autograd\nz = 1")
    assert isinstance(result.error_in_exec, UsageError)        # magic gone
    ip.run_line_magic("load_ext", "autograd_nb")                  # and back
    assert "autograd" in mm.magics["cell"]


def test_loading_again_is_silent_and_registers_once(ip):
    from autograd_nb.notebook import load_ipython_extension
    inst = ip.magics_manager.registry["AutogradMagics"]
    load_ipython_extension(ip)
    assert ip.magics_manager.registry["AutogradMagics"] is inst
    assert ip.events.callbacks["post_run_cell"].count(inst.post_run_cell) == 1
    # the teaching kernel preloads autograd_nb.notebook; the notebook's own
    # %load_ext autograd_nb must then print nothing at all
    ip.run_line_magic("unload_ext", "autograd_nb")
    ip.run_line_magic("load_ext", "autograd_nb.notebook")
    try:
        result, cap = run(ip, "%load_ext autograd_nb")
        assert result.success and cap.stdout == "" and cap.stderr == "" and not cap.outputs
        assert "autograd" in ip.magics_manager.magics["cell"]
    finally:
        ip.extension_manager.loaded.discard("autograd_nb.notebook")


# ---------------------------------------------------------------- running a cell
def test_cell_runs_in_user_namespace_and_shows_value(ip, shown):
    result, cap = run(ip, f"%%autograd\n{X}\ny = x * 3\nprint('hi')\ny.sum()")
    assert result.success
    assert isinstance(ip.user_ns["y"], anb.Tensor) and ip.user_ns["y"].grad_fn.name() == "MulBackward0"
    assert "hi" in cap.stdout
    assert "tensor(9., grad_fn=<SumBackward0>)" in cap.stdout      # Out[n] via displayhook
    assert len(shown) == 1 and isinstance(shown[0], Report)
    _, cap = run(ip, "%%autograd --quiet\ny.sum();")
    assert cap.stdout == ""                               # a trailing ; hides Out, as usual


def test_exception_propagates_and_mode_is_restored(ip, shown):
    for mode in ("no_grad", "inference_mode", "grad", "enable_grad"):
        result, cap = run(ip, f"%%autograd --mode {mode}\n{X}\nw = x * 2\nraise ValueError('boom')")
        assert isinstance(result.error_in_exec, ValueError)
        assert "boom" in cap.stdout + cap.stderr
        assert (STATE.grad_enabled, STATE.inference) == (True, False)
        assert "w" in ip.user_ns                      # ran up to the error, like any cell
    assert shown == []                                # no panels for a failed cell


def test_modes_apply_inside_the_cell_only(ip, shown):
    run(ip, X)
    assert run(ip, "%%autograd --mode no_grad\na = x * 2")[0].success
    assert ip.user_ns["a"].requires_grad is False
    run(ip, "%%autograd --mode inference_mode\nb = x * 2")
    assert ip.user_ns["b"].is_inference() and not ip.user_ns["b"].requires_grad
    with anb.no_grad():                               # grad mode off around the cell ...
        run(ip, "%%autograd --mode grad\nc = x * 2")
        assert STATE.grad_enabled is False            # ... and still off afterwards
    assert ip.user_ns["c"].grad_fn is not None
    with anb.no_grad():
        run(ip, "%%autograd --mode enable_grad\nd = x * 2")
        run(ip, "%%autograd\ne = x * 2")              # no --mode: the current mode
    assert ip.user_ns["d"].requires_grad and not ip.user_ns["e"].requires_grad


# ---------------------------------------------------------------- panels
def test_panels_for_a_known_cell(ip, shown):
    run(ip, X)
    result, _ = run(ip, "%%autograd --backward loss\ny = x * 3\nloss = y.sum()")
    assert result.success
    (rep,) = shown
    assert rep.titles()[:3] == [
        "Tensors created or changed by the cell",
        "Graph recorded by the cell (newest node first; arrows point to next_functions)",
        "Saved buffers (what backward will need)"]
    tensors = rep["Tensors"]
    assert tensors.column("name") == ["x", "y", "loss"]   # x changed: its .grad was filled
    assert tensors.row("x")[1:4] == ["True", "True", "None"]
    assert tensors.row("y")[1:5] == ["True", "False", "MulBackward0", "[2]"]
    assert tensors.row("loss")[3:7] == ["SumBackward0", "[]", "torch.float32", "cpu"]
    assert tensors.row("x")[-1] == "tensor([3., 3.])"
    graph = rep["Graph"].text()
    assert graph.index("SumBackward0 (loss) -> MulBackward0 (y)") < \
        graph.index("MulBackward0 (y) -> AccumulateGrad (x), None")
    buffers = rep["Saved buffers"]
    assert buffers.row("MulBackward0 (y)")[1:3] == ["_saved_other", "-"]   # freed: gone
    assert "freed" in buffers.row("MulBackward0 (y)")[-1]     # backward freed it
    assert rep["Gradients"].rows == [["x.grad", "tensor([3., 3.])"]]


def test_buffers_show_bytes_and_live_total(ip, shown):
    from autograd_nb.autograd.graph import saved_bytes
    run(ip, X)
    run(ip, "%%autograd\ny = x.exp()\nz = y * x")
    buffers = shown[0]["Saved buffers"]
    rows = {(r[0], r[1]): r for r in buffers.rows}
    assert rows[("ExpBackward0 (y)", "_saved_result")][2:7] == ["y", "[2]", "torch.float32", "8", "live"]
    assert rows[("MulBackward0 (z)", "_saved_self")][2] == "y"
    assert rows[("MulBackward0 (z)", "_saved_other")][2] == "x"
    assert f"all live graphs keep {saved_bytes()} bytes" in buffers.note
    assert "This graph's buffers add up to 24 bytes" in buffers.note


def test_in_place_change_is_reported(ip, shown):
    run(ip, X)
    run(ip, "y = x.exp()")
    run(ip, "%%autograd --mode no_grad\ny.add_(1)")
    tensors = shown[0]["Tensors"]
    assert tensors.column("name") == ["y"] and tensors.row("y")[7] == "1"   # _version


def test_show_quiet_and_the_rich_output(ip, shown):
    run(ip, X)
    run(ip, "%%autograd --show graph\ny = x * 2")
    assert shown[-1].titles() == [
        "Graph recorded by the cell (newest node first; arrows point to next_functions)"]
    n = len(shown)
    run(ip, "%%autograd --quiet --backward s\ns = (x * 2).sum()")
    assert len(shown) == n and ip.user_ns["x"].grad is not None


def test_rich_output_is_html_and_deterministic(ip):
    bundles = []
    for _ in range(2):
        ip.magics_manager.registry["AutogradMagics"].reports = 0      # as in a fresh kernel
        _, cap = run(ip, f"%%autograd --backward loss\n{X}\nloss = (x * x).sum()")
        (out,) = cap.outputs
        bundles.append(out.data)
    assert bundles[0] == bundles[1]
    _, cap = run(ip, f"%%autograd --backward loss\n{X}\nloss = (x * x).sum()")
    if "<svg" in bundles[0]["text/html"]:             # a second picture gets its own ids
        assert 'id="agnb1-' in bundles[0]["text/html"]
        assert 'id="agnb2-' in cap.outputs[0].data["text/html"]
    html, text = bundles[0]["text/html"], bundles[0]["text/plain"]
    assert "<table" in html and "<script" not in html.lower()
    assert not re.search(r"0x[0-9a-f]{6,}", html + text)
    assert "MulBackward0" in text and "x.grad" in text


def test_graph_panel_uses_viz_when_available(ip, shown):
    from autograd_nb.notebook.report import draw_function
    run(ip, f"%%autograd\n{X}\ny = x * 2")
    graph = shown[0]["Graph"]
    assert "MulBackward0 (y) -> AccumulateGrad (x), None" in graph.text()
    if draw_function() is None:
        assert "autograd_nb.viz is not available yet" in graph.note and "<ol>" in graph.html()
    else:
        assert "<svg" in graph.html()


def test_step_prints_the_engines_events_in_order(ip, shown, monkeypatch):
    # without ipywidgets --step prints the events (with it, it opens the stepper widget)
    monkeypatch.setattr("autograd_nb.widgets._common.widgets_available", lambda: False)
    run(ip, X)
    _, cap = run(ip, "%%autograd --backward loss --step\ny = x * 3\nloss = y.sum()")
    lines = cap.stdout.splitlines()
    start = lines.index("backward from loss, event by event:")
    events = [line.split(None, 2) for line in lines[start + 1:]]
    assert [e[:2] for e in events] == [[str(i), k] for i, k in enumerate(
        ["start", "finish", "start", "free", "finish", "start", "accumulate", "finish"], 1)]
    assert events[0][2] == "SumBackward0 (loss)  gradient in: [tensor(1.)]"
    assert events[4][2] == "MulBackward0 (y)  gradients out: [tensor([3., 3.]), None]"
    assert events[6][2] == "AccumulateGrad (x)  x.grad += tensor([3., 3.])"
    assert ip.user_ns["x"].grad.tolist() == [3.0, 3.0]


def test_retain_graph_keeps_buffers(ip, shown):
    run(ip, X)
    run(ip, "%%autograd --backward loss --retain-graph\nloss = (x.exp()).sum()")
    assert shown[0]["Saved buffers"].rows[0][-1] == "live"
    assert run(ip, "loss.backward()")[0].success


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("line, message", [
    ("--mode fast", "invalid choice: 'fast'"),
    ("--frobnicate", "unrecognized arguments: --frobnicate"),
    ("--show tensors,pictures", "unknown panel pictures"),
    ("--step", "--step needs --backward NAME"),
    ("--retain-graph", "--retain-graph needs --backward NAME"),
    ("--backward 1x", "give a variable name"),
])
def test_bad_options_are_one_line_and_run_nothing(ip, shown, line, message):
    result, cap = run(ip, f"%%autograd {line}\nran = True")
    assert isinstance(result.error_in_exec, UsageError)
    assert message in str(result.error_in_exec) and "\n" not in str(result.error_in_exec)
    assert "ran" not in ip.user_ns and shown == []
    assert (STATE.grad_enabled, STATE.inference) == (True, False)


@pytest.mark.parametrize("cell, message", [
    ("v = [1.0]", "--backward v: v is a list, not a tensor"),
    (f"{X}\nv = x * 2", "v has shape [2], but backward() without a gradient needs a single number"),
    ("w = 1", "there is no v after the cell"),
])
def test_bad_backward_target(ip, shown, cell, message):
    result, _ = run(ip, f"%%autograd --mode no_grad --backward v\n{cell}")
    assert isinstance(result.error_in_exec, UsageError)
    assert message in str(result.error_in_exec)
    assert (STATE.grad_enabled, STATE.inference) == (True, False)


@pytest.mark.filterwarnings("ignore:Error detected in")      # anomaly mode's own warning
def test_anomaly_points_at_the_creating_line(ip, shown):
    from autograd_nb.autograd.anomaly_mode import is_anomaly_enabled
    run(ip, X)
    result, _ = run(ip, "%%autograd --anomaly --backward l\nb = x.exp()\nb.add_(1)\nl = b.sum()")
    assert isinstance(result.error_in_exec, RuntimeError)
    assert str(result.error_in_exec).startswith("one of the variables needed for gradient")
    assert not is_anomaly_enabled()
    (exp,) = [o for o in shown if isinstance(o, Explanation)]
    assert exp.key == "inplace_modified" and exp.node.startswith("ExpBackward0")
    assert exp.origin == "line 1: b = x.exp()"


# ---------------------------------------------------------------- explanations
def test_failing_plain_cell_is_explained_and_still_fails(ip, shown):
    run(ip, X)
    result, _ = run(ip, "y = (x * 2).sum()\ny.backward()\ny.backward()")
    assert isinstance(result.error_in_exec, RuntimeError)
    assert str(result.error_in_exec).startswith("Trying to backward through the graph a second time")
    (exp,) = shown
    assert exp.key == "second_backward" and exp.node == "MulBackward0"
    assert not run(ip, "1 / 0")[0].success and len(shown) == 1    # not ours: no explanation


def test_explanation_reaches_the_display(ip):
    run(ip, X)
    _, cap = run(ip, "x.numpy()")
    (out,) = cap.outputs
    assert "numpy() on a tensor that requires grad" in out.data["text/plain"]
    assert "tensor.detach().numpy()" in out.data["text/html"]


# ---------------------------------------------------------------- %autograd
def test_line_magic_status(ip):
    status = ip.run_line_magic("autograd", "status")
    rows = dict(status.rows)
    assert rows["grad mode"] == "enabled" and rows["inference mode"] == "off"
    assert rows["saved bytes (live)"].isdigit() and rows["device"].startswith("cpu")
    with anb.inference_mode():
        rows = dict(ip.run_line_magic("autograd", "").rows)
    assert rows["grad mode"] == "disabled" and rows["inference mode"] == "on"


def test_line_magic_explain(ip):
    _, cap = run(ip, "%autograd explain")
    assert "No error yet" in cap.stdout
    run(ip, "torch.tensor([1, 2], requires_grad=True)")
    exp = ip.run_line_magic("autograd", "explain")
    assert exp.key == "int_requires_grad"
    run(ip, "undefined_name_here")
    _, cap = run(ip, "%autograd explain")
    assert "No explanation for the last error (NameError" in cap.stdout


def test_line_magic_unknown_command(ip):
    with pytest.raises(UsageError, match="unknown command"):
        ip.run_line_magic("autograd", "frobnicate")
