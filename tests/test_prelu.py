"""PReLU: prelu, prelu_derivative, prelu_backward against the oracle (tests/_oracle.py).

Bounds: forward <= 1 ULP; derivative and grad_x <= 4 ULP (of the oracle rounded to the
dtype; NaN/inf exact). grad_weight is a reduction: |err| <= 4 ulp(want)
+ count * eps * sum|grad * x| per channel (count = number of elements reduced into that
channel), against reference.prelu_backward evaluated in float64 (float32 data) or long double
(float64 data).

Covered: channel axis 1 (NCHW, the default), 0, the last, middle axes and negative axes;
weight as a Python scalar, a 0-d array, a 1-element 1-D array (shared by all channels) and
one per channel; x of 0, 1, 2 and 4 dimensions; C, F and non-contiguous x; out=None, a
separate out (same and other memory order), out=x, and out=grad for backward; grad_weight
shape (that of weight) and dtype; negative and > 1 weights; edge values (zeros, subnormals,
infinities, NaN).
"""
import numpy as np
import pytest

import fastact
from _layouts import LAYOUTS, make_layout, make_out, out_modes
from _oracle import (
    DTYPES, assert_ulp, assert_within, edge_values, eps, grads, mixed_values, oracle, ulp,
)

DT = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)


def channel_weights(c, dtype, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.uniform(-0.5, 1.5, c)
    if c >= 3:
        w[0], w[1], w[2] = 0.25, 0.0, -1.0
    return w.astype(dtype)


def grad_weight_tol(grad, x, weight, axis, want, dtype):
    """4 ulp(want) + count * eps * sum|grad*x| over the reduced elements of each channel."""
    g = np.asarray(grad).astype(np.longdouble)
    xx = np.asarray(x).astype(np.longdouble)
    contrib = np.where(xx > 0, 0, np.abs(g * xx))
    if np.size(weight) == 1:
        s = contrib.sum()
        count = xx.size
    else:
        ax = axis % xx.ndim
        red = tuple(i for i in range(xx.ndim) if i != ax)
        s = contrib.sum(axis=red)
        count = xx.size // xx.shape[ax]
    return (4 * ulp(want, dtype) + count * eps(dtype) * s).reshape(np.shape(want))


def check_all(x, weight, axis, dtype, g=None, label=""):
    """forward, derivative, backward of one configuration against the oracle."""
    if g is None:
        g = grads(x.shape, dtype, seed=x.size + 1)
    w_or = weight if not isinstance(weight, np.ndarray) else weight
    inputs = {"x": x, "grad": g}
    got = fastact.prelu(x, weight, axis=axis)
    assert_ulp(got, oracle("prelu", x, w_or, axis=axis), 1, inputs, "prelu " + label)
    got = fastact.prelu_derivative(x, weight, axis=axis)
    assert_ulp(got, oracle("prelu_derivative", x, w_or, axis=axis), 4, inputs,
               "prelu_derivative " + label)
    gx, gw = fastact.prelu_backward(g, x, weight, axis=axis)
    want_gx, want_gw = oracle("prelu_backward", g, x, w_or, axis=axis)
    assert_ulp(gx, want_gx, 4, inputs, "prelu_backward grad_x " + label)
    assert isinstance(gw, np.ndarray), type(gw)
    assert gw.shape == np.shape(weight), (gw.shape, np.shape(weight))
    assert gw.dtype == dtype
    assert_within(gw, want_gw, grad_weight_tol(g, x, weight, axis, want_gw, dtype),
                  {"weight": np.asarray(weight)}, "prelu_backward grad_weight " + label)
    return gx, gw


AXIS_CASES = [
    ((2, 3, 4, 5), 1), ((2, 3, 4, 5), 0), ((2, 3, 4, 5), 2), ((2, 3, 4, 5), 3),
    ((2, 3, 4, 5), -1), ((2, 3, 4, 5), -3), ((6, 7), 0), ((6, 7), 1), ((6, 7), -2),
    ((7,), 0), ((7,), -1), ((1000,), 0), ((4, 250), 1), ((1, 1), 1),
]


@DT
@pytest.mark.parametrize("shape,axis", AXIS_CASES, ids=lambda v: str(v))
def test_channel_weights(shape, axis, dtype):
    x = mixed_values(int(np.prod(shape)), dtype, seed=len(shape) + axis + 10).reshape(shape)
    w = channel_weights(shape[axis], dtype, seed=3)
    check_all(x, w, axis, dtype, label="%s axis=%d" % (shape, axis))
    # the same weights as a list (adopts x's dtype)
    got = fastact.prelu(x, w.tolist(), axis=axis)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, fastact.prelu(x, w, axis=axis))


