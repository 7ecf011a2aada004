"""Every catalog op on ``cuda`` does what it does on the cpu.

For random cases of each catalog entry, the same float32 inputs run once on the cpu and
once on ``cuda``; the two runs must agree on

* success, or the same error;
* the outputs: count, dtype, ``grad_fn`` name, values (float32 tolerance), and every
  output of the cuda run lies on ``cuda:0``;
* after backward with the same upstream gradient: each input's ``.grad`` (values), on
  ``cuda:0`` for the cuda run.

Two devices stand for ``cuda``:

* ``cuda``: CuPy on a real NVIDIA GPU (the ``gpu`` marker; skipped without one);
* ``sim``: ``sim_cupy``, a numpy-backed stand-in that checks the device plumbing in CI
  (it refuses host arrays mixed into device computations, as CuPy does) but runs no
  CUDA kernel.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_nb as anb

from catalog import CATALOG, Op, error_line, make_inputs, outputs, require

SEEDS = st.integers(0, 2 ** 32 - 1)


class _OnDevice:
    """``autograd_nb`` as the catalog sees it, with ``tensor`` making tensors on ``device``
    (the index and mask tensors some entries build belong with their input)."""

    def __init__(self, device: str) -> None:
        self._device = device

    def __getattr__(self, name: str) -> Any:
        return getattr(anb, name)

    def tensor(self, data: Any, **kwargs: Any) -> Any:
        return anb.tensor(data, **{"device": self._device, **kwargs})


def _run(op: Op, arrays: list[np.ndarray], params: dict, ups: list[np.ndarray] | None,
         device: str) -> tuple[Any, list, list]:
    """``(outcome, outputs, input_grads)`` of one call on ``device``."""
    xs = [anb.tensor(a, dtype=anb.float32, device=device, requires_grad=True) for a in arrays]
    try:
        res = op.fn(_OnDevice(device), *xs, **params)
    except Exception as exc:                       # noqa: BLE001 - compared across devices
        return ("error", error_line(exc)), [], []
    outs = outputs(res)
    if op.differentiable and ups is not None:
        pairs = [(o, anb.tensor(u, dtype=o.dtype, device=device))
                 for o, u in zip(outs, ups) if o.requires_grad]
        if pairs:
            try:
                anb.autograd.backward([o for o, _ in pairs], [u for _, u in pairs])
            except Exception as exc:               # noqa: BLE001
                return ("backward error", error_line(exc)), outs, []
    return ("ok",), outs, [x.grad for x in xs]


def _host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy(), dtype=np.float64)


def check_devices(op: Op, seed: int, case: Any, kind: str) -> None:
    arrays = make_inputs(op, case, seed)
    rng = np.random.default_rng(seed)
    got_cpu, outs_cpu, grads_cpu = _run(op, arrays, case.params, None, "cpu")
    ups = [rng.standard_normal(o.shape) for o in outs_cpu]
    got_cpu, outs_cpu, grads_cpu = _run(op, arrays, case.params, ups, "cpu")
    got_gpu, outs_gpu, grads_gpu = _run(op, arrays, case.params, ups, "cuda")
    assert got_gpu == got_cpu
    assert len(outs_gpu) == len(outs_cpu)
    # the simulated device runs numpy's own kernels; a GPU sums in other orders
    tol = dict(rtol=max(op.rtol, 1e-5), atol=1e-5) if kind == "sim" else dict(rtol=max(op.rtol, 1e-4), atol=1e-4)
    for c, g in zip(outs_cpu, outs_gpu):
        assert str(g.device) == "cuda:0", f"an output of {op.name} is on {g.device}"
        assert g.dtype == c.dtype and g.shape == c.shape
        assert type(g.grad_fn).__name__ == type(c.grad_fn).__name__
        np.testing.assert_allclose(_host(g), _host(c), **tol)
    for c, g in zip(grads_cpu, grads_gpu):
        assert (c is None) == (g is None)
        if g is not None:
            assert str(g.device) == "cuda:0", f"a gradient of {op.name} is on {g.device}"
            np.testing.assert_allclose(_host(g), _host(c), **tol)


def _ids(op: Op) -> str:
    return op.name


@pytest.mark.parametrize("op", CATALOG, ids=_ids)
def test_op_on_cuda_matches_cpu(op: Op, device_kind: str) -> None:
    require(op)

    @settings(max_examples=4, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(seed=SEEDS, case=op.cases)
    def check(seed: int, case: Any) -> None:
        check_devices(op, seed, case, device_kind)

    check()
