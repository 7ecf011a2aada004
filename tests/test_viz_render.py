"""viz renderers: layout geometry, SVG structure and stability, DOT text, Drawing files.

Checked on data (element ids, classes, boxes), never on pixels.
"""
from __future__ import annotations

import random
import sys
import xml.etree.ElementTree as ET

import pytest

import autograd_nb as anb
from autograd_nb import viz
from autograd_nb.viz.layout import count_crossings, layered_layout

SVG = "{http://www.w3.org/2000/svg}"


def poly():
    x = anb.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2 + 2 * x + 1
    return x, y


def net():
    x = anb.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    w1 = anb.tensor([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], requires_grad=True)
    b1 = anb.tensor([0.01, -0.02], requires_grad=True)
    w2 = anb.tensor([[0.7], [-0.8]], requires_grad=True)
    b2 = anb.tensor([0.05], requires_grad=True)
    h = ((x.unsqueeze(2) * w1).sum(1) + b1).relu()
    out = ((h.unsqueeze(2) * w2).sum(1) + b2).sigmoid()
    loss = ((out - 1.0) ** 2).mean()
    params = {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2}
    return loss, params, {"h": h, "out": out, "loss": loss}


def groups(svg: str, cls: str) -> list:
    root = ET.fromstring(svg)
    return [g for g in root.iter(SVG + "g") if g.get("class", "").split()[0] == cls]


def overlaps(boxes) -> list:
    bad = []
    items = sorted(boxes.items(), key=lambda kv: kv[1][0])
    for i, (a, (x, y, w, h)) in enumerate(items):
        for b, (X, Y, W, H) in items[i + 1:]:
            if X >= x + w:
                break
            if x < X + W and X < x + w and y < Y + H and Y < y + h:
                bad.append((a, b))
    return bad


# --------------------------------------------------------------------- layout
def random_dag(n, extra, seed):
    rnd = random.Random(seed)
    edges = [(rnd.randrange(i), i) for i in range(1, n)]
    edges += [tuple(sorted(rnd.sample(range(n), 2))) for _ in range(extra)]
    sizes = [(rnd.randint(30, 200), rnd.randint(16, 90)) for _ in range(n)]
    return [f"n{i}" for i in range(n)], sizes, edges


@pytest.mark.parametrize("seed", range(6))
def test_layout_has_no_overlaps_and_fits(seed):
    ids, sizes, edges = random_dag(60, 30, seed)
    lay = layered_layout(ids, sizes, edges)
    assert overlaps(lay.boxes) == []
    for nid, (w, h) in zip(ids, sizes):
        x, y, bw, bh = lay.boxes[nid]
        assert (bw, bh) == (w, h)
        assert x >= 0 and y >= 0 and x + w <= lay.width and y + h <= lay.height
    for (u, v), route in zip(edges, lay.routes):
        assert lay.layers[ids[u]] < lay.layers[ids[v]]      # every edge points down
        bx, by, bw, bh = lay.boxes[ids[u]]
        assert route[0][1] == pytest.approx(by + bh) and bx <= route[0][0] <= bx + bw
        tx, ty, tw, _ = lay.boxes[ids[v]]
        assert route[-1][1] == pytest.approx(ty) and tx <= route[-1][0] <= tx + tw


def test_layout_is_deterministic():
    ids, sizes, edges = random_dag(80, 40, 7)
    assert layered_layout(ids, sizes, edges) == layered_layout(ids, sizes, edges)


def test_layout_survives_cycles_and_self_loops():
    ids = ["a", "b", "c"]
    lay = layered_layout(ids, [(40, 20)] * 3, [(0, 1), (1, 2), (2, 0), (1, 1)])
    assert overlaps(lay.boxes) == []
    assert len(lay.routes) == 4 and lay.routes[3] == []
    assert lay.routes[2][0][1] > lay.routes[2][-1][1]        # the reversed edge goes up


