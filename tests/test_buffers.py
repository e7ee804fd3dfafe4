"""Unusual buffers and calls, on both the compiled fast path and the checked Python path.

Each case is one a review found mishandled at some point: overlap through a weight or a
non-ndarray buffer, exotic dtypes, byte order, alignment, subclasses, aliasing that differs
only in the strides of length-1 axes, zero-length weights, fork, infinite gradients, alpha
outside float32's range, and PReLU's weight gradient with very many channels.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastact
from fastact import reference


def _same(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# --- overlap through a weight or a non-ndarray buffer is refused, nothing written ---------------
@pytest.mark.parametrize("axis", [1, np.int64(1)], ids=["fast", "checked"])
def test_prelu_in_place_with_weight_inside_x_is_refused(axis):
    x = (np.arange(12, dtype=np.float32) - 6).reshape(4, 3)
    before = x.copy()
    with pytest.raises(ValueError, match="out: shares memory with weight"):
        fastact.prelu(x, x.reshape(-1)[:3], axis=axis, out=x)
    _same(x, before)
    g = np.ones_like(x)
    with pytest.raises(ValueError, match="out: shares memory with weight"):
        fastact.prelu_backward(g, x, g.reshape(-1)[:3], axis=axis, out=g)
    _same(g, np.ones_like(x))


@pytest.mark.parametrize("call", [
    lambda b: fastact.relu(memoryview(b[1:5]), out=b[0:4]),
    lambda b: fastact.softmax(memoryview(b[1:5]), out=b[0:4]),
    lambda b: fastact.relu_backward(memoryview(b[1:5]), b[4:8].copy(), out=b[0:4]),
    lambda b: fastact.log_softmax_backward(b[4:8].copy(), y=memoryview(b[1:5]), out=b[0:4]),
    lambda b: fastact.prelu(b[4:8].copy(), memoryview(b[2:6]), axis=0, out=b[0:4]),
], ids=["relu", "softmax", "relu_backward", "log_softmax_backward", "prelu_weight"])
def test_partial_overlap_through_a_memoryview_is_refused(call):
    b = np.arange(8, dtype=np.float32) - 3
    before = b.copy()
    with pytest.raises(ValueError, match="out: "):
        call(b)
    _same(b, before)


# --- exotic inputs ----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: np.array(["2020-01-01"], "M8[D]"),
    lambda: np.array([1], "m8[s]"),
], ids=["datetime64", "timedelta64"])
def test_datetime_like_input_is_a_type_error(make):
    with pytest.raises(TypeError, match="x: dtype .* is not supported"):
        fastact.relu(make())
    with pytest.raises(TypeError, match="is not supported|dtype"):
        fastact.relu(np.zeros(1, np.float32), out=make())


@pytest.mark.parametrize("dt", [">f4", ">f8"])
def test_big_endian_floats_are_computed(dt):
    x = np.array([-2.0, -0.5, 0.0, 1.5], dtype=dt)
    got = fastact.sigmoid(x)
    assert got.dtype == np.dtype(dt).newbyteorder("=")
    np.testing.assert_allclose(got, reference.sigmoid(x.astype(got.dtype)), rtol=1e-6)


def test_unaligned_input_is_copied_and_unaligned_out_refused():
    raw = np.zeros(4 * 9 + 1, np.uint8)
    x = np.frombuffer(raw.data, dtype=np.float32, count=9, offset=1)
    assert not x.flags.aligned
    x_values = np.linspace(-2, 2, 9).astype(np.float32)
    raw[1:] = x_values.view(np.uint8)
    _same(fastact.tanh(x), fastact.tanh(x_values))
    out = np.frombuffer(bytearray(4 * 9 + 1), dtype=np.float32, count=9, offset=1)
    with pytest.raises(ValueError, match="out: array is not aligned"):
        fastact.tanh(x_values, out=out)


def test_subclasses_come_back_as_plain_arrays():
    m = np.asarray([[-1.0, 2.0]], np.float32).view(np.matrix)
    for r in (fastact.relu(m), fastact.relu(m.astype(np.float16))):
        assert type(r) is np.ndarray
    # masked arrays are refused, not computed without their mask (tests/test_reliability.py)


@pytest.mark.parametrize("alpha", [0.1, np.float64(0.1)], ids=["fast", "checked"])
def test_exact_alias_differing_only_in_length_one_strides(alpha):
    a = np.array([-1.0, 2.0, -3.0])
    x, out = a.reshape(3, 1), a[:, None]
    assert x.strides != out.strides
    r = fastact.leaky_relu(x, alpha=alpha, out=out)
    assert r is out
    _same(a, [-0.1, 2.0, -0.30000000000000004])


@pytest.mark.parametrize("axis", [1, np.int64(1)], ids=["fast", "checked"])
def test_prelu_with_an_empty_weight_on_an_empty_axis(axis):
    x = np.ones((3, 0), np.float32)
    r = fastact.prelu(x, np.zeros(0, np.float32), axis=axis)
    assert r.shape == (3, 0)
    gx, gw = fastact.prelu_backward(x, x, np.zeros(0, np.float32), axis=axis)
    assert gx.shape == (3, 0) and gw.shape == (0,)


def test_prelu_weight_gradient_with_many_channels():
    """Channels last with 2^18 channels: the per-chunk partial sums stay bounded (and the
    result matches the reference)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 1 << 18))
    g = rng.standard_normal(x.shape)
    w = np.full(x.shape[1], 0.25)
    gx, gw = fastact.prelu_backward(g, x, w, axis=1)
    want_gx, want_gw = reference.prelu_backward(g, x, w, axis=1)
    np.testing.assert_allclose(gx, want_gx, rtol=1e-15)
    np.testing.assert_allclose(gw, want_gw, rtol=1e-12, atol=1e-300)


