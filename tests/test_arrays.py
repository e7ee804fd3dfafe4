"""Array handling: array-likes, dtype rules, 0-d results, memory layouts, out= and aliasing.

Expected values come from the oracle (tests/_oracle.py) or from the same function on an
explicitly converted contiguous float32/float64 array (for conversions, the claim under test
is "computed as that dtype"). Bounds where the oracle is used: as in test_elementwise.py
(identity/relu 0 ULP, leaky_relu 1 ULP, other forwards 2 ULP, derivatives/backward 4 ULP).

Covered: lists, nested lists and Python scalars (-> float64, 0-d ndarray for a scalar);
int and bool arrays (-> float64); float16 (computed in float32, returned as float16);
non-ndarray arguments adopting the call's dtype (grad list with float32 x, prelu weight
list, softmax_backward grad list); non-contiguous inputs (strided, transposed strided,
negative strides, broadcast read-only views) out-of-place, and without fastact._api.prepare
where they are float32/float64 ndarrays and out= is absent; F-contiguous out with C input
(elementwise, backward, prelu, softmax along an axis); mixed C/F grad and x; exact aliasing
through a different view object; out-of-place calls leave their inputs alone.
"""
import numpy as np
import pytest

import fastact
from _oracle import (
    DTYPES, catalogue, ELEMENTWISE, HAS_ALPHA, assert_ulp, bound, grads, mixed_values, needed_params, oracle,
    params_for, passes_of,
)

DT = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)

ALL_PASSES = [
    pytest.param(name, p, id="%s-%s" % (name, p)) for name in ELEMENTWISE
    for p in passes_of(name)
]


def run(name, pass_, x, g=None, **kw):
    kw = kw or needed_params(name)
    if pass_ == "forward":
        return getattr(fastact, name)(x, **kw)
    if pass_ == "derivative":
        return getattr(fastact, name + "_derivative")(x, **kw)
    if pass_ == "backward_x":
        return getattr(fastact, name + "_backward")(g, x, **kw)
    return getattr(fastact, name + "_backward")(g, y=x, **kw)


@pytest.mark.parametrize("name,pass_", ALL_PASSES)
def test_lists_and_scalars_are_float64(name, pass_):
    vals = [-2.5, -0.0, 0.0, 0.3, 4.0]
    gl = [1.0, -2.0, 0.5, 3.0, -1.0]
    r = run(name, pass_, vals, gl)
    assert type(r) is np.ndarray and r.dtype == F64 and r.shape == (5,)
    want = run(name, pass_, np.array(vals, F64), np.array(gl, F64))
    assert r.tobytes() == want.tobytes()
    nested = [[-1.0, 2.0], [0.5, -0.25]]
    gn = [[1.0, 2.0], [3.0, 4.0]]
    r = run(name, pass_, nested, gn)
    assert r.dtype == F64 and r.shape == (2, 2)
    assert r.tobytes() == run(name, pass_, np.array(nested), np.array(gn)).tobytes()
    s = run(name, pass_, -1.5, 2.0)
    assert type(s) is np.ndarray and s.shape == () and s.dtype == F64
    assert s.tobytes() == run(name, pass_, np.array(-1.5), np.array(2.0)).tobytes()


@DT
@pytest.mark.parametrize("name,pass_", ALL_PASSES)
def test_zero_d_input_gives_zero_d_ndarray(name, pass_, dtype):
    x = np.array(-0.75, dtype=dtype)
    g = np.array(2.0, dtype=dtype)
    r = run(name, pass_, x, g)
    assert type(r) is np.ndarray and r.shape == () and r.dtype == dtype
    kw = needed_params(name)
    if pass_ == "backward_y":
        want = oracle(name + "_backward", g, y=x, **kw)
    elif pass_ == "backward_x":
        want = oracle(name + "_backward", g, x=x, **kw)
    else:
        want = oracle(name if pass_ == "forward" else name + "_derivative", x, **kw)
    assert_ulp(r, want, bound(name, pass_), {"x": x}, "%s %s 0-d" % (name, pass_))


