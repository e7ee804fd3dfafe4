"""sparsemax and sparsemax_backward against the oracle (fastact.reference: sort and cumulative
sums, in long double), and the properties of a Euclidean projection onto the simplex.

Bounds (eps of the dtype; the kernels work in double and round once):
    sparsemax             |err| <= 2 eps max(1, max|x| of the slice)
    sparsemax_backward    |err| <= 2 eps max(1, max|grad| of the slice)
"""
import numpy as np
import pytest

import fastact
from fastact import reference

DTYPES = [np.dtype(np.float32), np.dtype(np.float64)]
DT = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
LD = np.longdouble

SHAPE_AXES = [((7,), -1), ((1,), 0), ((2,), 0), ((1000,), 0), ((4, 7), 1), ((7, 4), 0),
              ((3, 5, 6), 1), ((3, 5, 6), 0), ((2, 3, 4, 5), 2), ((64, 1000), -1),
              ((1000, 70), 0), ((5, 3000), 1)]


def _x(shape, dtype, scale, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale
    if x.size > 8:
        x.reshape(-1)[3::7] = x.reshape(-1)[2::7][: x.reshape(-1)[3::7].size]  # ties
    return x.astype(dtype)


def _check(y, x, axis, dtype, what):
    want = reference.sparsemax(x.astype(LD), axis=axis)
    scale = np.maximum(1, np.abs(x.astype(LD)).max(axis=axis, keepdims=True))
    err = np.abs(y.astype(LD) - want) / scale
    assert np.max(err, initial=0) <= 2 * np.finfo(dtype).eps, "%s: %g eps" % (
        what, np.max(err) / np.finfo(dtype).eps)


@DT
@pytest.mark.parametrize("scale", [1e-3, 1.0, 5.0, 1e3])
@pytest.mark.parametrize("shape,axis", SHAPE_AXES)
def test_against_the_oracle(shape, axis, scale, dtype):
    x = _x(shape, dtype, scale, seed=len(shape) * 10 + axis)
    y = fastact.sparsemax(x, axis=axis)
    assert y.dtype == dtype and y.shape == shape
    _check(y, x, axis, dtype, "sparsemax %s axis %d scale %g" % (shape, axis, scale))
    # a projection onto the simplex: y >= 0, sums to 1, y - x constant on the support
    assert (y >= 0).all()
    n = shape[axis]
    np.testing.assert_allclose(y.astype(LD).sum(axis=axis), 1,
                               atol=4 * n * np.finfo(dtype).eps * max(1, scale))
    # every layout and in place: the same bits
    for a in (np.asfortranarray(x), x.copy()):
        assert fastact.sparsemax(a, axis=axis).tobytes() == y.tobytes()
    if x.ndim >= 2:
        nc = np.swapaxes(np.swapaxes(x, 0, -1).copy(), 0, -1)  # other memory order
        assert fastact.sparsemax(nc, axis=axis).tobytes() == y.tobytes()
    o = x.copy()
    assert fastact.sparsemax(o, axis=axis, out=o) is o and o.tobytes() == y.tobytes()
    g = _x(shape, dtype, 1.0, seed=3)
    b = fastact.sparsemax_backward(g, y=y, axis=axis)
    want = reference.sparsemax_backward(g.astype(LD), y=y.astype(LD), axis=axis)
    gs = np.maximum(1, np.abs(g.astype(LD)).max(axis=axis, keepdims=True))
    assert np.max(np.abs(b - want) / gs) <= 2 * np.finfo(dtype).eps
    assert (fastact.sparsemax_backward(np.asfortranarray(g), y=np.asfortranarray(y), axis=axis)
            .tobytes() == b.tobytes())


@DT
def test_two_classes_closed_form(dtype):
    """sparsemax([t, 0])[0] = clip((t + 1) / 2, 0, 1)."""
    t = np.linspace(-3, 3, 601).astype(dtype)
    y = fastact.sparsemax(np.stack([t, np.zeros_like(t)], axis=-1))
    want = np.clip((t.astype(LD) + 1) / 2, 0, 1)
    assert np.max(np.abs(y[:, 0] - want)) <= np.finfo(dtype).eps
    np.testing.assert_array_equal(y[:, 0] + y[:, 1], 1)


@DT
def test_special_values(dtype):
    inf, nan = np.inf, np.nan
    f = lambda v: fastact.sparsemax(np.array(v, dtype))  # noqa: E731
    assert np.isnan(f([1.0, 2.0, inf])).all()           # +inf: NaN, as softmax
    assert np.isnan(f([nan, 1.0])).all()
    assert np.isnan(f([-inf, -inf])).all()              # nothing finite to project
    np.testing.assert_array_equal(f([1.0, -inf, 1.0]), [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(f([3.0]), [1.0])
    np.testing.assert_array_equal(f([5.0, 5.0, 5.0, 5.0]), [0.25] * 4)
    np.testing.assert_array_equal(f([0.0, 10.0, 0.0]), [0.0, 1.0, 0.0])
    big = np.finfo(dtype).max / 4
    np.testing.assert_array_equal(f([big, big, -1.0]), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(f([-big, 0.0, 1e-30]), [0.0, 0.5, 0.5])
    assert fastact.sparsemax(np.zeros((0, 3), dtype)).shape == (0, 3)
    g = np.array([1.0, 2.0, 3.0], dtype)
    b = fastact.sparsemax_backward(g, y=np.array([0.5, nan, 0.0], dtype))
    assert b[0] == 0 and np.isnan(b[1]) and b[2] == 0


@DT
@pytest.mark.parametrize("axis", [-1, 0])
def test_large_values_keep_the_threshold_exact(dtype, axis):
    """Sparsemax is shift-invariant: rows of large equal values (up to the dtype's max) give
    1/n each, and a large row shifted by its max gives the bits of the shifted row where the
    shift is exact. float64 once summed the values themselves: a row of 1.02e33 gave 1.4e17
    each, one of 1.06e15 rows summing to 1.375, one of 3e38 zeros (found by a user-level
    audit); float32 data is summed in double, where it was already right."""
    big = [1e8, 1e12, 1063133331608875.8, 1.0222492625773207e33, 3e38,
           float(np.finfo(dtype).max)]
    rows = np.array([[b] * 3 for b in big if b <= np.finfo(dtype).max], dtype)
    x = rows if axis == -1 else np.ascontiguousarray(rows.T)
    y = fastact.sparsemax(x, axis=axis)
    np.testing.assert_array_equal(y, np.full(x.shape, dtype.type(1) / 3))
    np.testing.assert_allclose(reference.sparsemax(x, axis=axis), y, rtol=np.finfo(dtype).eps)
    # a spread row at 2^40: its support and values as the same row at 0 (the shift is exact)
    base = np.array([0.0, -0.25, -0.5, -2.0, 0.125], dtype)
    far = base + dtype.type(2.0 ** 40 if dtype == np.float64 else 2.0 ** 20)
    want = fastact.sparsemax(base)
    np.testing.assert_allclose(fastact.sparsemax(far), want, rtol=0, atol=4 * np.finfo(dtype).eps)
    assert ((fastact.sparsemax(far) > 0) == (want > 0)).all()


def _michelot_passes(z):
    """The support-shrinking passes of Michelot's iteration from max - 1 (as the kernel runs
    it, in double)."""
    t = z.max() - 1
    k, s, passes = np.sum(z > t), np.sum(z[z > t]), 0
    while True:
        tn = (s - 1) / k
        if not tn > t or np.sum(z > tn) == k:
            return passes
        t, s, k, passes = tn, np.sum(z[z > tn]), np.sum(z > tn), passes + 1


def test_bisection_after_slow_michelot():
    """An input (found by a seeded search) on which Michelot's iteration needs 9 passes: the
    kernel switches to bisection after 8 and still finds the exact support; rows and columns
    give the same bits."""
    rng = np.random.default_rng(0)
    n, q, w = int(rng.integers(2000, 20000)), rng.uniform(0.1, 2), rng.uniform(0.3, 2)
    z = -w * rng.random(n) ** q
    assert _michelot_passes(z) > 8
    x = np.stack([z, z[::-1], np.linspace(-1, 0, n)])
    y = fastact.sparsemax(x, axis=1)
    _check(y, x, 1, np.dtype(np.float64), "slow Michelot input")
    assert fastact.sparsemax(np.ascontiguousarray(x.T), axis=0).T.tobytes() == y.tobytes()
    y32 = fastact.sparsemax(x.astype(np.float32), axis=1)
    _check(y32, x.astype(np.float32), 1, np.dtype(np.float32), "slow Michelot input float32")


def test_backward_is_the_jacobian_transpose():
    """Central differences of sum(g * sparsemax(x)) match sparsemax_backward (float64, points
    away from the support's edges)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 9))
    g = rng.standard_normal((6, 9))
    y = fastact.sparsemax(x)
    b = fastact.sparsemax_backward(g, y=y)
    h = 1e-7
    for i in range(6):
        for j in range(9):
            xp, xm = x.copy(), x.copy()
            xp[i, j] += h
            xm[i, j] -= h
            d = (np.sum(g * fastact.sparsemax(xp)) - np.sum(g * fastact.sparsemax(xm))) / (2 * h)
            assert abs(d - b[i, j]) <= 1e-6 * (1 + abs(d)), (i, j, d, b[i, j])


@DT
def test_threads_and_units_same_bits(dtype):
    x = _x((4096, 37), dtype, 3.0, seed=9)
    xt = np.ascontiguousarray(x.T)
    before = fastact.get_num_threads()
    try:
        fastact.set_num_threads(1)
        y1, c1 = fastact.sparsemax(x), fastact.sparsemax(xt, axis=0)
        fastact.set_num_threads(2)
        y2, c2 = fastact.sparsemax(x), fastact.sparsemax(xt, axis=0)
    finally:
        fastact.set_num_threads(before)
    assert y1.tobytes() == y2.tobytes() and c1.tobytes() == c2.tobytes()
    assert np.ascontiguousarray(c1.T).tobytes() == y1.tobytes()


@DT
@pytest.mark.parametrize("shape", [(1000, 130), (37, 3, 70), (1, 5), (4096, 64)])
def test_columns_are_rows_bit_for_bit(dtype, shape):
    """Along axis 0 (column tiles forward, two row-wise passes backward) both passes give the
    bits of the same slices as rows, in place too; NaN in a slice of y stays there."""
    x = _x(shape, dtype, 3.0, seed=4)
    g = _x(shape, dtype, 1.0, seed=5)
    xt, gt = np.moveaxis(x, 0, -1).copy(), np.moveaxis(g, 0, -1).copy()
    y, yt = fastact.sparsemax(x, axis=0), fastact.sparsemax(xt, axis=-1)
    assert np.moveaxis(y, 0, -1).tobytes() == yt.tobytes()
    y[(0,) * y.ndim] = np.nan
    yt[(0,) * yt.ndim] = np.nan
    b, bt = fastact.sparsemax_backward(g, y=y, axis=0), fastact.sparsemax_backward(gt, y=yt)
    assert np.moveaxis(b, 0, -1).tobytes() == bt.tobytes()
    g2 = g.copy()
    assert fastact.sparsemax_backward(g2, y=y, axis=0, out=g2) is g2
    assert g2.tobytes() == b.tobytes()
    x2 = x.copy()
    fastact.sparsemax(x2, axis=0, out=x2)
    assert x2.tobytes() == fastact.sparsemax(x, axis=0).tobytes()


def test_long_columns_run_strided_with_the_same_bits():
    """A column longer than the kernels' buffer limit (SPM_COLUMN_MAX: 16 MiB) is projected in
    place with its stride, without a temporary copy: still the bits of a row."""
    n = (1 << 22) + 5  # (float32: 16 MiB + 84 bytes with the padding)
    x = _x((n, 2), np.dtype(np.float32), 3.0, seed=6)
    y = fastact.sparsemax(x, axis=0)
    assert np.ascontiguousarray(y.T).tobytes() == fastact.sparsemax(np.ascontiguousarray(x.T)).tobytes()