def test_crossing_reduction_untangles_a_twisted_ladder():
    # top a, b; bottom c, d given in the crossing order a->d, b->c
    ids = ["a", "b", "d", "c", "e", "f"]
    edges = [(0, 3), (1, 2), (3, 4), (2, 5)]
    lay = layered_layout(ids, [(40, 20)] * 6, edges)
    assert lay.crossings == 0
    xs = {k: v[0] for k, v in lay.boxes.items()}
    assert (xs["a"] < xs["b"]) == (xs["c"] < xs["d"])


def test_count_crossings():
    order = [[0, 1], [2, 3]]
    down = [[3], [2], [], []]
    pos = [0, 1, 0, 1]
    assert count_crossings(order, down, pos) == 1
    assert count_crossings(order, [[2], [3], [], []], pos) == 0


def test_parentless_tensor_sits_just_above_its_grad_fn():
    loss, params, names = net()
    d = viz.draw(loss, params=params, names=names)
    layers = d.scene.layout.layers
    g = d.graph
    for e in g.edges_of("grad_fn"):
        assert layers[e.dst] == layers[e.src] + 1


# --------------------------------------------------------------------- SVG
def test_svg_is_xml_with_one_group_per_node_and_edge():
    loss, params, names = net()
    d = viz.draw(loss, params=params, names=names)
    nodes, edges = groups(d.svg, "node"), groups(d.svg, "edge")
    assert len(nodes) == len(d.graph.nodes)
    assert len(edges) == len(d.graph.edges)
    prefix = d.id_prefix
    assert {g.get("id") for g in nodes} == {f"{prefix}node-{n.id}" for n in d.graph.nodes}
    ids = [el.get("id") for el in ET.fromstring(d.svg).iter() if el.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(prefix) for i in ids)
    classes = {g.get("class") for g in nodes}
    assert {"node tensor nonleaf root", "node tensor leaf_grad", "node grad_fn",
            "node accumulate_grad"} <= classes
    assert len(groups(d.svg, "legend")) == 1
    for g in nodes + edges:
        assert g.find(SVG + "title").text


def test_svg_bytes_are_stable_across_runs():
    def render():
        loss, params, names = net()
        return viz.draw(loss, params=params, names=names).svg
    assert render() == render()
    _, y = poly()
    assert viz.draw(y, names={}).svg == viz.draw(y, names={}).svg


def test_prefixes_differ_between_graphs_and_can_be_chosen():
    _, y = poly()
    loss, params, names = net()
    a, b = viz.draw(y, names={}), viz.draw(loss, names={})
    assert a.id_prefix != b.id_prefix
    c = viz.draw(y, names={}, id_prefix="cell7-")
    assert c.svg.count('id="cell7-') == len([e for e in ET.fromstring(c.svg).iter() if e.get("id")])


def test_saved_rows_show_live_freed_and_stale():
    x, y = poly()
    live = ET.fromstring(viz.draw(y, names={}).svg)
    rows = [r for r in live.iter(SVG + "rect") if "saved" in r.get("class", "")]
    assert [r.get("class") for r in rows] == ["saved live", "saved live"]
    y.sum().backward()
    after = viz.draw(y, names={"x": x})
    root = ET.fromstring(after.svg)
    rows = [r for r in root.iter(SVG + "rect") if "saved" in r.get("class", "")]
    assert [r.get("class") for r in rows] == ["saved freed", "saved freed"]
    texts = [t.text for t in root.iter(SVG + "text")]
    assert ".grad" in texts and "[6., 8.]" in texts
    grad_tag = [r for r in root.iter(SVG + "rect") if r.get("class") == "grad"]
    assert [r.get("id") for r in grad_tag] == [f"{after.id_prefix}grad-t1"]

    a = anb.tensor([1.0, 2.0], requires_grad=True)
    z = (a * 2).exp()
    total = z.sum()
    z.mul_(2)
    stale = ET.fromstring(viz.draw(total, names={}).svg)
    classes = [r.get("class") for r in stale.iter(SVG + "rect") if "saved" in r.get("class", "")]
    assert "saved stale" in classes
    assert any("stale" in (t.text or "") for t in stale.iter(SVG + "text"))


