"""Accuracy oracle, ULP measure and input generators shared by the fastact tests.

Oracle
------
``oracle(name, *args, **kwargs)`` evaluates ``fastact.reference.<name>`` (plain NumPy, straight
from the formulas) one precision up and rounds the result once to the data's dtype:

* float32 data -> reference on ``.astype(np.float64)`` copies -> ``.astype(np.float32)``;
* float64 data -> reference on ``.astype(np.longdouble)`` copies -> ``.astype(np.float64)``.

Every ndarray argument is upcast (x, grad, y, weight) exactly as given: the backward-from-y
oracle uses the y it is handed, never a recomputed one. Python scalars stay Python floats,
except the parameters (alpha, ...), which are first rounded to the data's dtype, as fastact (and
NumPy and PyTorch) use them.

One refinement: SELU's y form is ``grad * (y + scale*alpha)``, which cancels when y is close
to -scale*alpha. The wide reference rounds the constant scale*alpha to the wide type (an
absolute error of ~1e-19 in long double, ~2e-16 in float64), which is far more than one ULP
of a small result. ``oracle`` therefore evaluates that one formula exactly with
``fractions.Fraction`` (the 32-digit constants from the spec, exact y and grad) and rounds
once; this is still the reference formula, just without the constant's rounding.

ULP measure
-----------
``ulp_error(got, want)`` = |got - want| / ulp(want), where ulp(want) = np.spacing(|want|) in
the dtype (for the largest finite value: the spacing of its binade), floored at np.spacing(np.finfo(dtype).tiny) (so subnormal results are measured in
units of the smallest normal's spacing). NaN must match NaN at the same positions, infinities
must match exactly (an error of inf otherwise), and +0 and -0 compare equal.

Bounds: the catalogue's (fastact/_catalogue.py, Row.bounds), e.g. identity, relu exact (0 ULP);
leaky_relu, prelu <= 1 ULP; the exp-based functions forward <= 2 ULP, derivative and backward
<= 4 ULP.
"""
import math
from fractions import Fraction

import numpy as np

import fastact
from fastact import _catalogue as catalogue
from fastact import reference

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
LD = np.dtype(np.longdouble)
DTYPES = (F32, F64)

WIDER = {F32: F64, F64: LD}
# On platforms where long double is plain double, float64 accuracy cannot be checked this way.
HAVE_WIDE_LONGDOUBLE = np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant

SELU_SCALE_STR = "1.0507009873554804934193349852946"
SELU_ALPHA_STR = "1.6732632423543772848170429916717"
SELU_SCALE_ALPHA_EXACT = Fraction(SELU_SCALE_STR) * Fraction(SELU_ALPHA_STR)

# Every elementwise function of the catalogue, and its promised bounds (the table's).
ELEMENTWISE = tuple(r.name for r in catalogue.rows("elementwise"))
PASSES = ("forward", "derivative", "backward_x", "backward_y")
# the rows whose alpha may be 0 and any real number (leaky_relu, elu: the alpha tests sweep 0 and
# negative values); celu (alpha != 0) is swept by the catalogue-driven tests with its samples
HAS_ALPHA = tuple(r.name for r in catalogue.rows("elementwise") if "alpha" in r.param_names
                  and all(rule.holds(dict(r.defaults(), alpha=0.0)) for rule in r.rules
                          if rule.when == "always"))
PRELU_ULP = catalogue.row("prelu").bound("forward")


def bound(name, pass_):
    """The catalogue's ULP bound for an elementwise function and pass."""
    return catalogue.row(name).bound(pass_)


def params_for(name):
    """A representative set of non-default parameters of a function (the catalogue's)."""
    return catalogue.row(name).example_params()


def needed_params(name):
    """The parameters a call needs at least: the required ones (no default) at their first
    sample (threshold's threshold and value); {} where every parameter has a default."""
    return {p.name: p.samples[0] for p in catalogue.row(name).params if p.required}


def param_sets(name, pass_=None):
    """The parameter sets the tests sweep for a function and pass: the catalogue's samples (every
    choice of a choice parameter), and 0 for every real parameter the rules allow it for; those
    its rules allow (for the pass)."""
    row = catalogue.row(name)
    sets = list(row.sample_params())
    for p in row.real_params:
        s = dict(sets[0], **{p.name: 0.0})
        if s not in sets:
            sets.append(s)
    rules = [r for r in row.rules if r.when == "always" or pass_ == "backward_y"]
    return [s for s in sets if all(r.holds(s) for r in rules)]


def passes_of(name):
    return catalogue.row(name).passes


