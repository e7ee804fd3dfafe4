"""Edge values: zeros, subnormals, the smallest normal, +-1e4, +-largest finite, +-inf, NaN and
the kinks, for every elementwise function and pass, float32 and float64; softmax and
log_softmax with huge values, -inf entries, NaN and all -inf slices.

Two kinds of assertion:
* against the oracle (tests/_oracle.py) within the spec's bounds: identity, relu 0 ULP;
  leaky_relu forward <= 1 ULP; elu, selu, sigmoid, tanh forward <= 2 ULP; derivatives and
  backward <= 4 ULP; NaN positions and infinities must match exactly;
* exact values the spec states: the limits (sigmoid(-inf) = 0, tanh'(+-inf) = 0,
  elu(-inf) = -alpha, ...), the kink values (relu'(0) = 0, leaky_relu'(0) = alpha, ...),
  NaN in -> NaN out in every pass, NaN grad -> NaN even where f' = 0, and finiteness.
Softmax-family bounds: softmax 4 ULP + n*eps relative; log_softmax
4*ulp + 4*eps*(|x - max| + log n).
"""
import numpy as np
import pytest

import fastact
from fastact import _catalogue
from _oracle import (
    DTYPES, ELEMENTWISE, HAS_ALPHA, PASSES, SELU_SCALE_ALPHA_EXACT, SELU_SCALE_STR,
    assert_ulp, assert_within, bits, bound, edge_values, elementwise_case, log_softmax_tol, oracle,
    needed_params, param_sets, params_for, passes_of, softmax_tol,
)

DT = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
SELU_SCALE = float(SELU_SCALE_STR)
SELU_SCALE_ALPHA = float(SELU_SCALE_ALPHA_EXACT)  # correctly rounded to double


CASES = [
    pytest.param(name, pass_, params,
                 id="%s-%s%s" % (name, pass_, "".join(
                     ("-%s%s" if isinstance(kv[1], str) else "-%s%g") % kv  # (str: a choice)
                     for kv in params.items())))
    for name in ELEMENTWISE for pass_ in PASSES if pass_ in passes_of(name)
    for params in param_sets(name, pass_)
]


@DT
@pytest.mark.parametrize("name,pass_,params", CASES)
def test_edge_values_vs_oracle(name, pass_, params, dtype):
    x = edge_values(dtype)
    for gval in (1.0, -0.75):
        g = np.full(x.shape, gval, dtype=dtype)
        got, want, inputs = elementwise_case(name, pass_, x, g, params)
        assert_ulp(got, want, bound(name, pass_), inputs, "%s %s %s grad=%g" % (name, pass_, dtype, gval))


def _one(fn, v, dtype, **kw):
    r = fn(np.array(v, dtype=dtype), **kw)
    assert isinstance(r, np.ndarray) and r.shape == () and r.dtype == dtype
    return r[()]


def _back(fn, v, dtype, form, grad=1.0, **kw):
    g = np.array(grad, dtype=dtype)
    a = np.array(v, dtype=dtype)
    r = fn(g, a, **kw) if form == "x" else fn(g, y=a, **kw)
    assert isinstance(r, np.ndarray) and r.shape == () and r.dtype == dtype
    return r[()]


