"""softmax, log_softmax and their backward passes (vector-Jacobian products from y) against
the oracle (tests/_oracle.py: reference in float64 for float32 data, long double for float64).

Bounds (n = length of the reduced axis, eps = machine epsilon of the dtype, ulp as in
_oracle.ulp_error; NaN positions and infinities must match exactly):

    softmax                |err| <= 4 ulp(want) + min(n, 64) * eps * |want|
    log_softmax            |err| <= 4 ulp(want) + 4 * eps * (|x - max| + log n)
    softmax_backward       |err| <= (min(n, 64) + 4) * eps * |y| * (|grad| + sum|grad * y|)
    log_softmax_backward   |err| <= (min(n, 64) + 4) * eps * (|grad| + exp(y) * sum|grad|)
    (the two backward bounds also allow one spacing of the smallest normal)

min(n, 64), not n: the kernels sum in blocks of 1024 elements (16 lanes of at most 64 terms,
added pairwise) and add the block sums into a compensated double accumulator, so a sum's
error stays below (min(n / 16, 64) + 4) roundings for every n (n * eps before, from 16 plain
lanes).

Covered: 1-d to 4-d arrays reduced along every axis (first, middle, last, negative); n from
1 to 1000, and across the sum blocks (1023 to 5000); 0-d input (softmax = 1, log_softmax =
0); empty arrays; C, F and non-contiguous input; out=None, a separate out in either memory
order, out=x in place, out=grad / out=y for backward; backward from the kernel's own y as well
as from the oracle's. Long reductions (n = 10^7, rows and (n, 2) columns): softmax within
1e-6 relative, log_softmax within 1e-5 absolute, sums to 1 within 1e-6, both backward passes
within 16 eps (float32; float64 the same multiples of eps).
"""
import numpy as np
import pytest

import fastact
from _oracle import (
    DTYPES, assert_within, grads, log_softmax_backward_tol, log_softmax_tol, oracle,
    softmax_backward_tol, softmax_tol,
)

DT = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)

SHAPE_AXES = [
    ((7,), -1), ((7,), 0), ((1000,), 0), ((1,), 0), ((4, 7), -1), ((4, 7), 1), ((7, 4), 0),
    ((4, 7), -2), ((3, 5, 6), 0), ((3, 5, 6), 1), ((3, 5, 6), 2), ((3, 5, 6), -2),
    ((2, 3, 4, 5), 0), ((2, 3, 4, 5), 1), ((2, 3, 4, 5), 2), ((2, 3, 4, 5), 3),
    ((2, 3, 4, 5), -3), ((6, 1), 1), ((1, 6), 0), ((3, 1000), 1), ((1000, 3), 0),
    ((5, 64, 9), 1),
]


def logits(shape, dtype, seed=0, scale=5.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale
    if x.size > 8:
        flat = x.reshape(-1)
        flat[::11] *= 8.0        # some far-apart logits
        flat[3::17] = flat[2::17][: flat[3::17].size]  # ties with a neighbour
    return x.astype(dtype)


def check_softmax_family(x, axis, dtype, g=None, label=""):
    n = x.shape[axis] if x.ndim else 1
    if g is None:
        g = grads(x.shape, dtype, seed=x.size + 3)
    y = fastact.softmax(x, axis=axis)
    want = oracle("softmax", x, axis=axis)
    assert_within(y, want, softmax_tol(want, n, dtype), {"x": x}, "softmax " + label)
    ly = fastact.log_softmax(x, axis=axis)
    lwant = oracle("log_softmax", x, axis=axis)
    assert_within(ly, lwant, log_softmax_tol(lwant, x, axis, dtype), {"x": x}, "log_softmax " + label)
    # backward from the oracle's y and from the kernel's own y (the oracle uses the given y)
    for yy, tag in ((want, "oracle y"), (y, "kernel y")):
        b = fastact.softmax_backward(g, y=yy, axis=axis)
        bw = oracle("softmax_backward", g, y=yy, axis=axis)
        assert_within(b, bw, softmax_backward_tol(g, yy, axis, dtype), {"grad": g, "y": yy},
                      "softmax_backward %s %s" % (tag, label))
    for lyy, tag in ((lwant, "oracle y"), (ly, "kernel y")):
        b = fastact.log_softmax_backward(g, y=lyy, axis=axis)
        bw = oracle("log_softmax_backward", g, y=lyy, axis=axis)
        assert_within(b, bw, log_softmax_backward_tol(g, lyy, axis, dtype), {"grad": g, "y": lyy},
                      "log_softmax_backward %s %s" % (tag, label))
    return y, ly


@DT
@pytest.mark.parametrize("shape,axis", SHAPE_AXES, ids=lambda v: str(v))
def test_accuracy_shapes_axes(shape, axis, dtype):
    x = logits(shape, dtype, seed=sum(shape) + axis + 5)
    check_softmax_family(x, axis, dtype, label="%s axis=%d" % (shape, axis))


@DT
@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0, 300.0])
def test_accuracy_scales(scale, dtype):
    x = logits((16, 37), dtype, seed=int(scale * 7) % 97, scale=scale)
    check_softmax_family(x, -1, dtype, label="scale %g" % scale)
    check_softmax_family(x, 0, dtype, label="scale %g axis 0" % scale)