def dtype_of(*args):
    """The common float dtype of the ndarray arguments."""
    dts = {a.dtype for a in args if isinstance(a, np.ndarray)}
    assert len(dts) == 1, "oracle needs exactly one float dtype, got %s" % dts
    (dt,) = dts
    assert dt in WIDER, dt
    return dt


def _up(a, wide):
    return a.astype(wide) if isinstance(a, np.ndarray) else a


def _round(r, dtype):
    if isinstance(r, tuple):
        return tuple(_round(v, dtype) for v in r)
    with np.errstate(all="ignore"):
        return np.asarray(r).astype(dtype)


def _to_dtype(fr, dtype):
    """Round an exact Fraction to dtype (float64: correctly rounded; float32 via float64)."""
    try:
        v = float(fr)
    except OverflowError:  # beyond the float64 range: rounds to an infinity
        v = math.inf if fr > 0 else -math.inf
    with np.errstate(over="ignore"):
        return dtype.type(v)


def _selu_backward_y_exact(grad, y, dtype):
    """grad * (y > 0 ? scale : y + scale*alpha), exact rational arithmetic, rounded once; 0 at
    the saturated output y = selu(-inf) = -scale*alpha rounded."""
    g = np.asarray(grad)
    yy = np.asarray(y)
    out = np.empty(yy.shape, dtype=dtype)
    scale = Fraction(SELU_SCALE_STR)
    for idx in np.ndindex(yy.shape):
        gv, yv = float(g[idx]), float(yy[idx])
        if not (math.isfinite(gv) and math.isfinite(yv)):
            with np.errstate(all="ignore"):  # non-finite: the wide reference is exact enough
                out[idx] = _round(
                    reference.selu_backward(np.longdouble(gv), y=np.longdouble(yv)), dtype
                )
            continue
        if yv == float(_to_dtype(-SELU_SCALE_ALPHA_EXACT, dtype)):
            d = 0  # selu(-inf), the saturated output: the limit (the kernel's convention)
        else:
            d = scale if yv > 0 else Fraction(yv) + SELU_SCALE_ALPHA_EXACT
        out[idx] = _to_dtype(Fraction(gv) * d, dtype)
    return out


def oracle(name, *args, **kwargs):
    """fastact.reference.<name> evaluated one precision up, rounded once to the data's dtype."""
    arrays = [a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray)]
    dtype = dtype_of(*arrays)
    if dtype == F64 and not HAVE_WIDE_LONGDOUBLE:  # e.g. Windows, macOS arm64
        import pytest
        pytest.skip("np.longdouble is plain double on this platform: no float64 oracle")
    if name == "selu_backward" and kwargs.get("y") is not None:
        return _selu_backward_y_exact(args[0], kwargs["y"], dtype)
    wide = WIDER[dtype]
    up_args = [_up(a, wide) for a in args]
    up_kwargs = {k: _up(v, wide) for k, v in kwargs.items()}
    base = name.replace("_derivative", "").replace("_backward", "")
    params = catalogue.row(base).param_names if base in catalogue.BY_NAME else ()
    for k, v in kwargs.items():  # parameters are rounded to the data's dtype
        if k in params and isinstance(v, (int, float)) and not isinstance(v, bool):
            with np.errstate(all="ignore"):
                up_kwargs[k] = float(np.asarray(v, dtype=dtype))
    with np.errstate(all="ignore"):
        r = getattr(reference, name)(*up_args, **up_kwargs)
    return _round(r, dtype)


def call(name, pass_, *args, **kwargs):
    """fastact.<name>[_derivative|_backward](...) for a pass name."""
    return getattr(fastact, fname(name, pass_))(*args, **kwargs)


def fname(name, pass_):
    return {
        "forward": name,
        "derivative": name + "_derivative",
        "backward_x": name + "_backward",
        "backward_y": name + "_backward",
    }[pass_]


def elementwise_case(name, pass_, x, grad=None, params=None):
    """(got, want, inputs) for one elementwise function and pass, with y taken from the oracle."""
    params = dict(params or {})
    if pass_ in ("forward", "derivative"):
        got = call(name, pass_, x, **params)
        want = oracle(fname(name, pass_), x, **params)
        return got, want, {"x": x}
    if pass_ == "backward_x":
        got = call(name, pass_, grad, x, **params)
        want = oracle(name + "_backward", grad, x=x, **params)
        return got, want, {"grad": grad, "x": x}
    y = oracle(name, x, **params)  # the saved forward output, rounded to the dtype
    got = call(name, pass_, grad, y=y, **params)
    want = oracle(name + "_backward", grad, y=y, **params)
    return got, want, {"grad": grad, "y": y, "x": x}


