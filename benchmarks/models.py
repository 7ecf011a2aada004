"""Workloads 3-5: real training steps and the memory a graph holds.

The model code is written once against PyTorch's API and run with ``T`` = ``torch`` or
``autograd_nb`` (``import autograd_nb as torch`` style). Where autograd_nb still lacks
a piece (``nn.Linear``, ``optim.SGD``, ``F.cross_entropy`` ...), the case reports
``n/a (missing: ...)`` and runs by itself once the piece lands.

* ``mlp``: 784-256-128-10 with ReLU, batch 128: a full SGD training step
  (zero_grad, forward, cross entropy, backward, step), a forward in grad mode, and
  inference under ``no_grad`` and ``inference_mode``.
* ``cnn``: seed 003's net, Conv(3,16,3,p1)-ReLU-Conv(16,32,3,p1)-ReLU-Flatten-Linear
  (no biases, as in the seed; 20 classes), one training step per input shape; and one
  ``conv2d`` forward alone, (64,16,32,32) -> 32 channels, 3x3, padding 1 (issue 21).
* ``memory``: 20 x (Linear(1024,1024) + ReLU), batch 256: bytes of the tensors the
  graph saved (parameters and views of parameters not counted; each storage counted
  once) after a forward in grad mode / no_grad / inference_mode, and after backward.
"""
from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np

from .floors import Conv2dFloor, ConvNetFloor, MLPFloor
from .timing import Missing, Preset, needs, probe, time_stmt

LR = 0.01
MLP_CASES = ("train step", "forward [grad]", "inference [no_grad]", "inference [inference_mode]")
MEM_CASES = ("graph bytes [grad]", "graph bytes [no_grad]", "graph bytes [inference_mode]",
             "graph bytes after backward", "graph bytes, summed per save [grad]",
             "saved_bytes() [grad]")


def cnn_case(shape: tuple[int, ...]) -> str:
    return "train step " + str(tuple(shape)).replace(" ", "")


def conv_forward_shape(preset: Preset) -> tuple[int, int, int, int, int]:
    """``(N, C, H, W, O)`` of the conv-forward-alone row: issue 21's (64,16,32,32) -> 32
    (the seed net's second conv), tiny for the smoke test's preset."""
    return (2, 4, 6, 6, 8) if preset.name == "tiny" else (64, 16, 32, 32, 32)


def conv_forward_case(preset: Preset) -> str:
    n, c, h, w, o = conv_forward_shape(preset)
    return f"conv2d forward ({n},{c},{h},{w})->{o}, 3x3, p1"


def _all_missing(names: Any, why: str) -> dict[str, Any]:
    return {n: {"na": why} for n in names}


# ---------------------------------------------------------------------------- MLP
def build_mlp(T: Any, sizes: tuple[int, ...]) -> Any:
    nn = T.nn
    layers: list = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _train_namespace(T: Any, model: Any, x: Any, y: Any) -> dict[str, Any]:
    """A namespace whose ``step()`` is one complete SGD training step."""
    F = T.nn.functional
    opt = T.optim.SGD(model.parameters(), lr=LR)

    def step() -> None:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return {"step": step, "model": model, "x": x, "T": T}


def run_mlp_tensor(T: Any, preset: Preset) -> dict[str, Any]:
    try:
        with needs():
            T.manual_seed(0)
            model = build_mlp(T, preset.mlp)
            x = T.randn(preset.mlp_batch, preset.mlp[0])
            y = T.randint(0, preset.mlp[-1], (preset.mlp_batch,))
            ns = _train_namespace(T, model, x, y)
            ns["step"]()
    except Missing as m:
        return _all_missing(MLP_CASES, str(m))
    stmts = {
        "train step": "step()",
        "forward [grad]": "model(x)",
        "inference [no_grad]": "with T.no_grad(): model(x)",
        "inference [inference_mode]": "with T.inference_mode(): model(x)",
    }
    out: dict[str, Any] = {}
    for name, stmt in stmts.items():
        try:
            probe(lambda: exec(stmt, ns))
            out[name] = time_stmt(stmt, ns, preset)
        except Missing as m:
            out[name] = {"na": str(m)}
    return out


def mlp_floor(sizes: tuple[int, ...], seed: int = 0) -> MLPFloor:
    """A floor MLP with PyTorch's default init scale (uniform +-1/sqrt(fan_in))."""
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for a, b in zip(sizes, sizes[1:]):
        k = 1 / np.sqrt(a)
        ws.append(rng.uniform(-k, k, (b, a)).astype(np.float32))
        bs.append(rng.uniform(-k, k, b).astype(np.float32))
    return MLPFloor(ws, bs, LR)


def run_mlp_numpy(preset: Preset) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    net = mlp_floor(preset.mlp)
    ns = {"net": net,
          "x": rng.standard_normal((preset.mlp_batch, preset.mlp[0])).astype(np.float32),
          "y": rng.integers(0, preset.mlp[-1], preset.mlp_batch)}
    fwd = time_stmt("net.forward(x)", ns, preset)
    return {"train step": time_stmt("net.step(x, y)", ns, preset), "forward [grad]": fwd,
            "inference [no_grad]": fwd, "inference [inference_mode]": fwd}