@DT
def test_limits_at_infinity(dtype):
    inf = np.inf
    f = fastact
    t = dtype.type
    checks = [
        ("sigmoid(-inf)", _one(f.sigmoid, -inf, dtype), 0.0),
        ("sigmoid(inf)", _one(f.sigmoid, inf, dtype), 1.0),
        ("sigmoid'(inf)", _one(f.sigmoid_derivative, inf, dtype), 0.0),
        ("sigmoid'(-inf)", _one(f.sigmoid_derivative, -inf, dtype), 0.0),
        ("tanh(inf)", _one(f.tanh, inf, dtype), 1.0),
        ("tanh(-inf)", _one(f.tanh, -inf, dtype), -1.0),
        ("tanh'(inf)", _one(f.tanh_derivative, inf, dtype), 0.0),
        ("tanh'(-inf)", _one(f.tanh_derivative, -inf, dtype), 0.0),
        ("elu(-inf)", _one(f.elu, -inf, dtype), -1.0),
        ("elu(-inf, alpha=0.2)", _one(f.elu, -inf, dtype, alpha=0.2), -t(0.2)),
        ("elu'(-inf)", _one(f.elu_derivative, -inf, dtype), 0.0),
        ("elu'(-inf, alpha=2)", _one(f.elu_derivative, -inf, dtype, alpha=2.0), 0.0),
        ("elu(inf)", _one(f.elu, inf, dtype), inf),
        ("elu'(inf)", _one(f.elu_derivative, inf, dtype), 1.0),
        ("selu(-inf)", _one(f.selu, -inf, dtype), -t(SELU_SCALE_ALPHA)),
        ("selu'(-inf)", _one(f.selu_derivative, -inf, dtype), 0.0),
        ("selu'(inf)", _one(f.selu_derivative, inf, dtype), t(SELU_SCALE)),
        ("relu(inf)", _one(f.relu, inf, dtype), inf),
        ("relu(-inf)", _one(f.relu, -inf, dtype), 0.0),
        ("relu'(inf)", _one(f.relu_derivative, inf, dtype), 1.0),
        ("relu'(-inf)", _one(f.relu_derivative, -inf, dtype), 0.0),
        ("leaky_relu(-inf)", _one(f.leaky_relu, -inf, dtype), -inf),
        ("leaky_relu(-inf, alpha=0.2)", _one(f.leaky_relu, -inf, dtype, alpha=0.2), -inf),
        ("leaky_relu(inf)", _one(f.leaky_relu, inf, dtype), inf),
        ("leaky_relu'(-inf, alpha=0.2)", _one(f.leaky_relu_derivative, -inf, dtype, alpha=0.2), t(0.2)),
        ("identity(-inf)", _one(f.identity, -inf, dtype), -inf),
        ("identity'(inf)", _one(f.identity_derivative, inf, dtype), 1.0),
        # backward from the saturated outputs
        ("sigmoid_backward(y=1)", _back(f.sigmoid_backward, 1.0, dtype, "y"), 0.0),
        ("sigmoid_backward(y=0)", _back(f.sigmoid_backward, 0.0, dtype, "y"), 0.0),
        ("tanh_backward(y=1)", _back(f.tanh_backward, 1.0, dtype, "y"), 0.0),
        ("tanh_backward(y=-1)", _back(f.tanh_backward, -1.0, dtype, "y"), 0.0),
        ("elu_backward(y=-1)", _back(f.elu_backward, -1.0, dtype, "y"), 0.0),
        ("elu_backward(y=-2, alpha=2)", _back(f.elu_backward, -2.0, dtype, "y", alpha=2.0), 0.0),
        ("relu_backward(y=inf)", _back(f.relu_backward, inf, dtype, "y", grad=3.0), 3.0),
        ("sigmoid_backward(x=inf)", _back(f.sigmoid_backward, inf, dtype, "x", grad=3.0), 0.0),
        ("tanh_backward(x=-inf)", _back(f.tanh_backward, -inf, dtype, "x", grad=3.0), 0.0),
        ("elu_backward(x=-inf)", _back(f.elu_backward, -inf, dtype, "x", grad=3.0), 0.0),
    ]
    bad = [(what, got, want) for what, got, want in checks if not got == dtype.type(want)]
    assert not bad, "wrong limits (what, got, want): %r" % bad
    # backward from y = f(+-inf) is the limit backward from x = +-inf, for every y-form
    for name in ELEMENTWISE:
        if not _catalogue.row(name).takes_y:
            continue
        kw = needed_params(name)
        for v in (-inf, inf):
            xv = np.array([v], dtype)
            g = np.array([3.0], dtype)
            y = getattr(f, name)(xv, **kw)
            from_y = getattr(f, name + "_backward")(g, y=y, **kw)
            from_x = getattr(f, name + "_backward")(g, xv, **kw)
            assert bits(from_y) == bits(from_x), (name, v, y, from_y, from_x)
    # relu(-inf) is +0, not -0 (the formula's "else +0")
    assert not np.signbit(_one(f.relu, -inf, dtype))


