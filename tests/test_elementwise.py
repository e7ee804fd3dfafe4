"""Elementwise kernels against the higher-precision oracle (tests/_oracle.py).

Functions: identity (and its alias linear), relu, leaky_relu, elu, selu, sigmoid, tanh.
Passes: forward f(x), derivative f'(x), backward from x (grad * f'(x)) and backward from y
(grad * f'(x) expressed through the saved output y; y comes from the oracle's forward, rounded
to the dtype, and the oracle is evaluated on that same y).

Oracle: fastact.reference on float64 copies for float32 data, on np.longdouble copies for
float64 data, rounded once to the data's dtype.

Bounds, in ULPs of the oracle's value (ulp floored at spacing(finfo.tiny), NaN == NaN at the
same positions, infinities exact, +0 == -0):

    identity, relu       exact (0 ULP) in every pass (the values are x, 0, 1, grad, +-0)
    leaky_relu           forward <= 1 ULP
    elu, selu, sigmoid,
    tanh                 forward <= 2 ULP
    every other derivative and backward (x or y form)   <= 4 ULP

Covered: float32 and float64; shapes 0-d, (0,), (1,), (7,), (1000,), (3, 4, 5), (2, 3, 4, 5);
C and F order and non-contiguous inputs; out=None, a separate out, in place out=x, and for
backward out=grad and out=y; every parameter set of the catalogue's samples (and 0 where the
rules allow it), those its rules allow for the y form.
"""
import numpy as np
import pytest

import fastact
from _layouts import make_layout, make_out, out_modes
from _oracle import (
    DTYPES, ELEMENTWISE, F64, HAS_ALPHA, HAVE_WIDE_LONGDOUBLE, PASSES, assert_ulp, bound, call,
    edge_values, elementwise_case, fname, grads, mixed_values, oracle, param_sets, params_for,
    passes_of, wide_values,
)

def _id(params):
    return "".join(("-%s%s" if isinstance(v, str) else "-%s%g") % (k, v)  # (str: a choice)
                   for k, v in sorted(params.items()))


def _dtype_param(dtype):
    marks = ()
    if dtype == F64 and not HAVE_WIDE_LONGDOUBLE:
        marks = pytest.mark.skip(reason="np.longdouble is plain double here: no float64 oracle")
    return pytest.param(dtype, id=dtype.name, marks=marks)


DTYPE_PARAMS = [_dtype_param(d) for d in DTYPES]

SWEEP = [
    pytest.param(name, pass_, params, id="%s-%s%s" % (name, pass_, _id(params)))
    for name in ELEMENTWISE
    for pass_ in passes_of(name)
    for params in param_sets(name, pass_)
]


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("name,pass_,params", SWEEP)
def test_accuracy_sweep(name, pass_, params, dtype):
    """A wide sample (log-uniform magnitudes up to saturation, normal*4, the mixed set and the
    edge values) within the spec's ULP bound."""
    x = np.concatenate([
        wide_values(3000, dtype, seed=11),
        mixed_values(1000, dtype, seed=12),
        edge_values(dtype),
    ])
    g = grads(x.shape, dtype, seed=13)
    got, want, inputs = elementwise_case(name, pass_, x, g, params)
    assert_ulp(got, want, bound(name, pass_), inputs, "%s %s %s" % (name, pass_, dtype))


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_dense_interesting_range(name, dtype):
    """A dense grid over [-20, 20] (where every function bends) for every pass."""
    x = np.linspace(-20, 20, 4001).astype(dtype)
    g = grads(x.shape, dtype, seed=3)
    params = params_for(name)
    for pass_ in passes_of(name):
        got, want, inputs = elementwise_case(name, pass_, x, g, params)
        assert_ulp(got, want, bound(name, pass_), inputs, "%s %s %s" % (name, pass_, dtype))


# --- shapes x memory layouts x out modes -------------------------------------------------------
SHAPES = [(), (0,), (1,), (7,), (1000,), (3, 4, 5), (2, 3, 4, 5)]


