"""``F.affine_grid`` / ``F.grid_sample`` (a spatial transformer's two halves) and
``torch.grid_sampler`` / ``grid_sampler_2d`` / ``affine_grid_generator`` against PyTorch:
values, gradients of first and second order, nodes and what they save, warnings, errors;
finite differences in float64."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck
from torch_errors import error_of

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(31)


def _same_error(fn) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = error_of(lambda: fn(anb)), error_of(lambda: fn(torch))
    assert theirs is not None
    assert ours == theirs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic", "bilinear-3d", "nearest-3d"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_torch(dtype, mode, padding_mode, align_corners):
    volume = mode.endswith("-3d")
    mode = mode.replace("-3d", "")
    x = RNG.standard_normal((2, 3, 3, 4, 5) if volume else (2, 3, 4, 5)).astype(dtype)
    g = (RNG.random((2, 2, 3, 4, 3) if volume else (2, 3, 6, 2)) * 3 - 1.5).astype(dtype)   # reaches outside
    up = np.linspace(-1, 1, 2 * 3 * int(np.prod(g.shape[1:-1]))).reshape((2, 3) + g.shape[1:-1]).astype(dtype)
    got = []
    for lib in (anb, torch):
        xt, gt = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        out = lib.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        out.backward(lib.tensor(up), retain_graph=True)
        node = out.grad_fn
        got.append((out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), type(node).__name__,
                    node._saved_interpolation_mode, node._saved_padding_mode, node._saved_align_corners,
                    node._saved_input.detach().numpy(), node._saved_grid.detach().numpy()))
    tol = 1e-10 if dtype == "float64" else 2e-4
    for a, b in zip(got[0][:3], got[1][:3]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    assert got[0][3:7] == got[1][3:7]
    np.testing.assert_array_equal(got[0][7], got[1][7])
    np.testing.assert_array_equal(got[0][8], got[1][8])


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode,shape,gshape", [("bilinear", (1, 2, 3, 4), (1, 2, 3, 2)),
                                               ("bicubic", (1, 2, 3, 4), (1, 2, 3, 2)),
                                               ("bilinear", (1, 2, 3, 3, 4), (1, 2, 2, 2, 3))])
def test_grid_sample_second_derivatives_match_torch(padding_mode, mode, shape, gshape):
    x = RNG.standard_normal(shape)
    g = RNG.random(gshape) * 2.6 - 1.3
    got = []
    for lib in (anb, torch):
        xt, gt = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        out = lib.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode=padding_mode, align_corners=False)
        gx, gg = lib.autograd.grad((out * out).sum(), (xt, gt), create_graph=True)
        got.append([t.numpy() for t in lib.autograd.grad((gx ** 2).sum() + (gg ** 2).sum(), (xt, gt))])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_grid_sample_finite_differences():
    x = anb.tensor(RNG.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = anb.tensor(RNG.random((1, 2, 2, 2)) * 1.8 - 0.9, requires_grad=True)   # away from pixel edges
    for kw in (dict(align_corners=True), dict(align_corners=False, padding_mode="border"),
               dict(align_corners=False, mode="bicubic", padding_mode="reflection")):
        f = lambda a, b: anb.nn.functional.grid_sample(a, b, **kw)
        assert gradcheck(f, (x, g))
        assert gradgradcheck(f, (x, g))
    n = lambda a: anb.nn.functional.grid_sample(a, g.detach(), mode="nearest", align_corners=False)
    assert gradcheck(n, (x,))


@pytest.mark.parametrize("size,align_corners", [((2, 3, 4, 5), False), ((2, 3, 4, 5), True), ((2, 1, 1, 3), False),
                                                ((2, 1, 3, 4, 5), False), ((2, 2, 2, 3, 2), True)])
def test_affine_grid_matches_torch(size, align_corners):
    theta = RNG.standard_normal((2, 2, 3) if len(size) == 4 else (2, 3, 4))
    got = []
    for lib in (anb, torch):
        t = lib.tensor(theta, requires_grad=True)
        grid = lib.nn.functional.affine_grid(t, size, align_corners=align_corners)
        grid.backward(lib.tensor(np.linspace(-1, 1, grid.numel()).reshape(tuple(grid.shape))), retain_graph=True)
        node = grid.grad_fn
        (q,) = lib.autograd.grad((grid * grid).sum(), t, create_graph=True)
        got.append((grid.detach().numpy(), t.grad.numpy(), type(node).__name__, node._saved_size,
                    node._saved_align_corners, type(q.grad_fn).__name__,
                    type(q.grad_fn.next_functions[0][0]).__name__))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-12)
    assert got[0][2:] == got[1][2:]           # AffineGridGeneratorBackward0; TransposeBackward0 over BmmBackward0
    t = anb.tensor(theta, requires_grad=True)
    assert gradcheck(lambda a: anb.nn.functional.affine_grid(a, size, align_corners=align_corners), (t,))


def test_spatial_transformer_chain_and_torch_functions():
    x = RNG.standard_normal((2, 3, 5, 6))
    theta = np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.2]], [[1.2, 0.0, 0.3], [0.1, 0.8, 0.0]]])
    got = []
    for lib in (anb, torch):
        xt, t = lib.tensor(x, requires_grad=True), lib.tensor(theta, requires_grad=True)
        grid = lib.nn.functional.affine_grid(t, (2, 3, 4, 4), align_corners=False)
        out = lib.nn.functional.grid_sample(xt, grid, align_corners=False)
        out.sum().backward()
        node = out.grad_fn
        same = (lib.grid_sampler(xt, grid, 0, 0, False).detach().numpy(),
                lib.grid_sampler_2d(xt, grid, 1, 2, True).detach().numpy(),
                lib.affine_grid_generator(t, (2, 3, 4, 4), True).detach().numpy())
        got.append((out.detach().numpy(), t.grad.numpy(), xt.grad.numpy(),
                    [type(f[0]).__name__ for f in node.next_functions], same))
    for a, b in zip(got[0][:3] + got[0][4], got[1][:3] + got[1][4]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert got[0][3] == got[1][3] == ["AccumulateGrad", "AffineGridGeneratorBackward0"]


def test_align_corners_warnings():
    for lib in (anb, torch):
        with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
            grid = lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 2, 2))
        with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
            lib.nn.functional.grid_sample(lib.zeros(1, 1, 2, 2), grid)
        with pytest.warns(UserWarning, match="affine_grid behavior has changed for unit-size grids"):
            lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 1, 2), align_corners=True)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5), lib.zeros(1, 6, 7, 2), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5), lib.zeros(2, 6, 7, 1), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(3, 4, 5), lib.zeros(2, 6, 7, 2), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5), lib.zeros(2, 6, 7, 2, dtype=lib.float64),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 0, 5), lib.zeros(2, 6, 7, 2), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5, dtype=lib.int64),
                                              lib.zeros(2, 6, 7, 2, dtype=lib.int64), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5), lib.zeros(2, 6, 7, 2), mode="x"),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5, 6, dtype=lib.int64),
                                              lib.zeros(2, 1, 1, 1, 3, dtype=lib.int64), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5), lib.zeros(2, 6, 2), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4), lib.zeros(2, 6, 1), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5, 6), lib.zeros(2, 6, 7, 2, 3), mode="bicubic",
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.ones(2, 3, 4, 5), lib.zeros(2, 6, 7, 2), padding_mode="x"),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(3, 2, 3), (2, 3, 4, 5), align_corners=True),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3, dtype=lib.int64), (2, 3, 4, 5)),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 4), (2, 3, 4, 5)),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (2, 3, 4)),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (2, 3, 0, 5)),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (2, 3, 4, 5, 6)),
])
def test_grid_sample_errors(call):
    _same_error(call)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_grid_sample_gradient_stays_on_the_graph(mode):
    """Under create_graph the gradients hang on input and grid as PyTorch's do, even where
    they do not depend on them (nearest mode; a constant upstream gradient)."""
    x = RNG.standard_normal((1, 2, 3, 4))
    g = RNG.random((1, 2, 2, 2)) * 1.6 - 0.8
    got = []
    for lib in (anb, torch):
        xt, gt = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        out = lib.nn.functional.grid_sample(xt, gt, mode=mode, align_corners=False)
        gx, gg = lib.autograd.grad(out.sum(), (xt, gt), create_graph=True)
        second = lib.autograd.grad((gx * gx).sum() + (gg * gg).sum(), (xt, gt), allow_unused=True)
        # (where PyTorch's rule leaves a gradient undefined, None, ours gives zeros)
        got.append(([t.requires_grad for t in (gx, gg)],
                    [np.zeros(s.shape) if t is None else t.numpy() for t, s in zip(second, (x, g))]))
    assert got[0][0] == got[1][0]
    for a, b in zip(got[0][1], got[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
