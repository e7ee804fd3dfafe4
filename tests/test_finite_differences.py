"""Derivatives and vector-Jacobian products against central finite differences (float64).

These do not use the oracle: they check that each derivative / backward pass is the
derivative of fastact's own forward pass.

* elementwise f'(x) and grad * f'(x) vs (f(x + h) - f(x - h)) / 2h, h = 1e-5 * max(1, |x|),
  away from the kinks (|x| > 1e-3), |x| <= 8; tolerance 1e-7 * (|f'| + |f| + 1) (truncation
  ~h^2 |f'''|, rounding ~eps |f| / h);
* softmax / log_softmax VJPs vs g^T J with the full Jacobian J built by central differences
  over every input element (n = 5..7, several axes of 1-d to 4-d arrays); tolerance 1e-7;
* prelu d/dx and grad_weight (dL/dw for L = sum(grad * prelu(x, w))) vs differences.
"""
import numpy as np
import pytest

import fastact
from _oracle import ELEMENTWISE, HAS_ALPHA, needed_params, passes_of

F64 = np.float64


def _x_away_from_kinks(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-8, 8, n)
    x = np.where(np.abs(x) < 1e-3, 0.25, x)  # (0.5 is softshrink's and hardshrink's kink)
    return x


ALPHA_CASES = [
    pytest.param(name, alpha, id="%s%s" % (name, "" if alpha is None else "-a%g" % alpha))
    for name in ELEMENTWISE
    for alpha in ((0.01, 0.2, 1.0, 2.0, -0.5) if name in HAS_ALPHA else (None,))
]


@pytest.mark.parametrize("name,alpha", ALPHA_CASES)
def test_elementwise_derivative_vs_differences(name, alpha):
    params = needed_params(name) if alpha is None else {"alpha": alpha}
    x = _x_away_from_kinks(400, seed=len(name))
    f = getattr(fastact, name)
    h = 1e-5 * np.maximum(1.0, np.abs(x))
    fd = (f(x + h, **params) - f(x - h, **params)) / (2 * h)
    d = getattr(fastact, name + "_derivative")(x, **params)
    tol = 1e-7 * (np.abs(d) + np.abs(f(x, **params)) + 1.0)
    bad = np.abs(d - fd) > tol
    assert not bad.any(), (name, x[bad][:5], d[bad][:5], fd[bad][:5])
    g = np.random.default_rng(5).standard_normal(x.shape)
    b = getattr(fastact, name + "_backward")(g, x, **params)
    bad = np.abs(b - g * fd) > np.abs(g) * tol
    assert not bad.any(), (name, "backward", x[bad][:5], b[bad][:5], (g * fd)[bad][:5])
    if (alpha is None or alpha >= 0) and "backward_y" in passes_of(name):
        by = getattr(fastact, name + "_backward")(g, y=f(x, **params), **params)
        bad = np.abs(by - g * fd) > np.abs(g) * tol
        assert not bad.any(), (name, "backward y", x[bad][:5], by[bad][:5], (g * fd)[bad][:5])


def _jacobian(fn, x, h=1e-6):
    """J[i, j] = d fn(x).flat[i] / d x.flat[j], by central differences."""
    flat = x.reshape(-1)
    cols = []
    for j in range(flat.size):
        xp, xm = flat.copy(), flat.copy()
        xp[j] += h
        xm[j] -= h
        cols.append((fn(xp.reshape(x.shape)) - fn(xm.reshape(x.shape))).reshape(-1) / (2 * h))
    return np.stack(cols, axis=1)


VJP_CASES = [((6,), 0), ((5,), -1), ((3, 5), 1), ((5, 3), 0), ((2, 7, 3), 1), ((2, 3, 6), -1),
             ((2, 2, 5, 2), 2), ((6, 2, 2), 0)]


@pytest.mark.parametrize("shape,axis", VJP_CASES, ids=str)
def test_softmax_vjp_vs_jacobian(shape, axis):
    rng = np.random.default_rng(sum(shape) + axis)
    x = rng.standard_normal(shape) * 2
    g = rng.standard_normal(shape)
    J = _jacobian(lambda a: fastact.softmax(a, axis=axis), x)
    vjp = (g.reshape(-1) @ J).reshape(shape)
    got = fastact.softmax_backward(g, y=fastact.softmax(x, axis=axis), axis=axis)
    np.testing.assert_allclose(got, vjp, rtol=1e-6, atol=1e-8)
    # the Jacobian is block diagonal: no coupling across slices (sanity of the check itself)
    assert np.abs(J).sum() > 0


@pytest.mark.parametrize("shape,axis", VJP_CASES, ids=str)
def test_log_softmax_vjp_vs_jacobian(shape, axis):
    rng = np.random.default_rng(sum(shape) + axis + 100)
    x = rng.standard_normal(shape) * 2
    g = rng.standard_normal(shape)
    J = _jacobian(lambda a: fastact.log_softmax(a, axis=axis), x)
    vjp = (g.reshape(-1) @ J).reshape(shape)
    got = fastact.log_softmax_backward(g, y=fastact.log_softmax(x, axis=axis), axis=axis)
    np.testing.assert_allclose(got, vjp, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape,axis", [((2, 3, 4), 1), ((5, 4), 0), ((6,), 0), ((3, 4, 2), -1)],
                         ids=str)
def test_prelu_gradients_vs_differences(shape, axis):
    rng = np.random.default_rng(7 + axis)
    x = rng.uniform(-3, 3, shape)
    x = np.where(np.abs(x) < 1e-3, 0.5, x)
    c = shape[axis]
    w = rng.uniform(-0.5, 1.5, c)
    g = rng.standard_normal(shape)
    h = 1e-6
    # d/dx, elementwise
    d = fastact.prelu_derivative(x, w, axis=axis)
    fd = (fastact.prelu(x + h, w, axis=axis) - fastact.prelu(x - h, w, axis=axis)) / (2 * h)
    np.testing.assert_allclose(d, fd, rtol=1e-7, atol=1e-8)
    gx, gw = fastact.prelu_backward(g, x, w, axis=axis)
    np.testing.assert_allclose(gx, g * fd, rtol=1e-7, atol=1e-8)

    # dL/dw for L = sum(g * prelu(x, w))
    def loss(wv):
        return float(np.sum(g * fastact.prelu(x, wv, axis=axis)))

    fdw = np.empty(c)
    for k in range(c):
        wp, wm = w.copy(), w.copy()
        wp[k] += h
        wm[k] -= h
        fdw[k] = (loss(wp) - loss(wm)) / (2 * h)
    np.testing.assert_allclose(gw, fdw, rtol=1e-6, atol=1e-7)
    # a shared (scalar) weight: dL/dw is the total
    s = 0.3
    _, gws = fastact.prelu_backward(g, x, s, axis=axis)
    fds = (loss(s + h) - loss(s - h)) / (2 * h)
    np.testing.assert_allclose(gws, fds, rtol=1e-6, atol=1e-7)