def test_python_ints_beyond_int64_compute_in_float64():
    """NumPy keeps such ints as objects; as integers they are computed in float64, and an int
    beyond the float64 range is a ValueError naming the argument."""
    big = [2 ** 70, -3, 2 ** 64 + 1, 0.5]
    as_float = np.array([float(v) for v in big])
    _same = np.testing.assert_array_equal
    _same(fastact.silu(big), fastact.silu(as_float))
    _same(fastact.silu(2 ** 70), fastact.silu(as_float[:1])[0])
    _same(fastact.silu_backward([1, 1, 1, 1], big),
          fastact.silu_backward(np.ones(4), as_float))
    with pytest.raises(ValueError, match="x: an integer beyond the float64 range"):
        fastact.silu([10 ** 400])
    with pytest.raises(TypeError, match="x: expected numbers"):
        fastact.silu([2 ** 70, "a"])


@pytest.mark.parametrize("src", [np.int8, np.int32, np.int64, np.uint8, np.uint16, np.bool_])
@pytest.mark.parametrize("name,pass_", ALL_PASSES)
def test_int_and_bool_arrays_compute_in_float64(name, pass_, src):
    if src is np.bool_:
        x = np.array([True, False, True, True])
    elif np.issubdtype(src, np.unsignedinteger):
        x = np.array([0, 1, 3, 200], dtype=src)
    else:
        x = np.array([-3, 0, 1, 100], dtype=src)
    if src is np.bool_:
        g = np.array([1, 0, 1, 1], bool)
    elif np.issubdtype(src, np.unsignedinteger):
        g = np.array([1, 2, 3, 0], dtype=src)
    else:
        g = np.array([1, -2, 3, 1], dtype=src)
    r = run(name, pass_, x, g)
    assert r.dtype == F64 and r.shape == x.shape
    want = run(name, pass_, x.astype(F64), g.astype(F64))
    assert r.tobytes() == want.tobytes()


@pytest.mark.parametrize("name,pass_", ALL_PASSES)
def test_float16_computed_in_float32(name, pass_):
    x = mixed_values(64, np.float16, seed=3)
    g = grads(64, np.float16, seed=4)
    r = run(name, pass_, x, g)
    assert r.dtype == np.float16 and r.shape == x.shape
    want = run(name, pass_, x.astype(F32), g.astype(F32)).astype(np.float16)
    assert r.tobytes() == want.tobytes()


def test_float16_prelu_and_softmax():
    x = mixed_values(24, np.float16, seed=5).reshape(2, 3, 4)
    w = np.array([0.25, 0.5, -1.0], dtype=np.float16)
    g = grads((2, 3, 4), np.float16, seed=6)
    r = fastact.prelu(x, w)
    assert r.dtype == np.float16
    assert r.tobytes() == fastact.prelu(x.astype(F32), w.astype(F32)).astype(np.float16).tobytes()
    gx, gw = fastact.prelu_backward(g, x, w)
    gx32, gw32 = fastact.prelu_backward(g.astype(F32), x.astype(F32), w.astype(F32))
    assert gx.dtype == np.float16 and gx.tobytes() == gx32.astype(np.float16).tobytes()
    assert gw.dtype == np.float16 and gw.tobytes() == gw32.astype(np.float16).tobytes()
    s = fastact.softmax(x, axis=1)
    assert s.dtype == np.float16
    assert s.tobytes() == fastact.softmax(x.astype(F32), axis=1).astype(np.float16).tobytes()


@DT
def test_non_ndarray_arguments_adopt_the_call_dtype(dtype):
    x = mixed_values(5, dtype, seed=1)
    gl = [1.0, 2.0, -3.0, 0.5, 1e-3]
    r = fastact.sigmoid_backward(gl, x)
    assert r.dtype == dtype
    assert r.tobytes() == fastact.sigmoid_backward(np.array(gl, dtype), x).tobytes()
    r = fastact.tanh_backward(gl, y=fastact.tanh(x))
    assert r.dtype == dtype
    r = fastact.relu_backward(np.array(gl, dtype), x.tolist())
    assert r.dtype == dtype
    xw = mixed_values(12, dtype, seed=2).reshape(2, 3, 2)
    r = fastact.prelu(xw, [0.1, 0.2, 0.3])
    assert r.dtype == dtype
    assert r.tobytes() == fastact.prelu(xw, np.array([0.1, 0.2, 0.3], dtype)).tobytes()
    gx, gw = fastact.prelu_backward(np.ones_like(xw), xw, 0.25)
    assert gx.dtype == dtype and gw.dtype == dtype and gw.shape == ()
    y = fastact.softmax(xw, axis=1)
    r = fastact.softmax_backward(np.ones(xw.shape).tolist(), y=y, axis=1)
    assert r.dtype == dtype
    r = fastact.log_softmax_backward(np.ones_like(xw), y=fastact.log_softmax(xw).tolist())
    assert r.dtype == dtype


