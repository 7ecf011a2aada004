"""Shared fixtures: every test must leave grad mode and saved-tensor hooks as it found them."""
from __future__ import annotations

import pytest

from autograd_nb.autograd.grad_mode import STATE
from autograd_nb.autograd.node import HOOK_STACK


@pytest.fixture(autouse=True)
def _no_leaked_grad_mode():
    before = (STATE.grad_enabled, STATE.inference, len(HOOK_STACK))
    yield
    after = (STATE.grad_enabled, STATE.inference, len(HOOK_STACK))
    STATE.grad_enabled, STATE.inference = before[0], before[1]
    del HOOK_STACK[before[2]:]
    assert after == before, f"test leaked grad-mode state: {before} -> {after}"


@pytest.fixture(params=["sim", pytest.param("cuda", marks=pytest.mark.gpu)])
def device_kind(request, monkeypatch):
    """What stands for ``cuda``: ``"sim"`` (tests/sim_cupy.py, installed for the test) or
    ``"cuda"`` (CuPy on a real GPU; the ``gpu`` marker, skipped without one)."""
    import autograd_nb as anb
    import sim_cupy
    if request.param == "sim":
        sim_cupy.install(monkeypatch)
    elif not anb.cuda.is_available():
        pytest.skip("needs CuPy and an NVIDIA GPU")
    return request.param
