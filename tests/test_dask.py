"""fastact.dask on a local threaded scheduler, parametrized over the catalogue rows: every
elementwise pass blockwise gives the NumPy function's bits (grad and x/y in different
chunks); softmax / log_softmax and their backward passes along an axis in one chunk give the
kernel's bits, across several chunks (two passes, nothing rechunked) the NumPy result within
a few eps, with the same NaN / -inf semantics; errors are raised when the graph is built."""
import numpy as np
import pytest

import fastact
from fastact import _catalogue as cat

da = pytest.importorskip("dask.array")
import dask  # noqa: E402
import fastact.dask as fd  # noqa: E402

ids = lambda r: r.name  # noqa: E731
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def threads():
    with dask.config.set(scheduler="threads"):
        yield


def _x(shape, dtype, seed=0, scale=3.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def test_every_row_is_provided():
    assert fd.available() == [r.name for r in cat.ROWS]
    for row in cat.ROWS:
        for name in (row.name,) + row.aliases:
            for fn in row.public_names():
                assert callable(getattr(fd, name + fn[len(row.name):]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", cat.rows("elementwise"), ids=ids)
def test_elementwise_blockwise_same_bits(row, dtype):
    params = row.example_params()
    x, g = _x((9, 14), dtype), _x((9, 14), dtype, seed=1)
    dx, dg = da.from_array(x, chunks=(4, 5)), da.from_array(g, chunks=(3, 14))
    for suffix in ("", "_derivative"):
        r = getattr(fd, row.name + suffix)(dx, **params)
        assert isinstance(r, da.Array) and r.dtype == dtype and r.chunks == dx.chunks
        np.testing.assert_array_equal(r.compute(), getattr(fastact, row.name + suffix)(
            x, **params))
    bwd = getattr(fastact, row.name + "_backward")
    np.testing.assert_array_equal(getattr(fd, row.name + "_backward")(dg, dx, **params)
                                  .compute(), bwd(g, x, **params))
    if row.takes_y and all(r.holds(dict(row.defaults(), **params)) for r in row.y_rules()):
        y = getattr(fastact, row.name)(x, **params)
        got = getattr(fd, row.name + "_backward")(dg, y=da.from_array(y, chunks=(9, 7)),
                                                  **params)
        np.testing.assert_array_equal(got.compute(), bwd(g, y=y, **params))


@pytest.mark.parametrize("row", [r for r in cat.rows("elementwise") if r.choice_param],
                         ids=ids)
def test_choice_parameter_blockwise(row):
    p = row.choice_param
    x = _x((9, 14), np.float64)
    dx = da.from_array(x, chunks=(4, 5))
    for c in p.choices:
        np.testing.assert_array_equal(getattr(fd, row.name)(dx, **{p.name: c}).compute(),
                                      getattr(fastact, row.name)(x, **{p.name: c}))
    with pytest.raises(ValueError, match=p.name):
        getattr(fd, row.name)(dx, **{p.name: "bogus"})  # before anything is computed
    with pytest.raises(TypeError, match=p.name):
        getattr(fd, row.name + "_backward")(dx, dx, **{p.name: 1.0})


def test_elementwise_dtype_rules_and_eager_errors():
    r = fd.relu(da.arange(-3, 4, chunks=3))
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r.compute(), [0, 0, 0, 0, 1, 2, 3])
    row = next(r for r in cat.rows("elementwise") if r.rules and r.rules[0].when == "always")
    bad = dict(row.base_params())
    bad[row.rules[0].lhs] = float("nan")
    with pytest.raises(ValueError, match=row.rules[0].lhs):
        getattr(fd, row.name)(da.ones(4), **bad)  # before anything is computed
    with pytest.raises(ValueError, match="exactly one of x"):
        fd.relu_backward(da.ones(4))
    with pytest.raises(ValueError, match="grad has shape"):
        fd.relu_backward(da.ones(4), da.ones(5))
    with pytest.raises(TypeError, match="x: "):
        fd.relu(da.from_array(np.array(["a"])))


def _nasty(shape, dtype):
    x = _x(shape, dtype, scale=5.0)
    x[0, : shape[1] // 2] = -np.inf   # a block of -inf in a finite slice
    x[1, 3] = np.nan
    x[2, 7] = np.inf
    x[3, :] = -np.inf                 # an all -inf slice: NaN
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("chunks", [(6, 20), (4, 7), (3, 1)], ids=str)
@pytest.mark.parametrize("row", cat.rows("axis"), ids=ids)
def test_axis_rows_across_chunks(row, chunks, dtype):
    x, g = _nasty((6, 20), dtype), _x((6, 20), dtype, seed=2)
    want = getattr(fastact, row.name)(x, axis=1)
    dx = da.from_array(x, chunks=chunks)
    r = getattr(fd, row.name)(dx, axis=1)
    if fd.TWO_PASS[row.name]:  # the softmax family: two passes, not rechunked
        assert r.chunks == dx.chunks and r.dtype == dtype
    else:  # any other axis row: the axis rechunked to one chunk (the kernel's bits)
        assert r.chunks == (dx.chunks[0], (20,)) and r.dtype == dtype
    got = r.compute()
    bwd = getattr(fastact, row.name + "_backward")
    gwant = bwd(g, y=want, axis=1)
    ggot = getattr(fd, row.name + "_backward")(da.from_array(g, chunks=(2, 5)),
                                               y=da.from_array(want, chunks=chunks),
                                               axis=1).compute()
    if chunks[1] == 20 or not fd.TWO_PASS[row.name]:  # one chunk along the axis: the kernel's bits
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(ggot, gwant)
    tol = dict(rtol=8 * np.finfo(dtype).eps * 20, atol=8 * np.finfo(dtype).eps)
    np.testing.assert_allclose(got, want, **tol)  # NaN at the same places, -inf equal
    np.testing.assert_allclose(ggot, gwant, **tol)


@pytest.mark.parametrize("row", cat.rows("axis"), ids=ids)
def test_a_long_axis_in_many_chunks(row):
    x = _x((3, 20000), np.float64, seed=4, scale=10.0)
    dx = da.from_array(x, chunks=(3, 1000))
    got = getattr(fd, row.name)(dx, axis=-1)
    assert got.numblocks == ((1, 20) if fd.TWO_PASS[row.name] else (1, 1))
    np.testing.assert_allclose(got.compute(), getattr(fastact, row.name)(x, axis=-1),
                               rtol=1e-12, atol=1e-300)
    # the softmax family takes the two-pass path; the others (softmin, sparsemax) rechunk
    assert fd.TWO_PASS[row.name] == (row.name in ("softmax", "log_softmax"))


@pytest.mark.parametrize("row", cat.rows("axis"), ids=ids)
def test_axis_rows_on_other_axes_and_errors(row):
    x = _x((4, 5, 6), np.float32, seed=5)
    for axis in (0, 1, -1):
        got = getattr(fd, row.name)(da.from_array(x, chunks=2), axis=axis).compute()
        np.testing.assert_allclose(got, getattr(fastact, row.name)(x, axis=axis),
                                   rtol=2e-6, atol=1e-7)
    with pytest.raises(ValueError, match="axis: 3 is out of range"):
        getattr(fd, row.name)(da.from_array(x), axis=3)
    with pytest.raises(ValueError, match="grad has shape"):
        getattr(fd, row.name + "_backward")(da.ones(3), y=da.ones(4))


# --- the gates ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["silu", "sigmoid", "relu"])
def test_gates_blockwise_same_bits(act, dtype):
    v, g, gr = (_x((12, 10), dtype, seed=s) for s in (1, 2, 3))
    dv, dg = da.from_array(v, chunks=(5, 4)), da.from_array(g, chunks=(4, 5))
    got = fd.gated(dv, dg, activation=act).compute()
    assert got.tobytes() == fastact.gated(v, g, activation=act).tobytes()
    gv, gg = fd.gated_backward(da.from_array(gr, chunks=(3, 10)), dv, dg, activation=act)
    wv, wg = fastact.gated_backward(gr, v, g, activation=act)
    assert gv.compute().tobytes() == wv.tobytes() and gg.compute().tobytes() == wg.tobytes()
    for axis, chunks in ((1, (5, 3)), (0, (5, 4)), (-1, (12, 10))):
        dx = da.from_array(v, chunks=chunks)
        y = fd.glu(dx, axis=axis, activation=act)
        want = fastact.glu(v, axis=axis, activation=act)
        assert y.shape == want.shape and y.compute().tobytes() == want.tobytes()
        gy = _x(want.shape, dtype, seed=4)
        b = fd.glu_backward(da.from_array(gy, chunks=3), dx, axis=axis, activation=act)
        assert b.compute().tobytes() == fastact.glu_backward(gy, v, axis=axis,
                                                             activation=act).tobytes()


def test_gates_errors_when_the_graph_is_built():
    x = da.zeros((4, 5), chunks=2)
    with pytest.raises(ValueError, match="axis"):
        fd.glu(x, axis=1)
    with pytest.raises(ValueError, match="activation"):
        fd.gated(x, x, activation="softmax")
    with pytest.raises(ValueError, match="shape"):
        fd.gated(x, da.zeros((5, 4), chunks=2))
    with pytest.raises(ValueError, match="shape"):
        fd.glu_backward(da.zeros((4, 5)), da.zeros((4, 6)), axis=1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", cat.rows("per_channel"), ids=ids)
def test_per_channel_blockwise(row, dtype):
    """Each block gets the weights of its channels (the NumPy function's bits); grad_weight
    is a reduction across the blocks (within a few eps of the NumPy function's)."""
    x, g = _x((5, 7, 6), dtype), _x((5, 7, 6), dtype, seed=1)
    dx, dg = da.from_array(x, chunks=(2, 3, 4)), da.from_array(g, chunks=(5, 2, 6))
    for weight in (np.linspace(-0.5, 2.0, 7).astype(dtype), 0.25, np.array([0.3], dtype)):
        for suffix in ("", "_derivative"):
            r = getattr(fd, row.name + suffix)(dx, weight, axis=1)
            assert r.dtype == dtype and r.chunks == dx.chunks
            np.testing.assert_array_equal(
                r.compute(), getattr(fastact, row.name + suffix)(x, weight, axis=1))
        dw = da.from_array(weight, chunks=3) if isinstance(weight, np.ndarray) else weight
        gx, gw = getattr(fd, row.name + "_backward")(dg, dx, dw, axis=1)
        want_x, want_w = getattr(fastact, row.name + "_backward")(g, x, weight, axis=1)
        np.testing.assert_array_equal(gx.compute(), want_x)
        assert gw.shape == np.shape(want_w) and gw.dtype == want_w.dtype
        np.testing.assert_allclose(gw.compute(), want_w, rtol=8 * np.finfo(dtype).eps,
                                   atol=1e-30)
    # channel axis given as -2, and errors when the graph is built
    w = np.linspace(-0.5, 2.0, 7).astype(dtype)
    np.testing.assert_array_equal(getattr(fd, row.name)(dx, w, axis=-2).compute(),
                                  getattr(fastact, row.name)(x, w, axis=-2))
    with pytest.raises(ValueError, match="axis"):
        getattr(fd, row.name)(dx, w, axis=3)
    with pytest.raises(ValueError):
        getattr(fd, row.name)(dx, np.ones(6, dtype), axis=1)  # 6 weights for 7 channels
    with pytest.raises(TypeError, match="dtype"):
        getattr(fd, row.name)(dx, np.ones(7, np.float16 if dtype == np.float32 else np.float32), axis=1)
    with pytest.raises(ValueError, match="shape"):
        getattr(fd, row.name + "_backward")(dg[:, :3], dx, w, axis=1)