def _layouts(shape):
    out = ["C"]
    if len(shape) >= 2:
        out.append("F")
    if len(shape) >= 1 and int(np.prod(shape)) > 1:
        out.append("noncontig")
    return out


INPUTS = {"forward": ("x",), "derivative": ("x",), "backward_x": ("x", "grad"),
          "backward_y": ("y", "grad")}


LAYOUT_CASES = [
    pytest.param(name, pass_, shape, layout, mode,
                 id="%s-%s-%s-%s-%s" % (name, pass_, "x".join(map(str, shape)) or "0d", layout, mode))
    for name in ELEMENTWISE
    for pass_ in passes_of(name)
    for shape in SHAPES
    for layout in _layouts(shape)
    for mode in out_modes(INPUTS[pass_], layout, len(shape))
]


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("name,pass_,shape,layout,mode", LAYOUT_CASES)
def test_shapes_layouts_out(name, pass_, shape, layout, mode, dtype):
    n = int(np.prod(shape))
    params = params_for(name)
    x = make_layout(mixed_values(n, dtype, seed=n + 5).reshape(shape), layout)
    g = make_layout(grads(n, dtype, seed=n + 6).reshape(shape), layout)
    y = make_layout(oracle(name, x.copy(order="C"), **params), layout)
    x0, g0, y0 = x.copy(), g.copy(), y.copy()

    if pass_ in ("forward", "derivative"):
        want = oracle(fname(name, pass_), x0, **params)
        args, kwargs = (x,), {}
    elif pass_ == "backward_x":
        want = oracle(name + "_backward", g0, x=x0, **params)
        args, kwargs = (g, x), {}
    else:
        want = oracle(name + "_backward", g0, y=y0, **params)
        args, kwargs = (g,), {"y": y}

    out = make_out(mode, x, layout, {"x": x, "grad": g, "y": y})

    got = call(name, pass_, *args, out=out, **kwargs, **params)
    what = "%s %s %s %s %s out=%s" % (name, pass_, dtype, shape, layout, mode)
    assert isinstance(got, np.ndarray), what
    assert got.shape == shape and got.dtype == dtype, what
    if out is not None:
        assert got is out, what + ": the out array must be returned"
    assert_ulp(got, want, bound(name, pass_), {"x": x0, "grad": g0, "y": y0}, what)
    # inputs that are not the output are left alone
    for arr, orig, arg in ((x, x0, "x"), (g, g0, "grad"), (y, y0, "y")):
        if arr is not out:
            assert arr.tobytes("C") == orig.tobytes("C"), what + ": %s was modified" % arg


# --- parameters, defaults, aliases --------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("name,default", [("leaky_relu", 0.01), ("elu", 1.0)])
def test_default_alpha(name, default, dtype):
    x = mixed_values(500, dtype, seed=2)
    g = grads(x.shape, dtype, seed=3)
    y = oracle(name, x, alpha=default)
    for pass_, args, kwargs in (
        ("forward", (x,), {}), ("derivative", (x,), {}),
        ("backward_x", (g, x), {}), ("backward_y", (g,), {"y": y}),
    ):
        a = call(name, pass_, *args, **kwargs)
        b = call(name, pass_, *args, alpha=default, **kwargs)
        np.testing.assert_array_equal(a, b, err_msg="%s %s default alpha" % (name, pass_))
    # and the default really is the documented value (not just self-consistent)
    assert_ulp(getattr(fastact, name)(x), oracle(name, x, alpha=default), 2, {"x": x}, name)


