"""ULP accuracy measure against an unrounded wide reference (shared by the sampled accuracy test
and by bench/accuracy.py, which imports this file from tests/).

Error definition
----------------
For a result ``got`` of dtype D (float32 or float64) and the reference value ``ref`` evaluated
one precision up and NOT rounded to D (float32 -> NumPy float64, float64 -> np.longdouble, the
80-bit x87 format on x86-64)::

    error = |got - ref| / ulp_D(ref)

``ulp_D(v)`` is the spacing of D in the binade that contains |v|: 2^(floor(log2|v|) - p + 1)
with p = 24 (float32) or 53 (float64). A power of two belongs to the binade above it
(ulp_D(1) = eps_D, as np.spacing), so a value just below 2^k is measured in the finer ULP of
the binade below. Below the smallest normal number, and for v = 0, ulp_D is the subnormal
spacing 2^-149 (float32) or 2^-1074 (float64). Above the largest finite value the formula
continues (2^104 for float32, 2^971 for float64).

So a correctly rounded result has error <= 0.5 and a faithfully rounded one < 1.

Bounds are checked by one of two criteria (CRITERIA): "steps" (the default) counts the floats
between got and the correctly rounded result (the issue's "within N ULP of the correctly
rounded result"; equal to rounding the reference first, as tests/_oracle.py does), "unrounded"
bounds the error above. Inside a binade N steps is an error of at most N + 0.5.

The reference
itself is off by ~2^-29 (float32) or ~2^-10 (float64) ULP at worst, so "not correctly rounded"
is counted as error > 0.5 + CR_MARGIN[D], which keeps the reference's own error out of it.

Non-finite values and zeros
---------------------------
* both NaN: error 0; one NaN: error inf;
* got = +-inf: error 0 exactly when ref rounds to that infinity (ref >= the overflow threshold
  (2 - 2^-p) * 2^emax with the same sign, or ref is that infinity); otherwise inf;
* ref = +-inf with a finite got: error inf;
* where ref is an exact zero, got must be a zero of the same sign (tanh(-0) = -0, elu(-0) = -0,
  grad * 0 takes the sign of grad): a sign mismatch is counted as a special-value failure.

Inputs that are NaN or +-inf are "special" inputs: they are checked (result NaN, the exact
infinity, or within the bound of the finite limit such as sigmoid(-inf) = 0 and
selu(-inf) = -scale*alpha) but kept out of the finite maxima.

Reference
---------
``fastact.reference`` evaluated on wide (upcast) copies: its formulas are the safe forms
(sigmoid through exp(-|x|), sigmoid' = sigmoid(x) * sigmoid(-x), tanh' = 1 / cosh(x)^2,
ELU/SELU through expm1, SELU's constants parsed from their 32-digit strings), which keep full
relative accuracy in float64 and long double everywhere (checked against mpmath by
``python bench/accuracy.py --validate-reference``). backward(grad, x) is the reference formula
grad * f'(x), evaluated as wide grad times the wide derivative (what
``reference.<f>_backward(grad, x=x)`` computes); its exponent range is that of the wide type,
so grad * f'(x) is accurate where f'(x) alone underflows in D. One correction: elu(-0) and
selu(-0) are -0 (reference.py returns +0, see reference_values).
"""
import numpy as np

import fastact
from fastact import _catalogue as catalogue
from fastact import reference

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
LD = np.dtype(np.longdouble)
WIDE = {F32: F64, F64: LD}
HAVE_WIDE_LONGDOUBLE = np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant

# every elementwise kernel of the catalogue (catalogue.kernel_rows(): a row with a choice
# parameter is one per choice, e.g. gelu and gelu_tanh); "main": the exp-based ones, measured
# on every pass by default (the others on the forward pass)
FUNCTIONS = tuple(k.name for k in catalogue.kernel_rows())
MAIN_FUNCTIONS = tuple(k.name for k in catalogue.kernel_rows() if k.cost == "exp")
PASSES = ("forward", "derivative", "backward")  # backward = f_backward(grad, x)
# each kernel's public function and its parameters: the real ones at their defaults, the
# choice of a choice row's kernel
PUBLIC = {k.name: catalogue.kernel_call(k.name)[0] for k in catalogue.kernel_rows()}
PARAMS = {k.name: dict(k.base_params(), **catalogue.kernel_call(k.name)[1])
          for k in catalogue.kernel_rows()}

# Margin above 0.5 ULP before a result counts as not correctly rounded (the reference's error).
CR_MARGIN = {F32: 2.0 ** -20, F64: 2.0 ** -7}


def bound(name, pass_):
    """The promised bound in ULPs for a function and pass (the catalogue's)."""
    return catalogue.kernel_row(name).bound(pass_)


def combos(functions=FUNCTIONS, passes=PASSES):
    return [(f, p) for f in functions for p in passes]


# --- the ULP measure ---------------------------------------------------------------------------
_EXP_MASK = np.int64(0x7FF0000000000000)


def _overflow_threshold(dtype):
    """Finite values at or beyond this magnitude round to infinity in dtype (round to nearest)."""
    fi = np.finfo(dtype)
    wide = WIDE[np.dtype(dtype)].type
    return np.ldexp(wide(1), fi.maxexp) - np.ldexp(wide(1), fi.maxexp - fi.nmant - 2)


def ulp(ref, dtype):
    """ulp_dtype(ref) (see the module docstring) for a wide array ref, in the wide dtype."""
    dtype = np.dtype(dtype)
    ref = np.asarray(ref)
    fi = np.finfo(dtype)
    p = fi.nmant + 1
    min_exp = int(fi.minexp) - fi.nmant  # exponent of the smallest subnormal
    if ref.dtype == F64:  # fast path: the binade 2^floor(log2|ref|) from the exponent bits
        u = (np.ascontiguousarray(ref).view(np.int64) & _EXP_MASK).view(np.float64)
        u *= 2.0 ** (1 - p)
        np.maximum(u, 2.0 ** min_exp, out=u)  # zero and (float64-)subnormal refs
        return u
    _, e = np.frexp(ref)  # |ref| = m * 2^e, m in [0.5, 1)
    e = np.maximum(e.astype(np.int64) - p, min_exp)
    e[ref == 0] = min_exp
    return np.ldexp(np.ones(ref.shape, dtype=ref.dtype), e)


def ulp_errors(got, ref, dtype=None):
    """Elementwise error of got (dtype D) against the unrounded wide ref, in ULPs of D (float64
    array; inf for a NaN/inf mismatch)."""
    got = np.asarray(got)
    dtype = np.dtype(dtype or got.dtype)
    ref = np.asarray(ref)
    assert ref.dtype == WIDE[dtype], (ref.dtype, dtype)
    with np.errstate(all="ignore"):
        d = got.astype(ref.dtype)
        np.subtract(d, ref, out=d)
        np.abs(d, out=d)
        d /= ulp(ref, dtype)
        err = d if d.dtype == F64 else d.astype(np.float64)
        if err.size and not np.isfinite(err.max()):  # NaN and infinities on either side
            bad = np.flatnonzero(~np.isfinite(err))
            g = got.reshape(-1)[bad]
            r = ref.reshape(-1)[bad]
            g_nan, r_nan = np.isnan(g), np.isnan(r)
            val = np.full(bad.size, np.inf)
            val[g_nan & r_nan] = 0.0
            rounds_to_inf = (np.abs(r) >= _overflow_threshold(dtype)) & ~r_nan
            same_inf = np.isinf(g) & rounds_to_inf & (np.sign(g) == np.sign(r))
            val[same_inf] = 0.0
            err.reshape(-1)[bad] = val
    return err


