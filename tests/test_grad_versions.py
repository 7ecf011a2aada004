"""The version and layout of the gradients the engine hands out, as in PyTorch.

PyTorch's engine sums two contributions into a buffer it alone holds in place (the
gradient's version counts the add), and ``.grad`` follows the layout contract: a gradient
with the leaf's strides is kept, another is copied into an empty tensor with the leaf's
strides (``copy_``: version 1). A learner meets these numbers in version-counter errors
("is at version 2; expected version 1") after changing a returned gradient in place.
"""
from __future__ import annotations

import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")


def _grad_of(lib, build, create_graph=False):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    g, = lib.autograd.grad(build(x).sum(), x, create_graph=create_graph)
    return g._version


def _leaf_grad(lib, build):
    x = lib.ones(2, 3, requires_grad=True)
    build(x).sum().backward()
    return x.grad._version, x.grad.stride()


SUMS = {
    "x * x": lambda x: x * x,
    "x*2 + x*3": lambda x: x * 2 + x * 3,
    "x + x (one tensor twice)": lambda x: x + x,
    "three terms": lambda x: x * 2 + x * 3 + x * 4,
    "exp + exp": lambda x: x.exp() + x.exp(),
    "rows": lambda x: (x[0] * 2 + x[1] * 3).unsqueeze(0),
}

LEAVES = {
    "x * 2": lambda x: x * 2,
    "x itself": lambda x: x,
    "x + 0": lambda x: x + 0,
    "transposed": lambda x: x.t() * 2,
    "transposed twice": lambda x: x.t() * 2 + x.t() * 3,
    "summed": lambda x: x.sum(0),
    "rows": lambda x: x[0] * 2 + x[1] * 3,
}


@pytest.mark.parametrize("name", SUMS)
def test_a_summed_gradient_counts_the_in_place_add(name):
    assert _grad_of(anb, SUMS[name]) == _grad_of(torch, SUMS[name])


def test_under_create_graph_the_sum_is_a_new_tensor():
    build = SUMS["x*2 + x*3"]
    assert _grad_of(anb, build, create_graph=True) == _grad_of(torch, build, create_graph=True) == 0


@pytest.mark.parametrize("name", LEAVES)
def test_dot_grad_follows_the_layout_contract(name):
    assert _leaf_grad(anb, LEAVES[name]) == _leaf_grad(torch, LEAVES[name])


def test_the_version_error_counts_as_pytorch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        g, = lib.autograd.grad((x * x).sum(), x)
        h = (g * w).sum()
        g.add_(1)
        with pytest.raises(RuntimeError) as e:
            h.backward()
        return str(e.value).split(";")[0].split(" is at ")[1]
    assert run(anb) == run(torch) == "version 2"


def test_a_hook_sees_the_summed_gradient_version():
    def run(lib):
        seen = []
        x = lib.ones(2, requires_grad=True)
        y = x * 1
        y.register_hook(lambda g: seen.append(g._version))
        (y * 2 + y * 3).sum().backward()
        return seen
    assert run(anb) == run(torch) == [1]