# --- numerical corner cases -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_infinite_grad_times_zero_derivative_is_nan(dtype):
    """backward is literally grad * f'(x): f'(x) = 0 at the infinities, inf * 0 = NaN."""
    inf = np.array([np.inf, -np.inf], dtype)
    g = np.array([np.inf, np.inf], dtype)
    with np.errstate(all="ignore"):
        for name, x in (("sigmoid", inf), ("tanh", inf), ("elu", inf[1:]), ("selu", inf[1:])):
            got = getattr(fastact, name + "_backward")(g[: x.size], x)
            assert np.isnan(got).all(), (name, got)
        got = fastact.log_softmax_backward(np.array([[1.0, np.inf]], dtype),
                                           y=np.array([[-np.inf, 0.0]], dtype))
        assert np.isnan(got).all(), got
        # and a finite grad gives 0 there
        assert (fastact.sigmoid_backward(np.ones(2, dtype), inf) == 0).all()


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
def test_alpha_that_overflows_float32_is_refused_for_float32_data(name):
    x = np.array([-1.0, 0.5], np.float32)
    before = x.copy()
    for fn in (getattr(fastact, name), getattr(fastact, name + "_derivative")):
        with pytest.raises(ValueError, match="alpha: .* overflows float32"):
            fn(x, alpha=1e39, out=x)
        _same(x, before)
    with pytest.raises(ValueError, match="alpha: .* overflows float32"):
        getattr(fastact, name + "_backward")(np.ones_like(x), x, alpha=-1e39)
    # float64 data takes it
    assert np.isfinite(getattr(fastact, name)(x.astype(np.float64), alpha=1e39)).all()


# --- fork ---------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_a_forked_child_runs_kernels_after_threaded_calls_in_the_parent():
    code = """
import os, sys, numpy as np, fastact
fastact.set_num_threads(2)
x = np.linspace(-3, 3, 1 << 19).astype(np.float32)  # (threaded: above THREADS_MIN_EXP)
want = fastact.sigmoid(x)
pid = os.fork()
if pid == 0:
    # the child keeps the thread count and starts its own helpers
    ok = fastact.get_num_threads() == 2 and fastact.sigmoid(x).tobytes() == want.tobytes()
    ok = ok and fastact._dispatch.pool_stats()[0] == 1
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(__file__),
                       timeout=120, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_allocated_results_keep_shape_dtype_and_order(ndim, order, dtype):
    """The compiled path builds result arrays itself (1-d, 2-d and 3-d shapes directly): every
    rank keeps the input's shape, dtype and memory order, and holds what out= would."""
    shape = (3, 4, 5, 2)[:ndim]
    x = np.asarray(np.random.default_rng(ndim).standard_normal(shape), dtype, order=order)
    for fn in (fastact.tanh, fastact.relu):
        y = fn(x)
        assert type(y) is np.ndarray and y.shape == x.shape and y.dtype == x.dtype
        if ndim >= 2:
            assert y.flags.f_contiguous if order == "F" else y.flags.c_contiguous
        want = np.empty_like(x)
        fn(x, out=want)
        assert y.tobytes(order="A") == want.tobytes(order="A")


@pytest.mark.parametrize("dt", [">f4", ">f8"])
def test_big_endian_mixes_with_native_of_the_same_type(dt):
    """Other byte order is the same float type: it mixes with native arrays (converted, as
    NumPy converts it); an out in the other byte order gets a message that says so."""
    native = np.dtype(dt).newbyteorder("=")
    x = np.array([-2.0, -0.5, 0.0, 1.5], dtype=dt)
    xn = x.astype(native)
    g = np.linspace(0.5, 2.0, 4).astype(native)
    _same(fastact.silu_backward(g, x), fastact.silu_backward(g, xn))
    _same(fastact.silu_backward(x, g), fastact.silu_backward(xn, g))
    _same(fastact.gated(x, g), fastact.gated(xn, g))
    _same(fastact.softmax_backward(g, y=x), fastact.softmax_backward(g, y=xn))
    _same(fastact.glu_backward(g[:2], x), fastact.glu_backward(g[:2], xn))
    _same(fastact.silu(x, out=np.empty(4, native)), fastact.silu(xn))
    for call in (lambda: fastact.relu(x, out=x), lambda: fastact.relu(xn, out=x),
                 lambda: fastact.glu(xn, out=x[:2])):
        before = x.copy()
        with pytest.raises(TypeError, match="out: dtype .* is %s in the other byte order"
                           % native.name):
            call()
        _same(x, before)
