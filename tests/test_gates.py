"""The gate rows (kind 'gate'): gated, gated_backward, glu, glu_backward.

act(gate) is the elementwise kernels' formula rounded to the dtype, then multiplied, so the
results have the bits of the compositions value * f(gate), grad * f(gate) and
grad * value * f'(gate) (left to right) for every activation; the NumPy reference (evaluated
one precision up) checks the formulas, torch.nn.functional.glu and autograd the semantics.
"""
import numpy as np
import pytest

import fastact
from fastact import _catalogue as cat
from fastact import reference

ACTS = cat.gate_activations()
DTYPES = [np.float32, np.float64]
UP = {np.float32: np.float64, np.float64: np.longdouble}


def _data(shape, dtype, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _specials(dtype):
    return np.array([0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 50.0, -50.0, 1e30, -1e30,
                     np.inf, -np.inf, np.nan, 1e-40, -1e-40, 0.5, -6.0], dtype=dtype)


def _eq(a, b):
    np.testing.assert_array_equal(a, b)  # (NaN == NaN here; bitwise for finite values)
    assert a.dtype == b.dtype and a.shape == b.shape


def _f(act):
    """The public forward and derivative of an activation (the kernel of a row's choice, such
    as <row>_<choice>: the row's functions with that choice, cat.kernel_call)."""
    name, params = cat.kernel_call(act)
    f, d = getattr(fastact, name), getattr(fastact, name + "_derivative")
    return (lambda x: f(x, **params)), (lambda x: d(x, **params))


def test_activations_are_the_parameter_free_rows():
    assert ACTS == tuple(k.name for k in cat.kernel_rows() if not k.params)
    assert "silu" in ACTS and "sigmoid" in ACTS and "relu" in ACTS and "tanh" in ACTS
    assert fastact._gates.ACTIVATIONS == ACTS
    # a row whose only parameter is a choice: one activation per choice, by its kernel name
    assert "gelu" in ACTS and "gelu_tanh" in ACTS
    for r in cat.rows("elementwise"):
        p = r.choice_param
        if p is not None and not r.real_params:
            assert [cat.kernel_call(a) for a in ACTS if cat.kernel_call(a)[0] == r.name] == \
                [(r.name, {p.name: c}) for c in p.choices]


# --- bitwise: the compositions ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
def test_gated_is_the_composition(act, dtype):
    f, d = _f(act)
    v = np.concatenate([_data(3000, dtype, 1), _specials(dtype)])
    g = np.concatenate([_data(3000, dtype, 2, scale=10), _specials(dtype)[::-1]])
    gr = np.concatenate([_data(3000, dtype, 3), _specials(dtype)])
    gv, gg = fastact.gated_backward(gr, v, g, activation=act)
    with np.errstate(all="ignore"):  # (inf * 0 and overflow in the compositions, as in the kernels)
        _eq(fastact.gated(v, g, activation=act), v * f(g))
        _eq(gv, gr * f(g))
        _eq(gg, gr * v * d(g))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
def test_glu_is_the_composition(act, dtype):
    f, d = _f(act)
    x = _data((7, 10, 8), dtype, 4, scale=8)
    for axis in (1, 2, -1, -2):
        a, b = np.split(x, 2, axis=axis)
        _eq(fastact.glu(x, axis=axis, activation=act), a * f(b))
        grad = _data(a.shape, dtype, 5)
        _eq(fastact.glu_backward(grad, x, axis=axis, activation=act),
            np.concatenate([grad * f(b), grad * a * d(b)], axis=axis))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["silu", "sigmoid", "tanh", "gelu_tanh", "mish", "selu"])
def test_a_tail_block_takes_the_exact_path_with_the_same_bits(act, dtype):
    """A block of 512 with one gate in the exp tail takes the exact path (the row's own
    elementwise kernels into buffers, then the products); the other blocks take the fused fast
    loop. Either way the bits are those of the composition, wherever the tail element is (first
    or last of a block, in the short last block), with no output an input (one pass: the fast
    path and the check together, the block computed again) and with every output aliasing an
    input (check first)."""
    f, d = _f(act)
    tail = -200.0 if dtype == np.float32 else -800.0
    n = 5 * 512 + 37
    v0, g0, gr0 = _data(n, dtype, 31), _data(n, dtype, 32, scale=4), _data(n, dtype, 33)
    for pos in (0, 511, 512, 1023, 2047, 4 * 512 + 20, n - 1):
        g = g0.copy()
        g[pos] = tail
        with np.errstate(all="ignore"):
            want, wv, wg = v0 * f(g), gr0 * f(g), gr0 * v0 * d(g)
        _eq(fastact.gated(v0, g, activation=act), want)
        gv, gg = fastact.gated_backward(gr0, v0, g, activation=act)
        _eq(gv, wv)
        _eq(gg, wg)
        vv, gc = v0.copy(), g.copy()
        _eq(fastact.gated(vv, g, activation=act, out=vv), want)
        _eq(fastact.gated(v0, gc, activation=act, out=gc), want)
        grc, vv, gc = gr0.copy(), v0.copy(), g.copy()
        fastact.gated_backward(grc, vv, gc, activation=act, out=(grc, gc))
        _eq(grc, wv)
        _eq(gc, wg)
        # glu: the value half then the gate half along the first axis
        x = np.stack([v0, g])
        _eq(fastact.glu(x, axis=0, activation=act), want[None])
        _eq(fastact.glu_backward(gr0[None], x, axis=0, activation=act), np.stack([wv, wg]))