@DT
def test_kinks_take_left_branch(dtype):
    t = dtype.type
    for z in (0.0, -0.0):
        assert _one(fastact.relu_derivative, z, dtype) == 0
        assert _one(fastact.leaky_relu_derivative, z, dtype) == t(0.01)
        assert _one(fastact.leaky_relu_derivative, z, dtype, alpha=0.2) == t(0.2)
        assert _one(fastact.leaky_relu_derivative, z, dtype, alpha=-0.5) == t(-0.5)
        assert _one(fastact.elu_derivative, z, dtype) == 1.0
        assert _one(fastact.elu_derivative, z, dtype, alpha=0.2) == t(0.2)
        assert _one(fastact.selu_derivative, z, dtype) == t(SELU_SCALE_ALPHA)
        assert _one(fastact.sigmoid_derivative, z, dtype) == 0.25
        assert _one(fastact.tanh_derivative, z, dtype) == 1.0
        # backward at the kink: grad * f'(0), from x and from y (y = f(0) = 0)
        for form in ("x", "y"):
            assert _back(fastact.relu_backward, z, dtype, form, grad=3.0) == 0
            assert _back(fastact.leaky_relu_backward, z, dtype, form, grad=2.0, alpha=0.25) == 0.5
            assert _back(fastact.elu_backward, z, dtype, form, grad=2.0, alpha=0.25) == 0.5
            assert _back(fastact.selu_backward, z, dtype, form, grad=1.0) == t(SELU_SCALE_ALPHA)
        # forward at 0: relu keeps the sign of zero (as PyTorch: relu(-0) = -0)
        r = _one(fastact.relu, z, dtype)
        assert r == 0 and np.signbit(r) == np.signbit(z)
        assert _one(fastact.sigmoid, z, dtype) == 0.5
    # just right of the kink the right branch is used
    small = np.finfo(dtype).smallest_subnormal
    assert _one(fastact.relu_derivative, small, dtype) == 1
    assert _one(fastact.leaky_relu_derivative, small, dtype, alpha=0.2) == 1
    assert _one(fastact.elu_derivative, small, dtype, alpha=0.2) == 1
    assert _one(fastact.selu_derivative, small, dtype) == t(SELU_SCALE)
    assert _one(fastact.relu_derivative, -small, dtype) == 0
    assert _one(fastact.leaky_relu_derivative, -small, dtype, alpha=0.2) == t(0.2)


@DT
def test_large_finite_values_stay_finite(dtype):
    fi = np.finfo(dtype)
    t = dtype.type
    big = np.array([1e4, -1e4, fi.max, -fi.max], dtype=dtype)
    s = fastact.sigmoid(big)
    np.testing.assert_array_equal(s, np.array([1, 0, 1, 0], dtype=dtype))
    sd = fastact.sigmoid_derivative(big)
    assert np.all(np.isfinite(sd)) and np.all(sd >= 0) and np.all(sd <= fi.tiny)
    td = fastact.tanh_derivative(big)
    np.testing.assert_array_equal(td, np.zeros(4, dtype=dtype))
    np.testing.assert_array_equal(fastact.tanh(big), np.array([1, -1, 1, -1], dtype=dtype))
    assert _one(fastact.elu, -fi.max, dtype) == -1.0
    assert _one(fastact.elu, -fi.max, dtype, alpha=0.2) == -t(0.2)
    assert _one(fastact.elu, -1e4, dtype, alpha=2.0) == -2.0
    assert _one(fastact.selu, -fi.max, dtype) == -t(SELU_SCALE_ALPHA)
    assert _one(fastact.elu_derivative, -fi.max, dtype) == 0
    assert _one(fastact.selu_derivative, -fi.max, dtype) == 0
    for name in ("sigmoid", "tanh"):
        for pass_ in PASSES:
            g = np.ones(4, dtype=dtype)
            got, _, _ = elementwise_case(name, pass_, big, g)
            assert np.all(np.isfinite(got)), (name, pass_, got)
    # backward with the sigmoid'/tanh' of huge x: 0, not NaN (grad finite)
    np.testing.assert_array_equal(
        fastact.sigmoid_backward(np.full(4, 3.0, dtype), big), np.zeros(4, dtype))
    np.testing.assert_array_equal(
        fastact.tanh_backward(np.full(4, -3.0, dtype), big), np.zeros(4, dtype))