def signed_zero_mismatch(got, ref):
    """Positions where ref is an exact zero and got is the zero of the other sign."""
    z = ref == 0
    if not z.any():
        return z
    out = np.zeros(ref.shape, dtype=bool)
    out[z] = (got[z] == 0) & (np.signbit(got[z]) != np.signbit(ref[z]))
    return out


def _ordinal(v):
    """Floats as integers in the order of the floats (adjacent floats differ by 1; +-0 -> 0)."""
    if v.dtype == F32:
        b = v.view(np.int32).astype(np.int64)
        return np.where(b < 0, -(b & 0x7FFFFFFF), b)
    b = v.view(np.int64)
    return np.where(b < 0, -(b & np.int64(0x7FFFFFFFFFFFFFFF)), b)


def steps_from_cr(got, ref, dtype):
    """How many floats of dtype lie between got and the correctly rounded ref (the issue's "ULPs
    from the correctly rounded result"), for finite got and ref. Where ref lies within
    CR_MARGIN of a midpoint, the wide reference cannot tell which neighbour is the correctly
    rounded one, and the nearer of the two counts."""
    dtype = np.dtype(dtype)
    with np.errstate(all="ignore"):
        cr = ref.astype(dtype)
        og = _ordinal(np.asarray(got, dtype=dtype))
        steps = np.abs(og - _ordinal(cr))
        amb = np.abs(cr.astype(ref.dtype) - ref) / ulp(ref, dtype) > 0.5 - CR_MARGIN[dtype]
        if amb.any():
            toward = np.where(ref[amb] > cr[amb], np.inf, -np.inf).astype(dtype)
            other = np.nextafter(cr[amb], toward)
            steps[amb] = np.minimum(steps[amb], np.abs(og[amb] - _ordinal(other)))
    return steps


CRITERIA = ("steps", "unrounded")


# --- reference and kernels ----------------------------------------------------------------------
def reference_values(name, pass_, xw, gw, cache):
    """The unrounded wide reference for one function and pass. cache holds the wide derivative
    of this x between the derivative and backward passes."""
    params = PARAMS.get(name, {})
    if xw.dtype == np.float64:  # float32 data: alpha is rounded to float32, as fastact uses it
        params = {k: v if isinstance(v, str) else float(np.float32(v)) for k, v in params.items()}
    fn = PUBLIC[name]
    with np.errstate(all="ignore"):
        if pass_ == "forward":
            r = getattr(reference, fn)(xw, **params)
            if name in ("elu", "selu"):
                # reference.elu/selu take expm1(np.minimum(x, 0)), and np.minimum(-0.0, 0)
                # is +0.0: the reference loses the sign of -0. elu(-0) = alpha*expm1(-0) = -0.
                r = np.where(xw == 0, xw, r)
            return r
        d = cache.get(name)
        if d is None:
            d = cache[name] = getattr(reference, fn + "_derivative")(xw, **params)
        if pass_ == "derivative":
            return d
        return gw * d  # = reference.<name>_backward(grad, x=x), without recomputing f'


def fastact_kernel(name, pass_, x, grad):
    """The fastact call under test."""
    params, fn = PARAMS.get(name, {}), PUBLIC[name]
    if pass_ == "forward":
        return getattr(fastact, fn)(x, **params)
    if pass_ == "derivative":
        return getattr(fastact, fn + "_derivative")(x, **params)
    return getattr(fastact, fn + "_backward")(grad, x, **params)


