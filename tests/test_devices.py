"""cuda tensors, layers, losses and optimizers: same results and graphs as on the cpu.

Each test runs on ``sim`` (``sim_cupy``: the device plumbing, no CUDA kernel, in CI)
and on ``cuda`` (CuPy on a real GPU, ``gpu`` marker, skipped without one). The tests
without a device fixture check what a machine with no GPU says.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb import nn

import sim_cupy


@pytest.fixture
def cuda(device_kind: str) -> str:
    """The device string of the tests below, on the simulated or the real GPU (conftest)."""
    return "cuda"


# ---------------------------------------------------------------------------
# without a GPU
# ---------------------------------------------------------------------------


def test_without_a_gpu_cuda_is_refused_with_the_install_hint(monkeypatch: Any) -> None:
    from autograd_nb import _backend
    monkeypatch.setattr(_backend, "_cupy_probe", lambda: None)
    assert not anb.cuda.is_available() and anb.cuda.device_count() == 0
    assert anb.cuda.memory_allocated() == 0
    for make in (lambda: anb.ones(2, device="cuda"), lambda: anb.ones(2).cuda(),
                 lambda: anb.ones(2).to("cuda:0"), lambda: nn.Linear(2, 2).cuda()):
        with pytest.raises(AssertionError, match=r"pip install autograd_nb\[gpu\]"):
            make()
    assert anb.ones(2).cpu().device == anb.device("cpu")


def test_importing_autograd_nb_does_not_import_cupy() -> None:
    import subprocess
    import sys
    code = "import sys, autograd_nb; autograd_nb.ones(2) + 1; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------
# tensors on cuda
# ---------------------------------------------------------------------------


def test_moving_tensors(cuda: str) -> None:
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    for y in (x.cuda(), x.to("cuda"), x.to("cuda:0"), x.to(anb.device("cuda")),
              anb.tensor([1.0, 2.0], device="cuda:0", requires_grad=True)):
        assert y.is_cuda and str(y.device) == "cuda:0" and y.device == anb.device("cuda", 0)
        assert repr(y).endswith("device='cuda:0', grad_fn=<ToCopyBackward0>)") or \
            repr(y) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
    y = x.cuda()
    assert y.grad_fn is not None and y.cuda() is y and y.to("cuda") is y
    back = y.cpu()
    assert back.device == anb.device("cpu") and back.tolist() == [1.0, 2.0]
    (back * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and x.grad.device == anb.device("cpu")


def test_cuda_errors_are_pytorchs(cuda: str) -> None:
    a, b = anb.ones(2, device="cuda"), anb.ones(2)
    for op in (lambda: a + b, lambda: b * a, lambda: anb.cat([a, b]), lambda: a @ b):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but "
                                               "found at least two devices"):
            op()
    with pytest.raises(TypeError, match=r"^can't convert cuda:0 device type tensor to numpy. Use "
                                        r"Tensor.cpu\(\) to copy the tensor to host memory first.$"):
        a.numpy()
    assert a.cpu().numpy().tolist() == [1.0, 1.0] and a.tolist() == [1.0, 1.0] and a.sum().item() == 2.0


def test_version_counters_and_saved_buffers_on_cuda(cuda: str) -> None:
    x = anb.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
    y = x.exp()
    assert y.grad_fn._saved_result.device == x.device
    y.mul_(2)                                          # exp saved its result: now stale
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    with anb.no_grad():
        z = x * 2
    with anb.inference_mode():
        w = x * 2
    assert z.grad_fn is None and w.grad_fn is None and z.is_cuda and w.is_cuda and w.is_inference()


# ---------------------------------------------------------------------------
# layers, losses and optimizers: a few training steps on each device
# ---------------------------------------------------------------------------


def _convnet() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, padding=1), nn.GELU(),
                         nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(5, 8), nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 8),
                         nn.BatchNorm1d(8), nn.LeakyReLU(0.1), nn.Linear(8, 8), nn.ELU(),
                         nn.Linear(8, 3))


class _Embed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(7, 4)
        self.conv = nn.Conv1d(4, 3, 2)
        self.bil = nn.Bilinear(3, 3, 3)

    def forward(self, idx: Any) -> Any:
        h = self.conv(self.emb(idx).transpose(1, 2)).sigmoid().mean(2)
        return self.bil(h, h)


def _inputs(kind: str, device: str) -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    if kind == "conv":
        x = anb.tensor(rng.standard_normal((4, 3, 8, 8)), dtype=anb.float32, device=device)
    elif kind == "mlp":
        x = anb.tensor(rng.standard_normal((6, 5)), dtype=anb.float32, device=device)
    else:
        x = anb.tensor(rng.integers(0, 7, (6, 5)), device=device)
    target = anb.tensor(rng.integers(0, 3, (x.shape[0],)), device=device)
    return x, target


LOSSES: dict[str, Callable[[Any, Any], Any]] = {
    "cross_entropy": lambda out, t: nn.CrossEntropyLoss(label_smoothing=0.1)(out, t),
    "nll": lambda out, t: nn.NLLLoss()(nn.LogSoftmax(1)(out), t),
    "mse": lambda out, t: nn.MSELoss()(nn.Softmax(1)(out), anb.nn.functional.one_hot(t, 3).float()),
    "l1": lambda out, t: nn.L1Loss()(out, anb.nn.functional.one_hot(t, 3).float()),
    "smooth_l1": lambda out, t: nn.SmoothL1Loss()(out, anb.nn.functional.one_hot(t, 3).float()),
    "bce": lambda out, t: nn.BCELoss()(nn.Sigmoid()(out), anb.nn.functional.one_hot(t, 3).float()),
    "bce_weight": lambda out, t: nn.BCELoss(weight=anb.full((3,), 0.5, device=out.device))(
        nn.Sigmoid()(out), anb.nn.functional.one_hot(t, 3).float()),
    "ce_weight": lambda out, t: nn.CrossEntropyLoss(weight=anb.tensor([1.0, 2.0, 0.5], device=out.device),
                                                    label_smoothing=0.2, ignore_index=1)(out, t),
    "bce_logits": lambda out, t: nn.BCEWithLogitsLoss()(out, anb.nn.functional.one_hot(t, 3).float()),
}

OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "sgd": lambda ps: anb.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda ps: anb.optim.Adam(ps, lr=0.01, amsgrad=True),
    "adamw": lambda ps: anb.optim.AdamW(ps, lr=0.01),
    "rmsprop": lambda ps: anb.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda ps: anb.optim.Adagrad(ps, lr=0.1),
}

MODELS = {"conv": _convnet, "mlp": _mlp, "embed": _Embed}


def _train(kind: str, loss: str, opt: str, device: str, steps: int = 3) -> tuple[list, Any, Any]:
    anb.manual_seed(0)
    model = MODELS[kind]().to(device)
    params_before = list(model.parameters())
    optimizer = OPTIMIZERS[opt](model.parameters())
    x, t = _inputs(kind, device)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        value = LOSSES[loss](model(x), t)
        value.backward()
        optimizer.step()
        losses.append(value.item())
    assert list(model.parameters()) == params_before
    return losses, model, optimizer


@pytest.mark.parametrize("kind, loss, opt", [
    ("conv", "cross_entropy", "sgd"), ("conv", "nll", "adam"), ("mlp", "mse", "rmsprop"),
    ("mlp", "bce", "adagrad"), ("mlp", "bce_logits", "adamw"), ("embed", "l1", "sgd"),
    ("embed", "smooth_l1", "adam"), ("mlp", "cross_entropy", "sgd"), ("mlp", "bce_weight", "sgd"),
    ("conv", "ce_weight", "adamw"),
])
def test_training_steps_match_the_cpu(kind: str, loss: str, opt: str, cuda: str) -> None:
    cpu_losses, cpu_model, _ = _train(kind, loss, opt, "cpu")
    gpu_losses, gpu_model, gpu_opt = _train(kind, loss, opt, cuda)
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-4, atol=1e-5)
    for (name, p), q in zip(gpu_model.named_parameters(), cpu_model.parameters()):
        assert p.is_cuda and p.is_leaf and p.grad.is_cuda, name
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)
    for b in gpu_model.buffers():
        assert b.is_cuda
    for state in gpu_opt.state.values():
        for key, value in state.items():
            if isinstance(value, anb.Tensor) and key != "step":
                assert value.is_cuda, key


def test_module_to_keeps_parameter_identity_and_state_dict_loads_across(cuda: str) -> None:
    anb.manual_seed(0)
    model = nn.Linear(3, 2)
    w = model.weight
    assert model.to(cuda) is model and model.weight is w and w.is_cuda
    state = model.state_dict()
    assert all(v.is_cuda for v in state.values())
    cpu_model = nn.Linear(3, 2)
    cpu_model.load_state_dict(state)
    assert not cpu_model.weight.is_cuda
    assert cpu_model.weight.tolist() == model.weight.cpu().tolist()
    model.cpu()
    assert model.weight is w and not w.is_cuda


def test_dataloader_pin_memory_is_accepted(cuda: str) -> None:
    from autograd_nb.utils.data import DataLoader, TensorDataset
    data = TensorDataset(anb.arange(6.0).reshape(3, 2), anb.tensor([0, 1, 0]))
    batches = [(x.to(cuda), y.to(cuda)) for x, y in DataLoader(data, batch_size=2, pin_memory=True)]
    assert [tuple(x.shape) for x, _ in batches] == [(2, 2), (1, 2)]
    assert all(x.is_cuda and y.is_cuda for x, y in batches)


def test_rederived_view_backward_stays_on_cuda(cuda: str) -> None:
    def run(device: str) -> Any:
        a = anb.tensor([1.0, 2.0, 3.0, 4.0], device=device, requires_grad=True)
        b = a * 1
        w = b[1:][::2]
        b.mul_(3)                                      # w is re-derived: AsStridedBackward0
        assert type(w.grad_fn).__name__ == "AsStridedBackward0"
        (w * w).sum().backward()
        return a.grad
    g = run(cuda)
    assert g.is_cuda and g.tolist() == run("cpu").tolist() == [0.0, 36.0, 0.0, 72.0]


def test_clip_grad_norm_returns_the_norm_on_the_gradients_device(cuda: str) -> None:
    model = nn.Linear(3, 2).to(cuda)
    model(anb.ones(4, 3, device=cuda)).sum().backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    assert norm.is_cuda and norm.dtype == anb.float32
    total = sum(float((p.grad.cpu().numpy().astype(np.float64) ** 2).sum()) for p in model.parameters())
    assert norm.item() > 0.5 and total ** 0.5 == pytest.approx(0.5, rel=1e-4)


@pytest.mark.parametrize("value", [0.0, 2.0])
def test_nonzero_of_a_0d_tensor_matches_torch_on_every_device(value: float, cuda: str) -> None:
    torch = pytest.importorskip("torch")
    want = torch.tensor(value)
    for device in ("cpu", cuda):
        t = anb.tensor(value, device=device)
        got = t.nonzero()
        assert tuple(got.shape) == tuple(want.nonzero().shape) and got.dtype == anb.int64
        (col,) = t.nonzero(as_tuple=True)
        assert col.tolist() == want.nonzero(as_tuple=True)[0].tolist() and col.dtype == anb.int64
        assert got.device == t.device and col.device == t.device
    x = anb.tensor([[0.0, 1.0], [2.0, 0.0]], device=cuda)
    assert x.nonzero().tolist() == [[0, 1], [1, 0]] and x.nonzero().is_cuda


# ---------------------------------------------------------------------------
# every layer case of test_nn_layers.py, cuda against cpu
# ---------------------------------------------------------------------------

from test_nn_layers import BN_CASES, CASES as LAYER_CASES  # noqa: E402


def _layer_run(make: Callable, inputs: list[np.ndarray], device: str, up_seed: int, train: bool,
               steps: int = 1) -> tuple:
    anb.manual_seed(0)
    mod = make(nn).to(device)
    mod.train(train)
    outs = []
    xs: list = []
    for step in range(steps):
        xs = [anb.tensor(a.astype(np.float32), device=device, requires_grad=True) for a in inputs]
        out = mod(*xs)
        rng = np.random.default_rng(up_seed + step)
        up = anb.tensor(rng.standard_normal(tuple(out.shape)).astype(np.float32), device=device)
        (out * up).sum().backward()
        outs.append(out)
    return mod, outs, xs


def _same(a: Any, b: Any, where: str) -> None:
    assert a.device == anb.device("cuda", 0), f"{where} is on {a.device}"
    np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-4,
                               err_msg=where)


@pytest.mark.parametrize("name,make,shapes", LAYER_CASES + [(n, m, [s]) for n, m, s in BN_CASES],
                         ids=[c[0] for c in LAYER_CASES] + [c[0] for c in BN_CASES])
def test_layer_on_cuda_matches_cpu(name: str, make: Callable, shapes: list, cuda: str) -> None:
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(s) for s in shapes]
    steps = 2 if name.startswith("BatchNorm") else 1     # running statistics accumulate
    for train in (True, False):
        cpu_mod, cpu_outs, cpu_xs = _layer_run(make, inputs, "cpu", 5, train, steps)
        gpu_mod, gpu_outs, gpu_xs = _layer_run(make, inputs, cuda, 5, train, steps)
        for c, g in zip(cpu_outs, gpu_outs):
            _same(g, c, f"{name} output")
            assert type(g.grad_fn).__name__ == type(c.grad_fn).__name__
        for c, g in zip(cpu_xs, gpu_xs):
            _same(g.grad, c.grad, f"{name} input grad")
        for (pname, g), c in zip(gpu_mod.named_parameters(), cpu_mod.parameters()):
            _same(g.grad, c.grad, f"{name}.{pname}.grad")
        for (bname, g), c in zip(gpu_mod.named_buffers(), cpu_mod.buffers()):
            _same(g, c, f"{name} buffer {bname}")


def test_dropout_on_cuda(cuda: str) -> None:
    drop = nn.Dropout(0.5)
    x = anb.ones(200, device=cuda, requires_grad=True)
    y = drop(x)
    kept = y.detach().cpu().numpy()
    assert y.is_cuda and set(np.unique(kept)) <= {0.0, 2.0} and 0 < (kept == 2.0).sum() < 200
    y.sum().backward()
    assert x.grad.is_cuda and x.grad.cpu().tolist() == kept.tolist()
    drop.eval()
    assert drop(x) is x


def test_sim_cupy_behaves_like_cupy_where_device_bugs_show(monkeypatch: Any) -> None:
    cp = sim_cupy.install(monkeypatch)
    a = cp.asarray([1.0, 2.0])
    assert type(a) is cp.ndarray and type(a.get()) is np.ndarray
    for mixed in (lambda: a + np.ones(2), lambda: np.multiply(np.ones(2), a),
                  lambda: cp.concatenate([a, np.ones(2)]), lambda: cp.where(a > 1, a, np.zeros(2))):
        with pytest.raises(TypeError, match="Unsupported type"):
            mixed()
    for zero_d in (a.sum(), a.max(), a[0], a.argmax(), a.dot(a)):
        assert type(zero_d) is cp.ndarray and zero_d.shape == ()
    b = cp.array(a)
    b[0] = 5.0
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [5.0, 2.0]
    assert cp.asarray(a) is a
    assert a[np.array([1, 0])].tolist() == [2.0, 1.0]          # host index arrays are fine


def test_every_creation_function_takes_a_cuda_device(cuda: str) -> None:
    x = anb.tensor([1.0, -2.0, 3.0], device=cuda, requires_grad=True)
    made = {
        "zeros": anb.zeros(2, 3, device=cuda), "ones": anb.ones(2, device="cuda:0"),
        "empty": anb.empty(2, device=anb.device("cuda")), "full": anb.full((2,), 3.0, device=cuda),
        "eye": anb.eye(3, device=cuda), "arange": anb.arange(5, device=cuda),
        "linspace": anb.linspace(0, 1, 5, device=cuda), "rand": anb.rand(3, device=cuda),
        "randn": anb.randn(3, device=cuda), "randint": anb.randint(0, 5, (3,), device=cuda),
        "randperm": anb.randperm(4, device=cuda), "normal": anb.normal(0.0, 1.0, (3,), device=cuda),
        "tensor": anb.tensor([1.0], device=anb.device("cuda", 0)),
        "as_tensor": anb.as_tensor([1.0], device=cuda),
        "zeros_like": anb.zeros_like(x), "ones_like": anb.ones_like(x), "empty_like": anb.empty_like(x),
        "full_like": anb.full_like(x, 2.0), "rand_like": anb.rand_like(x), "randn_like": anb.randn_like(x),
        "randint_like": anb.randint_like(x, 0, 4),
        "new_zeros": x.new_zeros(2), "new_ones": x.new_ones(2), "new_empty": x.new_empty(2),
        "new_full": x.new_full((2,), 1.0), "new_tensor": x.new_tensor([1.0, 2.0]),
        "type_as": anb.ones(2, dtype=anb.float64).type_as(x), "to(tensor)": anb.ones(2).to(x),
        "type(str)": anb.ones(2).type("torch.cuda.DoubleTensor"),
        "clone": x.clone(), "detach": x.detach(), "double": x.double(),
    }
    assert [k for k, t in made.items() if not t.is_cuda] == []
    assert made["type(str)"].dtype == anb.float64 and made["type_as"].dtype == anb.float32
    assert made["type(str)"].type() == "torch.cuda.DoubleTensor" and x.type() == "torch.cuda.FloatTensor"
    cpu = x.new_zeros(2, device="cpu")
    assert not cpu.is_cuda and cpu.dtype == anb.float32


def test_pictures_and_widgets_take_cuda_graphs(cuda: str) -> None:
    from autograd_nb import viz, widgets
    w = anb.tensor([1.0, -2.0, 3.0], device=cuda, requires_grad=True)
    b = anb.tensor(0.5, device=cuda, requires_grad=True)
    x = anb.tensor([0.2, 0.4, 0.6], device=cuda)
    names = {"w": w, "b": b, "x": x}
    loss = ((w * x).exp().sum() * b).sigmoid()
    svg = viz.draw(loss, names=names)._repr_svg_()
    assert "<svg" in svg and "ExpBackward0" in svg
    inspector = widgets.BufferInspector(loss, names=names)
    assert inspector.live_total() > 0 and inspector.rows()
    stepper = widgets.step(loss, names=names, retain_graph=True)
    stepper.run_to_end()
    stepper.close()
    got = w.grad.cpu().tolist(), b.grad.item()
    w.grad = b.grad = None
    loss.backward()
    assert w.grad.is_cuda and (w.grad.cpu().tolist(), b.grad.item()) == got


# ---------------------------------------------------------------------------
# nn.functional, call by call
# ---------------------------------------------------------------------------

def _functional_cases() -> dict[str, tuple[Callable, list]]:
    F = anb.nn.functional
    r = np.random.default_rng(3)
    x45, x2453 = r.standard_normal((4, 5)), r.standard_normal((2, 4, 5, 3))
    p45 = r.uniform(0.05, 0.95, (4, 5))
    idx = np.array([1, 0, 4, 2])
    soft = r.dirichlet(np.ones(5), 4)
    idx4d = r.integers(0, 4, (2, 5, 3))
    w35, w355 = r.standard_normal((3, 5)), r.standard_normal((3, 5, 5))

    def t(a: Any, m: Any) -> Any:                       # a non-float helper tensor on m's device
        return anb.tensor(a, device=m)
    return {
        "mse": (lambda a, b: F.mse_loss(a, b), [x45, p45]),
        "l1_sum": (lambda a, b: F.l1_loss(a, b, reduction="sum"), [x45, p45]),
        "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, beta=0.5, reduction="none"), [x45, p45]),
        "bce": (lambda a, b: F.binary_cross_entropy(a, b, weight=b.detach() * 2), [p45, p45[::-1].copy()]),
        "bce_logits": (lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=b[0].detach() + 1),
                       [x45, p45]),
        "ce_idx": (lambda a: F.cross_entropy(a, t(idx, a.device), ignore_index=2), [x45]),
        "ce_idx_w": (lambda a, w: F.cross_entropy(a, t(idx, a.device), weight=w[0].detach().exp(),
                                                  label_smoothing=0.1), [x45, x45]),
        "ce_prob": (lambda a, b: F.cross_entropy(a, b, label_smoothing=0.2), [x45, soft]),
        "ce_4d": (lambda a: F.cross_entropy(a, t(idx4d, a.device), reduction="none"), [x2453]),
        "nll": (lambda a: F.nll_loss(F.log_softmax(a, 1), t(idx, a.device), reduction="sum"), [x45]),
        "softmax": (lambda a: F.softmax(a, 0), [x45]),
        "relu_leaky_elu_gelu": (lambda a: F.relu(a) + F.leaky_relu(a, 0.3) + F.elu(a) + F.gelu(a, approximate="tanh")
                                + F.gelu(a) + F.sigmoid(a) + F.tanh(a), [x45]),
        "pad_constant": (lambda a: F.pad(a, (1, 2, 0, 1), value=0.5), [x2453]),
        "pad_reflect": (lambda a: F.pad(a, (1, 2, 2, 1), mode="reflect"), [x2453]),
        "pad_replicate": (lambda a: F.pad(a, (2, 1), mode="replicate"), [x2453[0]]),
        "pad_circular": (lambda a: F.pad(a, (1, 1, 1, 2), mode="circular"), [x2453]),
        "one_hot_embedding": (lambda w: F.embedding(t(idx % 4, w.device), w, padding_idx=0)
                              * F.one_hot(t(idx, w.device), 5).float().sum(1, keepdim=True), [x45]),
        "linear_bilinear": (lambda a, w, w3: F.linear(a, w) + F.bilinear(a, a, w3), [x45, w35, w355]),
        "conv1d": (lambda a, w: F.conv1d(a, w, stride=2, padding=1), [x2453[:, :, :, 0], x2453[:3, :, :3, 0]]),
        "conv2d_groups": (lambda a, w: F.conv2d(a, w, groups=2, padding=1, dilation=(1, 2)),
                          [x2453, x2453[:, :2, :3, :]]),
        "conv_transpose2d": (lambda a, w: F.conv_transpose2d(a, w, stride=2, padding=1, output_padding=1,
                                                             dilation=(1, 2)), [x2453, x2453.reshape(4, 2, 5, 3)[:, :, :3, :2]]),
        "max_pool_indices": (lambda a: F.max_pool2d_with_indices(a, 2, ceil_mode=True)[0], [x2453]),
        "avg_adaptive": (lambda a: F.avg_pool2d(a, 2, padding=1) .sum() + F.adaptive_avg_pool2d(a, (2, 1)).sum(),
                         [x2453]),
        "adaptive_max": (lambda a: F.adaptive_max_pool2d(a, (3, 2)), [x2453]),
        "batch_norm": (lambda a, w: F.batch_norm(a, None, None, w[0, :4], w[1, :4], training=True), [x2453, x45]),
        "layer_norm": (lambda a, w: F.layer_norm(a, (5,), w[0], w[1]), [x45, x45]),
        "dropout_eval": (lambda a: F.dropout(a, 0.5, training=False), [x45]),
    }


FUNCTIONAL = _functional_cases()


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_functional_on_cuda_matches_cpu(name: str, cuda: str) -> None:
    fn, arrays = FUNCTIONAL[name]

    def run(device: str) -> tuple:
        xs = [anb.tensor(np.asarray(a, np.float32), device=device, requires_grad=True) for a in arrays]
        out = fn(*xs)
        up = anb.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape)),
                        device=device)
        (out * up).sum().backward()
        return out, [x.grad for x in xs]
    (c_out, c_grads), (g_out, g_grads) = run("cpu"), run(cuda)
    _same(g_out, c_out, f"{name} output")
    assert type(g_out.grad_fn).__name__ == type(c_out.grad_fn).__name__
    for i, (c, g) in enumerate(zip(c_grads, g_grads)):
        assert (c is None) == (g is None)
        if g is not None:
            _same(g, c, f"{name} grad {i}")


def test_save_load_and_copies_keep_the_device(cuda: str, tmp_path: Any) -> None:
    import copy
    import pickle
    x = anb.tensor([1.0, 2.0], device=cuda)
    model = nn.Linear(2, 2).to(cuda)
    anb.save({"x": x, "state": model.state_dict()}, tmp_path / "ckpt.pt")
    back = anb.load(tmp_path / "ckpt.pt")
    assert back["x"].is_cuda and back["x"].tolist() == [1.0, 2.0]
    assert all(v.is_cuda for v in back["state"].values())
    host = anb.load(tmp_path / "ckpt.pt", map_location="cpu")
    assert not host["x"].is_cuda and all(not v.is_cuda for v in host["state"].values())
    assert copy.deepcopy(x).is_cuda and pickle.loads(pickle.dumps(x)).is_cuda
    assert copy.deepcopy(model).weight.is_cuda


def test_a_cuda_index_past_the_gpus_is_refused_not_moved_to_cuda0(cuda: str, device_kind: str,
                                                                   monkeypatch: Any) -> None:
    past = f"cuda:{anb.cuda.device_count()}"
    x = anb.ones(2, device=cuda)
    for make in (lambda: anb.ones(2, device=past), lambda: anb.ones(2).to(past), lambda: x.to(past),
                 lambda: anb.ones(2).cuda(anb.cuda.device_count()), lambda: nn.Linear(2, 2).to(past)):
        with pytest.raises(RuntimeError, match="^CUDA error: invalid device ordinal$"):
            make()
    if device_kind == "sim":                           # a second GPU exists: still only cuda:0
        from autograd_nb import _backend
        monkeypatch.setattr(_backend.require_cupy().cuda.runtime, "getDeviceCount", lambda: 2)
        with pytest.raises(RuntimeError, match="autograd_nb uses one GPU, cuda:0; cuda:1"):
            anb.ones(2, device="cuda:1")
    assert anb.ones(2, device="cuda:0").is_cuda and x.to("cuda:0") is x