@DT
def test_default_axis_is_last(dtype):
    x = logits((3, 4, 5), dtype, seed=1)
    g = grads(x.shape, dtype, seed=2)
    y = fastact.softmax(x)
    np.testing.assert_array_equal(y, fastact.softmax(x, axis=2))
    np.testing.assert_array_equal(fastact.log_softmax(x), fastact.log_softmax(x, axis=-1))
    np.testing.assert_array_equal(fastact.softmax_backward(g, y=y),
                                  fastact.softmax_backward(g, y=y, axis=2))
    ly = fastact.log_softmax(x)
    np.testing.assert_array_equal(fastact.log_softmax_backward(g, y=ly),
                                  fastact.log_softmax_backward(g, y=ly, axis=2))


@DT
def test_zero_d(dtype):
    for v in (3.5, -1e4, 0.0):
        x = np.array(v, dtype=dtype)
        for axis in (-1, 0):
            y = fastact.softmax(x, axis=axis)
            ly = fastact.log_softmax(x, axis=axis)
            assert isinstance(y, np.ndarray) and y.shape == () and y.dtype == dtype
            assert isinstance(ly, np.ndarray) and ly.shape == () and ly.dtype == dtype
            assert y == 1.0 and ly == 0.0
    # backward of a single element: y * (g - g * y) = 0 with y = 1; g - exp(0) * g = 0
    g = np.array(2.5, dtype=dtype)
    b = fastact.softmax_backward(g, y=np.array(1.0, dtype=dtype))
    assert b.shape == () and b.dtype == dtype and b == 0.0
    b = fastact.log_softmax_backward(g, y=np.array(0.0, dtype=dtype))
    assert b.shape == () and b.dtype == dtype and b == 0.0


@DT
def test_single_element_axis(dtype):
    x = logits((5, 1), dtype, seed=4)
    np.testing.assert_array_equal(fastact.softmax(x, axis=1), np.ones((5, 1), dtype))
    np.testing.assert_array_equal(fastact.log_softmax(x, axis=1), np.zeros((5, 1), dtype))


@DT
@pytest.mark.parametrize("shape,axis", [((0,), 0), ((0, 3), 0), ((0, 3), 1), ((3, 0), 0),
                                        ((3, 0), 1), ((2, 0, 4), 1)], ids=str)
def test_empty(shape, axis, dtype):
    x = np.zeros(shape, dtype=dtype)
    for fn in (fastact.softmax, fastact.log_softmax):
        r = fn(x, axis=axis)
        assert r.shape == shape and r.dtype == dtype
    for fn in (fastact.softmax_backward, fastact.log_softmax_backward):
        r = fn(x, y=x, axis=axis)
        assert r.shape == shape and r.dtype == dtype


def _layout(a, layout):
    if layout == "C":
        return a.copy(order="C")
    if layout == "F":
        return np.asfortranarray(a)
    big = np.zeros(a.shape[::-1][:-1] + (2 * a.shape[0],), dtype=a.dtype)
    v = big[..., ::2].T
    v[...] = a
    assert not (v.flags.c_contiguous or v.flags.f_contiguous)
    return v


LAYOUT_MODES = [
    (layout, mode)
    for layout in ("C", "F", "noncontig")
    for mode in ("none", "separate", "other_order", "inplace_x", "inplace_grad", "inplace_y")
    if not (layout == "noncontig" and mode.startswith("inplace"))
]