@DT
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_nan_in_nan_out(name, dtype):
    nan = dtype.type(np.nan)
    x = np.array([nan, 1.0, nan, -1.0], dtype=dtype)
    params = params_for(name)
    g = np.ones(4, dtype=dtype)
    fwd = getattr(fastact, name)
    out = [
        fwd(x, **params),
        getattr(fastact, name + "_derivative")(x, **params),
        getattr(fastact, name + "_backward")(g, x, **params),
    ] + ([getattr(fastact, name + "_backward")(g, y=x, **params)]
         if "backward_y" in passes_of(name) else [])
    for r in out:
        np.testing.assert_array_equal(np.isnan(r), [True, False, True, False], err_msg=name)


@DT
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_nan_grad_gives_nan(name, dtype):
    """backward is literally grad * f'(.): NaN grad -> NaN everywhere, even where f' = 0."""
    # alpha = 0 where the rules allow it: f' = 0 for x < 0 (celu refuses alpha = 0); a function
    # with required parameters: their first samples
    zero = [s for s in param_sets(name) if s.get("alpha") == 0.0]
    params = zero[0] if name in HAS_ALPHA and zero else needed_params(name)
    x = np.array([-3.0, -1.0, -0.0, 0.0, 0.5, 2.0, 1e4, -1e4], dtype=dtype)
    g = np.full(x.shape, np.nan, dtype=dtype)
    y = getattr(fastact, name)(x, **params)
    bx = getattr(fastact, name + "_backward")(g, x, **params)
    assert np.all(np.isnan(bx)), (name, bx)
    if "backward_y" in passes_of(name):
        by = getattr(fastact, name + "_backward")(g, y=y, **params)
        assert np.all(np.isnan(by)), (name, by)


@DT
def test_infinite_grad(dtype):
    """inf * f'(x): inf where f' > 0 (a normal number), NaN where f' is exactly 0."""
    inf = np.inf
    g = np.array([inf, -inf], dtype=dtype)
    x = np.array([0.5, 0.5], dtype=dtype)
    for name in ELEMENTWISE:  # (f'(0.5) is 1 for most functions; 1/6, 0, ... for others)
        r = getattr(fastact, name + "_backward")(g, x, **needed_params(name))
        with np.errstate(invalid="ignore"):
            want = g * getattr(fastact, name + "_derivative")(x, **needed_params(name))
        np.testing.assert_array_equal(r, want, err_msg=name)
    r = fastact.relu_backward(g, np.array([-1.0, 0.0], dtype=dtype))
    assert np.all(np.isnan(r))
    r = fastact.leaky_relu_backward(g, np.array([-1.0, -2.0], dtype=dtype), alpha=0.0)
    assert np.all(np.isnan(r))


# --- softmax / log_softmax ---------------------------------------------------------------------
def _check_softmax_pair(x, axis, dtype):
    n = x.shape[axis]
    y = fastact.softmax(x, axis=axis)
    want = oracle("softmax", x, axis=axis)
    assert_within(y, want, softmax_tol(want, n, dtype), {"x": x}, "softmax")
    ly = fastact.log_softmax(x, axis=axis)
    lwant = oracle("log_softmax", x, axis=axis)
    assert_within(ly, lwant, log_softmax_tol(lwant, x, axis, dtype), {"x": x}, "log_softmax")
    return y, ly