# --- statistics ---------------------------------------------------------------------------------
class Stats:
    """Running accuracy statistics of one (function, pass) over many blocks."""

    def __init__(self, name, pass_, dtype, criterion="steps"):
        assert criterion in CRITERIA, criterion
        self.name, self.pass_, self.dtype = name, pass_, np.dtype(dtype).name
        self.criterion = criterion
        self.bound = bound(name, pass_)
        self.max_err = -1.0
        self.where = None  # dict: x, grad, got, ref of the worst finite input
        self.n_finite = 0
        self.n_over = 0  # finite inputs beyond the bound (by the criterion)
        self.n_not_cr = 0  # finite inputs with error > 0.5 + CR_MARGIN
        self.max_steps = 0  # most floats between a result and the rounded reference
        self.steps_where = None  # the input of max_steps
        self.n_special = 0  # NaN/inf inputs checked
        self.n_special_fail = 0  # NaN/inf/signed-zero failures (any input)
        self.special_example = None
        self.seconds = 0.0

    @property
    def passed(self):
        return self.n_over == 0 and self.n_special_fail == 0 and self.n_finite > 0

    def _example(self, i, x, grad, got, ref, why):
        return {
            "x": x[i].item(), "grad": None if grad is None else grad[i].item(),
            "got": got[i].item(), "ref": float(ref[i]), "why": why, "dtype": self.dtype,
        }

    def _special(self, count, idx, x, grad, got, ref, why):
        if count:
            self.n_special_fail += int(count)
            if self.special_example is None:
                self.special_example = self._example(int(idx[0]), x, grad, got, ref, why)

    def _over(self, err, got, ref):
        """Bool mask: beyond the bound by the criterion (err: ULP errors of got vs ref), and
        the steps of the results that are not correctly rounded (-1 elsewhere)."""
        dtype = np.dtype(self.dtype)
        steps = np.full(err.shape, -1, dtype=np.int64)
        idx = np.flatnonzero((err > 0.5 + CR_MARGIN[dtype]) & np.isfinite(err))
        if idx.size:  # correctly rounded results are 0 steps from the rounded reference
            steps[idx] = steps_from_cr(got[idx], ref[idx], dtype)
        if self.criterion == "unrounded":
            return ~(err <= self.bound), steps
        return np.isinf(err) | (steps > self.bound), steps

    def update(self, err, x, grad, got, ref, finite=None):
        """finite: bool mask of finite inputs (None: all finite)."""
        dtype = np.dtype(self.dtype)
        g = grad if self.pass_ == "backward" else None
        if finite is None:
            errf = err
            n_fin = err.size
        else:
            errf = np.where(finite, err, -1.0)
            n_fin = int(np.count_nonzero(finite))
            special = ~finite
            self.n_special += err.size - n_fin
            bad = special & self._over(err, got, ref)[0]
            self._special(np.count_nonzero(bad), np.flatnonzero(bad), x, g, got, ref,
                          "NaN/inf input")
        if n_fin:
            i = int(np.argmax(errf))
            m = float(errf[i])
            if m > self.max_err:
                self.max_err = m
                self.where = self._example(i, x, g, got, ref, "max")
            self.n_finite += n_fin
            k = int(np.count_nonzero(errf > 0.5 + CR_MARGIN[dtype]))
            self.n_not_cr += k
            if k or (self.criterion == "unrounded" and m > self.bound):
                over, steps = self._over(errf, got, ref)
                if finite is not None:
                    over &= finite
                    steps[~finite] = -1
                self.n_over += int(np.count_nonzero(over))
                j = int(np.argmax(steps))
                if steps[j] > self.max_steps:
                    self.max_steps = int(steps[j])
                    self.steps_where = self._example(j, x, g, got, ref, "max steps")
            if m == np.inf:  # NaN or inf out of a finite input where the reference has none
                spurious = np.isinf(errf)
                self._special(np.count_nonzero(spurious), np.flatnonzero(spurious), x, g, got,
                              ref, "NaN/inf result")
        sz = signed_zero_mismatch(got, ref)
        self._special(np.count_nonzero(sz), np.flatnonzero(sz), x, g, got, ref, "sign of zero")

    def merge(self, other):
        if other.max_err > self.max_err:
            self.max_err, self.where = other.max_err, other.where
        if other.max_steps > self.max_steps:
            self.max_steps, self.steps_where = other.max_steps, other.steps_where
        for k in ("n_finite", "n_over", "n_not_cr", "n_special", "n_special_fail", "seconds"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        if self.special_example is None:
            self.special_example = other.special_example

    def to_dict(self):
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d):
        s = cls.__new__(cls)
        s.__dict__.update(d)
        return s


