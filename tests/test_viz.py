"""viz.snapshot: the graph as data, checked against the graph real PyTorch records.

Each scenario runs the same code under autograd_nb and under torch; the test walks
torch's ``grad_fn.next_functions`` itself and compares node names, edges (with
``input_nr``), saved-buffer names and tensor flags with our snapshot.
"""
from __future__ import annotations

import json
from collections import deque

import pytest

import autograd_nb as anb
from autograd_nb import viz


# --------------------------------------------------------------------- scenarios
def seed001_poly(T):
    """Seed 001's running example: y = x**2 + 2x + 1."""
    x = T.tensor([2.0, 3.0, 1.0], requires_grad=True)
    y = x ** 2 + 2 * x + 1
    return y, {"x": x, "y": y}


def seed001_product(T):
    """Seed 001: z = x * y with y not requiring grad (only x gets a .grad)."""
    x = T.tensor([1.0], requires_grad=True)
    y = T.tensor([2.0])
    z = x * y
    return z, {"x": x, "y": y, "z": z}


def seed002_add(T):
    """Seed 002: x = ones(2, 2, requires_grad=True); y = x + 2."""
    x = T.ones(2, 2, requires_grad=True)
    y = x + 2
    out = y.mean()
    return out, {"x": x, "y": y, "out": out}


def square_twice(T):
    """x * x: both edges of MulBackward0 lead to the same AccumulateGrad."""
    x = T.tensor([3.0], requires_grad=True)
    y = x * x
    return y, {"x": x, "y": y}


def small_net(T):
    """Two hand-written linear layers, relu, sigmoid and a mean squared error."""
    x = T.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    w1 = T.tensor([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], requires_grad=True)
    b1 = T.tensor([0.01, -0.02], requires_grad=True)
    w2 = T.tensor([[0.7], [-0.8]], requires_grad=True)
    b2 = T.tensor([0.05], requires_grad=True)
    h = ((x.unsqueeze(2) * w1).sum(1) + b1).relu()
    out = ((h.unsqueeze(2) * w2).sum(1) + b2).sigmoid()
    loss = ((out - 1.0) ** 2).mean()
    return loss, {"x": x, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "h": h, "out": out,
                  "loss": loss}


SCENARIOS = [seed001_poly, seed001_product, seed002_add, square_twice, small_net]
NET_PARAMS = ("w1", "b1", "w2", "b2")


# --------------------------------------------------------------------- torch's graph, walked by hand
def _short(name: str) -> str:
    return name.replace("torch::autograd::", "")


def torch_fns(root):
    """torch's backward nodes reachable from ``root`` (a tensor or node), in BFS order."""
    start = getattr(root, "grad_fn", root)
    out, seen, queue = [], {start}, deque([start])
    while queue:
        fn = queue.popleft()
        out.append(fn)
        for child, _ in fn.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return out


def torch_saved_names(fn):
    saved = set()
    for attr in dir(fn):
        if attr.startswith("_raw_saved_"):
            try:
                value = getattr(fn, "_saved_" + attr[11:])
            except RuntimeError:
                value = "freed"
            if value is not None:
                saved.add(attr[11:])
    return frozenset(saved)


def torch_structure(root):
    """Nodes (name, saved names) and edges (src, dst, index, input_nr) in BFS order."""
    fns = torch_fns(root)
    ids = {fn: k for k, fn in enumerate(fns)}
    nodes = [(_short(fn.name()), torch_saved_names(fn)) for fn in fns]
    edges = [(ids[fn], ids[child], i, nr) for fn in fns
             for i, (child, nr) in enumerate(fn.next_functions) if child is not None]
    return nodes, edges


def our_structure(graph):
    fns = graph.functions
    index = {f.id: k for k, f in enumerate(fns)}
    nodes = [(f.name, frozenset(s.name for s in f.saved)) for f in fns]
    edges = [(index[e.src], index[e.dst], e.index, e.input_nr) for e in graph.edges_of("next")]
    return nodes, edges


def run_both(scenario):
    """The scenario under both libraries: (our snapshot, torch root, torch's named tensors)."""
    torch = pytest.importorskip("torch")
    ours_root, ours_names = scenario(anb)
    theirs_root, theirs_names = scenario(torch)
    return viz.snapshot(ours_root, names=ours_names), theirs_root, theirs_names