@DT
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("layout,mode", LAYOUT_MODES)
def test_layouts_and_out(layout, mode, axis, dtype):
    shape = (3, 5, 6)
    base = logits(shape, dtype, seed=axis + 20)
    gbase = grads(shape, dtype, seed=axis + 21)
    n = shape[axis]
    want = oracle("softmax", base, axis=axis)
    lwant = oracle("log_softmax", base, axis=axis)
    want_b = oracle("softmax_backward", gbase, y=want, axis=axis)
    want_lb = oracle("log_softmax_backward", gbase, y=lwant, axis=axis)
    what = "%s out=%s axis=%d" % (layout, mode, axis)

    def out_for(x, g, y):
        if mode == "none":
            return None
        if mode == "separate":
            return np.full(shape, np.nan, dtype, order="F" if layout == "F" else "C")
        if mode == "other_order":
            return np.full(shape, np.nan, dtype, order="C" if layout == "F" else "F")
        return {"inplace_x": x, "inplace_grad": g, "inplace_y": y}[mode]

    if mode in ("none", "separate", "other_order", "inplace_x"):
        for fn, target, tol in (
            (fastact.softmax, want, softmax_tol(want, n, dtype)),
            (fastact.log_softmax, lwant, log_softmax_tol(lwant, base, axis, dtype)),
        ):
            x = _layout(base, layout)
            out = out_for(x, None, None)
            r = fn(x, axis=axis, out=out)
            if out is not None:
                assert r is out, what
            assert_within(r, target, tol, {"x": base}, fn.__name__ + " " + what)
    if mode != "inplace_x":
        for fn, y0, target, tol in (
            (fastact.softmax_backward, want, want_b, softmax_backward_tol(gbase, want, axis, dtype)),
            (fastact.log_softmax_backward, lwant, want_lb,
             log_softmax_backward_tol(gbase, lwant, axis, dtype)),
        ):
            g = _layout(gbase, layout)
            y = _layout(y0, layout)
            out = out_for(None, g, y)
            r = fn(g, y=y, axis=axis, out=out)
            if out is not None:
                assert r is out, what
            assert_within(r, target, tol, {"grad": gbase}, fn.__name__ + " " + what)


@DT
def test_inplace_equals_out_of_place(dtype):
    x = logits((4, 9, 5), dtype, seed=31)
    g = grads(x.shape, dtype, seed=32)
    for axis in (0, 1, 2):
        for fn in (fastact.softmax, fastact.log_softmax):
            ref = fn(x, axis=axis)
            buf = x.copy()
            assert fn(buf, axis=axis, out=buf) is buf
            assert buf.tobytes() == ref.tobytes(), (fn.__name__, axis)
        y = fastact.softmax(x, axis=axis)
        ref = fastact.softmax_backward(g, y=y, axis=axis)
        for which in ("grad", "y"):
            gg, yy = g.copy(), y.copy()
            out = gg if which == "grad" else yy
            assert fastact.softmax_backward(gg, y=yy, axis=axis, out=out) is out
            assert out.tobytes() == ref.tobytes(), ("softmax_backward", which, axis)
        ly = fastact.log_softmax(x, axis=axis)
        ref = fastact.log_softmax_backward(g, y=ly, axis=axis)
        for which in ("grad", "y"):
            gg, yy = g.copy(), ly.copy()
            out = gg if which == "grad" else yy
            assert fastact.log_softmax_backward(gg, y=yy, axis=axis, out=out) is out
            assert out.tobytes() == ref.tobytes(), ("log_softmax_backward", which, axis)


@DT
def test_rows_are_independent(dtype):
    """Changing one slice changes nothing in the others (no cross-talk between slices)."""
    x = logits((6, 8), dtype, seed=40)
    for axis in (0, 1):
        y = fastact.softmax(x, axis=axis)
        x2 = x.copy()
        if axis == 1:
            x2[2] += 3.0
            x2[4, 0] = np.nan
            changed = np.zeros((6, 8), bool)
            changed[[2, 4]] = True
        else:
            x2[:, 5] *= 2.0
            x2[0, 1] = -np.inf
            changed = np.zeros((6, 8), bool)
            changed[:, [1, 5]] = True
        y2 = fastact.softmax(x2, axis=axis)
        np.testing.assert_array_equal(y2[~changed], y[~changed])


