"""Seeds 003 and 004 side by side with PyTorch: the `Simple` conv net and the hand-written
logistic regression, trained from the same initial weights, give the same losses for 10
steps; and the conv net's graph (as viz sees it) is PyTorch's graph."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb import viz

torch = pytest.importorskip("torch")

from test_viz import our_structure, torch_structure  # noqa: E402  (shared graph walkers)


def simple_net(m):
    """Seed 003's `Simple`: conv -> conv -> linear, no biases (smaller sizes, same shape of net)."""
    class Simple(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = m.nn.Conv2d(3, 4, 3, 1, padding=1, bias=False)
            self.conv2 = m.nn.Conv2d(4, 8, 3, 1, padding=1, bias=False)
            self.linear = m.nn.Linear(8 * 6 * 6, 5, bias=False)

        def forward(self, x):
            x = self.conv1(x)
            x = self.conv2(x)
            return self.linear(x.view(x.size(0), -1))
    return Simple()


def _same_weights(ours, theirs):
    rng = np.random.default_rng(3)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        w = (rng.standard_normal(tuple(p.shape)) * 0.2).astype(np.float32)
        with anb.no_grad():
            p.copy_(anb.tensor(w))
        with torch.no_grad():
            tp.copy_(torch.tensor(w))


def test_simple_conv_net_trains_like_torch_for_10_steps():
    ours, theirs = simple_net(anb), simple_net(torch)
    _same_weights(ours, theirs)
    rng = np.random.default_rng(4)
    images = rng.standard_normal((4, 3, 6, 6)).astype(np.float32)
    targets = np.array([1, 3, 0, 4])
    opt_a = anb.optim.SGD(ours.parameters(), lr=0.1)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1)
    crit_a, crit_t = anb.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    for _ in range(10):
        opt_a.zero_grad()
        opt_t.zero_grad()
        la = crit_a(ours(anb.tensor(images)), anb.tensor(targets))
        lt = crit_t(theirs(torch.tensor(images)), torch.tensor(targets))
        la.backward()
        lt.backward()
        opt_a.step()
        opt_t.step()
        assert abs(la.item() - lt.item()) < 1e-4
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        assert np.allclose(p.detach().numpy(), tp.detach().numpy(), atol=1e-4)


def test_simple_conv_net_graph_is_torchs():
    ours, theirs = simple_net(anb), simple_net(torch)
    x = np.ones((2, 3, 6, 6), np.float32)
    la = anb.nn.CrossEntropyLoss()(ours(anb.tensor(x)), anb.tensor([1, 2]))
    lt = torch.nn.CrossEntropyLoss()(theirs(torch.tensor(x)), torch.tensor([1, 2]))
    graph = viz.snapshot(la, names={}, params=ours)
    assert our_structure(graph) == torch_structure(lt)
    assert {t.name for t in graph.tensors if t.is_leaf and t.requires_grad} == \
        {"conv1.weight", "conv2.weight", "linear.weight"}


def logistic_regression(m, X, Y, steps=10, lr=0.5):
    """Seed 004: weights and bias as plain tensors, updated through .data."""
    w = m.tensor(np.full((64, 10), 0.01, np.float32)).requires_grad_()
    b = m.zeros(10, requires_grad=True)
    losses, accs, all_logits = [], [], []
    for _ in range(steps):
        logits = X @ w + b
        loss = m.nn.functional.cross_entropy(logits, Y)
        loss.backward()
        w.data -= lr * w.grad
        b.data -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        with m.no_grad():
            accs.append((logits.argmax(1) == Y).float().mean().item())
        losses.append(loss.item())
        all_logits.append(logits.detach().numpy().copy())
    return losses, accs, all_logits


def test_logistic_regression_on_digits_matches_torch():
    X, y = anb.datasets.load_digits()
    Xn, yn = X.numpy()[:512], y.numpy()[:512]
    ours = logistic_regression(anb, anb.tensor(Xn), anb.tensor(yn))
    theirs = logistic_regression(torch, torch.tensor(Xn), torch.tensor(yn))
    assert np.allclose(ours[0], theirs[0], atol=1e-4)
    assert ours[0][-1] < ours[0][0]
    # The first step's logits all tie (every weight is 0.01), so which class argmax picks
    # there depends on the BLAS's rounding, in torch as here. Compare the predictions only
    # where torch's best logit leads the runner-up by more than float32 rounding could move.
    for step, (ours_logits, torch_logits) in enumerate(zip(ours[2], theirs[2])):
        assert np.allclose(ours_logits, torch_logits, atol=1e-3), step
        top2 = np.sort(torch_logits, axis=1)[:, -2:]
        clear = (top2[:, 1] - top2[:, 0]) > 1e-3
        assert np.array_equal(ours_logits.argmax(1)[clear], torch_logits.argmax(1)[clear]), step
    assert ours[1][-1] > 0.5 and abs(ours[1][-1] - theirs[1][-1]) <= 2 / 512
