"""Bad input: exception type, message keywords, and nothing written.

Every failing call here is made with an `out=` array (a separate one filled with a sentinel,
or an input itself for in-place calls) where the signature has one, and the test asserts that
`out` and every input are bit-for-bit unchanged afterwards (NaN-safe: compared as bytes).
Messages are matched on keywords only: the argument name ('x', 'grad', 'y', 'out', 'weight',
'alpha', 'axis') and the offending dtype / shape / flag (shapes via re.escape).

Representative calls of each kind: elementwise forward (sigmoid, leaky_relu), derivative
(tanh_derivative), backward from x (elu_backward), backward from y (sigmoid_backward),
prelu, prelu_derivative, prelu_backward, softmax, log_softmax, softmax_backward,
log_softmax_backward.
"""
import re

import numpy as np
import pytest

import fastact
from fastact import _catalogue
from _oracle import bits

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
SHAPE = (3, 4)


def words(*ws):
    """A regex that requires every keyword (identifiers as whole words, others literally)."""
    parts = []
    for w in ws:
        if re.fullmatch(r"[A-Za-z_]\w*", w):
            parts.append(r"(?=.*(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_]))" % re.escape(w))
        else:
            parts.append(r"(?=.*%s)" % re.escape(w))
    return "(?s)^" + "".join(parts)


def arr(dtype=F64, shape=SHAPE, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if positive:  # a valid softmax / log_softmax output is not needed for validation
        a = np.abs(a)
    a = a.astype(dtype)
    if a.size > 2:
        a.flat[1] = np.nan  # NaN in the inputs makes the byte comparison NaN-safe by design
    return a


def sentinel(shape=SHAPE, dtype=F64, order="C"):
    o = np.full(shape, 7.25, dtype=dtype, order=order)
    if o.size:
        o.flat[0] = np.nan
    return o


def expect_failure(exc, pattern, fn, *args, **kwargs):
    """fn(*args, **kwargs) raises exc matching pattern; no ndarray argument changed."""
    arrays = [a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray)]
    before = [bits(a) for a in arrays]
    with pytest.raises(exc, match=pattern):
        fn(*args, **kwargs)
    after = [bits(a) for a in arrays]
    assert after == before, "a failing call modified one of its arrays"


# --- the kinds of call: (function, positional arrays [(name, array)], keyword arrays, params) --
def _kinds(dtype=F64, shape=SHAPE):
    w = np.linspace(0.1, 0.4, shape[1]).astype(dtype) if len(shape) > 1 else dtype.type(0.25)
    return {
        "sigmoid": (fastact.sigmoid, [("x", arr(dtype, shape, 1))], [], {}),
        "leaky_relu": (fastact.leaky_relu, [("x", arr(dtype, shape, 2))], [], {"alpha": 0.2}),
        "tanh_derivative": (fastact.tanh_derivative, [("x", arr(dtype, shape, 3))], [], {}),
        "elu_backward_x": (fastact.elu_backward,
                           [("grad", arr(dtype, shape, 4)), ("x", arr(dtype, shape, 5))], [], {}),
        "sigmoid_backward_y": (fastact.sigmoid_backward, [("grad", arr(dtype, shape, 6))],
                               [("y", arr(dtype, shape, 7))], {}),
        "prelu": (fastact.prelu, [("x", arr(dtype, shape, 8))], [], {"weight": w}),
        "prelu_derivative": (fastact.prelu_derivative, [("x", arr(dtype, shape, 9))], [],
                             {"weight": w}),
        "prelu_backward": (fastact.prelu_backward,
                           [("grad", arr(dtype, shape, 10)), ("x", arr(dtype, shape, 11))], [],
                           {"weight": w}),
        "softmax": (fastact.softmax, [("x", arr(dtype, shape, 12))], [], {}),
        "log_softmax": (fastact.log_softmax, [("x", arr(dtype, shape, 13))], [], {}),
        "softmax_backward": (fastact.softmax_backward, [("grad", arr(dtype, shape, 14))],
                             [("y", arr(dtype, shape, 15, True))], {}),
        "log_softmax_backward": (fastact.log_softmax_backward, [("grad", arr(dtype, shape, 16))],
                                 [("y", arr(dtype, shape, 17))], {}),
    }


KIND_NAMES = list(_kinds())
TWO_INPUT_KINDS = [k for k in KIND_NAMES if len(_kinds()[k][1]) + len(_kinds()[k][2]) == 2]