def _shared_weights(dtype):
    return [
        ("python float", 0.25),
        ("python int", 2),
        ("0-d array", np.array(0.25, dtype=dtype)),
        ("1-element", np.array([-0.5], dtype=dtype)),
        ("1-element list", [0.75]),
    ]


@DT
@pytest.mark.parametrize("shape", [(), (1,), (7,), (5, 6), (2, 3, 4, 5)], ids=str)
def test_shared_weight_any_axis(shape, dtype):
    x = mixed_values(int(np.prod(shape)), dtype, seed=5).reshape(shape)
    for label, w in _shared_weights(dtype):
        for axis in (1, 0, -1):  # a single weight: the axis is ignored (even if out of range)
            gx, gw = check_all(x, w, axis, dtype, label="%s %s axis=%d" % (shape, label, axis))
            assert gw.shape == np.shape(w), label
        # a shared weight equals a per-channel weight of identical values
        if len(shape) >= 2:
            c = shape[1]
            wv = float(np.asarray(w).reshape(-1)[0])
            full = np.full(c, wv, dtype=dtype)
            np.testing.assert_array_equal(fastact.prelu(x, w), fastact.prelu(x, full))
            gxs, gws = fastact.prelu_backward(np.ones_like(x), x, w)
            gxc, gwc = fastact.prelu_backward(np.ones_like(x), x, full)
            np.testing.assert_array_equal(gxs, gxc)
            np.testing.assert_allclose(np.sum(gwc, dtype=np.float64), float(np.sum(gws)),
                                       rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-30)


@DT
def test_zero_d_and_scalar_results(dtype):
    x = np.array(-2.0, dtype=dtype)
    r = fastact.prelu(x, 0.25)
    assert isinstance(r, np.ndarray) and r.shape == () and r.dtype == dtype and r == -0.5
    d = fastact.prelu_derivative(x, 0.25)
    assert d.shape == () and d == 0.25
    gx, gw = fastact.prelu_backward(np.array(3.0, dtype=dtype), x, 0.25)
    assert gx.shape == () and gx == 0.75
    assert gw.shape == () and gw == -6.0 and gw.dtype == dtype
    gx, gw = fastact.prelu_backward(np.array(3.0, dtype=dtype), x, np.array([0.25], dtype))
    assert gw.shape == (1,) and gw[0] == -6.0
    # a NumPy float64 scalar weight is a Python float (a subclass): it adopts the data's dtype
    # (it once raised TypeError on float32 data); other NumPy scalars keep their dtype's rule
    for call in (fastact.prelu, fastact.prelu_derivative):
        assert call(x, np.float64(0.25)) == call(x, 0.25) and call(x, np.float64(0.25)).dtype == dtype
    gx, gw = fastact.prelu_backward(np.array(3.0, dtype=dtype), x, np.float64(0.25))
    assert gx == 0.75 and gw == -6.0 and gw.dtype == dtype
    with pytest.raises(TypeError, match="weight has dtype float16"):
        fastact.prelu(x, np.float16(0.25))


@DT
def test_formula_values(dtype):
    """Spelled-out values: x >= 0 -> x; x < 0 -> w[c] x; derivative 1 if x > 0 else w[c];
    grad_weight[c] = sum over x <= 0 of grad * x."""
    x = np.array([[1.0, -2.0, 0.0], [-4.0, 5.0, -6.0]], dtype=dtype)
    w = np.array([0.5, -1.0, 2.0], dtype=dtype)
    g = np.array([[10.0, 20.0, 30.0], [1.0, 2.0, 3.0]], dtype=dtype)
    np.testing.assert_array_equal(fastact.prelu(x, w, axis=1), [[1, 2, 0], [-2, 5, -12]])
    np.testing.assert_array_equal(fastact.prelu_derivative(x, w, axis=1), [[1, -1, 2], [0.5, 1, 2]])
    gx, gw = fastact.prelu_backward(g, x, w, axis=1)
    np.testing.assert_array_equal(gx, [[10, -20, 60], [0.5, 2, 6]])
    np.testing.assert_array_equal(gw, [-4.0, -40.0, -18.0])
    gx0, gw0 = fastact.prelu_backward(g, x, np.array([0.5, 3.0], dtype), axis=0)
    np.testing.assert_array_equal(gx0, [[10, 10, 15], [3, 2, 9]])
    np.testing.assert_array_equal(gw0, [-40.0, -22.0])