def test_log_softmax_backward_when_exp_y_underflows():
    """grad - exp(y) * sum(grad) must stay accurate when exp(y) alone underflows in float64
    but exp(y) * sum(grad) is a normal number (bound: (n+4)*eps*(|grad| + exp(y)*sum|grad|))."""
    f64 = np.dtype(np.float64)
    x = np.array([[0.0, -750.0, -760.0], [0.0, -740.0, -800.0]], dtype=f64)
    y = oracle("log_softmax", x, axis=-1)
    g = np.array([[1e300, 0.0, 0.0], [1e200, 0.0, 1.0]], dtype=f64)
    got = fastact.log_softmax_backward(g, y=y)
    want = oracle("log_softmax_backward", g, y=y, axis=-1)
    assert want[0, 1] < -1e-27 and want[1, 1] < -1e-122  # normal numbers: exp(y) * 1e300, ...
    assert_within(got, want, log_softmax_backward_tol(g, y, -1, f64), {"grad": g, "y": y},
                  "log_softmax_backward exp(y) underflow")



# --- long reductions: an accuracy independent of n ------------------------------------------
# The kernels sum in blocks of 1024 elements (16 lanes of 64 terms, added pairwise) and add the
# block sums into a compensated double accumulator, so a sum's error does not grow with n. A
# plain 16-lane sum's does: at n = 10^7, float32 softmax was 1.1e-3 off, and a float64 sum of
# equal terms 3e4 eps. Bounds at n = 10^7: softmax 1e-6 relative, log_softmax 1e-5 absolute,
# their sums to 1 within 1e-6 (for float64: the same multiples of eps), the backward passes
# 16 eps relative to |y| (|grad| + sum|grad y|) and to |grad| + exp(y) sum|grad|.
N_LONG = 10 ** 7
LONG_BACKWARD_EPS = 16


def _long_bounds(dtype):
    """(softmax relative, log_softmax absolute, backward relative) bounds."""
    eps = float(np.finfo(dtype).eps)
    scale = eps / float(np.finfo(np.float32).eps)
    return 1e-6 * scale, 1e-5 * scale, LONG_BACKWARD_EPS * eps


def _pairwise_sum(a, axis):
    """a.sum(axis, keepdims=True), pairwise: NumPy sums pairwise only along a contiguous axis
    (along axis 0 of an (n, 2) array it adds sequentially, with an error growing with n)."""
    moved = np.ascontiguousarray(np.moveaxis(a, axis, -1))
    return np.expand_dims(moved.sum(axis=-1), axis)


def _check_long_float32(x, y, ly, what):
    """softmax y and log_softmax ly of the float32 rows x (reduced along the last axis),
    against float64."""
    rel, absolute, _ = _long_bounds(np.dtype(np.float32))
    sh = x.astype(np.float64)
    sh -= sh.max(axis=-1, keepdims=True)
    e = np.exp(sh)
    s = e.sum(axis=-1, keepdims=True)
    e /= s  # the reference softmax
    err = np.max(np.abs(y - e) / e)
    assert err <= rel, "%s: softmax max relative error %.3g" % (what, err)
    dev = np.max(np.abs(y.astype(np.float64).sum(axis=-1) - 1))
    assert dev <= rel, "%s: softmax sums to 1 +- %.3g" % (what, dev)
    sh -= np.log(s)  # the reference log_softmax
    err = np.max(np.abs(ly - sh))
    assert err <= absolute, "%s: log_softmax max absolute error %.3g" % (what, err)
    return e.astype(np.float32), sh.astype(np.float32)


def test_long_row_float32():
    """A row of 10^7 normal logits (scale 3), against float64: every pass."""
    f32, f64 = np.dtype(np.float32), np.float64
    brel = _long_bounds(f32)[2]
    rng = np.random.default_rng(11)
    x = rng.standard_normal(N_LONG, dtype=f32) * f32.type(3)
    g = rng.random(N_LONG, dtype=f32) * f32.type(2)  # positive: sums without cancellation
    y, ly = _check_long_float32(x, fastact.softmax(x), fastact.log_softmax(x), "row")
    # the backward passes from the reference's y
    yw, gw = y.astype(f64), g.astype(f64)
    s, sa = (gw * yw).sum(), gw.sum()
    got = fastact.softmax_backward(g, y=y)
    err = np.max(np.abs(got - yw * (gw - s)) / (yw * (gw + s)))
    assert err <= brel, "softmax_backward: %.3g eps" % (err / np.finfo(f32).eps)
    ey = np.exp(ly.astype(f64))
    got = fastact.log_softmax_backward(g, y=ly)
    err = np.max(np.abs(got - (gw - ey * sa)) / (gw + ey * sa))
    assert err <= brel, "log_softmax_backward: %.3g eps" % (err / np.finfo(f32).eps)


