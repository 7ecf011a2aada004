"""Causes found by the program fuzzer (issue #24), each replayed against real torch 2.13."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

import autograd_nb as T


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:                                  # noqa: BLE001 - compared below
        return type(e).__name__, str(e)
    return "ok", tuple(r.shape), r.detach().numpy().tolist()


@pytest.mark.parametrize("p", [-1, -2.5, -1.0, -math.inf, math.inf, 0, 1, 2, 0.5])
@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": 1}, {"dim": -2, "keepdim": True},
                                {"dim": (1, 0)}, {"dim": ()}])
def test_norm_without_identity_on_empty(p, kw):
    """A negative or infinite p-norm over nothing has no value: torch refuses, naming the
    dimension as it was given; other orders give zeros (an empty sum)."""
    def f(lib):
        return lib.zeros((0, 1)).norm(p, **kw)
    assert _outcome(T, f) == _outcome(torch, f)


def test_vector_norm_names_negative_dim_as_given():
    def f(lib):
        return lib.linalg.vector_norm(lib.zeros((2, 0)), math.inf, dim=(-1,))
    assert _outcome(T, f) == _outcome(torch, f)
    assert "dimension -1because" in _outcome(T, f)[1]
