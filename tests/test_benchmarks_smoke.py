"""The benchmark suite runs end to end, and its numpy floors compute the right gradients.

No timing is asserted here (timings belong to ``python benchmarks/run.py``); these tests
only make sure the suite keeps working as the library grows, and that the "floor" it
compares against is a correct training step (gradients equal to PyTorch's).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import backward, floors, models, report  # noqa: E402
from benchmarks.timing import PRESETS, Missing, probe, time_phase, time_stmt  # noqa: E402


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


# ------------------------------------------------------------------ the whole suite
def test_suite_runs_end_to_end(tmp_path: Path) -> None:
    impls = "autograd_nb,torch,numpy" if _has_torch() else "autograd_nb,numpy"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--preset", "tiny",
         "--impls", impls, "--out-dir", str(tmp_path), "--no-plot", "--threads", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    assert data["info"]["errors"] == [], data["info"]["errors"]
    assert set(data["summary"]) == {"perop", "backward", "mlp", "cnn", "memory", "random"}
    md = (tmp_path / "latest.md").read_text()
    for workload, title in report.titles(PRESETS["tiny"]).items():
        assert (title in md) == (workload != "gpu")       # gpu: only when asked for
    machine = data["info"]["machine"]
    assert machine["cpu_model"] and machine["logical_cores"] and machine["numpy"]
    assert "OPENBLAS_CORETYPE" in machine["env"]
    for impl in impls.split(","):
        for workload, cases in data["raw"][impl].items():
            for case, v in cases.items():
                # a number per round, or the reason it could not run: never anything else
                assert isinstance(v, list) or set(v) == {"na"}, (impl, workload, case, v)
    # what autograd_nb has today must be measured, not reported missing
    raw_anb = data["raw"]["autograd_nb"]
    assert isinstance(raw_anb["perop"]["add [requires_grad]"], list)
    assert isinstance(raw_anb["backward"]["per node"], list)
    if _has_torch():                      # PyTorch has everything: every case is a number
        for workload, cases in data["raw"]["torch"].items():
            assert all(isinstance(v, list) for v in cases.values()), workload
        row = data["summary"]["backward"][0]
        assert row["case"] == "per node" and row["anb/torch"] > 0


# ------------------------------------------------------------------ helpers, no torch
def test_timing_helpers_give_positive_times() -> None:
    tiny = PRESETS["tiny"]
    assert time_stmt("sum(range(10))", {}, tiny) > 0
    assert time_phase(lambda: list(range(100)), sorted, tiny) > 0


def test_probe_turns_absent_features_into_missing() -> None:
    import autograd_nb as anb
    with pytest.raises(Missing, match="no_such_function"):
        probe(lambda: anb.no_such_function)
    with pytest.raises(ZeroDivisionError):              # real errors are not hidden
        probe(lambda: 1 / 0)


def test_summary_pairs_rounds_and_applies_targets() -> None:
    raw = {
        "autograd_nb": {"backward": {"per node": [2.0, 4.0, 3.0]},
                        "memory": {"graph bytes [grad]": [100], "graph bytes [no_grad]": [8]},
                        "mlp": {"train step": {"na": "nn.Linear"}}},
        "torch": {"backward": {"per node": [1.0, 4.0, 1.0]},
                  "memory": {"graph bytes [grad]": [100], "graph bytes [no_grad]": [0]},
                  "mlp": {"train step": [1.0]}},
        "numpy": {"mlp": {"train step": [1.0]}},
    }
    s = report.summarise(raw, ["backward", "memory", "mlp"], PRESETS["tiny"])
    per_node = s["backward"][0]
    assert per_node["anb/torch"] == 2.0                 # median of 2, 1, 3 (paired per round)
    assert per_node["status"] == "FAIL"                 # target <= 1.5x torch
    mem = {r["case"]: r for r in s["memory"]}
    assert mem["graph bytes [grad]"]["status"] == "PASS"
    assert mem["graph bytes [no_grad]"]["status"] == "FAIL"   # must be 0
    step = s["mlp"][0]
    assert step["status"] == "n/a" and step["anb/floor"] is None
    md = report.markdown(s, {"date": "d", "preset": "tiny", "rounds": 3, "wall_s": 1.0,
                             "machine": {"cpu_model": "cpu", "logical_cores": 2, "python": "3",
                                         "numpy": "2", "loadavg_before": "0", "env": {}}},
                         PRESETS["tiny"])
    assert "n/a (missing: nn.Linear)" in md and "| per node |" in md


def test_backward_node_counts() -> None:
    assert backward.node_count("per node") == backward.CHAIN
    assert backward.node_count("depth=1000") == 1000
    assert backward.node_count("width=10") == 19
    assert backward.node_count("size=64") == backward.SIZE_DEPTH


# ------------------------------------------------------------------ floors vs PyTorch
def _torch_mlp(torch, net: floors.MLPFloor):
    layers = []
    for i, (w, b) in enumerate(zip(net.W, net.b)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
        if i < len(net.W) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def test_mlp_floor_gradients_and_step_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    net = models.mlp_floor((12, 8, 6, 5), seed=3)
    x = rng.standard_normal((7, 12)).astype(np.float32)
    y = rng.integers(0, 5, 7)
    model = _torch_mlp(torch, net)
    loss_t = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss_t.backward()
    loss, gW, gb = net.grads(x, y)
    assert loss == pytest.approx(loss_t.item(), rel=1e-5)
    lins = [m for m in model if isinstance(m, torch.nn.Linear)]
    for lin, dw, db in zip(lins, gW, gb):
        np.testing.assert_allclose(dw, lin.weight.grad.numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(db, lin.bias.grad.numpy(), rtol=1e-4, atol=1e-6)
    # one SGD step == torch.optim.SGD's step
    torch.optim.SGD(model.parameters(), lr=models.LR).step()
    net.step(x, y)
    for lin, w, b in zip(lins, net.W, net.b):
        np.testing.assert_allclose(w, lin.weight.detach().numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(b, lin.bias.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_cnn_floor_gradients_and_step_match_torch() -> None:
    torch = pytest.importorskip("torch")
    shape = (3, 3, 5, 6)                                 # non-square, to catch layout slips
    torch.manual_seed(0)
    model = models.build_cnn(torch, shape[2:])
    w1, w2, w3 = (p.detach().numpy().copy() for p in model.parameters())
    net = floors.ConvNetFloor(w1, w2, w3, shape[2:], models.LR)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 20, shape[0])
    np.testing.assert_allclose(net.forward(x), model(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    loss_t = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss_t.backward()
    loss, grads = net.grads(x, y)
    assert loss == pytest.approx(loss_t.item(), rel=1e-5)
    for p, g in zip(model.parameters(), grads):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-4, atol=1e-6)
    torch.optim.SGD(model.parameters(), lr=models.LR).step()
    net.step(x, y)
    after = floors.ConvNetFloor(*(p.detach().numpy() for p in model.parameters()), shape[2:], 0.0)
    for mine, theirs in ((net.W1, after.W1), (net.W2, after.W2), (net.W3, after.W3)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("channels", [3, 16])          # the columns route and the per-tap route
def test_conv_forward_floor_matches_torch(channels: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, channels, 7, 9)).astype(np.float32)
    w = rng.standard_normal((8, channels, 3, 3)).astype(np.float32)
    want = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    np.testing.assert_allclose(floors.Conv2dFloor(w, (7, 9))(x), want, rtol=1e-4, atol=1e-4)


def test_chain_floor_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = torch.ones(4, requires_grad=True)
    backward.chain(x, 21).backward(torch.ones(4))
    mine = backward.numpy_chain_backward(np.ones(4, np.float32), 21)
    np.testing.assert_allclose(mine, x.grad.numpy(), rtol=1e-6)


# ------------------------------------------------------------------ the gpu workload
def test_gpu_workload_runs_through_the_suite_when_asked_for(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--preset", "tiny", "--impls",
         "autograd_nb,numpy", "--workloads", "gpu", "--out-dir", str(tmp_path), "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    assert data["info"]["errors"] == [] and set(data["summary"]) == {"gpu"}
    assert "6. Training steps on cuda" in (tmp_path / "latest.md").read_text()
    from benchmarks import gpu
    rows = {r["case"]: r for r in data["summary"]["gpu"]}
    assert list(rows) == gpu.cases(PRESETS["tiny"])
    assert rows[gpu.MLP_CASE]["target"] == "<= 1.3x floor"


def test_gpu_workload_reports_na_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograd_nb as anb
    from autograd_nb import _backend
    from benchmarks import gpu
    monkeypatch.setattr(_backend, "_cupy_probe", lambda: None)
    monkeypatch.setattr(gpu, "_cupy", lambda: None)
    tiny = PRESETS["tiny"]
    for got in (gpu.run_tensor(anb, tiny), gpu.run_floor(tiny)):
        assert list(got) == gpu.cases(tiny) and all(set(v) == {"na"} for v in got.values())


def test_gpu_workload_runs_on_the_simulated_device(monkeypatch: pytest.MonkeyPatch) -> None:
    # sim_cupy (tests/) stands in for CuPy: this checks the workload's plumbing (models,
    # data and optimizer moved to cuda, the CuPy floors), not any GPU timing
    import autograd_nb as anb
    import sim_cupy
    from benchmarks import gpu
    cp = sim_cupy.install(monkeypatch)
    monkeypatch.setattr(gpu, "_cupy", lambda: cp)
    tiny = PRESETS["tiny"]
    for got in (gpu.run_tensor(anb, tiny), gpu.run_floor(tiny)):
        assert list(got) == gpu.cases(tiny) and all(isinstance(v, float) and v > 0 for v in got.values())


def test_cupy_floors_compute_what_the_numpy_floors_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim_cupy
    from benchmarks import gpu
    cp = sim_cupy.install(monkeypatch)
    tiny = PRESETS["tiny"]
    on_device = gpu.floors(tiny, cp)
    on_host = gpu.floors(tiny, np)                     # the same floors and data, numpy arrays
    for case, (net, x, y) in on_device.items():
        host_net, hx, hy = on_host[case]
        assert isinstance(x, cp.ndarray) and type(hx) is np.ndarray
        loss, *grads = net.grads(x, y)
        host_loss, *host_grads = host_net.grads(hx, hy)
        assert loss == pytest.approx(host_loss, rel=1e-6)
        for g, h in zip(grads, host_grads):
            for a, b in zip(g, h) if isinstance(g, list) else ((g, h),):
                assert isinstance(a, cp.ndarray)
                np.testing.assert_allclose(a.get(), b, rtol=1e-5, atol=1e-7)