@pytest.mark.parametrize("alpha_type", [int, np.float32, np.float64, np.int64])
def test_alpha_accepts_real_number_types(alpha_type):
    x = mixed_values(100, np.float64, seed=4)
    alpha = alpha_type(2)
    for name in HAS_ALPHA:
        got = getattr(fastact, name)(x, alpha=alpha)
        assert_ulp(got, oracle(name, x, alpha=2.0), 2, {"x": x}, "%s alpha %r" % (name, alpha))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_linear_aliases_identity(dtype):
    x = mixed_values(300, dtype, seed=8)
    x[::17] = np.nan
    g = grads(x.shape, dtype, seed=9)
    pairs = [
        (fastact.linear(x), fastact.identity(x)),
        (fastact.linear_derivative(x), fastact.identity_derivative(x)),
        (fastact.linear_backward(g, x), fastact.identity_backward(g, x)),
        (fastact.linear_backward(g, y=x), fastact.identity_backward(g, y=x)),
    ]
    for a, b in pairs:
        assert a.tobytes() == b.tobytes()
    assert_ulp(fastact.linear(x), x.copy(), 0, {"x": x}, "linear")
    assert_ulp(fastact.linear_derivative(x), oracle("identity_derivative", x), 0, {"x": x},
               "linear_derivative")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("name", HAS_ALPHA)
def test_alpha_zero_backward_from_y_is_exact(name, dtype):
    """alpha == 0 is allowed with y: grad * (1 if y > 0 else 0) == the x form."""
    x = mixed_values(400, dtype, seed=21)
    g = grads(x.shape, dtype, seed=22)
    y = getattr(fastact, name)(x, alpha=0.0)
    from_y = getattr(fastact, name + "_backward")(g, y=y, alpha=0.0)
    from_x = getattr(fastact, name + "_backward")(g, x, alpha=0.0)
    want = (g * (x > 0)).astype(dtype)
    assert_ulp(from_y, want, 0, {"x": x, "grad": g}, name + " y-form alpha=0")
    assert_ulp(from_x, want, 0, {"x": x, "grad": g}, name + " x-form alpha=0")


@pytest.mark.parametrize("dtype", DTYPE_PARAMS)
@pytest.mark.parametrize("name", ["sigmoid", "elu", "selu", "tanh"])
def test_backward_x_where_derivative_underflows(name, dtype):
    """grad * f'(x) must be accurate even where f'(x) alone is subnormal or underflows in the
    dtype (or in double) while the product is a normal number: the spec bounds backward at
    4 ULP of grad * f'(x), not of a rounded f'(x)."""
    if dtype == F64:
        x = np.linspace(700.0, 745.0, 451) if name == "tanh" else np.linspace(-745.0, -700.0, 451)
        if name == "tanh":
            x = np.concatenate([x / 2.0, -x / 2.0])  # tanh' = 4 exp(-2|x|)
        gscales = (1.0, 1e3, 1e300)
    else:
        x = np.linspace(-104.0, -87.0, 341) if name != "tanh" else np.linspace(43.5, 52.0, 341)
        gscales = (1.0, 1e3, 1e30)
    x = x.astype(dtype)
    for s in gscales:
        g = np.full(x.shape, s, dtype=dtype)
        got, want, inputs = elementwise_case(name, "backward_x", x, g)
        assert_ulp(got, want, 4, inputs, "%s backward_x %s grad=%g" % (name, dtype, s))


@pytest.mark.parametrize("name", HAS_ALPHA)
def test_backward_x_tiny_alpha(name):
    """A tiny (but finite, valid) alpha makes alpha * f'-branch subnormal in float64 while
    grad * alpha * exp(x) (or grad * alpha) is normal: still within 4 ULP."""
    if not HAVE_WIDE_LONGDOUBLE:
        pytest.skip("np.longdouble is plain double here: no float64 oracle")
    x = np.array([-2.125, -1.0, -0.5, -10.0, 0.0, -0.0], dtype=np.float64)
    g = np.full(x.shape, 13.0)
    for alpha in (1.1125369292536007e-308, 1e-310, 3e-320):
        got, want, inputs = elementwise_case(name, "backward_x", x, g, {"alpha": alpha})
        assert_ulp(got, want, 4, inputs, "%s backward_x alpha=%r" % (name, alpha))
