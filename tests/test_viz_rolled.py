"""viz.record_calls + draw(roll=..., unroll=...): loops drawn rolled ("x N", one recurrent
edge) or unrolled (one frame per step, saved buffers kept), and the cut of a detach().

The checks read the data the picture is made of (``Drawing.rolled``, the scene's items),
not pixels.
"""
from __future__ import annotations

import pytest

import autograd_nb as torch
import autograd_nb.nn as nn
from autograd_nb import viz


class Cell(nn.Module):
    """The hand-built Elman cell of notebook 08."""

    def __init__(self, n_in: int, n_hidden: int) -> None:
        super().__init__()
        self.ih = nn.Linear(n_in, n_hidden)
        self.hh = nn.Linear(n_hidden, n_hidden)

    def forward(self, x, h=None):
        a = self.ih(x)
        return torch.tanh(a if h is None else a + self.hh(h))


def unrolled(steps=4, detach_after=(), first_without_h=False, seed=0):
    """Run the cell over ``steps`` inputs, recording its calls; returns (h, calls, cell)."""
    torch.manual_seed(seed)
    cell = Cell(2, 3)
    xs = torch.randn(steps, 1, 2)
    h = None if first_without_h else torch.zeros(1, 3)
    with viz.record_calls(cell) as calls:
        for t, x in enumerate(xs, start=1):
            h = cell(x, h)
            if t in detach_after:
                h = h.detach()
    return h, calls, cell


def names(graph):
    return sorted(n.name for n in graph.functions)


def item(drawing, prefix):
    return [it for it in drawing.scene.items if it.id.startswith(prefix)]


def test_record_calls_remembers_each_call_and_removes_its_hooks():
    h, calls, cell = unrolled(steps=3)
    assert [c.step for c in calls] == [1, 2, 3]
    assert all(c.module == "cell" and c.type == "Cell" for c in calls)
    assert all(c.start < c.stop for c in calls)
    assert calls.calls[1].inputs[1] == calls.calls[0].outputs[0]     # h from step 1 into step 2
    assert not any(c.cut for c in calls)
    assert not cell._forward_hooks and not cell._forward_pre_hooks
    assert repr(calls) == "<record_calls of cell: 3 calls>"


def test_rolled_scene_has_one_group_counted_n_and_a_recurrent_edge():
    h, calls, _ = unrolled(steps=4)
    d = viz.draw(h, roll=calls)
    (group,) = d.rolled.groups
    assert group.count == 4 and group.steps == [1, 2, 3, 4]
    assert group.label == "cell (Cell) × 4"
    # one step's backward nodes only: one tanh, two addmm, ... and each weight's AccumulateGrad once
    assert names(d.graph).count("TanhBackward0") == 1
    assert names(d.graph).count("AddmmBackward0") == 2
    assert names(d.graph).count("AccumulateGrad") == 4
    assert len(group.members) == 6
    (loop,) = d.rolled.loops
    assert loop.count == 3 and loop.group == group.id
    assert d.graph.node(loop.src).name == "AddmmBackward0"          # the hh layer ...
    assert d.graph.node(loop.dst).name == "TanhBackward0"           # ... back into the tanh
    assert loop.src in group.members and loop.dst in group.members
    assert not any(e.src == loop.src and e.dst == loop.dst for e in d.graph.edges)
    assert group.saved_per_step > 0
    assert all(not d.graph.node(m).saved for m in group.members)    # buffers: unrolled only
    assert len(item(d, "frame-")) == 1 and len(item(d, "loop-")) == 1
    assert "× 4" in d.svg and "previous step ×3" in d.svg


def test_unrolled_scene_frames_every_step_with_its_nodes_and_buffers():
    h, calls, _ = unrolled(steps=4)
    full = viz.snapshot(h)
    d = viz.draw(h, roll=calls, unroll=True)
    assert [g.label for g in d.rolled.groups] == [f"cell · step {k}" for k in (1, 2, 3, 4)]
    assert all(g.count == 1 for g in d.rolled.groups)
    assert not d.rolled.loops
    assert names(d.graph) == names(full)                   # every step's nodes are drawn
    assert sum(len(f.saved) for f in d.graph.functions) == sum(len(f.saved) for f in full.functions)
    members = [m for g in d.rolled.groups for m in g.members]
    assert len(members) == len(set(members)) == 4 * 6
    assert len(item(d, "frame-")) == 4