def _noncontig_views(base):
    """Non-contiguous views with base's values (3-d base)."""
    views = []
    big = np.zeros(base.shape[:-1] + (2 * base.shape[-1],), base.dtype)
    big[..., ::2] = base
    views.append(("every other", big[..., ::2]))
    t = np.zeros(base.shape[::-1][:-1] + (3 * base.shape[0],), base.dtype)
    v = t[..., ::3].T
    v[...] = base
    views.append(("strided transpose", v))
    r = base[::-1, :, ::-1].copy()[::-1, :, ::-1]
    views.append(("negative strides", r))
    views.append(("read-only broadcast", np.broadcast_to(base[:1], base.shape)))
    return views


@DT
@pytest.mark.parametrize("name,pass_", ALL_PASSES)
def test_noncontiguous_inputs(name, pass_, dtype):
    base = mixed_values(60, dtype, seed=9).reshape(3, 4, 5)
    gbase = grads((3, 4, 5), dtype, seed=10)
    kw = params_for(name)
    for label, v in _noncontig_views(base):
        c = np.ascontiguousarray(v)
        for gv in (gbase, _noncontig_views(gbase)[1][1]):
            want = run(name, pass_, c, np.ascontiguousarray(gv), **kw)
            before = v.tobytes()
            got = run(name, pass_, v, gv, **kw)
            assert got.shape == v.shape and got.dtype == dtype
            assert got.tobytes("C") == want.tobytes("C"), label
            assert v.tobytes() == before


@pytest.fixture
def prepare_calls(monkeypatch):
    """The list of fastact._api.prepare's calls during a test (the first argument name of
    each): prepare still runs."""
    from fastact import _api
    calls = []
    real = _api.prepare

    def counting(*args, **kwargs):
        calls.append(args[0][0][0])
        return real(*args, **kwargs)

    monkeypatch.setattr(_api, "prepare", counting)
    return calls


@DT
@pytest.mark.parametrize("name,pass_", ALL_PASSES)
def test_strided_ndarrays_do_not_need_the_checked_path(name, pass_, dtype, prepare_calls):
    """A strided float32/float64 ndarray without out= runs on its C-order copy in the compiled
    layer (_dispatch._c_order), without fastact._api.prepare: a C-contiguous result with the
    bits of the contiguous call. What prepare must convert or refuse still reaches it."""
    calls = prepare_calls
    base = mixed_values(60, dtype, seed=9).reshape(3, 4, 5)
    gbase = grads((3, 4, 5), dtype, seed=10)
    kw = params_for(name)
    for label, v in _noncontig_views(base):
        for gv in (gbase, _noncontig_views(gbase)[0][1]):
            want = run(name, pass_, np.ascontiguousarray(v), np.ascontiguousarray(gv), **kw)
            got = run(name, pass_, v, gv, **kw)
            assert calls == [], (label, calls)
            assert type(got) is np.ndarray and got.flags.c_contiguous and got.dtype == dtype
            assert got.tobytes() == want.tobytes(), label
    # byte-swapped, float16, a list, out=: converted by prepare, the same values
    v = _noncontig_views(base)[0][1]
    g = np.ascontiguousarray(gbase)
    swapped = v.astype(v.dtype.newbyteorder(">" if np.little_endian else "<"))
    got = run(name, pass_, swapped, g.astype(swapped.dtype), **kw)
    assert calls and got.dtype == dtype and got.dtype.isnative
    assert got.tobytes() == run(name, pass_, np.ascontiguousarray(v), g, **kw).tobytes()
    calls.clear()
    run(name, pass_, v.astype(np.float16), g.astype(np.float16), **kw)
    assert calls
    calls.clear()
    o = np.empty(v.shape, dtype)
    kw = kw or needed_params(name)
    if pass_ in ("forward", "derivative"):
        getattr(fastact, name + ("" if pass_ == "forward" else "_derivative"))(v, out=o, **kw)
    else:
        arg = {"x": v} if pass_ == "backward_x" else {"y": v}
        getattr(fastact, name + "_backward")(g, **arg, out=o, **kw)
    assert calls
    assert o.tobytes() == run(name, pass_, np.ascontiguousarray(v), g, **kw).tobytes()
    calls.clear()
    if pass_ in ("backward_x", "backward_y"):  # (a dtype mismatch is still refused)
        other = np.float64 if dtype == np.float32 else np.float32
        with pytest.raises(TypeError, match="dtype"):
            run(name, pass_, v, g.astype(other), **kw)
        assert calls


