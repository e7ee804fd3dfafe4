"""fastact.softmax_cross_entropy and fastact.sigmoid_binary_cross_entropy: against PyTorch's
cross_entropy / binary_cross_entropy_with_logits and their autograd gradients (only those
comparisons skip when PyTorch is absent), and independently of it: the gradient against central
finite differences of the loss, the loss against a float64 formula, finite results for huge
logits, -inf logits, and the validation of every argument."""
import numpy as np
import pytest

import fastact
from fastact import loss as L

REDUCTIONS = ("mean", "sum", "none")
DTYPES = [pytest.param(np.float32, id="float32"), pytest.param(np.float64, id="float64")]


def _torch():
    return pytest.importorskip("torch")


def _tol(dtype):
    return {"rtol": 2e-6, "atol": 2e-6} if dtype == np.float32 else {"rtol": 1e-12,
                                                                     "atol": 1e-13}


def _case(shape, axis, seed, scale=3.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale
    classes = shape[axis]
    batch = tuple(s for i, s in enumerate(shape) if i != axis % len(shape))
    idx = rng.integers(0, classes, batch)
    probs = np.moveaxis(rng.dirichlet(np.ones(classes), batch), -1, axis)
    return x, idx, probs


SHAPES = [((8, 5), -1), ((8, 5), 1), ((4, 6, 3), 1), ((6,), 0), ((3, 4, 5), 0)]


# --- softmax_cross_entropy ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("labels", ["index", "probs"])
def test_cross_entropy_matches_torch(labels, smoothing, reduction, dtype):
    torch = _torch()
    F = torch.nn.functional
    for shape, axis in SHAPES:
        x, idx, probs = _case(shape, axis, seed=len(shape) + axis)
        x = x.astype(dtype)
        lab = idx if labels == "index" else probs.astype(dtype)
        loss, grad = fastact.softmax_cross_entropy(x, lab, axis=axis, reduction=reduction,
                                                   label_smoothing=smoothing, return_grad=True)
        assert grad.shape == x.shape and grad.dtype == dtype
        # torch wants the classes on dimension 1 (or 0 for 1-D input)
        cdim = 0 if x.ndim == 1 else 1
        tx = torch.tensor(np.moveaxis(x, axis, cdim), requires_grad=True)
        tl = torch.tensor(lab) if labels == "index" else torch.tensor(np.moveaxis(lab, axis, cdim))
        want = F.cross_entropy(tx, tl, reduction=reduction, label_smoothing=smoothing)
        want.sum().backward()
        want_l = want.detach().numpy()
        assert np.shape(loss) == np.shape(want_l)  # 'none': the batch shape, in order
        assert np.asarray(loss).dtype == dtype
        np.testing.assert_allclose(np.asarray(loss), want_l, **_tol(dtype))
        np.testing.assert_allclose(grad, np.moveaxis(tx.grad.numpy(), cdim, axis), **_tol(dtype))


def _numeric_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("shape,axis", SHAPES, ids=lambda v: str(v))
def test_cross_entropy_gradient_is_the_derivative(shape, axis, smoothing, reduction):
    x, idx, probs = _case(shape, axis, seed=3)
    unnormalised = probs * 1.7  # the gradient holds for targets that do not sum to 1 too
    for lab in (idx, probs, unnormalised):
        def f(z):
            return float(fastact.softmax_cross_entropy(z, lab, axis=axis, reduction=reduction,
                                                       label_smoothing=smoothing))

        _, grad = fastact.softmax_cross_entropy(x, lab, axis=axis, reduction=reduction,
                                                label_smoothing=smoothing, return_grad=True)
        np.testing.assert_allclose(grad, _numeric_grad(f, x), rtol=1e-6, atol=1e-8)


def test_cross_entropy_none_is_per_sample_and_its_formula():
    x, idx, probs = _case((7, 4), -1, seed=9)
    loss = fastact.softmax_cross_entropy(x, idx, reduction="none")
    logp = x - x.max(-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    np.testing.assert_allclose(loss, -logp[np.arange(7), idx], rtol=1e-13)
    np.testing.assert_allclose(fastact.softmax_cross_entropy(x, probs, reduction="none"),
                               -(probs * logp).sum(-1), rtol=1e-13)  # (cancellation)
    assert fastact.softmax_cross_entropy(x, idx, reduction="sum") == pytest.approx(
        loss.sum(), rel=1e-14)
    assert fastact.softmax_cross_entropy(x, idx) == pytest.approx(loss.mean(), rel=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_huge_and_infinite_logits(dtype):
    big = np.finfo(dtype).max / 4
    x = np.array([[big, 0, -big], [1e30, 1e30, -1e30], [-np.inf, 0, 1], [0, -np.inf, -np.inf]],
                 dtype)
    lab = np.array([0, 1, 2, 0])
    loss, grad = fastact.softmax_cross_entropy(x, lab, reduction="none", return_grad=True)
    np.testing.assert_allclose(loss, [0, np.log(2), np.log1p(np.exp(-1) + 0), 0],
                               rtol=1e-6, atol=1e-30)
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad[0], [0, 0, 0], atol=0)
    np.testing.assert_allclose(grad[1], [0.5, -0.5, 0], rtol=1e-6)
    # the target at -inf: an infinite loss, a finite gradient (-1 there)
    loss, grad = fastact.softmax_cross_entropy(x[2:3], np.array([0]), return_grad=True)
    assert loss == np.inf and np.isfinite(grad).all() and grad[0, 0] == -1
    # probabilities: 0 log 0 = 0 at the -inf logits
    p = np.array([[0, 0.25, 0.75], [1, 0, 0]], dtype)
    loss = fastact.softmax_cross_entropy(x[2:], p, reduction="none")
    assert np.isfinite(loss).all() and loss[1] == 0


def test_cross_entropy_integer_and_float16_logits():
    x = np.array([[1, 2, 3], [0, 0, 5]])
    want = fastact.softmax_cross_entropy(x.astype(np.float64), np.array([2, 0]))
    got = fastact.softmax_cross_entropy(x, np.array([2, 0]))
    assert got == want and got.dtype == np.float64
    assert fastact.softmax_cross_entropy(x.astype(np.float16), np.array([2, 0])).dtype == \
        np.float32
    empty = fastact.softmax_cross_entropy(np.zeros((0, 3)), np.zeros(0, int))
    assert np.isnan(empty)


@pytest.mark.parametrize("args,kwargs,exc,match", [
    (([[1.0, 2.0]], [2]), {}, ValueError, r"labels: class indices must be in \[0, 2\)"),
    (([[1.0, 2.0]], [-1]), {}, ValueError, r"labels: class indices must be in \[0, 2\)"),
    (([[1.0, 2.0]], [0, 1]), {}, ValueError, r"labels: integer class indices need the shape"),
    (([[1.0, 2.0]], [0.0]), {}, ValueError,
     r"labels: float labels are class probabilities.*integer array"),
    (([[1.0, 2.0]], [[0.5, 0.5, 0.0]]), {}, ValueError, r"labels: float labels"),
    (([[1.0, 2.0]], [True]), {}, TypeError, r"labels: expected integer class indices"),
    (([[1.0, 2.0]], ["a"]), {}, TypeError, r"labels: expected integer"),
    (([["a", "b"]], [0]), {}, TypeError, r"logits: expected real numbers"),
    ((1.0, 0), {}, ValueError, r"logits: needs at least 1 dimension"),
    (([[1.0, 2.0]], [0]), {"axis": 2}, ValueError, r"axis: 2 is out of range"),
    (([[1.0, 2.0]], [0]), {"axis": 1.0}, TypeError, r"axis: expected an int"),
    (([[1.0, 2.0]], [0]), {"reduction": "avg"}, ValueError, r"reduction: expected 'mean'"),
    (([[1.0, 2.0]], [0]), {"label_smoothing": 1.5}, ValueError, r"label_smoothing: must be in"),
    (([[1.0, 2.0]], [0]), {"label_smoothing": "0.1"}, TypeError, r"label_smoothing: expected"),
    (([[1.0, 2.0]], [0]), {"return_grad": 1}, TypeError, r"return_grad: expected True or False"),
])
def test_cross_entropy_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fastact.softmax_cross_entropy(np.asarray(args[0]), np.asarray(args[1]), **kwargs)


# --- sigmoid_binary_cross_entropy --------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [None, "per_class", "scalar"])
def test_bce_matches_torch(pos_weight, reduction, dtype):
    torch = _torch()
    F = torch.nn.functional
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((6, 5)) * 8).astype(dtype)
    t = rng.random((6, 5)).astype(dtype)
    t[0] = [0, 1, 0, 1, 0.5]
    w = {None: None, "per_class": rng.random(5) * 3, "scalar": np.array(2.5)}[pos_weight]
    loss, grad = fastact.sigmoid_binary_cross_entropy(x, t, reduction=reduction, pos_weight=w,
                                                      return_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    want = F.binary_cross_entropy_with_logits(
        tx, torch.tensor(t), reduction=reduction,
        pos_weight=None if w is None else torch.tensor(w.astype(dtype)))
    want.sum().backward()
    assert np.asarray(loss).dtype == dtype and grad.dtype == dtype
    np.testing.assert_allclose(loss, want.detach().numpy(), **_tol(dtype))
    np.testing.assert_allclose(grad, tx.grad.numpy(), **_tol(dtype))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_gradient_is_the_derivative(reduction):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 3)) * 4
    t = rng.random((4, 3))
    for w in (None, np.array([0.5, 1.0, 3.0])):
        def f(z):
            return float(fastact.sigmoid_binary_cross_entropy(z, t, reduction=reduction,
                                                              pos_weight=w))

        _, grad = fastact.sigmoid_binary_cross_entropy(x, t, reduction=reduction,
                                                       pos_weight=w, return_grad=True)
        np.testing.assert_allclose(grad, _numeric_grad(f, x), rtol=1e-6, atol=1e-9)