def test_legend_explains_what_is_drawn_and_can_be_hidden():
    _, y = poly()
    d = viz.draw(y, names={})
    legend = groups(d.svg, "legend")[0]
    text = " ".join(t.text for t in legend.iter(SVG + "text"))
    for words in ("leaf", "non-leaf", "grad_fn", "AccumulateGrad", "saved", "next_functions"):
        assert words in text
    assert "freed" not in text
    assert groups(viz.draw(y, names={}, legend=False).svg, "legend") == []


def test_scene_nodes_do_not_overlap_on_a_real_graph():
    loss, params, names = net()
    d = viz.draw(loss, params=params, names=names)
    assert overlaps(d.scene.layout.boxes) == []
    rects = {}
    for item in d.scene.items:
        if item.cls.startswith("node"):
            r = item.parts[0]
            rects[item.id] = (r.x, r.y, r.w, r.h)
    assert overlaps(rects) == []


def test_collapsed_drawing_of_a_200_node_graph():
    class Net:
        def __init__(self, layers):
            self.ps = [(f"l{i}.weight", anb.tensor([0.5, -0.5], requires_grad=True))
                       for i in range(layers)]

        def named_parameters(self):
            return list(self.ps)

    model = Net(40)
    h = anb.tensor([1.0, 2.0])
    for _, w in model.ps:
        h = ((h * w) + 1.0).tanh()
    loss = h.sum()
    full = viz.draw(loss, params=model, names={})
    assert len(full.graph.nodes) == 202
    folded = viz.draw(loss, params=model, names={}, collapse=True)
    boxes = groups(folded.svg, "node")
    assert len([g for g in boxes if g.get("class") == "node module"]) == 40
    # each layer's MulBackward0, AccumulateGrad and weight become one box
    assert len(boxes) == 202 - 40 * 3 + 40
    assert overlaps(folded.scene.layout.boxes) == []


def test_ten_thousand_nodes_render():
    x = anb.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(9998):
        y = y * 1.0
    d = viz.draw(y, names={}, legend=False)
    assert len(d.graph.nodes) == 10001
    svg = d.svg
    assert svg.count('class="node ') == 10001
    assert svg.count('class="edge ') == len(d.graph.edges)


def test_wide_graph_renders_without_overlap():
    x = anb.tensor([float(i) for i in range(300)], requires_grad=True)
    roots = [x[i] * 2 for i in range(300)]
    d = viz.draw(*roots, names={}, legend=False)
    assert len(groups(d.svg, "node")) == len(d.graph.nodes)
    assert overlaps(d.scene.layout.boxes) == []


# --------------------------------------------------------------------- DOT and files
def test_to_dot_lists_every_node_and_edge():
    loss, params, names = net()
    text = viz.to_dot(loss, params=params, names=names)
    g = viz.snapshot(loss, params=params, names=names)
    assert text.startswith('digraph "autograd" {') and text.rstrip().endswith("}")
    lines = text.splitlines()
    assert len([ln for ln in lines if " -> " in ln]) == len(g.edges)
    for n in g.nodes:
        assert any(ln.startswith(f"  {n.id} [label=") for ln in lines)
    assert 'fc1.weight' in text and "AccumulateGrad" in text
    assert text == viz.to_dot(g)


def test_dot_escapes_quotes():
    x = anb.tensor([1.0], requires_grad=True)
    y = x * 2
    text = viz.to_dot(y, names={'say "hi"': x})
    assert 'say \\"hi\\"' in text


def test_drawing_shows_in_jupyter_and_saves(tmp_path):
    _, y = poly()
    d = viz.draw(y, names={})
    assert d._repr_svg_() == d.svg
    assert d._repr_html_().startswith("<div") and d.svg in d._repr_html_()
    for suffix in ("svg", "dot", "json", "html"):
        path = d.save(tmp_path / f"g.{suffix}")
        text = open(path, encoding="utf-8").read()
        assert text
    ET.parse(tmp_path / "g.svg")
    assert viz.Graph.from_dict(__import__("json").load(open(tmp_path / "g.json"))).to_dict() == d.graph.to_dict()
    with pytest.raises(ValueError, match="use .svg"):
        d.save(tmp_path / "g.bmp")


