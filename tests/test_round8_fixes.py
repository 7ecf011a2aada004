"""Small fixes found while reading the ops in session 8, each checked against torch 2.13."""
from __future__ import annotations

import pytest

import autograd_nb as anb
from torch_errors import same_outcome

torch = pytest.importorskip("torch")


def test_the_add_method_refuses_out_as_pytorch():
    """``Tensor.add`` has no ``out=`` (only ``torch.add`` has): it was silently ignored."""
    def run(lib):
        a, c = lib.ones(2), lib.zeros(2)
        return a.add(a, out=c)
    assert same_outcome(run, torch)[0] == "TypeError"
    a, c = anb.ones(2), anb.zeros(2)
    assert anb.add(a, a, out=c) is c and c.tolist() == [2.0, 2.0]


def test_fields_are_named_attributes_of_the_node():
    """A node keeps its fields by PyTorch's names; a node made without them says so."""
    x = anb.ones(2, 3, requires_grad=True)
    node = x.sum(1, keepdim=True).grad_fn
    assert (node.dim, node.keepdim) == ((1,), True) and node._saved_dim == (1,)
    node.keepdim = False                                # (a field can be set, like a slot)
    assert node._saved_keepdim is False
    bare = type(node).__new__(type(node))
    with pytest.raises(AttributeError, match="_saved_dim"):
        bare._saved_dim


def test_the_norm_method_refuses_out_as_pytorch():
    def run(lib):
        x = lib.tensor([3.0, 4.0])
        return x.norm(out=lib.empty(()))
    assert same_outcome(run, torch)[0] == "TypeError"
    x, out = anb.tensor([3.0, 4.0]), anb.empty(())
    assert anb.norm(x, out=out) is out and out.item() == 5.0