def test_softmax_huge_float32():
    f32 = np.dtype(np.float32)
    x = np.array([[1e30, -1e30], [1e30, 1e30], [-1e30, -1e30], [3e38, -3e38]], dtype=f32)
    y, ly = _check_softmax_pair(x, -1, f32)
    np.testing.assert_array_equal(y, np.array([[1, 0], [0.5, 0.5], [0.5, 0.5], [1, 0]], f32))
    np.testing.assert_array_equal(ly[:, 0], np.array([0, -np.log(2), -np.log(2), 0], f32))
    np.testing.assert_array_equal(ly[0, 1], np.float32(-2e30))
    assert ly[3, 1] == -np.inf  # -6e38 is beyond float32: rounds to -inf
    assert np.all(np.isfinite(y))
    # along axis 0 (the same values transposed)
    y0, ly0 = _check_softmax_pair(np.ascontiguousarray(x.T), 0, f32)
    np.testing.assert_array_equal(y0, y.T)
    np.testing.assert_array_equal(ly0, ly.T)


def test_softmax_large_float64():
    f64 = np.dtype(np.float64)
    x = np.array([[1000.0, 0.0], [1000.0, 1000.0], [-1000.0, -1000.0], [1e300, -1e300],
                  [710.0, 709.0]], dtype=f64)
    y, ly = _check_softmax_pair(x, -1, f64)
    np.testing.assert_array_equal(y[0], [1.0, 0.0])
    np.testing.assert_array_equal(y[1], [0.5, 0.5])
    np.testing.assert_array_equal(y[2], [0.5, 0.5])
    np.testing.assert_array_equal(y[3], [1.0, 0.0])
    np.testing.assert_array_equal(ly[0], [0.0, -1000.0])
    assert ly[1, 0] == ly[1, 1] == -np.log(2.0)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(ly[:3])) and np.all(np.isfinite(ly[4]))


@DT
def test_softmax_neg_inf_nan_rows(dtype):
    inf, nan = np.inf, np.nan
    x = np.array([
        [0.0, -inf, 1.0, 2.0],      # -inf entry in a finite row
        [-inf, -inf, 5.0, -inf],    # one finite entry
        [1.0, nan, 2.0, 3.0],       # NaN: whole row NaN
        [-inf, -inf, -inf, -inf],   # all -inf: NaN
        [1.0, 2.0, 3.0, 4.0],       # untouched by its neighbours
        [inf, 0.0, 1.0, 2.0],       # +inf: NaN (as the reference, SciPy, PyTorch)
    ], dtype=dtype)
    for axis, arr in ((-1, x), (0, np.ascontiguousarray(x.T))):
        y, ly = _check_softmax_pair(arr, axis, dtype)
        if axis == 0:
            y, ly = y.T, ly.T
        assert y[0, 1] == 0 and ly[0, 1] == -inf
        assert np.all(np.isfinite(y[0])) and np.isclose(y[0].sum(dtype=np.float64), 1.0)
        np.testing.assert_array_equal(y[1], [0, 0, 1, 0])
        np.testing.assert_array_equal(ly[1], [-inf, -inf, 0, -inf])
        for r in (2, 3, 5):
            assert np.all(np.isnan(y[r])) and np.all(np.isnan(ly[r])), r
        assert np.all(np.isfinite(y[4])) and np.all(np.isfinite(ly[4]))
    # the same rows along a middle axis of a 3-d array
    x3 = np.ascontiguousarray(np.stack([x.T, x.T[:, ::-1]], axis=0))  # (2, 4, 6), reduce axis 1
    y3, ly3 = _check_softmax_pair(x3, 1, dtype)
    assert np.all(np.isnan(y3[:, :, 2])) and np.all(np.isnan(ly3[:, :, 3]))