_layout = make_layout

LAYOUT_MODES = [(layout, mode) for layout in LAYOUTS for mode in out_modes(("x", "grad"), layout)]


@DT
@pytest.mark.parametrize("axis", [0, 1, 3, -2])
@pytest.mark.parametrize("layout,mode", LAYOUT_MODES)
def test_layouts_and_out(layout, axis, mode, dtype):
    shape = (2, 3, 4, 5)
    base = mixed_values(120, dtype, seed=axis + 7).reshape(shape)
    gbase = grads(shape, dtype, seed=axis + 8)
    w = channel_weights(shape[axis], dtype, seed=axis + 10)
    want = oracle("prelu", base, w, axis=axis)
    want_d = oracle("prelu_derivative", base, w, axis=axis)
    want_gx, want_gw = oracle("prelu_backward", gbase, base, w, axis=axis)

    def out_for(x, g):
        return make_out(mode, base, layout, {"x": x, "grad": g})

    what = "%s axis=%d out=%s" % (layout, axis, mode)
    for fn, target in ((fastact.prelu, want), (fastact.prelu_derivative, want_d)):
        if mode == "inplace_grad":
            continue
        x = _layout(base, layout)
        out = out_for(x, None)
        r = fn(x, w, axis=axis, out=out)
        if out is not None:
            assert r is out, what
        assert_ulp(r, target, 4 if fn is fastact.prelu_derivative else 1, {"x": base}, what)
    x = _layout(base, layout)
    g = _layout(gbase, layout)
    out = out_for(x, g)
    gx, gw = fastact.prelu_backward(g, x, w, axis=axis, out=out)
    if out is not None:
        assert gx is out, what
    assert_ulp(gx, want_gx, 4, {"x": base}, "backward " + what)
    assert_within(gw, want_gw, grad_weight_tol(gbase, base, w, axis, want_gw, dtype), {},
                  "grad_weight " + what)


@DT
def test_edge_values(dtype):
    e = edge_values(dtype)
    x = np.stack([e, e[::-1], np.roll(e, 3)], axis=0)  # (3, n): channel axis 0
    w = np.array([0.25, 2.0, -0.5], dtype=dtype)
    g = np.ones_like(x)
    check = {"x": x}
    assert_ulp(fastact.prelu(x, w, axis=0), oracle("prelu", x, w, axis=0), 1, check, "prelu edge")
    # prelu'(-inf) = w[c] (the x <= 0 branch). fastact.reference writes the derivative as
    # w + 0*x, which is NaN at -inf, so the expected value there is spelled out.
    wb = np.broadcast_to(w[:, None], x.shape)
    want_d = oracle("prelu_derivative", x, w, axis=0)
    want_d = np.where(x == -np.inf, wb, want_d)
    assert_ulp(fastact.prelu_derivative(x, w, axis=0), want_d, 4, check, "prelu_derivative edge")
    gx, _ = fastact.prelu_backward(g, x, w, axis=0)
    want_gx = np.where(x == -np.inf, g * wb, oracle("prelu_backward", g, x, w, axis=0)[0])
    assert_ulp(gx, want_gx, 4, check, "grad_x edge")
    # NaN in -> NaN out
    nan_pos = np.isnan(x)
    assert np.array_equal(np.isnan(fastact.prelu(x, w, axis=0)), nan_pos)
    assert np.array_equal(np.isnan(fastact.prelu_derivative(x, w, axis=0)), nan_pos)
    assert np.array_equal(np.isnan(gx), nan_pos)
    # grad_weight with finite values and infinities (no NaN): -inf in x gives +-inf
    finite_or_inf = np.where(np.isnan(x), 1.0, x).astype(dtype)
    finite = np.where(np.isfinite(finite_or_inf), finite_or_inf, 1.0).astype(dtype)
    _, gw = fastact.prelu_backward(g, finite, w, axis=0)
    want_gw = oracle("prelu_backward", g, finite, w, axis=0)[1]
    assert_within(gw, want_gw, grad_weight_tol(g, finite, w, 0, want_gw, dtype), {}, "gw edge")
    xi = np.array([[-np.inf, 1.0], [np.inf, -1.0]], dtype=dtype)
    _, gw = fastact.prelu_backward(np.ones_like(xi), xi, np.array([0.5, 0.5], dtype), axis=0)
    assert gw[0] == -np.inf and gw[1] == -1.0