@pytest.mark.torch
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_nodes_edges_and_saved_names_match_torch(scenario):
    graph, theirs_root, _ = run_both(scenario)
    assert our_structure(graph) == torch_structure(theirs_root)
    none_slots = [[k for k, (c, _) in enumerate(f.next) if c is None] for f in graph.functions]
    assert none_slots == [[k for k, (c, _) in enumerate(fn.next_functions) if c is None]
                          for fn in torch_fns(theirs_root)]


@pytest.mark.torch
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_tensor_flags_match_torch(scenario):
    graph, _, theirs_names = run_both(scenario)
    for node in graph.tensors:
        t = theirs_names[node.name]
        assert (node.is_leaf, node.requires_grad, node.shape, node.dtype, node.version) == (
            t.is_leaf, t.requires_grad, list(t.shape), str(t.dtype)[6:], t._version), node.name


@pytest.mark.torch
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_grads_after_backward_match_torch(scenario):
    torch = pytest.importorskip("torch")
    ours_root, ours_names = scenario(anb)
    theirs_root, theirs_names = scenario(torch)
    ours_root.sum().backward()
    theirs_root.sum().backward()
    graph = viz.snapshot(ours_root, names=ours_names)
    for node in graph.tensors:
        t = theirs_names[node.name]
        expected = None if not t.is_leaf or t.grad is None else viz.summary.value_summary(t.grad.numpy())
        assert node.grad == expected, node.name


@pytest.mark.torch
def test_snapshot_reads_a_real_torch_graph_the_same_way():
    torch = pytest.importorskip("torch")
    ours_root, ours_names = small_net(anb)
    theirs_root, theirs_names = small_net(torch)
    ours = viz.snapshot(ours_root, names=ours_names)
    theirs = viz.snapshot(theirs_root, names=theirs_names)
    nodes, edges = our_structure(theirs)
    assert ([(_short(n), s) for n, s in nodes], edges) == our_structure(ours)
    assert [(t.id, t.name, t.value) for t in theirs.tensors] == [
        (t.id, t.name, t.value) for t in ours.tensors]


# --------------------------------------------------------------------- the data itself
def test_seed001_poly_snapshot_in_detail():
    x = anb.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2 + 2 * x + 1
    g = viz.snapshot(y, names={"x": x, "y": y})
    assert [(n.id, n.kind, n.label) for n in g.nodes] == [
        ("t0", "tensor", "y"), ("f0", "grad_fn", "AddBackward0"),
        ("f1", "grad_fn", "AddBackward0"), ("f2", "grad_fn", "PowBackward0"),
        ("t1", "tensor", "x"), ("f3", "grad_fn", "MulBackward0"),
        ("f4", "accumulate_grad", "AccumulateGrad")]
    assert g.roots == ["t0"]
    assert [(e.src, e.dst, e.kind, e.index, e.input_nr) for e in g.edges] == [
        ("t0", "f0", "grad_fn", None, 0), ("f0", "f1", "next", 0, 0), ("f1", "f2", "next", 0, 0),
        ("f1", "f3", "next", 1, 0), ("f2", "t1", "saved", None, None),
        ("f2", "f4", "next", 0, 0), ("f3", "f4", "next", 0, 0), ("f4", "t1", "variable", None, None)]
    y_node, x_node = g.node("t0"), g.node("t1")
    assert (y_node.is_leaf, y_node.requires_grad, y_node.is_root, y_node.value) == (False, True, True, "[9., 16.]")
    assert (x_node.is_leaf, x_node.requires_grad, x_node.role, x_node.grad) == (True, True, "leaf_grad", None)
    pow_self = g.node("f2").saved[0]
    assert (pow_self.name, pow_self.kind, pow_self.shape, pow_self.dtype, pow_self.nbytes,
            pow_self.state, pow_self.tensor, pow_self.value) == (
        "self", "tensor", [2], "float32", 8, "live", "t1", "[2., 3.]")
    other = g.node("f3").saved[0]
    assert (other.name, other.kind, other.value) == ("other", "number", "2")
    assert g.node("f4").variable == "t1"
    assert g.node("f0").next == [["f1", 0], [None, 0]]
    # order = creation order of the nodes in the forward pass
    assert [f.name for f in sorted(g.functions, key=lambda f: f.order)] == [
        "PowBackward0", "AccumulateGrad", "MulBackward0", "AddBackward0", "AddBackward0"]


def test_seed001_product_shows_constant_leaf_through_its_saved_buffer():
    x = anb.tensor([1.0], requires_grad=True)
    y = anb.tensor([2.0])
    z = x * y
    g = viz.snapshot(z, names={"x": x, "y": y, "z": z})
    y_node = g.find("y")[0]
    assert (y_node.role, y_node.is_leaf, y_node.requires_grad) == ("leaf", True, False)
    mul = g.find("MulBackward0")[0]
    assert mul.next[1] == [None, 0]                     # y needs no gradient
    saved = {s.name: s for s in mul.saved}
    assert saved["other"].tensor == y_node.id
    assert any(e.kind == "saved" and e.dst == y_node.id for e in g.edges)