def test_long_columns_float32():
    """A (10^7, 2) array of normal logits along axis 0 (the columns kernel: per-column sums):
    against float64, and bitwise the results of its F-ordered copy (the rows kernel)."""
    f32 = np.dtype(np.float32)
    xt = np.random.default_rng(13).standard_normal((2, N_LONG), dtype=f32) * f32.type(3)
    x = np.ascontiguousarray(xt.T)  # (n, 2), C order
    y = fastact.softmax(x, axis=0)
    ly = fastact.log_softmax(x, axis=0)
    _check_long_float32(xt, np.ascontiguousarray(y.T), np.ascontiguousarray(ly.T), "columns")
    xf = xt.T  # the same array in F order
    assert fastact.softmax(xf, axis=0).tobytes() == y.tobytes()
    assert fastact.log_softmax(xf, axis=0).tobytes() == ly.tobytes()
    gf = (np.random.default_rng(14).random((2, N_LONG), dtype=f32) * f32.type(2)).T
    g = np.ascontiguousarray(gf)
    for fn, yy in ((fastact.softmax_backward, y), (fastact.log_softmax_backward, ly)):
        assert (fn(g, y=yy, axis=0).tobytes()
                == fn(gf, y=np.asfortranarray(yy), axis=0).tobytes()), fn.__name__


@DT
@pytest.mark.parametrize("layout", ["row", "columns"])
def test_long_equal_terms(layout, dtype):
    """x = -1 everywhere but one 0 (per reduced slice), grad = 0.1: every term of every sum
    the same, so no rounding error cancels (where a plain 16-lane sum drifts most, in float64
    too). The reference is exact up to long double: with v = exp(-1) and S = 1 + (n - 1) v,
    softmax is 1/S at the max and v/S elsewhere. layout "row": shape (1, n), axis 1 (rows
    kernel); "columns": (n, 2), axis 0, the max at the first and the last row."""
    ld = np.longdouble
    n = N_LONG
    rel, absolute, brel = _long_bounds(dtype)
    eps = float(np.finfo(dtype).eps)
    if layout == "row":
        x, axis, slices = np.full((1, n), -1.0, dtype), 1, [(np.s_[0, :], 0)]
        x[0, 0] = 0
    else:
        x, axis, slices = np.full((n, 2), -1.0, dtype), 0, [(np.s_[:, 0], 0), (np.s_[:, 1], n - 1)]
        x[0, 0] = x[n - 1, 1] = 0
    v = np.exp(ld(-1))
    big_s = 1 + (n - 1) * v

    def two_values(out, what):
        """[(value at the max, value elsewhere)] per slice, checking that the others are equal."""
        vals = []
        for sl, p in slices:
            a = out[sl]
            q = 1 if p == 0 else 0
            assert np.count_nonzero(a != a[q]) == 1, what + ": equal inputs, unequal results"
            vals.append((ld(a[p]), ld(a[q])))
        return vals

    y = fastact.softmax(x, axis=axis)
    for top, other in two_values(y, "softmax"):
        err = max(abs(top * big_s - 1), abs(other * big_s / v - 1))
        assert err <= rel, "softmax: relative error %.3g (%.3g eps)" % (err, err / eps)
        dev = abs(top + (n - 1) * other - 1)
        assert dev <= rel, "softmax sums to 1 %+.3g" % dev
    ly = fastact.log_softmax(x, axis=axis)
    for top, other in two_values(ly, "log_softmax"):
        err = max(abs(top + np.log(big_s)), abs(other - (-1 - np.log(big_s))))
        assert err <= absolute, "log_softmax: absolute error %.3g" % err
    g = np.full(x.shape, 0.1, dtype)
    gw = ld(g.flat[0])
    # backward from the reference's y, rounded to the dtype
    yt, yo = dtype.type(1 / big_s), dtype.type(v / big_s)
    y = np.where(x == 0, yt, yo).astype(dtype)
    s = gw * (ld(yt) + (n - 1) * ld(yo))
    got = fastact.softmax_backward(g, y=y, axis=axis)
    for top, other in two_values(got, "softmax_backward"):
        for val, yy in ((top, ld(yt)), (other, ld(yo))):
            err = abs(val - yy * (gw - s)) / (yy * (gw + s))
            assert err <= brel, "softmax_backward: %.3g eps" % (err / eps)
    lt, lo = dtype.type(-np.log(big_s)), dtype.type(-1 - np.log(big_s))
    ly = np.where(x == 0, lt, lo).astype(dtype)
    got = fastact.log_softmax_backward(g, y=ly, axis=axis)
    for top, other in two_values(got, "log_softmax_backward"):
        for val, yy in ((top, np.exp(ld(lt))), (other, np.exp(ld(lo)))):
            err = abs(val - (gw - yy * n * gw)) / (gw + yy * n * gw)
            assert err <= brel, "log_softmax_backward: %.3g eps" % (err / eps)


