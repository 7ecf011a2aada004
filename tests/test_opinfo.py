"""PyTorch's own op database (op_db) as our op tests.

Every in-scope entry of ``torch.testing._internal.common_methods_invocations.op_db`` is run
against autograd_nb by ``tools/opdb.py`` (torch's samples, values, gradients of first and
second order, ``grad_fn`` names, torch's bad inputs) and must give exactly the status
recorded in ``docs/opdb-coverage.json``: a regression fails here, and so does an entry that
started to agree (or moved otherwise) until the table is regenerated with
``python tools/opdb.py``.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="compares against real PyTorch 2.13.0 (not installed)")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "docs" / "opdb-coverage.json"
DOC = ROOT / "docs" / "opdb-coverage.md"
RECORDED: dict[str, dict] = json.loads(DATA.read_text())["entries"]
IN_SCOPE = sorted(name for name, v in RECORDED.items() if v["status"] != "out of scope")

pytestmark = pytest.mark.torch


def _opdb():
    if "_opdb_tool" not in sys.modules:
        spec = importlib.util.spec_from_file_location("_opdb_tool", ROOT / "tools" / "opdb.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["_opdb_tool"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["_opdb_tool"]


@pytest.mark.parametrize("entry", IN_SCOPE)
def test_entry_as_recorded(entry):
    opdb = _opdb()
    op = opdb.entries().get(entry)
    assert op is not None, f"{entry} is no longer in torch's op_db: run python tools/opdb.py"
    got = opdb.run_entry(op)
    want = RECORDED[entry]
    assert got == want, (
        f"{entry}: now {got['status']}{': ' + got['why'] if got.get('why') else ''} "
        f"(bad inputs {got.get('errors')}), recorded {want['status']}"
        f"{': ' + want['why'] if want.get('why') else ''} (bad inputs {want.get('errors')}). "
        "A regression, or an improvement to record: run python tools/opdb.py")


def test_table_is_current():
    """The JSON lists every op_db entry with today's scope decision, and the page is the
    JSON rendered (together with the per-entry tests: the table is what a fresh run gives)."""
    opdb = _opdb()
    ops = opdb.entries()
    assert sorted(ops) == sorted(RECORDED), "op_db's entries changed: run python tools/opdb.py"
    for name, op in ops.items():
        reason = opdb.out_of_scope(op)
        if reason:
            assert RECORDED[name] == {"status": "out of scope", "why": reason}, name
        else:
            assert RECORDED[name]["status"] != "out of scope", name
    assert DATA.read_text() == opdb.dump(RECORDED), "docs/opdb-coverage.json: run python tools/opdb.py"
    assert DOC.read_text() == opdb.render(RECORDED), "docs/opdb-coverage.md: run python tools/opdb.py"


def test_conversion_keeps_layout_and_shares_tensors():
    """A transposed or expanded sample stays so in autograd_nb; one torch tensor used twice
    becomes one autograd_nb tensor (so gradients accumulate as in torch)."""
    opdb = _opdb()
    base = torch.arange(6.0, dtype=torch.float64).reshape(2, 3)
    conv = opdb.Converter()
    t = conv(base.t())
    assert tuple(t.shape) == (3, 2) and t.stride() == (1, 3)
    e = conv(torch.ones(3, dtype=torch.float64).expand(2, 3))
    assert e.stride() == (0, 1)
    x = torch.ones(2, requires_grad=True)
    a, b = conv((x, x))
    assert a is b and a.requires_grad and len(conv.pairs) == 1


def test_a_wrong_op_is_caught(monkeypatch):
    """The harness sees a wrong value, a wrong graph and a missing name."""
    import autograd_nb as anb
    opdb = _opdb()
    ops = opdb.entries()
    monkeypatch.setattr(anb, "sin", anb.cos)
    got = opdb.run_entry(ops["sin"])
    assert got["status"] == "differs" and "values differ" in got["why"], got
    monkeypatch.setattr(anb, "cos", lambda x, **kw: anb.Tensor.cos(x.detach()) + 0 * x)
    got = opdb.run_entry(ops["cos"])
    assert got["status"] == "differs" and "grad_fn" in got["why"], got
    monkeypatch.delattr(anb, "tan")
    assert opdb.run_entry(ops["tan"])["status"] == "missing"