# ---------------------------------------------------------------------------- CNN
def build_cnn(T: Any, hw: tuple[int, int], classes: int = 20) -> Any:
    nn = T.nn
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, 1, padding=1, bias=False), nn.ReLU(),
        nn.Conv2d(16, 32, 3, 1, padding=1, bias=False), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * hw[0] * hw[1], classes, bias=False))


def run_cnn_tensor(T: Any, preset: Preset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for shape in preset.cnn_shapes:
        name = cnn_case(shape)
        try:
            with needs():
                T.manual_seed(0)
                model = build_cnn(T, shape[2:])
                ns = _train_namespace(T, model, T.randn(*shape), T.randint(0, 20, (shape[0],)))
                ns["step"]()
            out[name] = time_stmt("step()", ns, preset)
        except Missing as m:
            out[name] = {"na": str(m)}
    n, c, h, w, o = conv_forward_shape(preset)
    T.manual_seed(0)
    ns = {"F": T.nn.functional, "x": T.randn(n, c, h, w), "w": T.randn(o, c, 3, 3) * 0.1}
    out[conv_forward_case(preset)] = time_stmt("F.conv2d(x, w, padding=1)", ns, preset)
    return out


def cnn_floor(hw: tuple[int, int], seed: int = 0) -> ConvNetFloor:
    rng = np.random.default_rng(seed)

    def init(shape: tuple, fan_in: int) -> np.ndarray:
        k = 1 / np.sqrt(fan_in)
        return rng.uniform(-k, k, shape).astype(np.float32)
    lin_in = 32 * hw[0] * hw[1]
    return ConvNetFloor(init((16, 3, 3, 3), 27), init((32, 16, 3, 3), 144),
                        init((20, lin_in), lin_in), hw, LR)


def run_cnn_numpy(preset: Preset) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    out: dict[str, Any] = {}
    for shape in preset.cnn_shapes:
        ns = {"net": cnn_floor(shape[2:]),
              "x": rng.standard_normal(shape).astype(np.float32),
              "y": rng.integers(0, 20, shape[0])}
        out[cnn_case(shape)] = time_stmt("net.step(x, y)", ns, preset)
    n, c, h, w, o = conv_forward_shape(preset)
    ns = {"conv": Conv2dFloor(rng.standard_normal((o, c, 3, 3)).astype(np.float32) * 0.1, (h, w)),
          "x": rng.standard_normal((n, c, h, w)).astype(np.float32)}
    out[conv_forward_case(preset)] = time_stmt("conv(x)", ns, preset)
    return out


# ---------------------------------------------------------------------------- memory
class _Packed:
    """What the pack hook stores: a detached alias of the saved tensor (no cycle)."""

    __slots__ = ("t", "__weakref__")

    def __init__(self, t: Any) -> None:
        self.t = t


def _storage(T: Any, t: Any) -> tuple[int, int]:
    """``(address, nbytes)`` of the whole buffer behind ``t`` (shared by its views)."""
    if hasattr(t, "untyped_storage"):                         # PyTorch
        s = t.untyped_storage()
        return s.data_ptr(), s.nbytes()
    arr = t._data                                             # autograd_nb: numpy array
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr.__array_interface__["data"][0], arr.nbytes


def run_memory_tensor(T: Any, preset: Preset) -> dict[str, Any]:
    try:
        with needs():
            T.manual_seed(0)
            nn = T.nn
            layers: list = []
            for _ in range(preset.mem_layers):
                layers += [nn.Linear(preset.mem_width, preset.mem_width), nn.ReLU()]
            model = nn.Sequential(*layers)
            x = T.randn(preset.mem_batch, preset.mem_width)
            return _measure_memory(T, model, x, T.autograd.graph.saved_tensors_hooks)
    except Missing as m:
        return _all_missing(MEM_CASES, str(m))


def _measure_memory(T: Any, model: Any, x: Any, hooks: Any) -> dict[str, Any]:
    """Saved bytes after forward in each mode and after backward, counted by pack hooks."""
    params = {_storage(T, p)[0] for p in model.parameters()}
    live: "weakref.WeakSet[_Packed]" = weakref.WeakSet()

    def pack(t: Any) -> _Packed:
        p = _Packed(t.detach())
        live.add(p)
        return p

    def unpack(p: _Packed) -> Any:
        return p.t

    def held() -> tuple[int, int]:
        gc.collect()
        unique: dict[int, int] = {}
        summed = 0
        for p in list(live):
            key, nbytes = _storage(T, p.t)
            if key in params:
                continue
            unique[key] = nbytes
            summed += p.t.numel() * p.t.element_size()
        return sum(unique.values()), summed

    out: dict[str, Any] = {}
    for mode, ctx in (("grad", T.enable_grad), ("no_grad", T.no_grad),
                      ("inference_mode", T.inference_mode)):
        with hooks(pack, unpack):
            with ctx():
                y = model(x)
            unique, summed = held()
            out[f"graph bytes [{mode}]"] = unique
            if mode == "grad":
                out["graph bytes, summed per save [grad]"] = summed
                y.sum().backward()
                out["graph bytes after backward"] = held()[0]
        del y
    saved_bytes = getattr(T.autograd.graph, "saved_bytes", None)   # autograd_nb's own counter
    if saved_bytes is not None:
        gc.collect()
        before = saved_bytes()
        y = model(x)
        out["saved_bytes() [grad]"] = saved_bytes() - before
        del y
    return out