def test_ids_are_stable_across_runs():
    def run():
        root, names = small_net(anb)
        d = viz.snapshot(root, names=names).to_dict()
        for n in d["nodes"]:
            n.pop("seq", None)                          # a process-wide counter
        return d
    assert run() == run()


def test_snapshot_is_json_and_round_trips():
    root, names = small_net(anb)
    g = viz.snapshot(root, names=names)
    data = json.loads(g.to_json())
    assert {n["kind"] for n in data["nodes"]} == {"tensor", "grad_fn", "accumulate_grad"}
    again = viz.Graph.from_dict(data)
    assert again.to_dict() == g.to_dict()
    assert again.to_json() == g.to_json()


def test_snapshot_is_a_copy_not_a_view():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    before = viz.snapshot(y, names={"x": x})
    y.backward()
    assert before.find("x")[0].grad is None
    assert all(s.state == "live" for _, s in before.iter_saved())


# --------------------------------------------------------------------- saved buffers
def _states(g):
    return {(f.name, s.name): s.state for f, s in g.iter_saved()}


def test_saved_buffers_freed_after_backward():
    x = anb.tensor([2.0, 3.0], requires_grad=True)
    y = (x.exp() * x).sum()
    before = viz.snapshot(y, names={})
    assert set(_states(before).values()) == {"live"}
    y.backward()
    after = viz.snapshot(y, names={})
    assert set(_states(after).values()) == {"freed"}
    assert [s.nbytes for _, s in after.iter_saved()] == [s.nbytes for _, s in before.iter_saved()]
    assert all(s.value is None for _, s in after.iter_saved())


