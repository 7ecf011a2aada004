"""F.interpolate / nn.Upsample (ops/nnops/upsample.py, nn/upsampling.py) against torch.

Each case runs under autograd_nb and torch on the same numbers and compares the values,
the gradient for a non-trivial upstream gradient, the gradient's own gradient
(``create_graph=True``: the ``...BackwardBackward0`` nodes), the node names and the
``_saved_*`` values PyTorch shows (``output_size``, ``scales_h``, ``align_corners``,
``self_sym_sizes`` ...). Bad arguments must fail with torch's exception type and first
message line. float64 finite differences check the rules on their own.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_nb as anb
import autograd_nb.nn.functional as AF
from autograd_nb.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODES = [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 3), ("nearest-exact", 4),
         ("nearest-exact", 5), ("linear", 3), ("bilinear", 4), ("trilinear", 5), ("bicubic", 4), ("area", 4),
         ("area", 5)]
SIZES = [dict(scale_factor=2), dict(scale_factor=0.6), dict(scale_factor=1.7), dict(scale_factor=3.3),
         dict(size=5), dict(size=2), dict(size=1), dict(scale_factor=1.5, recompute_scale_factor=True)]


def _saved(fn):
    return {a[7:]: getattr(fn, a) for a in dir(fn) if a.startswith("_saved_")
            and not hasattr(getattr(fn, a), "grad_fn")}


def _run(m, F, arr, **kw):
    x = m.tensor(arr, requires_grad=True)
    try:
        y = F.interpolate(x, **kw)
    except Exception as e:                                # noqa: BLE001 - compared with torch
        return type(e).__name__, str(e).split("\n")[0]
    up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(arr.dtype), requires_grad=True)
    g, = m.autograd.grad(y, x, up, create_graph=True)
    gg, = m.autograd.grad((g * g).sum(), up, create_graph=True)
    return (y.detach().numpy(), g.detach().numpy(), gg.detach().numpy(), type(y.grad_fn).__name__,
            _saved(y.grad_fn), type(g.grad_fn).__name__, _saved(g.grad_fn), type(gg.grad_fn).__name__,
            len(g.grad_fn.next_functions))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kw", SIZES, ids=str)
@pytest.mark.parametrize("mode,nd", MODES, ids=str)
def test_interpolate_matches_torch(mode, nd, kw, dtype):
    arr = np.random.default_rng(nd).standard_normal((2, 3, 4, 5, 3)[:nd]).astype(dtype)
    for align in ([None] if mode in ("nearest", "nearest-exact", "area") else [False, True]):
        ours = _run(anb, AF, arr, mode=mode, align_corners=align, **kw)
        theirs = _run(torch, TF, arr, mode=mode, align_corners=align, **kw)
        if isinstance(theirs[0], str):
            assert ours == theirs
            continue
        tol = 1e-12 if dtype == "float64" else 2e-5
        for a, b in zip(ours[:3], theirs[:3]):
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
        assert ours[3:] == theirs[3:]


@pytest.mark.parametrize("mode,nd", [m for m in MODES if m[0] != "area"], ids=str)
def test_finite_differences(mode, nd):
    rng = np.random.default_rng(1)
    for kw in (dict(scale_factor=2), dict(size=3), dict(scale_factor=0.7)):
        for align in ([None] if mode.startswith("nearest") else [False, True]):
            x = anb.tensor(rng.standard_normal((1, 2, 3, 4, 2)[:nd]), requires_grad=True)
            f = lambda t: AF.interpolate(t, mode=mode, align_corners=align, **kw)   # noqa: E731
            assert gradcheck(f, (x,))
            assert gradgradcheck(f, (x,))


BAD = [dict(scale_factor=-1.0), dict(scale_factor=0.1), dict(size=0), dict(size=(0, 3)), dict(size=(2,)),
       dict(scale_factor=(2,)), dict(size=(2, 2.0)), dict(), dict(size=2, scale_factor=2),
       dict(size=2, recompute_scale_factor=True), dict(scale_factor=2, mode="nearest", align_corners=True),
       dict(scale_factor=2, mode="linear"), dict(scale_factor=2, mode="trilinear"), dict(scale_factor=2, mode="foo"),
       dict(scale_factor=2, mode="nearest", antialias=True), dict(scale_factor=float("nan")),
       dict(scale_factor=float("inf")), dict(scale_factor=1e-9, mode="bilinear"),
       dict(scale_factor=2, mode="area", align_corners=False)]


@pytest.mark.parametrize("kw", BAD, ids=str)
@pytest.mark.parametrize("shape", [(1, 2, 3, 4), (1, 2, 3), (1, 2, 3, 4, 2)], ids=str)
def test_bad_arguments_fail_as_in_torch(kw, shape):
    def err(m, F):
        try:
            F.interpolate(m.ones(shape), **kw)
        except Exception as e:                        # noqa: BLE001
            return type(e).__name__, str(e).split("\n")[0]
        return None
    ours, theirs = err(anb, AF), err(torch, TF)
    if theirs is not None and theirs[0] == "TypeError" and "invalid combination" in theirs[1]:
        assert ours is not None and ours[0] == "TypeError"
    else:
        assert ours == theirs


@pytest.mark.parametrize("shape", [(1, 2, 3), (2, 3, 4, 5), (1, 2, 3, 4, 5), (3,), (2, 3), (1, 0, 3), (1, 2, 0),
                                   (0, 2, 3), (1, 2, 0, 3), (1, 0, 2, 3), (1, 2, 0, 3, 3), (1, 0, 2, 3, 3)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8", "int32"])
def test_shapes_and_dtypes_as_in_torch(shape, dtype):
    for mode in ("nearest", "linear", "bilinear", "bicubic", "trilinear", "nearest-exact"):
        if dtype == "uint8" and mode in ("bilinear", "bicubic"):
            continue                                  # (torch's own rounding kernel)
        res = []
        for m, F in ((anb, AF), (torch, TF)):
            try:
                y = F.interpolate(m.ones(shape, dtype=getattr(m, dtype)), scale_factor=2, mode=mode)
                res.append((tuple(y.shape), str(y.dtype), y.double().sum().item()))
            except Exception as e:                    # noqa: BLE001
                res.append((type(e).__name__, str(e).split("\n")[0]))
        assert res[0] == res[1], (mode, res)


def test_inf_and_nan_stay_where_nearest_puts_them():
    arr = np.array([[[1.0, np.inf, np.nan, -2.0]]])
    for mode in ("nearest", "nearest-exact"):
        ours = AF.interpolate(anb.tensor(arr), scale_factor=2.5, mode=mode).numpy()
        theirs = TF.interpolate(torch.tensor(arr), scale_factor=2.5, mode=mode).numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_float16_values():
    arr = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float16)
    for mode in ("nearest", "bilinear", "bicubic"):
        ours = AF.interpolate(anb.tensor(arr), size=(5, 7), mode=mode).numpy()
        theirs = TF.interpolate(torch.tensor(arr), size=(5, 7), mode=mode).numpy()
        assert ours.dtype == np.float16
        np.testing.assert_allclose(ours.astype(np.float32), theirs.astype(np.float32), atol=2e-3)


@pytest.mark.parametrize("name,args", [("Upsample", dict(scale_factor=2)),
                                       ("Upsample", dict(size=(5, 3), mode="bilinear")),
                                       ("Upsample", dict(scale_factor=(2, 1.5), mode="bicubic", align_corners=True)),
                                       ("Upsample", dict(scale_factor=1.5, mode="nearest-exact",
                                                         recompute_scale_factor=True)),
                                       ("UpsamplingNearest2d", dict(scale_factor=3)),
                                       ("UpsamplingNearest2d", dict(size=7)),
                                       ("UpsamplingBilinear2d", dict(scale_factor=2)),
                                       ("UpsamplingBilinear2d", dict(size=(3, 6)))], ids=str)
def test_layers_match_torch(name, args):
    arr = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    ours, theirs = getattr(anb.nn, name)(**args), getattr(torch.nn, name)(**args)
    assert repr(ours) == repr(theirs)
    assert ours.scale_factor == theirs.scale_factor and ours.size == theirs.size
    assert (ours.mode, ours.align_corners) == (theirs.mode, theirs.align_corners)
    a, b = anb.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert type(ya.grad_fn).__name__ == type(yb.grad_fn).__name__
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn,kw", [("upsample", dict(scale_factor=2, mode="bilinear")),
                                   ("upsample", dict(size=3)),
                                   ("upsample_nearest", dict(scale_factor=2)),
                                   ("upsample_bilinear", dict(size=(3, 7)))], ids=str)
def test_deprecated_functions_warn_and_match(fn, kw):
    arr = np.random.default_rng(4).standard_normal((1, 2, 3, 4))
    out = []
    for m, F in ((anb, AF), (torch, TF)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = getattr(F, fn)(m.tensor(arr), **kw)
        out.append((y.numpy(), [str(x.message) for x in w]))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12, atol=1e-12)
    assert out[0][1] == out[1][1]


def test_no_grad_records_nothing():
    x = anb.ones(1, 1, 2, 2, requires_grad=True)
    with anb.no_grad():
        assert AF.interpolate(x, scale_factor=2).grad_fn is None


# ---------------------------------------------------------------------------
# F.unfold / F.fold, nn.Unfold / nn.Fold (ops/nnops/fold.py, nn/fold.py)
# ---------------------------------------------------------------------------


def _run_fold(m, f, arr, *args, **kw):
    x = m.tensor(arr, requires_grad=True)
    try:
        y = f(x, *args, **kw)
    except Exception as e:                                # noqa: BLE001 - compared with torch
        return type(e).__name__, str(e).split("\n")[0]
    up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), requires_grad=True)
    g, = m.autograd.grad(y, x, up, create_graph=True)
    gg, = m.autograd.grad((g * g).sum(), up, create_graph=True)
    return (y.detach().numpy(), g.detach().numpy(), gg.detach().numpy(), type(y.grad_fn).__name__,
            _saved(y.grad_fn), type(g.grad_fn).__name__, _saved(g.grad_fn), type(gg.grad_fn).__name__,
            _saved(gg.grad_fn))


UNFOLD = [((2, 3, 4, 5), (2,), {}), ((2, 3, 4, 5), ((2, 3),), dict(dilation=1, padding=1, stride=(1, 2))),
          ((3, 4, 5), (2,), {}), ((1, 2, 5, 5), (3,), dict(dilation=2, padding=(2, 1), stride=2)),
          ((0, 2, 4, 5), (2,), {}), ((1, 2, 4, 5), (0,), {}), ((1, 2, 4, 5), (6,), {}), ((4, 5), (2,), {}),
          ((5,), (2,), {}), ((1, 1, 2, 4, 5), (2,), {}), ((1, 2, 4, 5), ((2, 2, 2),), {}), ((1, 2, 4, 5), (2.0,), {}),
          ((1, 2, 4, 5), (2,), dict(stride=0)), ((1, 2, 4, 5), (2,), dict(dilation=0)),
          ((1, 2, 4, 5), (2,), dict(padding=-1)), ((1, 0, 4, 5), (2,), {}), ((1, 2, 0, 5), (2,), {}),
          ((1, 2, 4, 5), (2,), dict(padding=(1, 2, 3)))]
FOLD = [((1, 8, 6), ((3, 4), 2), {}), ((2, 12, 6), ((3, 4), 2), {}), ((12, 6), ((3, 4), 2), {}),
        ((1, 18, 15), ((4, 5), (2, 3)), dict(padding=1, stride=(1, 2))),
        ((1, 8, 4), ((5, 5), 2), dict(dilation=2, padding=1, stride=2)), ((1, 8, 6), ((3, 4), 3), {}),
        ((1, 8, 5), ((3, 4), 2), {}), ((1, 8, 6), ((1, 1), 2), {}), ((1, 8, 6), ((0, 4), 2), {}),
        ((1, 0, 6), ((3, 4), 2), {}), ((0, 8, 6), ((3, 4), 2), {}), ((1, 8, 6), ((3, 4), 2), dict(padding=-1)),
        ((1, 8, 6), ((3, 4, 5), 2), {}), ((1, 8, 6), ((3, 4), 0), {}), ((1, 8, 6), ((3, 4), 2), dict(stride=0)),
        ((1, 1, 8, 6), ((3, 4), 2), {}), ((8,), ((3, 4), 2), {}), ((1, 8, 6), ((3, 4.0), 2), {})]


@pytest.mark.parametrize("fn,shape,args,kw", [("unfold", *c) for c in UNFOLD] + [("fold", *c) for c in FOLD],
                         ids=str)
def test_unfold_fold_match_torch(fn, shape, args, kw):
    arr = np.random.default_rng(len(shape)).standard_normal(shape)
    ours = _run_fold(anb, getattr(AF, fn), arr, *args, **kw)
    theirs = _run_fold(torch, getattr(TF, fn), arr, *args, **kw)
    if isinstance(theirs[0], str):
        assert ours == theirs
        return
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert ours[3:] == theirs[3:]


def test_unfold_fold_integer_refused_as_in_torch():
    for m, F in ((anb, AF), (torch, TF)):
        with pytest.raises(NotImplementedError, match='"im2col_out_cpu" not implemented for \'Long\''):
            F.unfold(m.ones(1, 2, 3, 3, dtype=m.int64), 2)
        with pytest.raises(NotImplementedError, match='"col2im_out_cpu" not implemented for \'Long\''):
            F.fold(m.ones(1, 8, 6, dtype=m.int64), (3, 4), 2)


def test_unfold_fold_finite_differences():
    rng = np.random.default_rng(7)
    x = anb.tensor(rng.standard_normal((2, 2, 4, 5)), requires_grad=True)
    c = anb.tensor(rng.standard_normal((1, 18, 15)), requires_grad=True)
    for f, t in ((lambda t: AF.unfold(t, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), x),
                 (lambda t: AF.fold(t, (4, 5), (2, 3), padding=1, stride=(1, 2)), c)):
        assert gradcheck(f, (t,))
        assert gradgradcheck(f, (t,))


@pytest.mark.parametrize("name,args", [("Unfold", dict(kernel_size=2)),
                                       ("Unfold", dict(kernel_size=(2, 3), dilation=2, padding=1, stride=(1, 2))),
                                       ("Fold", dict(output_size=(4, 5), kernel_size=2)),
                                       ("Fold", dict(output_size=5, kernel_size=(2, 3), padding=1, stride=2))],
                         ids=str)
def test_fold_layers_match_torch(name, args):
    ours, theirs = getattr(anb.nn, name)(**args), getattr(torch.nn, name)(**args)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        probe = theirs(torch.ones(1, 6, 5, 5)) if name == "Unfold" else None
    shape = (1, 6, 5, 5) if name == "Unfold" else None
    if name == "Fold":                                # columns that fit the layer's image
        k = args["kernel_size"] if isinstance(args["kernel_size"], tuple) else (args["kernel_size"],) * 2
        o = args["output_size"] if isinstance(args["output_size"], tuple) else (args["output_size"],) * 2
        blocks = TF.unfold(torch.ones(1, 1, *o), k, padding=args.get("padding", 0), stride=args.get("stride", 1))
        shape = (2, 3 * k[0] * k[1], blocks.shape[-1])
    arr = np.random.default_rng(3).standard_normal(shape)
    a, b = anb.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    assert probe is None or tuple(probe.shape)[1:] == tuple(ya.shape)[1:]
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert type(ya.grad_fn).__name__ == type(yb.grad_fn).__name__
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_unfold_result_does_not_share_the_input_memory():
    x = anb.ones(1, 2, 3, 3)
    y = AF.unfold(x, 1)
    x.add_(1)
    assert y.sum().item() == 18.0


# ---------------------------------------------------------------------------
# F.channel_shuffle / nn.ChannelShuffle, nn.Softmax2d, alpha dropouts and dropout3d
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((2, 6, 3, 2), 2), ((1, 4, 1, 1, 2), 4), ((0, 4, 3), 2),
                                          ((2, 0, 3), 2), ((2, 4, 3), 1), ((2, 5, 3), 2), ((2, 4), 2), ((2,), 2),
                                          ((2, 4, 3), 0), ((2, 4, 3), -2)], ids=str)
def test_channel_shuffle_matches_torch(shape, groups):
    arr = np.random.default_rng(0).standard_normal(shape)
    res = []
    for m in (anb, torch):
        x = m.tensor(arr, requires_grad=True)
        try:                                          # (no channels: the backward's 0 groups fail)
            y = m.nn.functional.channel_shuffle(x, groups)
            up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), requires_grad=True)
            g, = m.autograd.grad(y, x, up, create_graph=True)
        except Exception as e:                        # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
            continue
        res.append((y.detach().numpy().tolist(), g.detach().numpy().tolist(), type(y.grad_fn).__name__,
                    y.grad_fn._saved_groups, type(g.grad_fn).__name__, g.grad_fn._saved_groups,
                    m.nn.ChannelShuffle(groups)(x).detach().numpy().tolist()))
    assert res[0] == res[1]
    assert repr(anb.nn.ChannelShuffle(groups)) == repr(torch.nn.ChannelShuffle(groups))


@pytest.mark.parametrize("shape", [(2, 3, 2, 2), (3, 2, 2), (2, 3), (1, 2, 3, 4, 5)], ids=str)
def test_softmax2d_matches_torch(shape):
    arr = np.random.default_rng(1).standard_normal(shape)
    res = []
    for m in (anb, torch):
        try:
            y = m.nn.Softmax2d()(m.tensor(arr, requires_grad=True))
            res.append((np.round(y.detach().numpy(), 12).tolist(), type(y.grad_fn).__name__, y.grad_fn._saved_dim))
        except Exception as e:                        # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    assert res[0] == res[1]
    assert repr(anb.nn.Softmax2d()) == repr(torch.nn.Softmax2d())


def _chain(fn):
    out = []
    while fn is not None:
        out.append(type(fn).__name__)
        nxt = [n for n, _ in fn.next_functions if n is not None]
        fn = nxt[0] if nxt else None
    return out


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout", "dropout3d"])
@pytest.mark.parametrize("shape", [(2, 6, 3, 3), (2, 2, 3, 3, 3), (3, 4), (5,)], ids=str)
@pytest.mark.parametrize("p,training", [(0.3, True), (0.0, True), (1.0, True), (0.5, False), (1.5, True)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropouts_match_torch_with_the_same_seed(name, shape, p, training, dtype):
    arr = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    res = []
    for m in (anb, torch):
        m.manual_seed(3)
        x = m.tensor(arr, requires_grad=True)
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                y = getattr(m.nn.functional, name)(x, p, training)
            y.sum().backward()
            res.append((y.detach().numpy(), x.grad.numpy(), _chain(y.grad_fn), [str(a.message) for a in w],
                        y is x))
        except Exception as e:                        # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    ours, theirs = res
    if isinstance(theirs[0], str):
        assert ours == theirs
        return
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-6)
    assert ours[2:] == theirs[2:]


@pytest.mark.parametrize("name", ["AlphaDropout", "FeatureAlphaDropout", "Dropout3d"])
def test_dropout_layers_match_torch(name):
    arr = np.random.default_rng(5).standard_normal((2, 3, 2, 2, 2))
    ours, theirs = getattr(anb.nn, name)(0.4), getattr(torch.nn, name)(0.4)
    assert repr(ours) == repr(theirs)
    outs = []
    for m, layer in ((anb, ours), (torch, theirs)):
        m.manual_seed(11)
        outs.append(layer(m.tensor(arr)).numpy())
        layer.eval()
        outs.append(layer(m.tensor(arr)).numpy())
    np.testing.assert_allclose(outs[0], outs[2], rtol=1e-12)
    np.testing.assert_allclose(outs[1], outs[3], rtol=1e-12)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 2"):
        getattr(anb.nn, name)(2)


# ---------------------------------------------------------------------------
# F.local_response_norm / nn.LocalResponseNorm (a composite: torch's graph), and the
# 3-d average pooling under it (ops/nnops/pool3d.py)
# ---------------------------------------------------------------------------


def _graph(fn):
    """Node names and shown values (numbers a scalar op keeps left out: torch shows tensors)."""
    if fn is None:
        return None
    shown = tuple(sorted((a, repr(getattr(fn, a))) for a in dir(fn) if a.startswith("_saved_")
                         and a != "_saved_other" and not hasattr(getattr(fn, a), "grad_fn")))
    return type(fn).__name__, shown, tuple(_graph(n) for n, _ in fn.next_functions)


@pytest.mark.parametrize("shape,args", [((2, 5, 3, 3), (3,)), ((2, 5, 3), (2,)), ((2, 4, 3, 2, 2), (4, 1e-3, 0.5, 2.0)),
                                        ((1, 3, 4), (5,)), ((0, 3, 4), (2,)), ((3, 4), (2,)), ((2, 5, 3, 3), (1,))],
                         ids=str)
def test_local_response_norm_matches_torch(shape, args):
    arr = np.random.default_rng(0).standard_normal(shape)
    res = []
    for m in (anb, torch):
        x = m.tensor(arr, requires_grad=True)
        try:
            y = m.nn.functional.local_response_norm(x, *args)
        except Exception as e:                        # noqa: BLE001
            res.append((type(e).__name__, str(e)))
            continue
        if y is x:
            res.append("the input itself")
            continue
        graph = _graph(y.grad_fn)
        up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), requires_grad=True)
        g, = m.autograd.grad(y, x, up, create_graph=True)
        gg, = m.autograd.grad((g * g).sum(), x)
        layer = m.nn.LocalResponseNorm(*args)(x).detach().numpy()
        res.append((y.detach().numpy(), g.detach().numpy(), gg.numpy(), layer, graph))
    ours, theirs = res
    if not isinstance(theirs, tuple) or isinstance(theirs[0], str):
        assert ours == theirs
        return
    for a, b in zip(ours[:4], theirs[:4]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert ours[4] == theirs[4]
    assert repr(anb.nn.LocalResponseNorm(*args)) == repr(torch.nn.LocalResponseNorm(*args))


@pytest.mark.parametrize("shape,args", [((2, 3, 4, 5, 3), ((3, 1, 1), 1)), ((2, 3, 4, 5, 3), (2, None)),
                                        ((1, 2, 5, 5, 5), ((2, 3, 2), (1, 2, 1), (1, 1, 0))),
                                        ((2, 4, 4, 4), (3, 2, 1, True, False)), ((1, 1, 5, 4, 3), (2, 2, 1, True, True, 3))],
                         ids=str)
def test_avg_pool3d_kernel_matches_torch(shape, args):
    from autograd_nb.ops.nnops.pool3d import avg_pool3d
    arr = np.random.default_rng(0).standard_normal(shape)
    res = []
    for m, f in ((anb, avg_pool3d), (torch, TF.avg_pool3d)):
        x = m.tensor(arr, requires_grad=True)
        y = f(x, *args)
        up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), requires_grad=True)
        g, = m.autograd.grad(y, x, up, create_graph=True)
        gg, = m.autograd.grad((g * g).sum(), up, create_graph=True)
        res.append((y.detach().numpy(), g.detach().numpy(), gg.detach().numpy(), type(y.grad_fn).__name__,
                    _saved(y.grad_fn), type(g.grad_fn).__name__, _saved(g.grad_fn), len(g.grad_fn.next_functions)))
    for a, b in zip(res[0][:3], res[1][:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert res[0][3:] == res[1][3:]


def test_local_response_norm_finite_differences():
    x = anb.tensor(np.random.default_rng(2).standard_normal((1, 4, 2, 3)), requires_grad=True)
    f = lambda t: AF.local_response_norm(t, 3, alpha=0.5, beta=0.6, k=1.5)   # noqa: E731
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


AVG3D = [((1, 2, 4, 4, 4), (0,), {}), ((1, 2, 4, 4, 4), (5,), {}), ((1, 2, 4, 4, 4), (2,), dict(padding=2)),
         ((1, 2, 4, 4, 4), ((2, 2),), {}), ((1, 2, 4, 4, 4), (2,), dict(stride=0)), ((2, 4, 4), (2,), {}),
         ((1, 2, 0, 4, 4), (2,), {}), ((1, 0, 4, 4, 4), (2,), {}), ((0, 2, 4, 4, 4), (2,), {}),
         ((1, 2, 4, 4, 4), (2,), dict(divisor_override=0)), ((1, 2, 4, 4, 4), (2.0,), {}),
         ((1, 2, 4, 4, 4), ((2, 2, 2, 2),), {}), ((1, 2, 4, 4, 4), (2,), dict(stride=(1, 1))),
         ((1, 2, 4, 4, 4), (2,), dict(padding=(1, 1))), ((1, 2, 4, 4, 4), (3,), dict(ceil_mode=True, stride=2)),
         ((2, 4, 4, 4), (2,), {}), ((1, 2, 4, 4, 4), (-1,), {}),
         ((1, 2, 5, 4, 3), ((3, 2, 1),), dict(stride=(2, 1, 1), padding=(1, 1, 0), count_include_pad=False)),
         ((1, 2, 4, 4, 4), (2,), dict(stride=[])), ((1, 1, 5, 4, 3), (2, 2, 1, True, True, 3), {})]


@pytest.mark.parametrize("shape,args,kw", AVG3D, ids=str)
def test_avg_pool3d_matches_torch(shape, args, kw):
    arr = np.random.default_rng(0).standard_normal(shape)
    res = []
    for m in (anb, torch):
        x = m.tensor(arr, requires_grad=True)
        try:
            y = m.nn.functional.avg_pool3d(x, *args, **kw)
        except Exception as e:                        # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
            continue
        if y.numel() == 0:
            res.append(tuple(y.shape))
            continue
        up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), requires_grad=True)
        g, = m.autograd.grad(y, x, up, create_graph=True)
        res.append((np.round(y.detach().numpy(), 12).tolist(), np.round(g.detach().numpy(), 12).tolist(),
                    type(y.grad_fn).__name__, _saved(y.grad_fn), type(g.grad_fn).__name__))
    assert res[0] == res[1]


@pytest.mark.parametrize("args", [dict(kernel_size=2), dict(kernel_size=(2, 1, 1), stride=1, ceil_mode=True,
                                                            count_include_pad=False, divisor_override=2)], ids=str)
def test_avg_pool3d_layer_matches_torch(args):
    arr = np.random.default_rng(1).standard_normal((2, 3, 4, 5, 3))
    ours, theirs = anb.nn.AvgPool3d(**args), torch.nn.AvgPool3d(**args)
    assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(ours(anb.tensor(arr)).numpy(), theirs(torch.tensor(arr)).numpy(), rtol=1e-12)


def test_avg_pool3d_finite_differences():
    x = anb.tensor(np.random.default_rng(3).standard_normal((1, 2, 3, 4, 3)), requires_grad=True)
    f = lambda t: AF.avg_pool3d(t, (2, 3, 2), stride=(1, 2, 1), padding=(1, 1, 0), ceil_mode=True)   # noqa: E731
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_unfold_fold_of_bool_as_in_torch():
    arr = np.random.default_rng(0).random((1, 2, 3, 4)) > 0.5
    cols = np.random.default_rng(1).random((1, 8, 6)) > 0.5
    assert AF.unfold(anb.tensor(arr), 2).numpy().tolist() == TF.unfold(torch.tensor(arr), 2).numpy().tolist()
    assert (AF.fold(anb.tensor(cols), (3, 4), 2).numpy().tolist()
            == TF.fold(torch.tensor(cols), (3, 4), 2).numpy().tolist())


def test_avg_pool3d_refuses_padding_before_empty_dims_as_in_torch():
    for m in (anb, torch):
        with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
            m.nn.functional.avg_pool3d(m.ones(0, 1, 49, 50), kernel_size=2, stride=50, padding=4)
        with pytest.raises(RuntimeError, match="pad must be non-negative, but got pad: -1"):
            m.nn.functional.avg_pool3d(m.ones(0, 1, 49, 50), kernel_size=2, stride=50, padding=-1)


@pytest.mark.parametrize("shape,size", [((2, 3, 4, 5, 3), (2, 3, 2)), ((2, 3, 4, 5, 3), (1, 1, 1)), ((2, 3, 4, 5, 3), 2),
                                        ((2, 3, 4, 5, 3), (None, 2, 1)), ((3, 4, 5, 3), (3, 7, 2)), ((2, 3), 2),
                                        ((1, 2, 0, 3, 3), 2), ((2, 3, 4, 5, 3), (1, 2)), ((2, 3, 4, 5, 3), -1),
                                        ((2, 3, 4, 5, 3), (0, 2, 2)), ((2, 2, 2), (2, 2, 2)), ((2, 3), (1, 2))],
                         ids=str)
def test_adaptive_avg_pool3d_matches_torch(shape, size):
    arr = np.random.default_rng(0).standard_normal(shape)
    res = []
    for m in (anb, torch):
        x = m.tensor(arr, requires_grad=True)
        try:
            y = m.nn.functional.adaptive_avg_pool3d(x, size)
            if y.numel() == 0:
                res.append(tuple(y.shape))
                continue
            up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), requires_grad=True)
            g, = m.autograd.grad(y, x, up, create_graph=True)
            gg, = m.autograd.grad((g * g).sum(), up, create_graph=True)
            res.append((np.round(y.detach().numpy(), 10).tolist(), np.round(g.detach().numpy(), 10).tolist(),
                        np.round(gg.detach().numpy(), 10).tolist(), type(y.grad_fn).__name__, _saved(y.grad_fn),
                        type(g.grad_fn).__name__, _saved(g.grad_fn),
                        m.nn.AdaptiveAvgPool3d(size)(x).detach().numpy().round(10).tolist()))
        except Exception as e:                        # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    assert res[0] == res[1]
    assert repr(anb.nn.AdaptiveAvgPool3d(size)) == repr(torch.nn.AdaptiveAvgPool3d(size))


# ---------------------------------------------------------------------------
# Tensor.unfold (ops/unfold_view.py): windows along one dim, a view
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape,args", [((3, 7), (1, 3, 2)), ((3, 7), (0, 2, 1)), ((3, 7), (-1, 7, 1)),
                                        ((3, 7), (2, 3, 2)), ((3, 7), (0, 4, 1)), ((3, 7), (1, 3, 0)),
                                        ((3, 7), (1, -1, 1)), ((3, 7), (1, 0, 1)), ((), (0, 1, 1)), ((), (0, 2, 1)),
                                        ((), (0, 0, 1)), ((), (-1, 1, 1)), ((2, 3, 5), (2, 2, 3)), ((4,), (0, 2, 1)),
                                        ((2, 5, 3), (1, 5, 5)), ((2, 5, 3), (-2, 2, 2))], ids=str)
def test_tensor_unfold_matches_torch(shape, args):
    arr = np.random.default_rng(0).standard_normal(shape)
    res = []
    for m in (anb, torch):
        x = m.tensor(arr, requires_grad=True)
        try:
            y = x.unfold(*args)
            out = [tuple(y.shape), y.detach().numpy().tolist(), type(y.grad_fn).__name__, _saved(y.grad_fn),
                   y._base is x]
            up = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), requires_grad=True)
            g, = m.autograd.grad(y, x, up, create_graph=True)
            out += [np.round(g.detach().numpy(), 12).tolist(), type(g.grad_fn).__name__, _saved(g.grad_fn)]
            gg, = m.autograd.grad((g * g).sum(), up, create_graph=True)
            out += [np.round(gg.detach().numpy(), 12).tolist(), type(gg.grad_fn).__name__]
            z = m.tensor(arr.copy())
            v = z.unfold(*args)
            if v.numel() and args[2] >= args[1]:      # (windows that do not overlap: written once each)
                v.mul_(2)
            out.append(np.round(z.numpy(), 12).tolist())
            res.append(out)
        except Exception as e:                        # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    assert res[0] == res[1]


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("shape,kw", [((1, 3, 5, 6), dict(size=(7, 9))), ((2, 1, 4, 4), dict(size=(3, 5))),
                                      ((1, 5, 8, 7), dict(size=(16, 3))), ((1, 4, 6, 6), dict(scale_factor=2)),
                                      ((1, 3, 9, 9), dict(scale_factor=0.45)),
                                      ((1, 2, 3, 10), dict(scale_factor=(1.5, 0.7))), ((2, 3, 1, 1), dict(size=(3, 2)))],
                         ids=str)
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_uint8_is_torchs_fixed_point_kernel(shape, kw, align, mode):
    arr = np.random.default_rng(len(shape) + shape[-1]).integers(0, 256, shape).astype(np.uint8)
    ours = AF.interpolate(anb.tensor(arr), mode=mode, align_corners=align, **kw).numpy()
    theirs = TF.interpolate(torch.tensor(arr), mode=mode, align_corners=align, **kw).numpy()
    assert ours.dtype == np.uint8
    if mode == "bilinear":
        np.testing.assert_array_equal(ours, theirs)
    else:                                             # (bicubic: at most one unit off, at the borders)
        assert np.abs(ours.astype(int) - theirs).max() <= 1
        assert (ours != theirs).mean() < 0.01