@DT
@pytest.mark.parametrize("name", [r.name for r in catalogue.ROWS if r.kind == "axis"])
def test_strided_ndarrays_along_an_axis_do_not_need_the_checked_path(name, dtype,
                                                                     prepare_calls):
    """softmax and the other axis rows: a strided ndarray (and grad, y) without out= runs on
    its C-order copy without fastact._api.prepare, with the bits of the contiguous call, on
    every axis; a bad axis is still prepare's error."""
    calls = prepare_calls
    f, fb = getattr(fastact, name), getattr(fastact, name + "_backward")
    base = mixed_values(60, dtype, seed=11).reshape(3, 4, 5)
    g = grads((3, 4, 5), dtype, seed=12)
    for label, v in _noncontig_views(base):
        for axis in (0, 1, -1):
            want = f(np.ascontiguousarray(v), axis=axis)
            got = f(v, axis=axis)
            assert got.flags.c_contiguous and got.tobytes() == want.tobytes(), (label, axis)
            gv = _noncontig_views(g)[0][1]
            want = fb(g, y=want, axis=axis)
            got = fb(gv, y=_noncontig_views(got)[1][1], axis=axis)
            assert got.tobytes() == want.tobytes(), (label, axis)
            assert calls == [], (label, axis)
    with pytest.raises(ValueError, match="axis"):
        f(v, axis=3)
    with pytest.raises(TypeError, match="axis"):
        f(v, axis="0")
    assert len(calls) == 2


@DT
def test_noncontiguous_prelu_and_softmax(dtype):
    base = mixed_values(60, dtype, seed=11).reshape(3, 4, 5)
    g = grads((3, 4, 5), dtype, seed=12)
    w = np.array([0.1, -0.2, 0.3, 2.0], dtype)
    for label, v in _noncontig_views(base):
        c = np.ascontiguousarray(v)
        assert fastact.prelu(v, w).tobytes() == fastact.prelu(c, w).tobytes(), label
        a, b = fastact.prelu_backward(g, v, w), fastact.prelu_backward(g, c, w)
        assert a[0].tobytes() == b[0].tobytes() and np.array_equal(a[1], b[1]), label
        for axis in (0, 1, 2):
            for fn in (fastact.softmax, fastact.log_softmax):
                assert fn(v, axis=axis).tobytes() == fn(c, axis=axis).tobytes(), (label, axis)
            y = fastact.softmax(c, axis=axis)
            assert (fastact.softmax_backward(v, y=y, axis=axis).tobytes()
                    == fastact.softmax_backward(c, y=y, axis=axis).tobytes()), (label, axis)


@DT
@pytest.mark.parametrize("name,pass_", ALL_PASSES)
def test_f_out_with_c_inputs(name, pass_, dtype):
    x = mixed_values(60, dtype, seed=13).reshape(3, 4, 5)
    g = grads((3, 4, 5), dtype, seed=14)
    kw = params_for(name)
    want = run(name, pass_, x, g, **kw)
    out = np.full((3, 4, 5), np.nan, dtype, order="F")
    if pass_ in ("forward", "derivative"):
        r = getattr(fastact, name if pass_ == "forward" else name + "_derivative")(x, out=out, **kw)
    elif pass_ == "backward_x":
        r = getattr(fastact, name + "_backward")(g, x, out=out, **kw)
    else:
        r = getattr(fastact, name + "_backward")(g, y=x, out=out, **kw)
    assert r is out
    np.testing.assert_array_equal(out, want)
    # mixed layouts of grad and x (and C out)
    if pass_.startswith("backward"):
        gf = np.asfortranarray(g)
        fn = getattr(fastact, name + "_backward")
        r = fn(gf, x, **kw) if pass_ == "backward_x" else fn(gf, y=x, **kw)
        np.testing.assert_array_equal(r, want)
        xf = np.asfortranarray(x)
        out = np.empty((3, 4, 5), dtype)
        r = fn(g, xf, out=out, **kw) if pass_ == "backward_x" else fn(g, y=xf, out=out, **kw)
        np.testing.assert_array_equal(r, want)