@DT
@pytest.mark.parametrize("n", [1023, 1024, 1025, 2048, 2049, 5000])
def test_block_boundaries(n, dtype):
    """Reductions across the sums' blocks of 1024: against the oracle, and bitwise the same
    along the contiguous axis (rows kernel) and along a strided one (columns kernel, 70 columns:
    a block of 64 and one of 6)."""
    x = logits((70, n), dtype, seed=n)
    g = grads(x.shape, dtype, seed=n + 1)
    y, ly = check_softmax_family(x, 1, dtype, g=g, label="n=%d" % n)
    xt, gt = np.ascontiguousarray(x.T), np.ascontiguousarray(g.T)
    yt, lyt = np.ascontiguousarray(y.T), np.ascontiguousarray(ly.T)
    assert fastact.softmax(xt, axis=0).T.tobytes() == y.tobytes()
    assert fastact.log_softmax(xt, axis=0).T.tobytes() == ly.tobytes()
    assert (fastact.softmax_backward(gt, y=yt, axis=0).T.tobytes()
            == fastact.softmax_backward(g, y=y, axis=1).tobytes())
    assert (fastact.log_softmax_backward(gt, y=lyt, axis=0).T.tobytes()
            == fastact.log_softmax_backward(g, y=ly, axis=1).tobytes())


# --- softmin = softmax(-x) --------------------------------------------------------------------
# The softmin kernels are the softmax kernels reading -x (negation is exact), so softmin(x) has
# the bits of softmax(-x), and softmin_backward(g, y) the values of -softmax_backward(g, y)
# (y * (s - g), where softmax's is y * (g - s): equal up to the sign of an exact zero). Both
# therefore hold softmax's bounds, which the oracle checks here too.
@DT
@pytest.mark.parametrize("shape,axis", SHAPE_AXES + [((70, 2049), 1), ((2049, 70), 0)])
def test_softmin_is_softmax_of_minus_x(shape, axis, dtype):
    x = logits(shape, dtype, seed=len(shape) + axis + 40)
    g = grads(shape, dtype, seed=5)
    n = x.shape[axis]
    y = fastact.softmin(x, axis=axis)
    assert y.tobytes() == fastact.softmax(-x, axis=axis).tobytes()
    want = oracle("softmin", x, axis=axis)
    assert_within(y, want, softmax_tol(want, n, dtype), {"x": x}, "softmin")
    for layout in ("F", "noncontig") if x.size > 1 else ():
        np.testing.assert_array_equal(fastact.softmin(_layout(x, layout), axis=axis), y)
    b = fastact.softmin_backward(g, y=y, axis=axis)
    np.testing.assert_array_equal(b, -fastact.softmax_backward(g, y=y, axis=axis))
    bw = oracle("softmin_backward", g, y=y, axis=axis)
    assert_within(b, bw, softmax_backward_tol(g, y, axis, dtype), {"grad": g, "y": y},
                  "softmin_backward")
    o = x.copy()
    assert fastact.softmin(o, axis=axis, out=o) is o and o.tobytes() == y.tobytes()


@DT
def test_softmin_limits(dtype):
    """-inf in softmin is +inf in softmax: the slice is NaN (as documented for softmax); +inf
    gets 0; NaN makes the slice NaN."""
    inf, nan = np.inf, np.nan
    x = np.array([[0.0, 1.0, -inf], [inf, 0.0, 1.0], [nan, 0.0, 1.0]], dtype)
    y = fastact.softmin(x)
    assert np.isnan(y[0]).all() and np.isnan(y[2]).all()
    e = np.exp(-1.0)
    np.testing.assert_allclose(y[1], [0.0, 1 / (1 + e), e / (1 + e)],
                               rtol=4 * np.finfo(dtype).eps)
    assert y[1, 0] == 0