def check_block(x, grad, stats, kernel=fastact_kernel):
    """Run every (function, pass) of ``stats`` ({(name, pass): Stats}) on one block of inputs
    x (float32 or float64, 1-D contiguous) with gradients grad (same dtype) and update stats."""
    import time

    dtype = x.dtype
    wide = WIDE[dtype]
    with np.errstate(invalid="ignore"):  # signaling NaNs become quiet
        xw = x.astype(wide)
        gw = grad.astype(wide)
    finite = np.isfinite(x)
    if finite.all():
        finite = None
    cache = {}
    for (name, pass_), st in stats.items():
        t0 = time.perf_counter()
        got = kernel(name, pass_, x, grad)
        ref = reference_values(name, pass_, xw, gw, cache)
        err = ulp_errors(got, ref, dtype)
        st.update(err, x, grad, got, ref, finite)
        st.seconds += time.perf_counter() - t0


def new_stats(dtype, cases, criterion="steps"):
    """{(name, pass): Stats} for a list of (name, pass) cases."""
    return {(f, p): Stats(f, p, dtype, criterion) for f, p in cases}


# --- inputs -----------------------------------------------------------------------------------
def float32_patterns(start, stop, stride=1, offset=0):
    """float32 values of the bit patterns offset + stride*k for k in [start, stop)."""
    k = np.arange(start, stop, dtype=np.uint64)
    return (k * np.uint64(stride) + np.uint64(offset)).astype(np.uint32).view(np.float32)