def invoke_args(kind, dtype=F64, shape=SHAPE, replace=None):
    """(fn, args, kwargs, {name: array}) with optional replacement of named arguments."""
    fn, pos, kw, params = _kinds(dtype, shape)[kind]
    replace = replace or {}
    named = {}
    args = []
    for n, a in pos:
        a = replace.get(n, a)
        named[n] = a
        args.append(a)
    kwargs = {}
    for n, a in kw:
        a = replace.get(n, a)
        named[n] = a
        kwargs[n] = a
    params = dict(params)
    if "weight" in params:
        w = replace.get("weight", params.pop("weight"))
        args.append(w)
        named["weight"] = w
    kwargs.update(params)
    return fn, args, kwargs, named


def _first_input(kind):
    fn, pos, kw, _ = _kinds()[kind]
    return (pos + kw)[0][0]


# --- out ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("bad_out", ["list", "tuple", "scalar"])
def test_out_not_an_ndarray(kind, bad_out):
    fn, args, kwargs, named = invoke_args(kind)
    out = {"list": np.zeros(SHAPE).tolist(), "tuple": (0.0,) * 4, "scalar": np.float64(0.0)}[bad_out]
    expect_failure(TypeError, words("out"), fn, *args, out=out, **kwargs)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_out_read_only(kind):
    fn, args, kwargs, named = invoke_args(kind)
    out = sentinel()
    out.flags.writeable = False
    expect_failure(ValueError, words("out") + r"(?=.*(?i:read-only|read only|writ))", fn, *args,
                   out=out, **kwargs)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_out_read_only_in_place(kind):
    """out = an input that is read-only: refused, input untouched."""
    name = _first_input(kind)
    x = arr(F64, SHAPE, 99, positive=True)
    x.flags.writeable = False
    fn, args, kwargs, named = invoke_args(kind, replace={name: x})
    expect_failure(ValueError, words("out"), fn, *args, out=x, **kwargs)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_out_not_contiguous(kind):
    fn, args, kwargs, named = invoke_args(kind)
    big = sentinel((3, 8))
    out = big[:, ::2]
    expect_failure(ValueError, words("out") + r"(?=.*(?i:contiguous))", fn, *args, out=out,
                   **kwargs)
    assert bits(big) == bits(sentinel((3, 8)))


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("out_shape", [(4, 3), (12,), (3, 4, 1), (3, 5)])
def test_out_wrong_shape(kind, out_shape):
    fn, args, kwargs, named = invoke_args(kind)
    out = sentinel(out_shape)
    expect_failure(ValueError, words("out", str(out_shape), str(SHAPE)), fn, *args, out=out,
                   **kwargs)


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("dtype,out_dtype", [(F32, F64), (F64, F32)], ids=["f32-outf64", "f64-outf32"])
def test_out_wrong_dtype(kind, dtype, out_dtype):
    fn, args, kwargs, named = invoke_args(kind, dtype=dtype)
    out = sentinel(dtype=out_dtype)
    expect_failure(TypeError, words("out", dtype.name, out_dtype.name, _first_input(kind)), fn,
                   *args, out=out, **kwargs)


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("out_dtype", [np.longdouble, np.complex128, np.int64, np.float16])
def test_out_unsupported_dtype(kind, out_dtype):
    fn, args, kwargs, named = invoke_args(kind)
    out = np.zeros(SHAPE, dtype=out_dtype)
    expect_failure(TypeError, words("out", np.dtype(out_dtype).name), fn, *args, out=out, **kwargs)


# --- dtypes of the inputs ----------------------------------------------------------------------
MULTI_ARRAY_KINDS = [
    k for k in KIND_NAMES
    if len(_kinds()[k][1]) + len(_kinds()[k][2]) + ("weight" in _kinds()[k][3]) >= 2
]


@pytest.mark.parametrize("kind", MULTI_ARRAY_KINDS)
def test_mixed_input_dtypes(kind):
    fn, pos, kw, params = _kinds()[kind]
    names = [n for n, _ in pos + kw] + (["weight"] if "weight" in params else [])
    for odd in names:
        for base, other in ((F64, F32), (F32, F64)):
            fn, args, kwargs, named = invoke_args(kind, dtype=base)
            odd_arr = named[odd].astype(other)
            fn, args, kwargs, named = invoke_args(kind, dtype=base, replace={odd: odd_arr})
            other_name = [n for n in names if n != odd][0]
            out = sentinel(dtype=base)
            expect_failure(TypeError, words(odd, other_name, base.name, other.name), fn, *args,
                           out=out, **kwargs)


