"""``grad_fn._saved_<name>`` attributes: the same names as PyTorch, as plain properties."""
from __future__ import annotations

import pytest

import autograd_nb as anb
from autograd_nb._tensor import Tensor
from torch_saved import TORCH_SAVED
from autograd_nb.autograd.node import Node
from autograd_nb.ops._core import OpNode


def _node_classes(cls: type = Node):
    for sub in cls.__subclasses__():
        yield sub
        yield from _node_classes(sub)


def _import_all_ops() -> None:
    """Node classes live in modules some of which load on first use: load them all."""
    import importlib
    import pkgutil
    import autograd_nb.ops
    for info in pkgutil.walk_packages(autograd_nb.ops.__path__, "autograd_nb.ops."):
        importlib.import_module(info.name)


def test_table_matches_torch():
    """Every node class PyTorch also has lists exactly PyTorch's saved attributes."""
    torch = pytest.importorskip("torch")
    _import_all_ops()
    functions = torch._C._functions
    wrong = {}
    for cls in _node_classes():
        ref = getattr(functions, cls.__name__, None)
        if ref is None or not cls.__module__.startswith("autograd_nb."):   # not tests' own
            continue
        names = tuple(sorted(a[7:] for a in dir(ref) if a.startswith("_saved_")))
        if TORCH_SAVED.get(cls.__name__, ()) != names:
            wrong[cls.__name__] = names
    assert not wrong, f"update tests/torch_saved.py: {wrong}"


def test_hot_classes_have_no_getattr_hook():
    """A ``__getattr__`` anywhere in the class makes every attribute read slow."""
    for cls in (Tensor, *_node_classes()):
        assert all("__getattr__" not in k.__dict__ for k in cls.__mro__), cls.__name__


def test_saved_and_kept_values_read_by_name():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    assert y.grad_fn._saved_self is x or y.grad_fn._saved_self.tolist() == [1.0, 2.0]
    assert y.grad_fn._raw_saved_other.nbytes == 8
    assert (x + x).grad_fn._saved_alpha == 1
    assert x.sum(0).grad_fn._saved_dim == (0,)
    assert x.exp().grad_fn._saved_result.tolist() == pytest.approx([2.7182817, 7.389056])
    with pytest.raises(AttributeError, match="_saved_nothing"):
        y.grad_fn._saved_nothing


def test_a_subclass_with_other_saved_names_reads_its_own_buffers():
    class TwoBackward(OpNode):
        __slots__ = ()
        saved_names = ("self", "other")

    class OneBackward(TwoBackward):
        __slots__ = ()
        saved_names = ("other",)

    from autograd_nb.ops._core import record
    a = anb.tensor([1.0], requires_grad=True)
    b = anb.tensor([2.0], requires_grad=True)
    two = record(a._data + b._data, TwoBackward, (a, b), (a, b)).grad_fn
    one = record(a._data + b._data, OneBackward, (a, b), (b,)).grad_fn
    assert two._saved_other is b and one._saved_other is b
    assert two._saved_self is a
    with pytest.raises(AttributeError):
        one._saved_self
    with pytest.raises(AttributeError):
        one._raw_saved_self


def test_index_add_saves_source_when_it_needs_a_gradient():
    """PyTorch's rule expands to source's shape, so it saves source (only when source
    needs a gradient): changing source in place then breaks the backward, as in torch."""
    i = anb.tensor([0, 2])
    x = anb.zeros(3, 2, requires_grad=True)
    s = anb.ones(2, 2)
    y = x.index_add(0, i, s)
    assert y.grad_fn._saved_source is None
    s.add_(1)
    y.sum().backward()                                  # source was not saved: fine
    s = anb.ones(2, 2, requires_grad=True)
    y = anb.zeros(3, 2).index_add(0, i, s)
    assert y.grad_fn._saved_source.shape == (2, 2)
    with anb.no_grad():
        s.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.sum().backward()