# --- against the reference, one precision up --------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
def test_against_reference(act, dtype):
    up = UP[dtype]
    v, g, gr = _data(2000, dtype, 6), _data(2000, dtype, 7, scale=6), _data(2000, dtype, 8)
    tol = dict(rtol=8 * np.finfo(dtype).eps, atol=8 * np.finfo(dtype).tiny)
    ref = reference.gated(v.astype(up), g.astype(up), activation=act)
    np.testing.assert_allclose(fastact.gated(v, g, activation=act), ref.astype(dtype), **tol)
    rv, rg = reference.gated_backward(gr.astype(up), v.astype(up), g.astype(up), activation=act)
    gv, gg = fastact.gated_backward(gr, v, g, activation=act)
    np.testing.assert_allclose(gv, rv.astype(dtype), **tol)
    np.testing.assert_allclose(gg, rg.astype(dtype), rtol=16 * np.finfo(dtype).eps,
                               atol=1e3 * np.finfo(dtype).eps * np.abs(gr * v).max()
                               if act in ("relu_squared", "sparse_plus", "hardswish") else
                               8 * np.finfo(dtype).tiny)
    x = _data((6, 40), dtype, 9, scale=6)
    np.testing.assert_allclose(fastact.glu(x, activation=act),
                               reference.glu(x.astype(up), activation=act).astype(dtype), **tol)
    gx = _data((6, 20), dtype, 10)
    np.testing.assert_allclose(
        fastact.glu_backward(gx, x, activation=act),
        reference.glu_backward(gx.astype(up), x.astype(up), activation=act).astype(dtype),
        rtol=16 * np.finfo(dtype).eps, atol=1e-5 if dtype == np.float32 else 1e-13)


# --- torch ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((8, 10), -1), ((8, 10), 0), ((4, 6, 5), 1),
                                        ((2, 3, 4, 6), 3), ((12,), 0), ((3, 4, 2), -1)])