def test_bce_formula_and_stability():
    x = np.array([-1e30, -800.0, -40.0, -3.0, 0.0, 2.0, 40.0, 800.0, 1e30])
    for t in (0.0, 1.0, 0.3):
        tt = np.full_like(x, t)
        loss, grad = fastact.sigmoid_binary_cross_entropy(x, tt, reduction="none",
                                                          return_grad=True)
        # softplus(-x) t + softplus(x) (1 - t), with softplus(z) = max(z, 0) + log1p(e^-|z|)
        sp = lambda z: np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))  # noqa: E731
        np.testing.assert_allclose(loss, t * sp(-x) + (1 - t) * sp(x), rtol=1e-14)
        with np.errstate(over="ignore"):
            sig, sig_neg = 1 / (1 + np.exp(-x)), 1 / (1 + np.exp(x))
        # (1 - t) sigmoid(x) - t sigmoid(-x): accurate where sigmoid(x) - t cancels
        np.testing.assert_allclose(grad, (1 - t) * sig - t * sig_neg, rtol=1e-14, atol=1e-300)
    # infinite logits: finite where the target weight there is 0
    loss = fastact.sigmoid_binary_cross_entropy(np.array([np.inf, -np.inf]),
                                                np.array([1.0, 0.0]), reduction="none")
    assert loss.tolist() == [0.0, 0.0] and not np.signbit(loss).any()
    # integer / bool targets are probabilities 0 and 1
    x = np.array([0.5, -2.0, 3.0])
    assert fastact.sigmoid_binary_cross_entropy(x, np.array([True, False, True])) == \
        fastact.sigmoid_binary_cross_entropy(x, np.array([1.0, 0.0, 1.0]))


