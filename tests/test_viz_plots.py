"""viz plotting helpers: checked on the data matplotlib holds, not on pixels."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb import viz

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg", force=True)
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_curves_put_accuracy_on_a_second_axis():
    losses = [anb.tensor(v) for v in (2.3, 1.1, 0.7, 0.5)]
    ax = viz.plot_curves(loss=losses, val_loss=[2.4, 1.3, 0.9, 0.8], accuracy=[0.2, 0.6, 0.8, 0.9],
                         title="training")
    assert [ln.get_label() for ln in ax.get_lines()] == ["loss", "val loss"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [2.3, 1.1, 0.7, 0.5], rtol=1e-6)
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3, 4]
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1
    assert [ln.get_label() for ln in twins[0].get_lines()] == ["accuracy"]
    assert twins[0].get_ylim() == (0, 1.02)
    assert ax.get_title() == "training"


def test_curves_key_covers_no_line_when_accuracy_has_its_own_axis():
    acc = [0.5, 0.7, 0.8, 0.85, 0.9, 0.92, 0.95, 0.97]      # rises into the top corners
    ax = viz.plot_curves(loss=[0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.18, 0.15], accuracy=acc,
                         title="training")
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    key = ax.get_legend().get_window_extent(renderer)
    plot = ax.get_window_extent(renderer)
    assert key.y0 >= plot.y1 - 1                           # above the plot area...
    assert ax.title.get_window_extent(renderer).y0 >= key.y1 - 1   # ...and under the title
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "accuracy"]
    plt.close(fig)


def test_curves_accept_a_history_dict_and_an_axes():
    fig, ax = plt.subplots()
    out = viz.plot_curves({"train_loss": [3, 2, 1]}, ax=ax, xlabel="epoch")
    assert out is ax and ax.get_xlabel() == "epoch"
    assert [ln.get_label() for ln in ax.get_lines()] == ["train loss"]
    with pytest.raises(ValueError, match="at least one series"):
        viz.plot_curves()


def test_heatmap_shows_grad_when_there_is_one():
    w = anb.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], requires_grad=True)
    ax = viz.plot_heatmap(w)
    assert ax.get_title() == "value"
    np.testing.assert_allclose(ax.images[0].get_array(), w.detach().numpy())
    (w * anb.tensor([[2.0, 2.0, 2.0], [4.0, 4.0, 4.0]])).sum().backward()
    ax = viz.plot_heatmap(w)
    assert ax.get_title() == "grad"
    np.testing.assert_allclose(ax.images[0].get_array(), [[2, 2, 2], [4, 4, 4]])
    assert ax.images[0].get_clim() == (-4.0, 4.0)          # centred on zero
    ax = viz.plot_heatmap(w, which="value", title="w")
    assert ax.get_title() == "w"


def test_heatmap_shapes_and_errors():
    conv = anb.zeros(4, 2, 3, 3)
    assert viz.plot_heatmap(conv).images[0].get_array().shape == (4, 18)
    assert viz.plot_heatmap(anb.tensor([1.0, 2.0])).images[0].get_array().shape == (1, 2)
    assert viz.plot_heatmap(anb.tensor(5.0)).images[0].get_array().shape == (1, 1)
    with pytest.raises(ValueError, match="no .grad yet"):
        viz.plot_heatmap(anb.tensor([1.0], requires_grad=True), which="grad")
    with pytest.raises(ValueError, match="which must be"):
        viz.plot_heatmap(conv, which="both")


def _params_with_grads():
    w1 = anb.tensor([[0.5, -1.0], [2.0, 1.0]], requires_grad=True)
    b1 = anb.tensor([0.1, 0.2], requires_grad=True)
    unused = anb.tensor([1.0], requires_grad=True)
    ((w1 * 3).sum() + (b1 ** 2).sum()).backward()
    return {"fc.weight": w1, "fc.bias": b1, "unused": unused}


def test_grad_histograms_one_plot_per_layer():
    params = _params_with_grads()
    fig = viz.plot_grad_histograms(params, bins=5)
    drawn = [a for a in fig.axes if a.axison]
    assert [a.get_title().splitlines()[0] for a in drawn] == ["fc.weight", "fc.bias"]
    counts = [sum(p.get_height() for p in a.patches) for a in drawn]
    assert counts == [4, 2]
    assert "no grad: unused" in fig.get_suptitle()


def test_grad_histograms_overlaid_on_an_axes():
    params = _params_with_grads()
    fig, ax = plt.subplots()
    out = viz.plot_grad_histograms(list(params.items()), ax=ax)
    assert out is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["fc.weight", "fc.bias"]
    with pytest.raises(ValueError, match="no parameter has a .grad"):
        viz.plot_grad_histograms([anb.tensor([1.0], requires_grad=True)])


def test_grad_timeline_shows_accumulation_across_backward_calls():
    # seed 001: without zero_grad, x.grad goes 2, 4, 6
    x = anb.tensor([1.0], requires_grad=True)
    y = anb.tensor([2.0])
    z = x * y
    with viz.GradRecorder(x, name="x") as rec:
        for _ in range(3):
            z.backward(retain_graph=True)
    z.backward(retain_graph=True)                          # hook removed: not recorded
    assert [v.tolist() for v in rec.values] == [[2.0], [4.0], [6.0]]
    ax = rec.plot()
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [1, 2, 3]
    assert list(line.get_ydata()) == [2.0, 4.0, 6.0]
    assert line.get_label() == "x"


def test_grad_timeline_of_a_big_tensor_plots_the_norm():
    grads = [np.full(100, float(k)) for k in range(1, 4)]
    ax = viz.plot_grad_timeline(grads, name="w")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [10.0, 20.0, 30.0])
    assert ax.get_ylabel() == ".grad norm"
    with pytest.raises(ValueError, match="no gradients recorded"):
        viz.plot_grad_timeline([])


def test_recorder_records_by_hand_and_rejects_non_tensors():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    rec = viz.GradRecorder(x)
    rec.record()                                           # no grad yet: NaN
    (x * 3).sum().backward()
    rec.remove()
    assert np.isnan(rec.values[0]).all() and rec.values[1].tolist() == [3.0, 3.0]
    ax = viz.plot_grad_timeline(rec)
    assert len(ax.get_lines()) == 2
    with pytest.raises(TypeError, match="needs a tensor"):
        viz.GradRecorder([1.0])


def test_plots_without_matplotlib_say_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        viz.plot_curves(loss=[1.0, 0.5])