def test_glu_against_torch(shape, axis, dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = _data(shape, dtype, 11)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ty = F.glu(tx, dim=axis)
    tol = dict(rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)
    y = fastact.glu(x, axis=axis)
    np.testing.assert_allclose(y, ty.detach().numpy(), **tol)
    grad = _data(y.shape, dtype, 12)
    ty.backward(torch.from_numpy(grad))
    # (PyTorch's sigmoid' is sig(b) * (1 - sig(b)), which cancels where sig(b) is near 1:
    # compared to the scale of its result; the reference test holds ours to a few ULPs)
    want = tx.grad.numpy()
    np.testing.assert_allclose(fastact.glu_backward(grad, x, axis=axis), want, rtol=0,
                               atol=16 * np.finfo(dtype).eps * np.abs(want).max())


@pytest.mark.parametrize("act,tname", [("silu", "silu"), ("sigmoid", "sigmoid"),
                                       ("tanh", "tanh"), ("relu", "relu"), ("swish", "silu")])
def test_gated_against_torch_autograd(act, tname):
    torch = pytest.importorskip("torch")
    tf = getattr(torch.nn.functional, tname, None) or getattr(torch, tname)
    v, g, gr = _data(1000, np.float64, 13), _data(1000, np.float64, 14), _data(1000, np.float64, 15)
    tv = torch.from_numpy(v.copy()).requires_grad_(True)
    tg = torch.from_numpy(g.copy()).requires_grad_(True)
    ty = tv * tf(tg)
    ty.backward(torch.from_numpy(gr))
    np.testing.assert_allclose(fastact.gated(v, g, activation=act), ty.detach().numpy(),
                               rtol=1e-14, atol=1e-300)
    gv, gg = fastact.gated_backward(gr, v, g, activation=act)
    np.testing.assert_allclose(gv, tv.grad.numpy(), rtol=1e-14, atol=1e-300)
    # (PyTorch's sigmoid' and tanh' are s * (1 - s) and 1 - t^2, which cancel near
    # saturation: compared to the scale of the result)
    want = tg.grad.numpy()
    np.testing.assert_allclose(gg, want, rtol=0, atol=16e-16 * np.abs(want).max())


# --- layouts, out=, in place ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_layouts(dtype):
    base = _data((12, 16, 10), dtype, 16)
    for x in (base, np.asfortranarray(base), base[:, ::2, :], base.transpose(2, 0, 1),
              base[::-1]):
        xc = np.ascontiguousarray(x)
        for axis in range(-x.ndim, x.ndim):
            if x.shape[axis] % 2:
                with pytest.raises(ValueError, match="axis"):
                    fastact.glu(x, axis=axis)
                continue
            want = fastact.glu(xc, axis=axis, activation="silu")
            _eq(fastact.glu(x, axis=axis, activation="silu"), want)
            grad = _data(want.shape, dtype, 17)
            wb = fastact.glu_backward(grad, xc, axis=axis, activation="silu")
            _eq(fastact.glu_backward(grad, x, axis=axis, activation="silu"), wb)
            _eq(fastact.glu_backward(np.asfortranarray(grad), x, axis=axis, activation="silu"),
                wb)
        v, g = x, (x * 0.5)[::-1]
        want = fastact.gated(np.ascontiguousarray(v), np.ascontiguousarray(g))
        _eq(fastact.gated(v, g), want)
        _eq(fastact.gated(v.tolist(), g), want)  # (the array's dtype decides)


@pytest.mark.parametrize("dtype", DTYPES)
def test_out_and_in_place(dtype):
    v, g, gr = _data((50, 40), dtype, 18), _data((50, 40), dtype, 19), _data((50, 40), dtype, 20)
    want = fastact.gated(v, g)
    o = np.empty_like(v)
    assert fastact.gated(v, g, out=o) is o
    _eq(o, want)
    of = np.empty_like(v, order="F")
    _eq(fastact.gated(v, g, out=of), want)
    vv = v.copy()
    assert fastact.gated(vv, g, out=vv) is vv
    _eq(vv, want)
    gg_ = g.copy()
    _eq(fastact.gated(v, gg_, out=gg_), want)
    wv, wg = fastact.gated_backward(gr, v, g)
    o1, o2 = np.empty_like(v), np.empty_like(v)
    r1, r2 = fastact.gated_backward(gr, v, g, out=(o1, o2))
    assert r1 is o1 and r2 is o2
    _eq(o1, wv)
    _eq(o2, wg)
    # in place: grad_value into value, grad_gate into gate
    vv, gg2 = v.copy(), g.copy()
    fastact.gated_backward(gr, vv, gg2, out=(vv, gg2))
    _eq(vv, wv)
    _eq(gg2, wg)
    grc, vv = gr.copy(), v.copy()
    fastact.gated_backward(grc, vv, g, out=(grc, vv))
    _eq(grc, wv)
    _eq(vv, wg)
    # glu
    x = _data((10, 30), dtype, 21)
    want = fastact.glu(x, axis=0)
    o = np.empty((5, 30), dtype)
    assert fastact.glu(x, axis=0, out=o) is o
    _eq(o, want)
    grad = _data((5, 30), dtype, 22)
    wb = fastact.glu_backward(grad, x, axis=0)
    xx = x.copy()
    assert fastact.glu_backward(grad, xx, axis=0, out=xx) is xx
    _eq(xx, wb)
    ob = np.empty_like(x, order="F")
    _eq(fastact.glu_backward(grad, x, axis=0, out=ob), wb)


def test_errors_leave_buffers_untouched():
    v, g = _data((4, 6), np.float32, 23), _data((4, 6), np.float32, 24)
    o = np.full((4, 6), 7.0, np.float32)
    cases = [
        (lambda: fastact.gated(v, g, activation="softmax", out=o), ValueError, "activation"),
        (lambda: fastact.gated(v, g, activation="leaky_relu", out=o), ValueError, "silu"),
        (lambda: fastact.gated(v, g, activation=None, out=o), TypeError, "activation"),
        (lambda: fastact.gated(v, g, activation=fastact.silu, out=o), TypeError, "activation"),
        (lambda: fastact.gated(v, g[:, :4], out=o), ValueError, "shape"),
        (lambda: fastact.gated(v, g.astype(np.float64), out=o), TypeError, "dtype"),
        (lambda: fastact.gated(v, g, out=o.astype(np.float64)), TypeError, "dtype"),
        (lambda: fastact.gated(v, g, out=o[:, :3]), ValueError, "shape"),
        (lambda: fastact.gated(v, g, out=np.zeros((4, 12), np.float32)[:, ::2]),
         ValueError, "contiguous"),
        (lambda: fastact.gated(v, g, out=[0.0]), TypeError, "out"),
        (lambda: fastact.gated(v, "a", out=o), TypeError, "gate"),
        (lambda: fastact.gated_backward(v, v, g, out=o), TypeError, "pair"),
        (lambda: fastact.gated_backward(v, v, g, out=(o, o)), ValueError, "overlap"),
        (lambda: fastact.gated_backward(v, v, g, out=(o, o[:, :5])), ValueError, "shape"),
        (lambda: fastact.glu(v, axis=2, out=o), ValueError, "axis"),
        (lambda: fastact.glu(v, axis=0.5), TypeError, "axis"),
        (lambda: fastact.glu(v[:, :5], out=o), ValueError, "axis"),
        (lambda: fastact.glu(v, out=o), ValueError, "shape"),
        (lambda: fastact.glu(v, activation="nope"), ValueError, "relu"),
        (lambda: fastact.glu_backward(v, v, out=o), ValueError, "grad"),
        (lambda: fastact.glu_backward(v[:, :3], v[:, :5], axis=-1), ValueError, "axis"),
        (lambda: fastact.glu_backward(v[:, :3], v, out=o[:, :3]), ValueError, "shape"),
    ]
    for call, exc, match in cases:
        with pytest.raises(exc, match=match):
            call()
        assert (o == 7.0).all()
    ro = np.zeros((4, 3), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fastact.glu(v, out=ro)
    # partial overlap with an input
    x = _data(20, np.float64, 25)
    with pytest.raises(ValueError, match="overlaps"):
        fastact.gated(x[:10], x[5:15], out=x[1:11])
    with pytest.raises(ValueError, match="shares memory"):
        fastact.glu(x[:8], out=x[4:8])
    with pytest.raises(ValueError, match="shares memory"):
        fastact.glu_backward(x[16:20], x[:8], out=x[12:20])
    with pytest.raises(ValueError, match="overlaps x"):
        fastact.glu_backward(x[:4], x[4:12], out=x[:8])


def test_aliases_and_names():
    v, g = _data(100, np.float64, 26), _data(100, np.float64, 27)
    _eq(fastact.gated(v, g, activation="swish"), fastact.gated(v, g))
    _eq(fastact.gated(v, g, activation=" SiLU "), fastact.gated(v, g))
    _eq(fastact.glu(v, activation="linear"), v[:50] * v[50:])
    assert fastact.glu(v[:2]).shape == (1,)
    assert fastact.glu(np.empty((0, 4))).shape == (0, 2)
    assert fastact.gated([], []).shape == (0,)
    r = fastact.gated(np.arange(4), np.arange(4))  # integers: float64
    assert r.dtype == np.float64
    r = fastact.glu(np.ones(4, np.float16))
    assert r.dtype == np.float16


def test_nan_propagation():
    for dtype in DTYPES:
        v = np.array([np.nan, 1.0, 1.0, 0.0], dtype)
        g = np.array([1.0, np.nan, -np.inf, np.inf], dtype)
        for act in ACTS:
            y = fastact.gated(v, g, activation=act)
            assert np.isnan(y[0]) and np.isnan(y[1]), act
            gv, gg = fastact.gated_backward(np.ones(4, dtype), v, g, activation=act)
            assert np.isnan(gv[1]) and np.isnan(gg[1]) and np.isnan(gg[0]), act


@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_bitwise(dtype, restore_threads):
    n = 1 << 20
    v, g, gr = _data(n + 77, dtype, 28), _data(n + 77, dtype, 29), _data(n + 77, dtype, 30)
    x = _data((1024, 2000), dtype, 31)
    gx = _data((1024, 1000), dtype, 32)
    res = {}
    for t in (1, 2, 3):
        fastact.set_num_threads(t)
        res[t] = (fastact.gated(v, g), *fastact.gated_backward(gr, v, g),
                  fastact.glu(x), fastact.glu(x, axis=0), fastact.glu_backward(gx, x),
                  fastact.gated(v, g, activation="relu"))
    for t in (2, 3):
        for a, b in zip(res[1], res[t]):
            assert a.tobytes() == b.tobytes()


def test_objects():
    v, g = _data(64, np.float32, 33), _data(64, np.float32, 34)
    o = fastact.get("gated")
    assert isinstance(o, fastact.Gated) and o.params == {"activation": "silu"}
    _eq(o(v, g), fastact.gated(v, g))
    gv, gg = o.backward(v, v, g)
    _eq(gg, fastact.gated_backward(v, v, g)[1])
    assert fastact.Gated("swish") == fastact.Gated(activation="silu")
    u = fastact.GLU(axis=0, activation="tanh")
    x = _data((4, 8), np.float32, 35)
    _eq(u(x), fastact.glu(x, axis=0, activation="tanh"))
    _eq(u.backward(x[:2], x), fastact.glu_backward(x[:2], x, axis=0, activation="tanh"))
    assert fastact.get("glu").params == {"axis": -1, "activation": "sigmoid"}
    with pytest.raises(ValueError, match="activation"):
        fastact.GLU(activation="softmax")
    # the kernel of a choice (<row>_<choice>) is an activation: stored by that name
    assert fastact.Gated("GELU_TANH").params == {"activation": "gelu_tanh"}
    with pytest.raises(ValueError, match="activation"):
        fastact.Gated("gelu_bogus")
    with pytest.raises(TypeError, match="axis"):
        fastact.GLU(axis="0")
    assert "gated" in fastact.available() and "glu" in fastact.available()


def test_an_input_that_is_converted_is_still_checked_against_out():
    """The overlap rule holds for the array the caller passed, not only for its converted
    copy: an F-contiguous out inside a C-contiguous x, a grad that is a strided view of out,
    an input that is a strided view of gated's out. Refused, nothing written."""
    x = _data((4, 6), np.float32, 26)
    out = x.reshape(-1)[:12].reshape(3, 4).T  # F-contiguous (4, 3), inside x
    g2 = _data((2, 8), np.float32, 27)
    x2 = _data((2, 8), np.float32, 28)
    v = _data(24, np.float64, 29)
    g = _data(12, np.float64, 30)
    for call, buf in [
        (lambda: fastact.glu(x, out=out), x),
        (lambda: fastact.glu_backward(g2[:, :4], x2, out=g2), g2),
        (lambda: fastact.gated(v[::2], g, out=v[:12]), v),
        (lambda: fastact.gated_backward(g, v[::2], g, out=(v[:12], np.empty(12))), v),
    ]:
        before = buf.copy()
        with pytest.raises(ValueError, match="out"):
            call()
        np.testing.assert_array_equal(buf, before)


# --- gated's compiled fast path ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_gated_fast_path_takes_what_it_should_and_agrees_with_the_checked_path(dtype):
    """fastact._kernels._dispatch.gated_fast (the call of gated without _api.prepare) takes
    arrays of one dtype, shape and contiguous layout, with out absent, an input or a separate
    array of that layout, and gives the bits of the checked path (gate_kernel on prepared
    arrays); it declines (None) anything else, which gated then checks and converts or
    refuses, and it never writes when it declines."""
    from fastact import _gates
    from fastact._kernels import _dispatch
    act = _gates.activation_index("silu")
    v, g = _data((7, 300), dtype, 41), _data((7, 300), dtype, 42, scale=5)
    want = v * fastact.silu(g)
    _eq(_dispatch.gated_fast(act, v, g, None), want)
    o = np.empty_like(v)
    assert _dispatch.gated_fast(act, v, g, o) is o
    _eq(o, want)
    vv, gg = v.copy(), g.copy()
    assert _dispatch.gated_fast(act, vv, g, vv) is vv  # in place, into value
    _eq(vv, want)
    assert _dispatch.gated_fast(act, v, gg, gg) is gg  # in place, into the gate
    _eq(gg, want)
    vf, gf = np.asfortranarray(v), np.asfortranarray(g)
    r = _dispatch.gated_fast(act, vf, gf, None)
    assert r.flags.f_contiguous
    _eq(r, want)
    assert _dispatch.gated_fast(act, v[:0], g[:0], None).shape == (0, 300)
    # declined: layouts that differ, dtypes that differ, non-contiguous, not arrays, an out
    # that partially overlaps an input, a read-only out
    other = np.float64 if dtype == np.float32 else np.float32
    buf = np.concatenate([v.ravel(), v.ravel()])
    ro = np.empty_like(v)
    ro.flags.writeable = False
    for args in [(vf, g, None), (v, g.astype(other), None), (v[:, ::2], g[:, ::2], None),
                 (v.tolist(), g, None), (buf[:v.size].reshape(v.shape), g,
                                         buf[5:5 + v.size].reshape(v.shape)),
                 (v, g, ro), (v, g, np.empty_like(v, dtype=other))]:
        before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in args]
        assert _dispatch.gated_fast(act, *args) is None
        for a, b in zip(args, before):
            if b is not None:
                _eq(a, b)
    # across the thread threshold: the same bits on 1 and 2 threads
    big_v, big_g = _data(300_000, dtype, 43), _data(300_000, dtype, 44, scale=5)
    n0 = fastact.get_num_threads()
    try:
        fastact.set_num_threads(1)
        one = fastact.gated(big_v, big_g)
        fastact.set_num_threads(2)
        two = fastact.gated(big_v, big_g)
    finally:
        fastact.set_num_threads(n0)
    _eq(one, two)
    _eq(one, big_v * fastact.silu(big_g))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["silu", "gelu", "relu"])