# --- the ULP measure ---------------------------------------------------------------------------
def spacing(a, dtype):
    """np.spacing(|a|) in dtype, except that the largest finite value gets the spacing of its
    binade (np.spacing overflows to inf there), floored at np.spacing(finfo(dtype).tiny)."""
    dtype = np.dtype(dtype)
    fi = np.finfo(dtype)
    a = np.abs(np.asarray(a, dtype=dtype))
    a = np.where(np.isfinite(a), np.minimum(a, np.nextafter(fi.max, dtype.type(0))), a)
    with np.errstate(all="ignore"):
        return np.maximum(np.spacing(a), np.spacing(fi.tiny)).astype(np.longdouble)


def ulp_error(got, want):
    """Elementwise |got - want| / ulp(want) as float64 (inf for a NaN/inf mismatch)."""
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    dtype = got.dtype
    err = np.zeros(got.shape, dtype=np.float64)
    g_nan, w_nan = np.isnan(got), np.isnan(want)
    g_fin, w_fin = np.isfinite(got), np.isfinite(want)
    both_fin = g_fin & w_fin
    # non-finite on either side: must be the same NaN-ness or the same infinity
    nonfin = ~both_fin
    same_nonfin = (g_nan & w_nan) | (~g_nan & ~w_nan & (got == want))
    err[nonfin & ~same_nonfin] = np.inf
    if both_fin.any():
        g = got[both_fin].astype(np.longdouble)
        w = want[both_fin].astype(np.longdouble)
        sp = spacing(want[both_fin], dtype)
        err[both_fin] = (np.abs(g - w) / sp).astype(np.float64)
    return err


def max_ulp(got, want):
    e = ulp_error(got, want)
    return float(e.max()) if e.size else 0.0


def _describe(idx, arrays):
    parts = []
    for k, v in arrays.items():
        v = np.asarray(v)
        if v.shape == () or v.size == 1:
            parts.append("%s=%r" % (k, v.reshape(-1)[0] if v.size else v))
        else:
            try:
                parts.append("%s=%r" % (k, v[idx]))
            except (IndexError, TypeError):
                parts.append("%s=<%s>" % (k, v.shape))
    return ", ".join(parts)


def assert_ulp(got, want, max_err, inputs=None, what=""):
    """Every element within max_err ULPs of the oracle (NaN/inf must match exactly)."""
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype, "%s: dtype %s, expected %s" % (what, got.dtype, want.dtype)
    assert got.shape == want.shape, "%s: shape %s, expected %s" % (what, got.shape, want.shape)
    err = ulp_error(got, want)
    if err.size and not (err.max() <= max_err):
        flat = int(np.argmax(err))
        idx = np.unravel_index(flat, err.shape) if err.ndim else ()
        detail = _describe(idx, dict(inputs or {}))
        raise AssertionError(
            "%s: %d of %d elements exceed %s ULP; worst %.3g ULP at %s: got %r, want %r (%s)"
            % (what, int((err > max_err).sum()), err.size, max_err, err[idx], idx,
               got[idx], want[idx], detail)
        )
    return float(err.max()) if err.size else 0.0


def assert_within(got, want, tol, inputs=None, what=""):
    """|got - want| <= tol elementwise (tol an array or scalar); NaN/inf must match exactly."""
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype, "%s: dtype %s, expected %s" % (what, got.dtype, want.dtype)
    assert got.shape == want.shape, "%s: shape %s, expected %s" % (what, got.shape, want.shape)
    tol = np.broadcast_to(np.asarray(tol, dtype=np.longdouble), got.shape)
    g_nan, w_nan = np.isnan(got), np.isnan(want)
    fin = np.isfinite(got) & np.isfinite(want)
    bad = np.zeros(got.shape, dtype=bool)
    bad |= g_nan != w_nan
    nonfin = ~fin & ~g_nan & ~w_nan
    bad |= nonfin & (got != want)
    with np.errstate(all="ignore"):
        diff = np.abs(got.astype(np.longdouble) - want.astype(np.longdouble))
    bad |= fin & ~(diff <= tol)
    if bad.any():
        idx = tuple(np.argwhere(bad)[0]) if got.ndim else ()
        detail = _describe(idx, dict(inputs or {}))
        raise AssertionError(
            "%s: %d of %d elements out of tolerance; first at %s: got %r, want %r, |diff| %r > "
            "tol %r (%s)" % (what, int(bad.sum()), bad.size, idx, got[idx], want[idx],
                            diff[idx], tol[idx], detail)
        )


def ulp(a, dtype):
    """ulp(a) as in ulp_error (spacing of |a| in dtype, floored at spacing(tiny)), long double."""
    return spacing(a, dtype)


def eps(dtype):
    return np.longdouble(np.finfo(dtype).eps)


