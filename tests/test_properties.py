"""Property tests (hypothesis): float32/float64 arrays of 0 to 3 dimensions with finite and
non-finite values (NaN, +-inf, subnormals, signed zeros).

Properties and bounds (ULPs as in tests/_oracle.py):
* every elementwise kernel and pass matches the oracle within the spec's bound (identity/relu
  0 ULP; leaky_relu forward 1; elu/selu/sigmoid/tanh forward 2; derivatives/backward 4);
  gradients are finite (an infinite grad times an f' that underflows is a 0 * inf corner the
  spec leaves open);
* backward(grad, x) == grad * derivative(x) within 1 ULP + the derivative bound (5 ULP): the
  fused product is rounded once, the two-step one twice. Compared where f'(x) in the dtype is
  a normal number or non-finite, or f' is exact (identity, relu, leaky_relu); where f'(x) is
  subnormal or rounds to 0 the two-step product has lost the digits the fused one keeps;
* backward(grad, y=forward(x)) vs backward(grad, x): bitwise equal for identity, relu and
  leaky_relu (alpha >= 0); for sigmoid, tanh, elu, selu within
  4 ulp + 4 ulp + |grad| * |dD/dy| * 2.5 ulp(y) + 1 ulp, where D(y) is f' written through y
  (y is itself within 2 ULP of f(x)); this is the conditioning of the y form and covers the
  cancellation of elu/selu's y + alpha at large negative x;
* softmax: every value in [0, 1] and each slice sums to 1 within n * eps (finite input);
  log_softmax <= 0; exp(log_softmax) sums to 1 within (n + 4) * eps;
* layout and aliasing: bitwise identical results for C vs F order input and for in-place vs
  out-of-place (elementwise, prelu, softmax family).
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import fastact
from _oracle import (
    DTYPES, ELEMENTWISE, HAS_ALPHA, PASSES, assert_ulp, assert_within, bound,
    elementwise_case, log_softmax_backward_tol, log_softmax_tol, oracle, softmax_backward_tol,
    needed_params, passes_of, softmax_tol, spacing, ulp_error,
)

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
dtypes = st.sampled_from(DTYPES)


def elements(dtype, finite=False, min_value=None, max_value=None):
    return st.floats(
        width=32 if dtype == np.float32 else 64,
        allow_nan=not finite, allow_infinity=not finite,
        min_value=min_value, max_value=max_value, allow_subnormal=True,
    )


@st.composite
def x_and_grad(draw, finite_x=False, same_shape=True):
    dtype = draw(dtypes)
    shape = draw(SHAPES)
    x = draw(hnp.arrays(dtype, shape, elements=elements(dtype, finite=finite_x)))
    g = draw(hnp.arrays(dtype, shape, elements=elements(dtype, finite=True)))
    return dtype, x, g


def alpha_strategy(name, pass_):
    if name not in HAS_ALPHA:
        return st.none()
    lo = 0.0 if pass_ == "backward_y" else -3.0
    return st.one_of(st.sampled_from([0.01, 0.2, 1.0, 2.0] + ([] if lo == 0 else [-0.5])),
                     st.floats(lo, 3.0))


def _params(alpha, name):
    return needed_params(name) if alpha is None else {"alpha": alpha}


@pytest.mark.parametrize("name,pass_", [(n, p) for n in ELEMENTWISE for p in passes_of(n)])
@given(data=st.data())
def test_kernels_match_oracle(name, pass_, data):
    dtype, x, g = data.draw(x_and_grad())
    alpha = data.draw(alpha_strategy(name, pass_))
    got, want, inputs = elementwise_case(name, pass_, x, g, _params(alpha, name))
    assert_ulp(got, want, bound(name, pass_), inputs, "%s %s %s alpha=%r" % (name, pass_, dtype, alpha))


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(data=st.data())
def test_backward_is_grad_times_derivative(name, data):
    dtype, x, g = data.draw(x_and_grad())
    alpha = data.draw(alpha_strategy(name, "backward_x"))
    params = _params(alpha, name)
    b = getattr(fastact, name + "_backward")(g, x, **params)
    d = getattr(fastact, name + "_derivative")(x, **params)
    with np.errstate(all="ignore"):
        two_step = (g * d).astype(dtype)
    tiny = np.finfo(dtype).tiny
    if name in ("identity", "relu", "leaky_relu"):
        ok = np.ones(x.shape, bool)
    else:  # (an f' that overflows for a finite x, relu_squared's 2x: the fused product keeps it)
        ok = np.where(np.isfinite(d), np.abs(d) >= tiny, ~np.isfinite(x))
    err = ulp_error(b, two_step)
    assert np.all(err[ok] <= 1 + bound(name, "derivative")), (x[ok][err[ok] > 5], g[ok][err[ok] > 5])


DY = {  # d/dy of f' written through y (where it matters), per function
    "sigmoid": lambda y, a: np.abs(1 - 2 * y),
    "tanh": lambda y, a: np.abs(2 * y),
    "elu": lambda y, a: np.where(y > 0, 0.0, 1.0),
    "selu": lambda y, a: np.where(y > 0, 0.0, 1.0),
    "celu": lambda y, a: np.where(y > 0, 0.0, 1.0 / abs(a)),  # (1 + y / alpha)
    # (softsign: plus the second-order term, 2.5 ulp(y) at most, where 2 (1 - |y|) vanishes)
    "softsign": lambda y, a: 2 * np.abs(1 - np.abs(y)) + 3 * np.finfo(np.float32).eps,
    "relu_squared": lambda y, a: 1 / np.sqrt(np.where(y > 0, y, np.inf)),  # (y = 0: exact)
}


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if "backward_y" in passes_of(n)])
@given(data=st.data())
def test_backward_from_y_matches_backward_from_x(name, data):
    dtype, x, g = data.draw(x_and_grad())
    alpha = data.draw(alpha_strategy(name, "backward_y"))
    params = _params(alpha, name)
    f = getattr(fastact, name)
    b = getattr(fastact, name + "_backward")
    y = f(x, **params)
    bx = b(g, x, **params)
    by = b(g, y=y, **params)
    # (relu_squared: where x^2 overflows to inf or underflows to 0, y cannot tell x)
    kept = (np.isfinite(y) | ~np.isfinite(x)) & ((y != 0) | ~(x > 0))
    x, g, y, bx, by = x[kept], g[kept], y[kept], bx[kept], by[kept]
    if name not in DY:
        # where y is NaN but x is not (leaky_relu with alpha 0 at x = -inf: 0 * -inf), the
        # backward pass from y cannot know x: NaN in, NaN out
        lost = np.isnan(y) & ~np.isnan(x)
        assert np.isnan(by[lost]).all(), (x, g, bx, by)
        # NaN where the other is NaN, the same bits elsewhere (a NaN's sign is not promised:
        # hardsigmoid takes |x| by clearing the sign bit, so y of a -NaN is +NaN)
        bx, by = bx[~lost], by[~lost]
        assert np.array_equal(np.isnan(bx), np.isnan(by)), (x, g, bx, by)
        num = ~np.isnan(bx)
        assert by[num].tobytes() == bx[num].tobytes(), (x, g, bx, by)
        return
    # both NaN or neither
    assert np.array_equal(np.isnan(bx), np.isnan(by)), (x, g, bx, by)
    fin = np.isfinite(bx) & np.isfinite(by)
    assert np.array_equal(bx[~fin & ~np.isnan(bx)], by[~fin & ~np.isnan(by)])
    yl = y.astype(np.longdouble)
    a = 1.0 if alpha is None else alpha
    with np.errstate(all="ignore"):
        sy = np.where(np.isfinite(y), spacing(y, dtype), 0)  # y = +-inf: f' from y is exact
        cond = np.abs(g.astype(np.longdouble)) * DY[name](yl, a) * (bound(name, "forward") + 0.5) * sy
        tol = 4 * spacing(bx, dtype) + 4 * spacing(by, dtype) + spacing(bx, dtype) + cond
        diff = np.abs(bx.astype(np.longdouble) - by.astype(np.longdouble))
    bad = fin & ~(diff <= tol)
    assert not bad.any(), (x[bad], g[bad], bx[bad], by[bad], tol[bad])


@st.composite
def finite_logits(draw, min_dims=1):
    dtype = draw(dtypes)
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=7))
    big = float(np.float32(1e30)) if dtype == np.float32 else 1e300
    x = draw(hnp.arrays(dtype, shape, elements=elements(dtype, True, -big, big)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return dtype, x, axis


@given(finite_logits())
def test_softmax_is_a_distribution(args):
    dtype, x, axis = args
    n = x.shape[axis]
    eps = np.finfo(dtype).eps
    y = fastact.softmax(x, axis=axis)
    assert y.dtype == dtype and y.shape == x.shape
    assert np.all((y >= 0) & (y <= 1))
    s = y.astype(np.longdouble).sum(axis=axis)
    assert np.all(np.abs(s - 1) <= n * eps), s
    ly = fastact.log_softmax(x, axis=axis)
    assert np.all(ly <= 0)
    s = np.exp(ly.astype(np.longdouble)).sum(axis=axis)
    assert np.all(np.abs(s - 1) <= (n + 4) * eps), s


@given(finite_logits(min_dims=1), st.data())
def test_softmax_family_matches_oracle(args, data):
    dtype, x, axis = args
    n = x.shape[axis]
    want = oracle("softmax", x, axis=axis)
    assert_within(fastact.softmax(x, axis=axis), want, softmax_tol(want, n, dtype), {"x": x}, "softmax")
    lwant = oracle("log_softmax", x, axis=axis)
    assert_within(fastact.log_softmax(x, axis=axis), lwant, log_softmax_tol(lwant, x, axis, dtype),
                  {"x": x}, "log_softmax")
    g = data.draw(hnp.arrays(dtype, x.shape, elements=elements(dtype, True, -1e6, 1e6)))
    assert_within(fastact.softmax_backward(g, y=want, axis=axis),
                  oracle("softmax_backward", g, y=want, axis=axis),
                  softmax_backward_tol(g, want, axis, dtype), {"grad": g}, "softmax_backward")
    assert_within(fastact.log_softmax_backward(g, y=lwant, axis=axis),
                  oracle("log_softmax_backward", g, y=lwant, axis=axis),
                  log_softmax_backward_tol(g, lwant, axis, dtype), {"grad": g},
                  "log_softmax_backward")


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@given(data=st.data())
def test_layout_and_in_place_are_bitwise_identical(data):
    dtype = data.draw(dtypes)
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=6))
    x = data.draw(hnp.arrays(dtype, shape, elements=elements(dtype)))
    g = data.draw(hnp.arrays(dtype, shape, elements=elements(dtype, finite=True)))
    name = data.draw(st.sampled_from(ELEMENTWISE))
    params = ({"alpha": data.draw(st.sampled_from([0.0, 0.2, 1.5]))} if name in HAS_ALPHA
              else needed_params(name))
    xf, gf = np.asfortranarray(x), np.asfortranarray(g)
    calls = [
        (getattr(fastact, name), lambda a, b, fn, **o: fn(a, **o, **params)),
        (getattr(fastact, name + "_derivative"), lambda a, b, fn, **o: fn(a, **o, **params)),
        (getattr(fastact, name + "_backward"), lambda a, b, fn, **o: fn(b, a, **o, **params)),
    ] + ([(getattr(fastact, name + "_backward"), lambda a, b, fn, **o: fn(b, y=a, **o, **params))]
         if "backward_y" in passes_of(name) else [])
    for fn, c in calls:
        ref = c(x, g, fn)
        assert c(xf, gf, fn).tobytes("C") == ref.tobytes("C"), (name, "F order")
        assert c(x, gf, fn).tobytes("C") == ref.tobytes("C"), (name, "mixed order")
        xx = x.copy()
        assert c(xx, g, fn, out=xx) is xx and xx.tobytes() == ref.tobytes(), (name, "out=x")
        gg = g.copy()
        if fn.__name__.endswith("_backward"):
            assert c(x, gg, fn, out=gg) is gg and gg.tobytes() == ref.tobytes(), (name, "out=grad")
    # softmax family along a drawn axis
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    xs = np.where(np.isfinite(x), x, 0).astype(dtype)
    for fn in (fastact.softmax, fastact.log_softmax):
        ref = fn(xs, axis=axis)
        assert fn(np.asfortranarray(xs), axis=axis).tobytes("C") == ref.tobytes("C"), fn.__name__
        buf = xs.copy()
        fn(buf, axis=axis, out=buf)
        assert buf.tobytes() == ref.tobytes(), fn.__name__
        out = np.empty(shape, dtype, order="F")
        fn(xs, axis=axis, out=out)
        assert out.tobytes("C") == ref.tobytes("C"), fn.__name__
    y = fastact.softmax(xs, axis=axis)
    for fn, yy in ((fastact.softmax_backward, y),
                   (fastact.log_softmax_backward, fastact.log_softmax(xs, axis=axis))):
        ref = fn(g, y=yy, axis=axis)
        assert fn(gf, y=np.asfortranarray(yy), axis=axis).tobytes("C") == ref.tobytes("C")
        gg = g.copy()
        fn(gg, y=yy, axis=axis, out=gg)
        assert gg.tobytes() == ref.tobytes(), fn.__name__
    # prelu along a drawn axis
    w = data.draw(hnp.arrays(dtype, (shape[axis],), elements=elements(dtype, True, -4, 4)))
    ref = fastact.prelu(x, w, axis=axis)
    assert fastact.prelu(xf, w, axis=axis).tobytes("C") == ref.tobytes("C")
    xx = x.copy()
    fastact.prelu(xx, w, axis=axis, out=xx)
    assert xx.tobytes() == ref.tobytes()
    gx, gw = fastact.prelu_backward(g, x, w, axis=axis)
    gxf, gwf = fastact.prelu_backward(gf, xf, w, axis=axis)
    assert gxf.tobytes("C") == gx.tobytes("C")
    # grad_weight is a reduction: here it only has to agree within the reduction bound (the
    # bitwise layout independence of grad_weight is test_prelu.py's
    # test_grad_weight_is_layout_independent); NaN/inf must match exactly
    xl, gl = x.astype(np.longdouble), g.astype(np.longdouble)
    red = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    with np.errstate(all="ignore"):
        s = np.where(xl > 0, 0, np.abs(gl * xl)).sum(axis=red)
    count = x.size // x.shape[axis]
    assert_within(gwf, gw, 2 * count * np.finfo(dtype).eps * s + 4 * spacing(gw, dtype), {},
                  "grad_weight C vs F")


@given(data=st.data())
def test_prelu_matches_oracle(data):
    dtype = data.draw(dtypes)
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(hnp.arrays(dtype, shape, elements=elements(dtype)))
    w = data.draw(hnp.arrays(dtype, (shape[axis],), elements=elements(dtype, True, -4, 4)))
    assert_ulp(fastact.prelu(x, w, axis=axis), oracle("prelu", x, w, axis=axis), 1, {"x": x}, "prelu")
    # prelu'(-inf) = w (the reference's w + 0*x is NaN there: spelled out)
    shp = [1] * x.ndim
    shp[axis] = w.size
    wb = np.broadcast_to(w.reshape(shp), x.shape)
    want_d = np.where(x == -np.inf, wb, oracle("prelu_derivative", x, w, axis=axis))
    assert_ulp(fastact.prelu_derivative(x, w, axis=axis), want_d, 4, {"x": x}, "prelu_derivative")


def test_leaky_relu_alpha_zero_at_minus_inf():
    """0 * -inf is NaN (as in the reference and PyTorch); the backward pass from x still has
    grad * alpha = 0, the one from y sees only the NaN."""
    x = np.array([-np.inf, -1.0], np.float32)
    g = np.zeros(2, np.float32)
    with np.errstate(invalid="ignore"):
        y = fastact.leaky_relu(x, alpha=0.0)
        assert np.isnan(y[0]) and y[1] == 0
        assert np.array_equal(fastact.leaky_relu_backward(g, x, alpha=0.0), [0.0, 0.0])
        assert np.isnan(fastact.leaky_relu_backward(g, y=y, alpha=0.0)[0])