def test_saved_buffers_kept_with_retain_graph():
    x = anb.tensor([2.0, 3.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    g = viz.snapshot(y, names={"x": x})
    assert set(_states(g).values()) == {"live"}
    assert g.find("x")[0].grad is not None
    y.backward()
    assert set(_states(viz.snapshot(y, names={})).values()) == {"freed"}


def test_saved_buffer_stale_after_inplace_change():
    a = anb.tensor([1.0, 2.0], requires_grad=True)
    z = (a * 2).exp()
    total = z.sum()
    z.mul_(2)                                           # overwrites exp's saved result
    g = viz.snapshot(total, z, names={"z": z})
    exp = g.find("ExpBackward0")[0]
    (result,) = exp.saved
    assert (result.name, result.is_output, result.state) == ("result", True, "stale")
    assert (result.version_saved, result.version_now) == (0, 1)
    assert g.find("z")[0].version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        total.backward()


@pytest.mark.torch
def test_saved_states_agree_with_torch_unpacking():
    """freed <-> torch raises 'backward ... second time'; stale <-> 'inplace operation'."""
    torch = pytest.importorskip("torch")

    def cases(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        kept = (x.exp() * x).sum()
        kept.backward(retain_graph=True)
        freed = (x.exp() * x).sum()
        freed.backward()
        z = (x * 2).exp()
        stale = z.sum()
        z.mul_(2)
        return [kept, freed, stale]

    def torch_state(fn, name):
        try:
            getattr(fn, "_saved_" + name)
        except RuntimeError as e:
            return "stale" if "inplace" in str(e) else "freed"
        return "live"

    for ours, theirs in zip(cases(anb), cases(torch)):
        g = viz.snapshot(ours, names={})
        for f, fn in zip(g.functions, torch_fns(theirs)):
            assert f.name == _short(fn.name())
            for s in f.saved:
                if s.kind == "tensor":
                    assert s.state == torch_state(fn, s.name), (f.name, s.name)


# --------------------------------------------------------------------- names
def test_names_default_to_the_callers_variables():
    weight = anb.tensor([1.0, 2.0], requires_grad=True)
    scaled = weight * 3
    g = viz.snapshot(scaled)
    assert {t.name for t in g.tensors} == {"weight", "scaled"}


def test_empty_names_and_private_names_are_not_used():
    x = anb.tensor([1.0], requires_grad=True)
    y = x * 2
    assert {t.name for t in viz.snapshot(y, names={}).tensors} == {None}
    assert {t.name for t in viz.snapshot(y, names={"_": y, "__x": x}).tensors} == {None}


def test_named_intermediate_tensor_is_attached_to_its_grad_fn():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    out = h.exp().sum()
    g = viz.snapshot(out, names={"x": x, "h": h, "out": out})
    h_node = g.find("h")[0]
    (edge,) = [e for e in g.edges if e.src == h_node.id and e.kind == "grad_fn"]
    assert g.node(edge.dst).name == "MulBackward0"
    assert not h_node.is_leaf and not h_node.is_root


class _Linear:
    def __init__(self, w, b):
        self.w, self.b = w, b


class _Net:
    """Just enough of nn.Module's interface: named_parameters and named_modules."""

    def __init__(self, T):
        self.fc1 = _Linear(T.tensor([[0.5, -1.0], [2.0, 1.0]], requires_grad=True),
                           T.tensor([0.1, 0.2], requires_grad=True))
        self.fc2 = _Linear(T.tensor([[1.0], [-1.0]], requires_grad=True),
                           T.tensor([0.3], requires_grad=True))

    def named_parameters(self):
        return [("fc1.weight", self.fc1.w), ("fc1.bias", self.fc1.b),
                ("fc2.weight", self.fc2.w), ("fc2.bias", self.fc2.b)]

    def named_modules(self):
        return [("", self), ("fc1", self.fc1), ("fc2", self.fc2)]

    def __call__(self, x):
        h = ((x.unsqueeze(2) * self.fc1.w).sum(1) + self.fc1.b).relu()
        return (h.unsqueeze(2) * self.fc2.w).sum(1) + self.fc2.b


def test_params_name_parameters_and_give_modules():
    net = _Net(anb)
    loss = net(anb.tensor([[1.0, 2.0]])).sum()
    g = viz.snapshot(loss, params=net, names={})
    names = {t.name for t in g.tensors if t.is_param}
    assert names == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    assert g.modules == {"": "_Net", "fc1": "_Linear", "fc2": "_Linear"}
    by_module = {}
    for f in g.functions:
        by_module.setdefault(f.module, []).append(f.name)
    assert sorted(by_module["fc1"]) == ["AccumulateGrad", "AccumulateGrad", "AddBackward0",
                                        "MulBackward0", "SumBackward1"]
    assert sorted(by_module["fc2"]) == sorted(by_module["fc1"])
    assert sorted(by_module[None]) == ["ReluBackward0", "SumBackward0", "UnsqueezeBackward0"]


def test_params_as_pairs_or_dict_and_modules_found_among_names():
    net = _Net(anb)
    loss = net(anb.tensor([[1.0, 2.0]])).sum()
    a = viz.snapshot(loss, params=net.named_parameters(), names={})
    b = viz.snapshot(loss, params=dict(net.named_parameters()), names={})
    assert a.to_dict() == b.to_dict()
    c = viz.snapshot(loss, names={"model": net, "loss": loss})
    assert {t.name for t in c.tensors} == {"loss", "model.fc1.weight", "model.fc1.bias",
                                          "model.fc2.weight", "model.fc2.bias"}
    assert {f.module for f in c.functions} == {None, "model.fc1", "model.fc2"}
    with pytest.raises(TypeError, match="params must be"):
        viz.snapshot(loss, params=[1, 2], names={})


def test_collapse_folds_each_module_into_one_box():
    net = _Net(anb)
    loss = net(anb.tensor([[1.0, 2.0]])).sum()
    g = viz.snapshot(loss, params=net, names={})
    folded = g.collapse()
    boxes = [n for n in folded.nodes if n.kind == "module"]
    assert [(b.name, b.type, len(b.members)) for b in boxes] == [("fc2", "_Linear", 7), ("fc1", "_Linear", 7)]
    ids = {n.id for n in folded.nodes}
    assert all(e.src in ids and e.dst in ids for e in folded.edges)
    assert all(e.src != e.dst for e in folded.edges)
    assert len(folded.nodes) == len(g.nodes) - 14 + 2
    only_fc1 = g.collapse(["fc1"])
    assert [n.name for n in only_fc1.nodes if n.kind == "module"] == ["fc1"]
    assert g.collapse(False).to_dict() == g.to_dict()


# --------------------------------------------------------------------- bad input, odd graphs
@pytest.mark.parametrize("bad", [3, "x", None, [1.0]], ids=repr)
def test_non_tensor_root_is_a_type_error(bad):
    with pytest.raises(TypeError, match="graph roots must be tensors or grad_fn"):
        viz.snapshot(bad)
    with pytest.raises(TypeError, match="graph roots must be tensors or grad_fn"):
        viz.draw(bad)


def test_list_of_tensors_gets_a_hint_and_no_roots_is_an_error():
    x = anb.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"separate arguments"):
        viz.snapshot([x, x])
    with pytest.raises(TypeError, match="at least one"):
        viz.snapshot()


@pytest.mark.parametrize("requires_grad", [True, False])
def test_tensor_without_graph_is_a_single_leaf_with_a_note(requires_grad):
    x = anb.tensor([1.0, 2.0], requires_grad=requires_grad)
    g = viz.snapshot(x, names={"x": x})
    assert [(n.kind, n.name, n.is_leaf, n.requires_grad) for n in g.nodes] == [
        ("tensor", "x", True, requires_grad)]
    assert g.edges == []
    assert len(g.notes) == 1 and g.notes[0].startswith("x has no graph")
    d = viz.draw(x, names={"x": x})
    assert "has no graph" in d.svg


def test_grad_fn_as_root_and_several_roots_sharing_a_subgraph():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    a, b = h.sum(), (h * 2).sum()
    g = viz.snapshot(a.grad_fn, names={})
    assert g.roots == ["f0"] and g.node("f0").name == "SumBackward0"
    both = viz.snapshot(a, b, names={})
    assert both.roots == ["t0", "t1"]
    assert [f.name for f in both.functions].count("ExpBackward0") == 1


def test_inference_retains_grad_and_version_flags():
    with anb.inference_mode():
        c = anb.tensor([1.0, 2.0])
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    out = (y * c.clone()).sum()
    out.backward()
    g = viz.snapshot(out, names={"c": c, "y": y, "x": x})
    y_node = g.find("y")[0]
    assert y_node.retains_grad and y_node.grad == "[1., 2.]"
    cg = viz.snapshot(c, names={"c": c})
    assert cg.find("c")[0].is_inference


def test_deep_graph_does_not_recurse():
    x = anb.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    g = viz.snapshot(y, names={})
    assert len(g.functions) == 3001
    assert g.roots == ["t0"]


@pytest.mark.torch
def test_nn_sequential_graph_and_modules():
    torch = pytest.importorskip("torch")
    anb.manual_seed(0)
    model = anb.nn.Sequential(anb.nn.Linear(3, 4), anb.nn.ReLU(), anb.nn.Linear(4, 2))
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for (_, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    data = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]
    loss = model(anb.tensor(data)).pow(2).mean()
    theirs = twin(torch.tensor(data)).pow(2).mean()
    g = viz.snapshot(loss, params=model, names={})
    assert our_structure(g) == torch_structure(theirs)
    assert {t.name for t in g.tensors if t.is_param} == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert g.modules["0"] == "Linear" and g.modules["1"] == "ReLU"
    for f in g.functions:
        if f.name in ("ReluBackward0", "PowBackward0", "MeanBackward0"):
            assert f.module is None, f.name
        else:                                          # a Linear's own nodes
            assert f.module in ("0", "2"), f.name
    folded = g.collapse()
    assert [(n.name, n.type) for n in folded.nodes if n.kind == "module"] == [
        ("2", "Linear"), ("0", "Linear")]


def test_custom_function_buffers_and_multi_output_edges():
    class Square(anb.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = anb.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a, b = x.split(2)
    y = Square.apply(a).sum() + (b * 3).sum()
    g = viz.snapshot(y, names={"x": x, "a": a, "b": b, "y": y})
    sq = g.find("SquareBackward")[0]
    assert [(s.name, s.state, s.tensor) for s in sq.saved] == [
        ("saved_tensors[0]", "live", g.find("a")[0].id)]
    split = g.find("SplitBackward0")[0]
    mul = g.find("MulBackward0")[0]
    assert mul.next[0] == [split.id, 1]                  # b is output 1 of the split
    b_edge = [e for e in g.edges if e.src == g.find("b")[0].id][0]
    assert (b_edge.kind, b_edge.dst, b_edge.input_nr) == ("grad_fn", split.id, 1)
    svg = viz.draw(g).svg
    assert "output 1" in svg and "out 1" in svg


def test_draw_a_no_grad_view_whose_base_changed():
    """PyTorch refuses that view's grad_fn; the picture still draws (as the view was)."""
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    with anb.no_grad():
        v = h[:]
    h.mul_(2)
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
        v.grad_fn
    graph = viz.snapshot(v, h, names={"v": v, "h": h})
    assert {"v", "h"} <= {n.label for n in graph.nodes}
    assert viz.draw(v, h, names={"v": v, "h": h})._repr_svg_().startswith("<svg")