@DT
def test_large_reduction_accuracy(dtype):
    """grad_weight over many elements per channel stays within the reduction bound."""
    shape = (64, 4, 32, 8)
    x = mixed_values(int(np.prod(shape)), dtype, seed=99).reshape(shape)
    w = channel_weights(4, dtype)
    check_all(x, w, 1, dtype, label="large NCHW")


@DT
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_fortran_order_matches_c_order(axis, dtype):
    """F-contiguous input gives grad_x bitwise equal to the C-order call (elementwise), and a
    grad_weight within the same reduction bound (its summation order follows memory)."""
    rng = np.random.default_rng(axis)
    x = (-np.abs(rng.standard_normal((4, 3, 50)))).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    w = channel_weights(x.shape[axis], dtype, seed=1)
    gx_c, gw_c = fastact.prelu_backward(g, x, w, axis=axis)
    gx_f, gw_f = fastact.prelu_backward(np.asfortranarray(g), np.asfortranarray(x), w, axis=axis)
    assert gx_f.flags.f_contiguous
    assert gx_f.tobytes("C") == gx_c.tobytes("C")
    want_gw = oracle("prelu_backward", g, x, w, axis=axis)[1]
    tol = grad_weight_tol(g, x, w, axis, want_gw, dtype)
    assert_within(gw_c, want_gw, tol, {}, "gw C order")
    assert_within(gw_f, want_gw, tol, {}, "gw F order")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_empty_inputs(dtype):
    """Empty data with a scalar weight, or a zero-length axis at or after the channel axis
    (the kernel's run length or channel count is then 0): empty results, no crash."""
    e = np.zeros(0, dtype)
    assert fastact.prelu(e, 0.5).shape == (0,)
    assert fastact.prelu([], 0.5).shape == (0,)
    x = np.zeros((2, 3, 0), dtype)
    assert fastact.prelu(x, np.ones(3, dtype)).shape == (2, 3, 0)
    assert fastact.prelu_derivative(np.zeros((2, 0, 5), dtype), np.ones(0, dtype)).shape == (2, 0, 5)
    gx, gw = fastact.prelu_backward(e, e, 0.5)
    assert gx.shape == (0,) and np.all(gw == 0)
    gx, gw = fastact.prelu_backward(x, x, np.ones(3, dtype))
    assert gx.shape == (2, 3, 0) and gw.shape == (3,) and np.all(gw == 0)


@DT
def test_short_channel_runs_split_across_threads(dtype, restore_threads):
    """NCHW with 8 elements a channel (the float32 kernels write the weights of a whole
    (channels, inner) block once): above the thread threshold, with chunks that start and
    stop inside a block, the results are exact and the same bits on 1, 2 and 3 threads."""
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((9001, 16, 8)) * 3).astype(dtype)  # 1.15 M elements
    x.flat[::997] = -0.0
    w = np.linspace(-1.5, 2.0, 16).astype(dtype)
    want = np.where(x >= 0, x, w[:, None] * x)
    want_d = np.where(x > 0, dtype.type(1), np.broadcast_to(w[:, None], x.shape))
    fastact.set_num_threads(1)
    one, one_d = fastact.prelu(x, w), fastact.prelu_derivative(x, w)
    assert one.tobytes() == want.tobytes() and one_d.tobytes() == want_d.tobytes()
    for n in (2, 3):
        fastact.set_num_threads(n)
        assert fastact.prelu(x, w).tobytes() == one.tobytes(), n
        assert fastact.prelu_derivative(x, w).tobytes() == one_d.tobytes(), n