def test_png_through_matplotlib(tmp_path):
    pytest.importorskip("matplotlib")
    _, y = poly()
    d = viz.draw(y, names={})
    path = d.save(tmp_path / "g.png")
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    fig = d.figure()
    assert fig.get_size_inches() == pytest.approx((d.scene.width / 100, d.scene.height / 100))


def test_png_without_matplotlib_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    _, y = poly()
    with pytest.raises(ImportError, match="pip install matplotlib"):
        viz.draw(y, names={}).save(tmp_path / "g.png")


def test_side_by_side_puts_drawings_in_one_wrapping_row():
    from autograd_nb import viz
    a = anb.tensor([1.0, 2.0], requires_grad=True)
    short = (a * a).sum()
    longer = (a * a).exp().sum()
    row = viz.side_by_side(short, longer, titles=["one loop", "three loops"])
    html = row._repr_html_()
    assert "display:flex" in html and "flex-wrap:wrap" in html
    assert html.count("<svg ") == 2 and html.index("one loop") < html.index("three loops")
    assert html == viz.side_by_side(short, longer, titles=["one loop", "three loops"])._repr_html_()
    assert repr(row) == "<2 drawings side by side>" and "0x" not in html
    with pytest.raises(ValueError, match="one title per drawing"):
        viz.side_by_side(short, longer, titles=["only one"])


def test_left_to_right_layout_turns_layers_into_columns():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    w = anb.tensor([0.5, -1.0], requires_grad=True)
    loss = ((x * w).tanh() * 2).sum()
    tb = viz.draw(loss, names={"x": x, "w": w, "loss": loss})
    lr = viz.draw(loss, names={"x": x, "w": w, "loss": loss}, direction="LR")
    assert lr.scene.width > lr.scene.height and tb.scene.height > tb.scene.width
    boxes_tb, boxes_lr = tb.scene.layout.boxes, lr.scene.layout.boxes
    assert set(boxes_tb) == set(boxes_lr)
    for e in lr.graph.edges_of("next"):                 # every arrow points right
        sx, _, sw, _ = boxes_lr[e.src]
        dx, _, _, _ = boxes_lr[e.dst]
        assert sx + sw <= dx + 1e-6
    for nid, (_, _, w_, h_) in boxes_lr.items():        # boxes keep their own size
        assert (w_, h_) == boxes_tb[nid][2:]
    assert lr.svg == viz.draw(loss, names={"x": x, "w": w, "loss": loss}, direction="LR").svg
    with pytest.raises(ValueError, match="'TB' or 'LR'"):
        viz.draw(loss, direction="up")


def test_gradient_slots_have_room_and_avoid_the_other_edges_into_a_node():
    from autograd_nb.viz.scene import build_scene
    from autograd_nb.viz.slots import SLOT_W
    x = anb.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    graph = viz.snapshot(out, names={"x": x, "y": y, "z": z, "out": out})
    scene = build_scene(graph, legend=False, grad_slots=True)
    slots = [p for item in scene.items for p in item.parts
             if getattr(p, "id", None) and p.id.startswith("edgegrad-")]
    nexts = [e for e in graph.edges if e.kind in ("next", "variable")]
    assert len(slots) == len(nexts) == 6
    left = [s for s in slots if s.anchor == "end"]
    assert left and all(s.x - SLOT_W >= 0 for s in left)          # room to their left
    assert all(s.x + SLOT_W <= scene.width for s in slots if s.anchor == "start")
    # MeanBackward0's edge and z's enter MulBackward0 side by side: its text goes left
    mean = next(f.id for f in graph.functions if f.name == "MeanBackward0")
    k = next(i for i, e in enumerate(e for e in graph.edges) if e.src == mean and e.kind == "next")
    assert next(s for s in slots if s.id == f"edgegrad-{k}").anchor == "end"
    plain = build_scene(graph, legend=False)                      # no slots: no extra room
    assert plain.width <= scene.width