def _rect(it):
    r = it.parts[0]
    return r.x, r.y, r.x + r.w, r.y + r.h


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("unroll", [False, True])
def test_frames_hold_their_own_nodes_only(unroll):
    h, calls, _ = unrolled(steps=3)
    d = viz.draw(h, roll=calls, unroll=unroll)
    frames = {it.id[len("frame-"):]: _rect(it) for it in item(d, "frame-")}
    owner = {m: g.id for g in d.rolled.groups for m in g.members}
    for it in item(d, "node-"):
        box = _rect(it)
        for gid, frame in frames.items():
            inside = frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]
            if owner.get(it.id[5:]) == gid:
                assert inside, f"{it.id} sticks out of its frame {gid}"
            else:
                assert not _overlap(box, frame), f"{it.id} lies in frame {gid}"
    rects = sorted(frames.values(), key=lambda r: r[1])
    for upper, lower in zip(rects, rects[1:]):
        assert upper[3] <= lower[1], "the steps' frames overlap"


def test_detach_cuts_the_graph_and_the_picture_shows_where():
    h, calls, _ = unrolled(steps=5, detach_after=(2,))
    assert [c.cut for c in calls] == [False, False, True, False, False]
    rolled = viz.draw(h, roll=calls)
    (group,) = rolled.rolled.groups
    assert group.steps == [3, 4, 5]                 # steps 1-2 are not in this graph
    assert group.cut_steps == [3]
    assert rolled.rolled.loops[0].count == 2
    assert "detach() before step 3" in rolled.svg
    flat = viz.draw(h, roll=calls, unroll=True)
    cut = [g for g in flat.rolled.groups if g.cut_steps]
    assert [g.steps for g in cut] == [[3]]
    (frame,) = [it for it in item(flat, "frame-") if "cut" in it.cls]
    assert frame.id == f"frame-{cut[0].id}"


def test_a_step_of_another_shape_keeps_its_own_frame():
    h, calls, _ = unrolled(steps=4, first_without_h=True)
    d = viz.draw(h, roll=calls)
    labels = sorted(g.label for g in d.rolled.groups)
    assert labels == ["cell (Cell) × 3", "cell · step 1"]
    first = next(g for g in d.rolled.groups if g.steps == [1])
    assert names(d.graph).count("TanhBackward0") == 2         # the loop's and step 1's
    loop_group = next(g for g in d.rolled.groups if g.count == 3)
    # the loop's first step feeds on step 1's output: an ordinary edge into its frame
    assert any(e.src in loop_group.members and e.dst in first.members for e in d.graph.edges)


def test_rolled_svg_is_deterministic_and_the_snapshot_untouched():
    svgs = []
    for _ in range(2):
        h, calls, _ = unrolled(steps=4)
        graph = viz.snapshot(h)
        before = graph.to_json()
        svgs.append(viz.draw(graph, roll=calls).svg + viz.draw(graph, roll=calls, unroll=True).svg)
        assert graph.to_json() == before
    assert svgs[0] == svgs[1]


def test_drawings_without_roll_are_unchanged():
    h, calls, _ = unrolled(steps=2)
    plain = viz.draw(h)
    assert plain.rolled is None and not item(plain, "frame-")


def test_roll_arguments_are_checked():
    h, calls, cell = unrolled(steps=2)
    with pytest.raises(ValueError, match="unroll=True needs roll="):
        viz.draw(h, unroll=True)
    with pytest.raises(ValueError, match="cannot be combined"):
        viz.draw(h, roll=calls, params=cell, collapse=True)
    with pytest.raises(TypeError, match="record_calls"):
        viz.draw(h, roll=[1, 2])
    with pytest.raises(TypeError, match="nn modules"):
        viz.record_calls(h)


def test_png_of_a_rolled_drawing(tmp_path):
    pytest.importorskip("matplotlib")
    h, calls, _ = unrolled(steps=3, detach_after=(1,))
    path = viz.draw(h, roll=calls).save(tmp_path / "rolled.png")
    assert (tmp_path / "rolled.png").stat().st_size > 1000 and path.endswith(".png")


def test_torch_modules_roll_by_walking_from_outputs():
    real = pytest.importorskip("torch")

    class TorchCell(real.nn.Module):
        def __init__(self):
            super().__init__()
            self.ih = real.nn.Linear(2, 3)
            self.hh = real.nn.Linear(3, 3)

        def forward(self, x, h):
            return real.tanh(self.ih(x) + self.hh(h))

    real.manual_seed(0)
    cell = TorchCell()
    h = real.zeros(1, 3)
    with viz.record_calls(cell) as calls:
        for x in real.randn(4, 1, 2):
            h = cell(x, h)
    assert all(c.start is None for c in calls)
    d = viz.draw(h, roll=calls)
    (group,) = d.rolled.groups
    assert group.count == 4 and d.rolled.loops[0].count == 3
    assert names(d.graph).count("TanhBackward0") == 1