UNSUPPORTED = {
    "complex128": lambda a: a.astype(np.complex128),
    "object": lambda a: a.astype(object),
    "str": lambda a: a.astype(str),
    "longdouble": lambda a: a.astype(np.longdouble),
}


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("which", list(UNSUPPORTED))
def test_unsupported_input_dtype(kind, which):
    fn, pos, kw, params = _kinds()[kind]
    names = [n for n, _ in pos + kw] + (["weight"] if "weight" in params else [])
    for bad in names:
        fn, args, kwargs, named = invoke_args(kind)
        bad_arr = UNSUPPORTED[which](np.asarray(named[bad]))
        fn, args, kwargs, named = invoke_args(kind, replace={bad: bad_arr})
        pattern = words(bad) + "(?=.*%s)" % re.escape(str(bad_arr.dtype))
        # without out (the input's dtype decides) and with a float64 out
        expect_failure(TypeError, pattern, fn, *args, **kwargs)
        expect_failure(TypeError, pattern, fn, *args, out=sentinel(), **kwargs)


# --- shapes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", TWO_INPUT_KINDS)
@pytest.mark.parametrize("grad_shape", [(4, 3), (4,), (1, 4), (3, 4, 1), (12,)])
def test_grad_shape_mismatch(kind, grad_shape):
    g = arr(F64, grad_shape, 50)
    fn, args, kwargs, named = invoke_args(kind, replace={"grad": g})
    other = [n for n in named if n not in ("grad", "weight")][0]
    pattern = words("grad", other, str(grad_shape), str(SHAPE))
    expect_failure(ValueError, pattern, fn, *args, **kwargs)
    for out in (sentinel(), sentinel(grad_shape)):
        expect_failure(ValueError, words(str(grad_shape), str(SHAPE)), fn, *args, out=out,
                       **kwargs)


# --- overlap -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_out_partially_overlapping_an_input(kind):
    fn, pos, kw, params = _kinds()[kind]
    names = [n for n, _ in pos + kw]
    n = int(np.prod(SHAPE))
    for victim in names:
        buf = np.abs(arr(F64, (n + 1,), 60))
        inp = buf[:-1].reshape(SHAPE)
        out = buf[1:].reshape(SHAPE)
        fn, args, kwargs, named = invoke_args(kind, replace={victim: inp})
        before = bits(buf)
        with pytest.raises(ValueError, match=words("out")):
            fn(*args, out=out, **kwargs)
        assert bits(buf) == before, (kind, victim)
        # the other direction (out starts before the input)
        buf = np.abs(arr(F64, (n + 1,), 61))
        inp = buf[1:].reshape(SHAPE)
        out = buf[:-1].reshape(SHAPE)
        fn, args, kwargs, named = invoke_args(kind, replace={victim: inp})
        before = bits(buf)
        with pytest.raises(ValueError, match=words("out")):
            fn(*args, out=out, **kwargs)
        assert bits(buf) == before, (kind, victim)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_out_is_a_transposed_view_of_an_input(kind):
    """Same memory, different strides: not an exact alias, so refused."""
    shape = (4, 4)
    fn, pos, kw, params = _kinds(F64, shape)[kind]
    for victim in [n for n, _ in pos + kw]:
        sq = np.abs(arr(F64, shape, 62))
        fn, args, kwargs, named = invoke_args(kind, shape=shape, replace={victim: sq})
        before = bits(sq)
        with pytest.raises(ValueError, match=words("out")):
            fn(*args, out=sq.T, **kwargs)
        assert bits(sq) == before, (kind, victim)


@pytest.mark.parametrize("kind", TWO_INPUT_KINDS)
def test_in_place_on_one_input_overlapping_the_other(kind):
    """out=grad exactly, but x/y partially overlaps grad: refused."""
    n = int(np.prod(SHAPE))
    buf = np.abs(arr(F64, (n + 2,), 63))
    g = buf[:-2].reshape(SHAPE)
    other = buf[2:].reshape(SHAPE)
    fn, pos, kw, params = _kinds()[kind]
    other_name = [nm for nm, _ in pos + kw if nm != "grad"][0]
    fn, args, kwargs, named = invoke_args(kind, replace={"grad": g, other_name: other})
    before = bits(buf)
    with pytest.raises(ValueError, match=words("out")):
        fn(*args, out=g, **kwargs)
    assert bits(buf) == before