def grads_for(n, dtype, rng):
    """Gradients: even positions N(0, 1), odd positions sign * 2^U(lo, hi) (hi such that
    grad * f' cannot overflow): large gradients meet derivatives that underflow in the data's
    dtype, and small ones give subnormal products; lo reaches below the smallest subnormal, so
    subnormal (and zero) gradients meet derivatives near their maximum too."""
    dtype = np.dtype(dtype)
    lo, hi = (-160.0, 100.0) if dtype == F32 else (-1090.0, 1000.0)
    g = np.empty(n, dtype=np.float64)
    g[0::2] = rng.standard_normal((n + 1) // 2)
    k = n // 2
    g[1::2] = np.exp2(rng.uniform(lo, hi, k))
    g[1::2] *= np.where(rng.random(k) < 0.5, -1.0, 1.0)
    return g.astype(dtype)


def float32_edges():
    """Special float32 inputs: zeros, subnormal and normal limits, infinities, NaNs."""
    fi = np.finfo(np.float32)
    pos = [fi.smallest_subnormal, np.nextafter(fi.tiny, np.float32(0)), fi.tiny, fi.max,
           np.float32(1), np.float32(np.inf)]
    vals = [np.float32(0)] + pos
    vals = vals + [-v for v in vals] + [np.float32(np.nan), -np.float32(np.nan)]
    return np.array(vals, dtype=np.float32)


# Points where a float64 formula changes regime: kinks, branch switches of the current kernels
# and of glibc, where exp/expm1 results round to a constant, become subnormal, or underflow.
_LN = np.log
FLOAT64_THRESHOLDS = sorted({
    0.0, 0.5, 1.0, 2.0 ** -28, 2.0 ** -54,
    22.0,  # glibc tanh: tanh rounds to 1 from here
    19.061547465398498,  # tanh(x) rounds to 1 (atanh(1 - 2^-54))
    36.7368005696771,  # sigmoid(x) = 1/(1+e^-x) rounds to 1 (e^-x < 2^-53)
    37.42994775023705,  # expm1(-x) rounds to -1 (e^-x < 2^-54)
    -_LN(np.finfo(np.float64).tiny),  # 708.396: e^-x subnormal
    -_LN(np.finfo(np.float64).smallest_subnormal),  # 744.44: e^-x below the smallest subnormal
    745.1332191019412,  # e^-x rounds to 0
    700.0, 350.0,  # sigmoid_backward / tanh_backward branch switches (current kernels)
    354.0 + _LN(2) / 2,  # tanh'(x) = 4e^-2x subnormal from about here
    372.5,  # tanh'(x) underflows to 0
    709.782712893384,  # e^x overflows
    1600.0,  # mul_exp cut-off
    float(np.finfo(np.float64).max) / 1.0507009873554805,  # selu(x) overflows
    88.72283905206835, 87.33654475055310, 103.97208, 104.0,  # float32 exp limits
    9.010913, 15.942385, 16.635532, 17.328680,  # float32 tanh -> 1, expm1 -> -1, sigmoid -> 1
})


def float64_edges():
    """Special float64 inputs and the neighbourhoods of FLOAT64_THRESHOLDS (both signs)."""
    fi = np.finfo(np.float64)
    sub = [fi.smallest_subnormal, 2 * fi.smallest_subnormal, np.nextafter(fi.tiny, 0.0),
           fi.tiny / 2, fi.tiny / 3, fi.tiny, np.nextafter(fi.tiny, 1.0)]
    pos = sub + [fi.max, np.nextafter(fi.max, 0.0), fi.eps, fi.epsneg, np.inf]
    for t in FLOAT64_THRESHOLDS:
        if t == 0:
            continue
        v = np.float64(t)
        for k in range(4):  # v and 1..3 ULPs on either side
            pos.append(v)
            v_up = np.nextafter(v, np.inf)
            v_dn = np.nextafter(v, 0.0)
            pos += [v_up, v_dn]
            v = v_up
        pos += list(t * (1 + np.linspace(-1e-9, 1e-9, 9)))
    pos = np.array(pos, dtype=np.float64)
    vals = np.concatenate([[0.0, -0.0], pos, -pos, [np.nan, -np.nan]])
    return vals


def float64_random(n, rng):
    """n float64 inputs from a mix of distributions over every regime of the functions."""
    parts = []
    k = [int(n * f) for f in (0.2, 0.2, 0.1, 0.15, 0.15, 0.1)]
    k.append(n - sum(k))
    scales = np.array([1e-3, 0.1, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0])
    parts.append(rng.standard_normal(k[0]) * rng.choice(scales, k[0]))  # normal(0, s)
    parts.append(rng.uniform(-750.0, 40.0, k[1]))  # the whole exp range
    parts.append(rng.uniform(-40.0, 40.0, k[2]))
    parts.append(rng.integers(0, 2 ** 64, k[3], dtype=np.uint64).view(np.float64))  # any bits
    parts.append(rng.choice([-1.0, 1.0], k[4]) * np.exp2(rng.uniform(-1075.0, 1024.0, k[4])))
    parts.append(rng.choice([-1.0, 1.0], k[5]) * np.exp2(rng.uniform(-34.0, 10.0, k[5])))
    t = np.array([v for v in FLOAT64_THRESHOLDS if 0 < v < 1e300])  # near the thresholds
    near = rng.choice(t, k[6]) * (1 + rng.uniform(-1e-3, 1e-3, k[6]))
    parts.append(near * rng.choice([-1.0, 1.0], k[6]))
    x = np.concatenate(parts)
    rng.shuffle(x)
    return x


def float64_inputs(n, seed, chunk, chunk_size):
    """Chunk number ``chunk`` of the float64 input set of size n (the edges start chunk 0)."""
    edges = float64_edges()
    start = chunk * chunk_size
    stop = min(n, start + chunk_size)
    rng = np.random.default_rng([seed, chunk])
    if chunk == 0:
        e = edges[: stop - start]
        return np.concatenate([e, float64_random(stop - start - e.size, rng)])
    return float64_random(stop - start, rng)
