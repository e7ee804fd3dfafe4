"""fastact.reference, the oracle of this suite, checked against the spec itself.

* the same public names as fastact with the same signatures minus `out=`;
* dtype-generic: float32, float64 and np.longdouble inputs keep their dtype;
* the spec's exact values (limits at +-inf, kink values, NaN in -> NaN out) hold for the
  reference too, in every dtype, so that the oracle comparisons elsewhere test the spec;
* its float64 values agree with fastact's within the accuracy bounds (a cross-check that
  the two implement the same formulas): exercised by the other modules through the oracle.
"""
import inspect

import numpy as np
import pytest

import fastact
from fastact import reference

FUNCS = ["identity", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh", "linear"]
ALL = [f + s for f in FUNCS for s in ("", "_derivative", "_backward")] + [
    "prelu", "prelu_derivative", "prelu_backward", "softmax", "softmax_backward",
    "log_softmax", "log_softmax_backward",
]
DTYPES3 = [np.float32, np.float64, np.longdouble]


@pytest.mark.parametrize("name", ALL)
def test_same_signature_minus_out(name):
    f = getattr(fastact, name)
    r = getattr(reference, name)
    fp = [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()
          if p.name != "out"]
    rp = [(p.name, p.kind, p.default) for p in inspect.signature(r).parameters.values()]
    assert fp == rp
    assert "out" in inspect.signature(f).parameters


def _call(name, x):
    r = getattr(reference, name)
    if name == "prelu_backward":
        return r(x, x, 0.25)[0]
    if name.startswith("prelu"):
        return r(x, 0.25)
    if name.endswith("_backward"):
        return r(x, y=x) if "softmax" in name else r(x, x=x)
    return r(x)


@pytest.mark.parametrize("dtype", DTYPES3, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ALL)
def test_keeps_dtype(name, dtype):
    x = np.array([[-1.5, 0.25, 3.0], [0.0, -0.0, 2.0]], dtype=dtype)
    with np.errstate(all="ignore"):
        r = _call(name, x)
    assert np.asarray(r).dtype == np.dtype(dtype)
    assert np.shape(r) == x.shape


@pytest.mark.parametrize("dtype", DTYPES3, ids=lambda d: np.dtype(d).name)
def test_limits_and_kinks(dtype):
    t = np.dtype(dtype).type
    inf = t(np.inf)

    def v(fn, x, **kw):
        with np.errstate(all="ignore"):
            return np.asarray(fn(np.array([x], dtype=dtype), **kw))[0]

    r = reference
    assert v(r.sigmoid, -inf) == 0 and v(r.sigmoid, inf) == 1
    assert v(r.sigmoid_derivative, inf) == 0 and v(r.sigmoid_derivative, -inf) == 0
    assert v(r.tanh, inf) == 1 and v(r.tanh, -inf) == -1
    assert v(r.tanh_derivative, inf) == 0 and v(r.tanh_derivative, -inf) == 0
    assert v(r.elu, -inf) == -1 and v(r.elu, -inf, alpha=0.5) == -0.5
    assert v(r.elu_derivative, -inf) == 0
    assert v(r.relu, inf) == inf and v(r.relu, -inf) == 0 and v(r.relu_derivative, inf) == 1
    assert v(r.leaky_relu, -inf) == -inf
    assert v(r.relu_derivative, t(0)) == 0
    assert v(r.leaky_relu_derivative, t(0), alpha=0.5) == 0.5
    assert v(r.elu_derivative, t(0), alpha=0.5) == 0.5
    assert v(r.prelu_derivative, t(0), weight=0.5) == 0.5
    # NaN in -> NaN out
    nan = t(np.nan)
    for name in ("identity", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh"):
        assert np.isnan(v(getattr(r, name), nan)), name
        assert np.isnan(v(getattr(r, name + "_derivative"), nan)), name


@pytest.mark.parametrize("dtype", DTYPES3, ids=lambda d: np.dtype(d).name)
def test_prelu_derivative_at_minus_inf(dtype):
    """prelu'(x) = w for every x <= 0, -inf included (as fastact.prelu_derivative gives)."""
    x = np.array([-np.inf, -1.0], dtype=dtype)
    with np.errstate(all="ignore"):
        d = reference.prelu_derivative(x, 0.5)
        gx, _ = reference.prelu_backward(np.ones_like(x), x, 0.5)
    np.testing.assert_array_equal(d, [0.5, 0.5])
    np.testing.assert_array_equal(gx, [0.5, 0.5])


def test_softmax_special_rows():
    x = np.array([[0.0, -np.inf, 1.0], [np.nan, 0.0, 1.0], [-np.inf] * 3])
    with np.errstate(all="ignore"):
        y = reference.softmax(x)
        ly = reference.log_softmax(x)
    assert y[0, 1] == 0 and ly[0, 1] == -np.inf and np.isfinite(y[0]).all()
    assert np.isnan(y[1]).all() and np.isnan(ly[1]).all()
    assert np.isnan(y[2]).all() and np.isnan(ly[2]).all()


@pytest.mark.parametrize("row", [r for r in fastact._catalogue.rows("elementwise")],
                         ids=lambda r: r.name)
def test_signed_zeros_do_not_depend_on_the_dtype(row):
    """The reference's sign of zero at x = +-0 is the same in float32, float64 and long double
    (the accuracy script compares float64 kernels with the long double reference), and the
    kernels agree with it. np.maximum(-0.0, 0) is +0 in float64 but -0 in long double, so a
    reference written with it would not be."""
    for params in row.sample_params():
        for suffix in ("", "_derivative"):
            ref = getattr(reference, row.name + suffix)
            signs = []
            for dt in (np.float32, np.float64, np.longdouble):
                x = np.array([-0.0, 0.0], dt)
                with np.errstate(all="ignore"):
                    signs.append(tuple(np.signbit(ref(x, **params))))
            assert len(set(signs)) == 1, (row.name + suffix, params, signs)
            for dt in (np.float32, np.float64):
                with np.errstate(all="ignore"):
                    got = getattr(fastact, row.name + suffix)(np.array([-0.0, 0.0], dt), **params)
                assert tuple(np.signbit(got)) == signs[0], (row.name + suffix, params, dt)