# --- bounds of the softmax family (spec) ---------------------------------------------------------
def softmax_tol(want, n, dtype):
    """4 ULP + n*eps relative."""
    w = np.abs(np.asarray(want).astype(np.longdouble))
    return 4 * ulp(want, dtype) + n * eps(dtype) * w


def log_softmax_tol(want, x, axis, dtype):
    """4*ulp(want) + 4*eps*(|x - max| + log(n))."""
    x = np.asarray(x).astype(np.longdouble)
    n = x.shape[axis] if x.ndim else 1
    with np.errstate(all="ignore"):
        dev = np.abs(x - np.max(x, axis=axis, keepdims=True)) if x.ndim else np.abs(x - x)
    return 4 * ulp(want, dtype) + 4 * eps(dtype) * (dev + np.log(np.longdouble(n)))


def softmax_backward_tol(grad, y, axis, dtype):
    """(n+4)*eps*|y|*(|grad| + sum|grad*y|), plus one ulp of the smallest normal."""
    g = np.asarray(grad).astype(np.longdouble)
    yy = np.asarray(y).astype(np.longdouble)
    n = yy.shape[axis] if yy.ndim else 1
    s = np.sum(np.abs(g * yy), axis=axis, keepdims=True) if yy.ndim else np.abs(g * yy)
    return (n + 4) * eps(dtype) * np.abs(yy) * (np.abs(g) + s) + ulp(0, dtype)


def log_softmax_backward_tol(grad, y, axis, dtype):
    """(n+4)*eps*(|grad| + exp(y)*sum|grad|), plus one ulp of the smallest normal."""
    g = np.asarray(grad).astype(np.longdouble)
    yy = np.asarray(y).astype(np.longdouble)
    n = yy.shape[axis] if yy.ndim else 1
    s = np.sum(np.abs(g), axis=axis, keepdims=True) if yy.ndim else np.abs(g)
    return (n + 4) * eps(dtype) * (np.abs(g) + np.exp(yy) * s) + ulp(0, dtype)


# --- inputs ------------------------------------------------------------------------------------
def mixed_values(n, dtype, seed=0, scale=3.0):
    """normal*scale plus a few zeros (both signs), values near 0 and a few large values."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * scale
    if n >= 8:
        k = max(1, n // 16)
        idx = rng.permutation(n)
        x[idx[:k]] = rng.standard_normal(k) * 1e-3  # near 0
        x[idx[k:2 * k]] = rng.choice([0.0, -0.0], k)  # zeros
        x[idx[2 * k:3 * k]] = rng.choice([-1.0, 1.0], k) * rng.uniform(10, 60, k)  # large
        x[idx[3 * k:3 * k + 2]] = [1e-30, -1e-30]  # tiny (normal in float32)
    return x.astype(dtype)


def wide_values(n, dtype, seed=0):
    """Log-uniform magnitudes 1e-8..(past saturation) of both signs, plus normal*4 values."""
    rng = np.random.default_rng(seed)
    top = 100.0 if np.dtype(dtype) == F32 else 720.0
    mags = np.exp(rng.uniform(np.log(1e-8), np.log(top), n // 2))
    x = np.concatenate([
        rng.choice([-1.0, 1.0], n // 2) * mags,
        rng.standard_normal(n - n // 2) * 4.0,
    ])
    return x.astype(dtype)


def grads(n_or_shape, dtype, seed=1):
    """Gradients: normal, with a few exact zeros and a few larger magnitudes."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(n_or_shape)
    g = np.where(rng.random(np.shape(g)) < 0.05, 0.0, g)
    g = g * np.where(rng.random(np.shape(g)) < 0.05, 1e3, 1.0)
    return np.asarray(g).astype(dtype)


def edge_values(dtype):
    """±0, ±smallest subnormal, ±largest subnormal, ±smallest normal, ±1e4, ±largest, ±inf,
    NaN, and the kink 0 (for elementwise edge tests)."""
    dtype = np.dtype(dtype)
    fi = np.finfo(dtype)
    tiny = fi.tiny
    sub_min = fi.smallest_subnormal
    sub_max = np.nextafter(tiny, dtype.type(0))
    pos = [sub_min, sub_max, tiny, dtype.type(1e-4), dtype.type(0.5), dtype.type(1.0),
           dtype.type(1e4), fi.max, dtype.type(np.inf)]
    vals = [dtype.type(0.0), dtype.type(-0.0)]
    for v in pos:
        vals += [dtype.type(v), dtype.type(-v)]
    vals.append(dtype.type(np.nan))
    return np.array(vals, dtype=dtype)


def bits(a):
    """Bytes of an array for NaN-safe bit-for-bit comparison."""
    a = np.asarray(a)
    return (a.dtype.str, a.shape, a.tobytes(order="C"))