@pytest.mark.parametrize("targets,kwargs,exc,match", [
    ([0.0, 1.0], {}, ValueError, r"targets: must have the logits' shape \(3,\)"),
    ([0.0, 1.0, 1.5], {}, ValueError, r"targets: must be in \[0, 1\]"),
    ([0.0, -1.0, 1.0], {}, ValueError, r"targets: must be in \[0, 1\]"),
    (["a", "b", "c"], {}, TypeError, r"targets: expected real numbers"),
    ([0.0, 1.0, 1.0], {"pos_weight": [1.0, 2.0]}, ValueError, r"pos_weight: shape \(2,\)"),
    ([0.0, 1.0, 1.0], {"pos_weight": [1.0, -2.0, 1.0]}, ValueError, r"pos_weight: must be >= 0"),
    ([0.0, 1.0, 1.0], {"pos_weight": "x"}, TypeError, r"pos_weight: expected real numbers"),
    ([0.0, 1.0, 1.0], {"reduction": "avg"}, ValueError, r"reduction: expected"),
])
def test_bce_errors(targets, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fastact.sigmoid_binary_cross_entropy(np.array([0.5, -1.0, 2.0]), np.array(targets),
                                             **kwargs)


def test_exported():
    assert fastact.softmax_cross_entropy is L.softmax_cross_entropy
    assert fastact.sigmoid_binary_cross_entropy is L.sigmoid_binary_cross_entropy