def test_prelu_out_overlapping_weight():
    buf = np.linspace(0.1, 1.3, 13)
    x = -np.ones((3, 4))
    w = buf[:4]
    out = buf[1:].reshape(3, 4)
    before = bits(buf)
    with pytest.raises(ValueError, match=words("out")):
        fastact.prelu(x, w, out=out)
    assert bits(buf) == before


# --- backward: exactly one of x and y ----------------------------------------------------------
@pytest.mark.parametrize("name", ["identity", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh"])
def test_backward_needs_exactly_one_of_x_and_y(name):
    fn = getattr(fastact, name + "_backward")
    g = arr(F64, SHAPE, 70)
    x = arr(F64, SHAPE, 71)
    y = arr(F64, SHAPE, 72)
    expect_failure(ValueError, words("x", "y"), fn, g, out=sentinel())
    expect_failure(ValueError, words("x", "y"), fn, g, x, y=y, out=sentinel())
    expect_failure(ValueError, words("x", "y"), fn, g, x, y=y, out=g)
    expect_failure(ValueError, words("x", "y"), fn, g, None, y=None)


# --- alpha -------------------------------------------------------------------------------------
def _alpha_calls(name):
    x = arr(F64, SHAPE, 80)
    g = arr(F64, SHAPE, 81)
    y = arr(F64, SHAPE, 82)
    f = getattr(fastact, name)
    d = getattr(fastact, name + "_derivative")
    b = getattr(fastact, name + "_backward")
    return [
        (f, (x,), {"out": sentinel()}),
        (f, (x,), {"out": x}),
        (d, (x,), {"out": sentinel()}),
        (b, (g, x), {"out": g}),
        (b, (g,), {"y": y, "out": sentinel()}),
    ]


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
@pytest.mark.parametrize("alpha", [float("nan"), float("inf"), -float("inf"), np.float64("nan"),
                                   10 ** 400, -(10 ** 400)])
def test_alpha_not_finite(name, alpha):
    """(An int beyond the float64 range is a real number too large, as inf: once a TypeError.)"""
    for fn, args, kwargs in _alpha_calls(name):
        expect_failure(ValueError, words("alpha"), fn, *args, alpha=alpha, **kwargs)


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
@pytest.mark.parametrize("alpha", ["0.1", None, [0.1], (0.1,), 1j])
def test_alpha_not_a_number(name, alpha):
    for fn, args, kwargs in _alpha_calls(name):
        expect_failure(TypeError, words("alpha"), fn, *args, alpha=alpha, **kwargs)


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
def test_negative_alpha_with_y(name):
    g = arr(F64, SHAPE, 83)
    y = arr(F64, SHAPE, 84)
    b = getattr(fastact, name + "_backward")
    for alpha in (-0.01, -1.0):
        expect_failure(ValueError, words("alpha", "y"), b, g, y=y, alpha=alpha, out=sentinel())
        expect_failure(ValueError, words("alpha", "y"), b, g, y=y, alpha=alpha, out=g)
        expect_failure(ValueError, words("alpha", "y"), b, g, y=y, alpha=alpha)
    # negative alpha is fine for forward, derivative and backward from x
    x = arr(F64, SHAPE, 85)
    assert getattr(fastact, name)(x, alpha=-0.5).shape == SHAPE
    assert getattr(fastact, name + "_derivative")(x, alpha=-0.5).shape == SHAPE
    assert b(g, x, alpha=-0.5).shape == SHAPE


# --- choice parameters (a str among the row's choices: gelu's approximate) ---------------------
CHOICE_ROWS = [r for r in _catalogue.rows("elementwise") if r.choice_param is not None]
# (matching is exact, as PyTorch's: another case, surrounding spaces, bytes are refused)
BAD_CHOICES = [(1.0, TypeError), (1, TypeError), (None, TypeError), (b"x", TypeError),
               (["x"], TypeError), (np.float64(0.0), TypeError), ("bogus", ValueError),
               ("", ValueError), ("upper", ValueError), ("spaced", ValueError)]


def _bad_choice(row, bad):
    c = row.choice_param.choices[-1]
    return {b"x": c.encode(), "upper": c.upper(), "spaced": " %s " % c, ("x",): [c]}.get(
        bad if not isinstance(bad, list) else tuple(bad), bad)


def _choice_calls(name):
    x = arr(F64, SHAPE, 86)
    g = arr(F64, SHAPE, 87)
    f, d, b = (getattr(fastact, name + s) for s in ("", "_derivative", "_backward"))
    return [(f, (x,), {"out": sentinel()}), (f, (x,), {"out": x}), (f, (x.astype(F32),), {}),
            (f, (x.tolist(),), {}), (d, (x,), {"out": sentinel()}), (d, (x,), {"out": x}),
            (b, (g, x), {"out": g}), (b, (g, x), {"out": sentinel()}), (b, (g, x), {})]


@pytest.mark.parametrize("row", CHOICE_ROWS, ids=lambda r: r.name)
@pytest.mark.parametrize("bad,exc", BAD_CHOICES, ids=[repr(b) for b, _ in BAD_CHOICES])
def test_choice_parameter_refused(row, bad, exc):
    p = row.choice_param
    value = _bad_choice(row, bad)
    listed = ", ".join(repr(c) for c in p.choices)
    want = ("%s: expected a str, one of %s; got %s" % (p.name, listed, type(value).__name__)
            if exc is TypeError else
            "%s: must be one of %s; got %r" % (p.name, listed, value))
    for fn, args, kwargs in _choice_calls(row.name):
        expect_failure(exc, "^%s$" % re.escape(want), fn, *args, **{p.name: value}, **kwargs)
    with pytest.raises(exc, match="^%s$" % re.escape(want)):
        fastact.get(row.name, **{p.name: value})
    with pytest.raises(exc, match="^%s$" % re.escape(want)):
        getattr(fastact, row.cls)(value)


@pytest.mark.parametrize("row", CHOICE_ROWS, ids=lambda r: r.name)
def test_choice_parameter_accepts_str_subclasses(row):
    p = row.choice_param
    x = arr(F64, SHAPE, 88)
    for c in p.choices:
        want = getattr(fastact, row.name)(x, **{p.name: c})
        got = getattr(fastact, row.name)(x, **{p.name: np.str_(c)})
        assert bits(got) == bits(want)
        assert fastact.get(row.name, **{p.name: np.str_(c)}).params == {p.name: c}
        assert type(fastact.get(row.name, **{p.name: np.str_(c)}).params[p.name]) is str


# --- prelu weight and axis ---------------------------------------------------------------------
@pytest.mark.parametrize("fname", ["prelu", "prelu_derivative", "prelu_backward"])
def test_prelu_weight_wrong_length(fname):
    fn = getattr(fastact, fname)
    x = arr(F64, (2, 5, 6), 90)
    lead = (arr(F64, (2, 5, 6), 91),) if fname == "prelu_backward" else ()
    for wlen, axis, clen in ((3, 1, 5), (7, 2, 6), (4, 0, 2), (6, -2, 5)):
        w = np.linspace(0.1, 0.5, wlen)
        pattern = words("weight", str(wlen), str(clen))
        expect_failure(ValueError, pattern, fn, *lead, x, w, axis=axis, out=sentinel((2, 5, 6)))
        expect_failure(ValueError, pattern, fn, *lead, x, w, axis=axis, out=x)
        expect_failure(ValueError, pattern, fn, *lead, x, list(w), axis=axis)


@pytest.mark.parametrize("fname", ["prelu", "prelu_derivative", "prelu_backward"])
def test_prelu_weight_too_many_dims(fname):
    fn = getattr(fastact, fname)
    x = arr(F64, (2, 3, 4), 92)
    lead = (arr(F64, (2, 3, 4), 93),) if fname == "prelu_backward" else ()
    for w in (np.full((3, 1), 0.2), np.full((1, 3), 0.2), np.full((1, 1), 0.2), [[0.2, 0.3, 0.4]]):
        expect_failure(ValueError, words("weight"), fn, *lead, x, w, out=sentinel((2, 3, 4)))


@pytest.mark.parametrize("fname", ["prelu", "prelu_derivative", "prelu_backward"])
def test_prelu_axis_out_of_range(fname):
    fn = getattr(fastact, fname)
    x = arr(F64, (2, 3, 4), 94)
    lead = (arr(F64, (2, 3, 4), 95),) if fname == "prelu_backward" else ()
    for axis in (3, -4, 10):
        w = np.linspace(0.1, 0.5, 3)
        expect_failure(ValueError, words("axis"), fn, *lead, x, w, axis=axis, out=sentinel((2, 3, 4)))
    # 1-d x: the default axis=1 does not exist; a weight of more than one element needs one
    x1 = arr(F64, (5,), 96)
    lead1 = (arr(F64, (5,), 97),) if fname == "prelu_backward" else ()
    w5 = np.linspace(0.1, 0.5, 5)
    expect_failure(ValueError, words("axis"), fn, *lead1, x1, w5, out=sentinel((5,)))
    # ... and with a valid axis it works
    r = fn(*lead1, x1, w5, axis=0)
    assert (r[0] if isinstance(r, tuple) else r).shape == (5,)
    # 0-d x with several weights: refused
    x0 = np.array(-1.0)
    lead0 = (np.array(1.0),) if fname == "prelu_backward" else ()
    with pytest.raises(ValueError):
        fn(*lead0, x0, w5)


@pytest.mark.parametrize("fname", ["prelu", "prelu_derivative", "prelu_backward"])
@pytest.mark.parametrize("axis", [1.0, "1", None, [1], np.float64(1.0)])
def test_prelu_axis_not_an_int(fname, axis):
    fn = getattr(fastact, fname)
    x = arr(F64, (2, 3, 4), 98)
    lead = (arr(F64, (2, 3, 4), 99),) if fname == "prelu_backward" else ()
    w = np.linspace(0.1, 0.5, 3)
    expect_failure(TypeError, words("axis"), fn, *lead, x, w, axis=axis, out=sentinel((2, 3, 4)))
    expect_failure(TypeError, words("axis"), fn, *lead, x, w, axis=axis, out=x)


@pytest.mark.parametrize("axis", [0, 1, -1, np.int64(1), np.int32(0)])
def test_prelu_axis_numpy_ints_accepted(axis):
    x = -np.arange(1.0, 7.0).reshape(2, 3) if int(axis) != 0 else -np.arange(1.0, 7.0).reshape(3, 2)
    w = np.array([0.5, 1.0, 2.0])
    r = fastact.prelu(x, w, axis=axis)
    ax = int(axis) % 2
    shape = [1, 1]
    shape[ax] = 3
    np.testing.assert_array_equal(r, x * w.reshape(shape))


# --- softmax axis ------------------------------------------------------------------------------
SOFTMAX_FNS = [r.name + suffix for r in _catalogue.rows("axis") for suffix in ("", "_backward")]


def _softmax_args(fname, shape):
    """(positional args, keyword args): y is keyword-only in the backward passes."""
    x = np.abs(arr(F64, shape, 100))
    return ((arr(F64, shape, 101),), {"y": x}) if fname.endswith("_backward") else ((x,), {})


@pytest.mark.parametrize("fname", SOFTMAX_FNS)
def test_softmax_axis_out_of_range(fname):
    fn = getattr(fastact, fname)
    for shape, axis in (((3, 4), 2), ((3, 4), -3), ((5,), 1), ((2, 3, 4), 3), ((2, 3, 4), -4)):
        args, kw = _softmax_args(fname, shape)
        expect_failure(ValueError, words("axis"), fn, *args, axis=axis, out=sentinel(shape), **kw)
        expect_failure(ValueError, words("axis"), fn, *args, axis=axis, out=args[0], **kw)
    args, kw = _softmax_args(fname, ())
    expect_failure(ValueError, words("axis"), fn, *args, axis=1, out=sentinel(()), **kw)


@pytest.mark.parametrize("fname", SOFTMAX_FNS)
@pytest.mark.parametrize("axis", [1.0, "0", None, [0], np.float32(0)])
def test_softmax_axis_not_an_int(fname, axis):
    fn = getattr(fastact, fname)
    args, kw = _softmax_args(fname, (3, 4))
    expect_failure(TypeError, words("axis"), fn, *args, axis=axis, out=sentinel(), **kw)
    expect_failure(TypeError, words("axis"), fn, *args, axis=axis, out=args[0], **kw)


@pytest.mark.parametrize("fname", SOFTMAX_FNS)
def test_softmax_family_numpy_int_axis(fname):
    fn = getattr(fastact, fname)
    args, kw = _softmax_args(fname, (3, 4))
    np.testing.assert_array_equal(fn(*args, axis=np.int64(0), **kw), fn(*args, axis=0, **kw))


def test_no_derivative_for_softmax_family():
    for fname in SOFTMAX_FNS[::2]:
        assert not hasattr(fastact, fname + "_derivative")
