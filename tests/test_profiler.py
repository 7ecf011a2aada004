"""torch.profiler over our own ops and nodes: PyTorch's table layout, the ops and
backward nodes that ran, record_function spans, and nothing left wrapped afterwards."""
from __future__ import annotations

import json
import re

import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")


def _profile(T, grad: bool = True):
    x = T.ones(3, 3, requires_grad=True)
    with T.profiler.profile(activities=[T.profiler.ProfilerActivity.CPU]) as prof:
        with T.profiler.record_function("forward"):
            if grad:
                y = (x * 2).exp().sum()
            else:
                with T.no_grad():
                    y = (x * 2).exp().sum()
        if grad:
            y.backward()
    return prof


def test_table_layout_is_torchs():
    ours, theirs = _profile(anb).key_averages().table(), _profile(torch).key_averages().table()

    def shape_of(table: str) -> list[str]:
        lines = table.splitlines()
        return [lines[0].strip("-") + "|" + "".join("-" if c == "-" else " " for c in lines[0][-90:]),
                re.sub(r"\s+", " ", lines[1]).strip(), lines[-1].split(":")[0]]
    assert shape_of(ours)[1:] == shape_of(theirs)[1:]
    assert ours.splitlines()[0].endswith("  " + "  ".join(["-" * 12] * 6) + "  ")
    row = next(line for line in ours.splitlines() if "aten::exp" in line)
    fields = row.split()
    assert fields[0] == "aten::exp" and fields[-1] == "1" and row.endswith("  ")
    assert all(re.fullmatch(r"\d+\.\d\d%", f) for f in (fields[1], fields[3]))
    assert all(re.fullmatch(r"\d+\.\d{3}(us|ms|s)", f) for f in (fields[2], fields[4], fields[5]))


def test_ops_and_backward_nodes_are_recorded():
    names = {e.key for e in _profile(anb).key_averages()}
    assert {"forward", "aten::mul", "aten::exp", "aten::sum", "MulBackward0", "ExpBackward0",
            "autograd::engine::evaluate_function: ExpBackward0"} <= names
    with_torch = {e.key for e in _profile(torch).key_averages()}
    assert {"aten::mul", "aten::exp", "aten::sum", "ExpBackward0", "MulBackward0"} <= with_torch
    no_grad = {e.key for e in _profile(anb, grad=False).key_averages()}
    assert not any("Backward" in n for n in no_grad)             # no graph: no nodes ran


def test_totals_include_children_and_wrappers_are_removed():
    mul, exp = anb.Tensor.__mul__, anb.exp
    prof = _profile(anb)
    assert anb.Tensor.__mul__ is mul and anb.exp is exp and anb.exp.__name__ == "exp"
    forward = next(e for e in prof.key_averages() if e.key == "forward")
    inner = sum(e.cpu_time_total for e in prof.events() if e.parent is not None and e.parent.name == "forward")
    assert forward.cpu_time_total >= inner and forward.self_cpu_time_total >= 0
    by_count = prof.key_averages().table(sort_by="count", row_limit=2).splitlines()
    assert len(by_count) == 3 + 2 + 2                     # header, two rows, rule and total


def test_chrome_trace(tmp_path):
    prof = _profile(anb)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    events = json.loads(path.read_text())["traceEvents"]
    assert any(e["name"] == "aten::exp" and e["dur"] >= 0 for e in events)


def test_old_spelling():
    with anb.autograd.profiler.profile() as prof:
        anb.ones(2) * 3
    assert [e.key for e in prof.key_averages()] == ["aten::ones", "aten::mul"]
