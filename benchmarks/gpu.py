"""Workload 6 (opt-in: ``--workloads gpu``): the training steps on a cuda device.

The MLP step (workload 3) and the big conv-net step (workload 4) with the model, the
data and the optimizer on ``cuda``: autograd_nb (through CuPy), torch on cuda, and the
CuPy floor (the numpy floors of ``floors.py`` run with ``xp=cupy``). Each timed step
ends with a device synchronisation, so a step's time is the time its kernels took, not
the time to queue them.

Without a GPU (or without CuPy) every case reports ``n/a``; the suite runs on.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .floors import ConvNetFloor, MLPFloor
from .models import LR, _train_namespace, build_cnn, build_mlp, cnn_floor, mlp_floor
from .timing import Missing, Preset, needs, time_stmt

MLP_CASE = "MLP train step [cuda]"


def cnn_cuda_case(shape: tuple[int, ...]) -> str:
    return "conv net train step " + str(tuple(shape)).replace(" ", "") + " [cuda]"


def cases(preset: Preset) -> list[str]:
    return [MLP_CASE, cnn_cuda_case(max(preset.cnn_shapes, key=lambda s: int(np.prod(s))))]


def _no_gpu(preset: Preset, why: str) -> dict[str, Any]:
    return {c: {"na": why} for c in cases(preset)}


def run_tensor(T: Any, preset: Preset) -> dict[str, Any]:
    """Time both steps with ``T`` (``torch`` or ``autograd_nb``) on ``cuda``."""
    if not T.cuda.is_available():
        return _no_gpu(preset, "no cuda device")
    sync = T.cuda.synchronize
    big = max(preset.cnn_shapes, key=lambda s: int(np.prod(s)))
    builds = {
        MLP_CASE: lambda: (build_mlp(T, preset.mlp), (preset.mlp_batch, preset.mlp[0]), preset.mlp[-1]),
        cnn_cuda_case(big): lambda: (build_cnn(T, big[2:]), big, 20),
    }
    out: dict[str, Any] = {}
    for name, build in builds.items():
        try:
            with needs():
                T.manual_seed(0)
                model, xshape, classes = build()
                model.to("cuda")
                x = T.randn(*xshape).to("cuda")
                y = T.randint(0, classes, (xshape[0],)).to("cuda")
                ns = _train_namespace(T, model, x, y)
                ns["sync"] = sync
                ns["step"]()
                sync()
            out[name] = time_stmt("step(); sync()", ns, preset)
        except Missing as m:
            out[name] = {"na": str(m)}
    return out


def _cupy() -> Any:
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        return cupy
    except Exception:                                  # no CuPy, or no driver / GPU
        return None


def floors(preset: Preset, cp: Any) -> dict[str, tuple[Any, Any, Any]]:
    """``{case: (floor on cp, x, y)}``: the same floors and data as on the cpu, on the device."""
    rng = np.random.default_rng(1)
    big = max(preset.cnn_shapes, key=lambda s: int(np.prod(s)))
    m = mlp_floor(preset.mlp)
    c = cnn_floor(big[2:])
    mlp = MLPFloor([w for w in m.W], [b for b in m.b], LR, xp=cp)
    # rebuild the conv floor from its PyTorch-layout weights, on the device
    cnn = ConvNetFloor(*c.torch_layout(c.W1, c.W2, c.W3), big[2:], LR, xp=cp)   # (c is on the cpu)
    xm = cp.asarray(rng.standard_normal((preset.mlp_batch, preset.mlp[0])).astype(np.float32))
    ym = cp.asarray(rng.integers(0, preset.mlp[-1], preset.mlp_batch))
    xc = cp.asarray(rng.standard_normal(big).astype(np.float32))
    yc = cp.asarray(rng.integers(0, 20, big[0]))
    return {MLP_CASE: (mlp, xm, ym), cnn_cuda_case(big): (cnn, xc, yc)}


def run_floor(preset: Preset) -> dict[str, Any]:
    """Time both floors on the GPU with CuPy."""
    cp = _cupy()
    if cp is None:
        return _no_gpu(preset, "no CuPy with a GPU")
    sync = cp.cuda.Device().synchronize
    out: dict[str, Any] = {}
    for name, (net, x, y) in floors(preset, cp).items():
        ns = {"net": net, "x": x, "y": y, "sync": sync}
        net.step(x, y)
        sync()
        out[name] = time_stmt("net.step(x, y); sync()", ns, preset)
    return out