@DT
def test_f_out_prelu_and_softmax(dtype):
    x = mixed_values(120, dtype, seed=15).reshape(2, 3, 4, 5)
    g = grads(x.shape, dtype, seed=16)
    for axis in (0, 1, 2, 3):
        w = np.linspace(-0.5, 1.5, x.shape[axis]).astype(dtype)
        for xx in (x, np.asfortranarray(x)):
            for order in ("C", "F"):
                out = np.full(x.shape, np.nan, dtype, order=order)
                fastact.prelu(xx, w, axis=axis, out=out)
                assert_ulp(out, oracle("prelu", x, w, axis=axis), 1, {"x": x}, "prelu %s" % order)
                out = np.full(x.shape, np.nan, dtype, order=order)
                _, gw = fastact.prelu_backward(g, xx, w, axis=axis, out=out)
                assert_ulp(out, oracle("prelu_backward", g, x, w, axis=axis)[0], 4, {"x": x},
                           "prelu_backward %s" % order)
                np.testing.assert_allclose(gw, oracle("prelu_backward", g, x, w, axis=axis)[1],
                                           rtol=1e-5 if dtype == F32 else 1e-12)
                for fn in (fastact.softmax, fastact.log_softmax):
                    out = np.full(x.shape, np.nan, dtype, order=order)
                    fn(xx, axis=axis, out=out)
                    ref = fn(x, axis=axis)
                    np.testing.assert_allclose(out, ref, rtol=8 * np.finfo(dtype).eps, atol=0,
                                               err_msg="%s axis=%d order=%s" % (fn.__name__, axis, order))
                y = fastact.softmax(x, axis=axis)
                out = np.full(x.shape, np.nan, dtype, order=order)
                fastact.softmax_backward(g, y=y, axis=axis, out=out)
                np.testing.assert_allclose(out, fastact.softmax_backward(g, y=y, axis=axis),
                                           rtol=1e-5 if dtype == F32 else 1e-12, atol=1e-30)


@DT
def test_exact_alias_through_another_view_object(dtype):
    x = mixed_values(50, dtype, seed=17).reshape(5, 10)
    want = fastact.sigmoid(x)
    buf = x.copy()
    out = buf.view()  # a different ndarray object over exactly the same memory
    assert out is not buf
    r = fastact.sigmoid(buf, out=out)
    assert r is out and np.array_equal(buf, want)
    g = grads((5, 10), dtype, seed=18)
    want = fastact.tanh_backward(g, x)
    gb = g.copy()
    r = fastact.tanh_backward(gb, x, out=gb[...])
    assert np.array_equal(gb, want) and np.array_equal(r, want)
    want = fastact.softmax(x, axis=0)
    buf = x.copy()
    fastact.softmax(buf, axis=0, out=buf[:])
    assert np.array_equal(buf, want)


@DT
def test_out_of_place_leaves_inputs_alone(dtype):
    x = mixed_values(40, dtype, seed=19).reshape(4, 10)
    g = grads((4, 10), dtype, seed=20)
    x0, g0 = x.tobytes(), g.tobytes()
    for name in ELEMENTWISE:
        kw = needed_params(name)
        getattr(fastact, name)(x, **kw)
        getattr(fastact, name + "_derivative")(x, **kw)
        getattr(fastact, name + "_backward")(g, x, **kw)
        if "backward_y" in passes_of(name):
            getattr(fastact, name + "_backward")(g, y=x, **kw)
    fastact.prelu_backward(g, x, np.ones(10, dtype) * 0.5, axis=1)
    fastact.softmax_backward(g, y=fastact.softmax(x))
    fastact.log_softmax(x, axis=0)
    assert x.tobytes() == x0 and g.tobytes() == g0


@DT
def test_read_only_inputs_work_out_of_place(dtype):
    x = mixed_values(30, dtype, seed=21)
    x.flags.writeable = False
    g = grads(30, dtype, seed=22)
    g.flags.writeable = False
    np.testing.assert_array_equal(fastact.elu(x), oracle("elu", x))
    assert fastact.sigmoid_backward(g, x).dtype == dtype
    assert fastact.softmax(x).dtype == dtype
    assert fastact.prelu(x, 0.5, axis=0).dtype == dtype