def test_gates_run_on_the_halves_of_a_fused_projection_without_copies(dtype, activation,
                                                                     monkeypatch):
    """gated and gated_backward on rows of contiguous elements with a row step (the halves
    h[..., :d] and h[..., d:] of a fused projection, 2-d and 3-d) run the gate kernel on them
    directly (_dispatch._gated_rows, _gated_backward_rows), without fastact._api.prepare, into
    new or separate C-contiguous outputs: the bits of the contiguous call, on 1 and 2
    threads. What they decline (other layouts, an out that overlaps an input's memory) is
    still prepare's, with the right values."""
    from fastact import _api
    calls = []
    real = _api.prepare
    monkeypatch.setattr(_api, "prepare", lambda *a, **k: calls.append(1) or real(*a, **k))
    for shape in [(7, 600), (2, 5, 600), (1, 600), (4100, 160)]:
        h = _data(shape, dtype, 51, scale=4)
        d = shape[-1] // 2
        up, gate = h[..., :d], h[..., d:]
        gs = _data(shape, dtype, 52)[..., :d]  # (a grad that is a half too)
        g = gs.copy()
        uc, gc = up.copy(), gate.copy()
        want = fastact.gated(uc, gc, activation=activation)
        want_b = fastact.gated_backward(g, uc, gc, activation=activation)
        calls.clear()
        n0 = fastact.get_num_threads()
        try:
            for threads in (1, 2):
                fastact.set_num_threads(threads)
                got = fastact.gated(up, gate, activation=activation)
                assert got.flags.c_contiguous
                _eq(got, want)
                _eq(fastact.gated(uc, gate, activation=activation), want)  # one contiguous
                o = np.empty_like(uc)
                assert fastact.gated(up, gate, activation=activation, out=o) is o
                _eq(o, want)
                for got_b in (fastact.gated_backward(g, up, gate, activation=activation),
                              fastact.gated_backward(gs, up, gate, activation=activation)):
                    _eq(got_b[0], want_b[0])
                    _eq(got_b[1], want_b[1])
                o1, o2 = np.empty_like(uc), np.empty_like(uc)
                r = fastact.gated_backward(g, up, gate, activation=activation, out=(o1, o2))
                assert r[0] is o1 and r[1] is o2
                _eq(o1, want_b[0])
                _eq(o2, want_b[1])
        finally:
            fastact.set_num_threads(n0)
        assert calls == [], shape
    # declined to the checked path: an out inside the inputs' memory (refused there, nothing
    # written), rows that run backwards, a transposed half (computed there)
    h = _data((6, 40), dtype, 53)
    want = fastact.gated(h[:, :20].copy(), h[:, 20:].copy(), activation=activation)
    o = h[:3].reshape(6, 20)  # (C-contiguous, overlapping the rows of both halves)
    before = h.copy()
    with pytest.raises(ValueError, match="out: overlaps value"):
        fastact.gated(h[:, :20], h[:, 20:], activation=activation, out=o)
    with pytest.raises(ValueError, match="out: overlaps"):
        fastact.gated_backward(h[:, :20], h[:, :20], h[:, 20:], activation=activation,
                               out=(o, np.empty_like(o)))
    assert calls
    _eq(h, before)
    calls.clear()
    _eq(fastact.gated(h[::-1, :20], h[::-1, 20:], activation=activation), want[::-1])
    assert calls
    calls.clear()
    _eq(fastact.gated(h[:, :20].T, h[:, 20:].T, activation=activation), want.T)
    assert calls


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_fast_path_takes_what_it_should_and_agrees_with_the_checked_path(dtype):
    """fastact._kernels._dispatch.glu_fast (glu without _api.prepare) takes a contiguous
    float32/float64 array, an int axis along which its length is even, and out absent or a
    separate array of the halved shape in x's memory order; its bits are those of the halves'
    composition on every axis and layout. It declines (None) anything else without writing,
    and glu then checks, converts or refuses."""
    from fastact import _gates
    from fastact._kernels import _dispatch
    act = _gates.activation_index("sigmoid")
    x = _data((4, 6, 10), dtype, 51, scale=5)
    for arr in (x, np.asfortranarray(x)):
        for axis in (0, 1, 2, -1, -3):
            h = arr.shape[axis] // 2
            a = np.take(arr, np.arange(h), axis=axis)
            b = np.take(arr, np.arange(h, 2 * h), axis=axis)
            want = a * fastact.sigmoid(b)
            r = _dispatch.glu_fast(act, arr, axis, None)
            _eq(r, want)
            assert r.flags.f_contiguous == (not arr.flags.c_contiguous)
            o = np.empty(want.shape, dtype, order="F" if not arr.flags.c_contiguous else "C")
            assert _dispatch.glu_fast(act, arr, axis, o) is o
            _eq(o, want)
    v1 = _data(64, dtype, 52)
    _eq(_dispatch.glu_fast(act, v1, 0, None), v1[:32] * fastact.sigmoid(v1[32:]))
    assert _dispatch.glu_fast(act, x[:, :, :0], -1, None).shape == (4, 6, 0)
    # declined: odd length, axis not an int or out of range, 0-d, not contiguous, another
    # dtype or order or shape of out, out sharing memory with x, read-only out, not arrays
    other = np.float64 if dtype == np.float32 else np.float32
    ro = np.empty((4, 6, 5), dtype)
    ro.flags.writeable = False
    xs = _data(40, dtype, 53)
    for args in [(x[:, :5], 1, None), (x, 3, None), (x, np.int64(2), None), (x, True, None),
                 (x, 1.0, None), (np.array(1.0, dtype), 0, None), (x[:, ::2], 2, None),
                 (x, 2, np.empty((4, 6, 5), other)), (x, 2, np.empty((4, 6, 5), dtype, "F")),
                 (x, 2, np.empty((4, 6, 4), dtype)), (x, 2, ro), (x.tolist(), 2, None),
                 (xs, 0, xs[5:25]), (x, 2, [0.0] * 5)]:
        before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in args]
        assert _dispatch.glu_fast(act, *args) is None
        for a, b in zip(args, before):
            if b is not None:
                _eq(a, b)
    # the public function: the same results either way (big-endian data takes the checked
    # path), errors from the checked path
    _eq(fastact.glu(x, axis=1), fastact.glu(x.astype(x.dtype.newbyteorder()), axis=1))
    with pytest.raises(ValueError, match="odd"):
        fastact.glu(x[:, :5], axis=1)
    with pytest.raises(ValueError, match="shares memory"):
        fastact.glu(xs, axis=0, out=xs[5:25])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gated_backward_fast_path_takes_what_it_should_and_agrees_with_the_checked_path(dtype):
    """fastact._kernels._dispatch.gated_backward_fast: grad, value and gate of one dtype,
    shape and layout; out None or a tuple of two arrays, each an input exactly or separate,
    not overlapping each other. The bits of the composition, in place too; None (nothing
    written) for anything else, which gated_backward then checks, converts or refuses."""
    from fastact import _gates
    from fastact._kernels import _dispatch
    act = _gates.activation_index("silu")
    gr, v, g = (_data((5, 200), dtype, 61), _data((5, 200), dtype, 62),
                _data((5, 200), dtype, 63, scale=5))
    wv, wg = gr * fastact.silu(g), gr * v * fastact.silu_derivative(g)
    a, b = _dispatch.gated_backward_fast(act, gr, v, g, None)
    _eq(a, wv)
    _eq(b, wg)
    o1, o2 = np.empty_like(v), np.empty_like(v)
    r = _dispatch.gated_backward_fast(act, gr, v, g, (o1, o2))
    assert r[0] is o1 and r[1] is o2
    _eq(o1, wv)
    _eq(o2, wg)
    grc, vc, gc = gr.copy(), v.copy(), g.copy()  # in place: grad_value into grad, grad_gate into gate
    r = _dispatch.gated_backward_fast(act, grc, vc, gc, (grc, gc))
    assert r[0] is grc and r[1] is gc
    _eq(grc, wv)
    _eq(gc, wg)
    grf, vf, gf = (np.asfortranarray(t) for t in (gr, v, g))
    a, b = _dispatch.gated_backward_fast(act, grf, vf, gf, None)
    assert a.flags.f_contiguous and b.flags.f_contiguous
    _eq(a, wv)
    _eq(b, wg)
    # declined: layouts or dtypes that differ, a list for out, the same array twice, an out
    # that partially overlaps an input, a read-only out, out in another order
    other = np.float64 if dtype == np.float32 else np.float32
    buf = np.concatenate([gr.ravel(), gr.ravel()])
    shifted = buf[3:3 + gr.size].reshape(gr.shape)
    ro = np.empty_like(v)
    ro.flags.writeable = False
    o3 = np.empty_like(v)
    for args in [(grf, v, g, None), (gr, v, g.astype(other), None), (gr, v, g, [o1, o2]),
                 (gr, v, g, (o1, o1)), (buf[:gr.size].reshape(gr.shape), v, g, (shifted, o2)),
                 (gr, v, g, (ro, o2)), (gr, v, g, (o1, np.asfortranarray(o3))),
                 (gr, v, g, (o1,)), (gr, v[:, ::2], g, None)]:
        before = [np.array(t, copy=True) if isinstance(t, np.ndarray) else None
                  for t in args[:3] + tuple(args[3] or ())]
        assert _dispatch.gated_backward_fast(act, *args) is None
        for t, bt in zip(args[:3] + tuple(args[3] or ()), before):
            if bt is not None and t.flags.writeable:
                _eq(t, bt)
    # the public function: errors from the checked path
    with pytest.raises(ValueError, match="overlap"):
        fastact.gated_backward(gr, v, g, out=(o1, o1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_backward_fast_path_takes_what_it_should_and_agrees_with_the_checked_path(dtype):
    """fastact._kernels._dispatch.glu_backward_fast: x as glu's fast path takes it, grad of
    glu's output shape in x's memory order, out absent, x exactly, or separate from x and
    grad. The bits of the composition on every axis and layout, in place too; None (nothing
    written) for anything else, which glu_backward then checks, converts or refuses."""
    from fastact import _gates
    from fastact._kernels import _dispatch
    act = _gates.activation_index("sigmoid")
    x = _data((4, 6, 10), dtype, 71, scale=5)
    for arr in (x, np.asfortranarray(x)):
        order = "C" if arr.flags.c_contiguous else "F"
        for axis in (0, 1, 2, -1):
            h = arr.shape[axis] // 2
            a = np.take(arr, np.arange(h), axis=axis)
            b = np.take(arr, np.arange(h, 2 * h), axis=axis)
            gr = np.array(_data(a.shape, dtype, 72), order=order)
            want = np.concatenate([gr * fastact.sigmoid(b),
                                   gr * a * fastact.sigmoid_derivative(b)], axis=axis)
            r = _dispatch.glu_backward_fast(act, gr, arr, axis, None)
            _eq(r, want)
            assert r.flags[order + "_CONTIGUOUS"]
            o = np.empty(arr.shape, dtype, order=order)
            assert _dispatch.glu_backward_fast(act, gr, arr, axis, o) is o
            _eq(o, want)
            xc = arr.copy(order=order)  # in place
            assert _dispatch.glu_backward_fast(act, gr, xc, axis, xc) is xc
            _eq(xc, want)
    # declined: grad of another shape, order or dtype, odd length, axis not an int, an out
    # overlapping x partially or grad at all, out of another order, read-only x as out
    other = np.float64 if dtype == np.float32 else np.float32
    g2 = _data((4, 6, 5), dtype, 73)
    buf = np.concatenate([x.ravel(), x.ravel()])
    xb = buf[:x.size].reshape(x.shape)
    gbuf = np.concatenate([g2.ravel(), np.zeros(x.size, dtype)])
    xro = x.copy()
    xro.flags.writeable = False
    for args in [(g2[:, :, :4], x, 2, None), (np.asfortranarray(g2), x, 2, None),
                 (g2.astype(other), x, 2, None), (g2, x[:, :, :9], 2, None),
                 (g2, x, np.int64(2), None), (g2, xb, 2, buf[7:7 + x.size].reshape(x.shape)),
                 (gbuf[:g2.size].reshape(g2.shape), x, 2, gbuf[:x.size].reshape(x.shape)),
                 (g2, x, 2, np.empty(x.shape, dtype, "F")), (g2, xro, 2, xro),
                 (g2.tolist(), x, 2, None)]:
        arrays = [t for t in args if isinstance(t, np.ndarray)]
        before = [t.copy() for t in arrays]
        assert _dispatch.glu_backward_fast(act, *args) is None
        for t, bt in zip(arrays, before):
            _eq(t, bt)
    with pytest.raises(ValueError, match="shares memory"):
        fastact.glu_backward(gbuf[:g2.size].reshape(g2.shape), x, axis=2,
                             out=gbuf[:x.size].reshape(x.shape))
