"""Plain-NumPy reference implementations: the formulas as written in a textbook.

These are the readable oracle for the tests and the NumPy baseline for the benchmarks. They
are dtype-generic: float32, float64 and np.longdouble inputs keep their dtype, so the tests
evaluate them in higher precision (float32 -> float64, float64 -> longdouble) and round.

Only the numerically safe textbook forms are used (sigmoid through exp(-|x|), the derivatives
of sigmoid and tanh as products that do not cancel); otherwise nothing is clever here. The
signatures are those of the public API without ``out=``.
"""
import numpy as np

__all__ = []  # filled in below

# strings, so that np.longdouble evaluation gets every digit
SELU_SCALE = "1.0507009873554804934193349852946"
SELU_ALPHA = "1.6732632423543772848170429916717"


def _arr(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _c(value, like):
    """A constant in the dtype of ``like`` (keeps longdouble precision for longdouble)."""
    return np.asarray(value, dtype=like.dtype)


def _pick_input(x, y):
    if (x is None) == (y is None):
        raise ValueError("give exactly one of x= (the forward input) or y= (the forward output)")
    return (_arr(x), False) if y is None else (_arr(y), True)


def _nonpositive(x):
    """x where x <= 0 (and NaN), 0 elsewhere: the argument of an exp branch only x <= 0 uses
    (unlike np.minimum(x, 0), it keeps -0.0, so elu(-0) = alpha * expm1(-0) = -0)."""
    return np.where(x > 0, _c(0, x), x)


def _nan_passthrough(x, values):
    """Where x is NaN the result is NaN (the comparison-based formulas would hide it)."""
    return np.where(np.isnan(x), x, values)


# --- identity ---------------------------------------------------------------------------------
def identity(x):
    return _arr(x).copy()


def identity_derivative(x):
    x = _arr(x)
    return _nan_passthrough(x, np.ones_like(x))


def identity_backward(grad, x=None, *, y=None):
    a, _ = _pick_input(x, y)
    return _arr(grad) * identity_derivative(a)


# --- relu -------------------------------------------------------------------------------------
def relu(x):
    x = _arr(x)
    return _nan_passthrough(x, np.where(x < 0, 0, x).astype(x.dtype))  # (relu(-0) = -0)


def relu_derivative(x):
    x = _arr(x)
    return _nan_passthrough(x, (x > 0).astype(x.dtype))


def relu_backward(grad, x=None, *, y=None):
    a, _ = _pick_input(x, y)  # y > 0 exactly where x > 0
    return _arr(grad) * relu_derivative(a)


# --- relu6 ------------------------------------------------------------------------------------
def relu6(x):
    # min(max(x, 0), 6), x itself unless beyond a bound (relu6(-0) = -0, as relu's): written
    # out, since np.maximum's choice between -0 and +0 differs between dtypes
    x = _arr(x)
    return _nan_passthrough(x, np.where(x < 0, 0, np.where(x > 6, 6, x)).astype(x.dtype))


def relu6_derivative(x):
    x = _arr(x)
    return _nan_passthrough(x, ((x > 0) & (x < 6)).astype(x.dtype))


def relu6_backward(grad, x=None, *, y=None):
    a, _ = _pick_input(x, y)  # 0 < y < 6 exactly where 0 < x < 6
    return _arr(grad) * relu6_derivative(a)


# --- hardtanh ---------------------------------------------------------------------------------
def hardtanh(x, *, min_val=-1.0, max_val=1.0):
    # min(max(x, min_val), max_val), x itself unless beyond a bound (as relu6's)
    x = _arr(x)
    lo, hi = _c(min_val, x), _c(max_val, x)
    return _nan_passthrough(x, np.where(x < lo, lo, np.where(x > hi, hi, x)).astype(x.dtype))


def hardtanh_derivative(x, *, min_val=-1.0, max_val=1.0):
    x = _arr(x)
    return _nan_passthrough(x, ((x > _c(min_val, x)) & (x < _c(max_val, x))).astype(x.dtype))


def hardtanh_backward(grad, x=None, *, y=None, min_val=-1.0, max_val=1.0):
    a, _ = _pick_input(x, y)  # min_val < y < max_val exactly where min_val < x < max_val
    return _arr(grad) * hardtanh_derivative(a, min_val=min_val, max_val=max_val)


# --- hardsigmoid ------------------------------------------------------------------------------
def hardsigmoid(x):
    x = _arr(x)
    return np.minimum(np.maximum(x + 3, 0), 6).astype(x.dtype) / 6


def hardsigmoid_derivative(x):
    x = _arr(x)
    return _nan_passthrough(x, ((x > -3) & (x < 3)).astype(x.dtype) / 6)


def hardsigmoid_backward(grad, x=None, *, y=None):
    a, from_y = _pick_input(x, y)  # 0 < y < 1 exactly where -3 < x < 3
    d = _nan_passthrough(a, ((a > 0) & (a < 1)).astype(a.dtype) / 6) if from_y \
        else hardsigmoid_derivative(a)
    return _arr(grad) * d


# --- hardswish --------------------------------------------------------------------------------
def hardswish(x):
    x = _arr(x)  # (+0 for x <= -3: the function's constant piece)
    return np.where(x <= -3, _c(0, x), np.where(x >= 3, x, x * (x + 3) / 6))


def hardswish_derivative(x):
    x = _arr(x)  # x/3 + 1/2 as (2x + 3) / 6: exact numerator, no cancellation at x = -1.5
    return np.where(x <= -3, _c(0, x), np.where(x >= 3, _c(1, x), (2 * x + 3) / 6))


def hardswish_backward(grad, x):
    return _arr(grad) * hardswish_derivative(x)


# --- softshrink -------------------------------------------------------------------------------
def softshrink(x, *, lambd=0.5):
    x = _arr(x)
    lam = _c(lambd, x)
    return _nan_passthrough(x, np.where(x > lam, x - lam, np.where(x < -lam, x + lam, _c(0, x))))


def softshrink_derivative(x, *, lambd=0.5):
    x = _arr(x)
    return _nan_passthrough(x, (np.abs(x) > _c(lambd, x)).astype(x.dtype))


def softshrink_backward(grad, x=None, *, y=None, lambd=0.5):
    a, from_y = _pick_input(x, y)  # y != 0 exactly where |x| > lambd
    d = _nan_passthrough(a, (a != 0).astype(a.dtype)) if from_y \
        else softshrink_derivative(a, lambd=lambd)
    return _arr(grad) * d


# --- hardshrink -------------------------------------------------------------------------------
def hardshrink(x, *, lambd=0.5):
    x = _arr(x)
    return _nan_passthrough(x, np.where(np.abs(x) > _c(lambd, x), x, _c(0, x)))


def hardshrink_derivative(x, *, lambd=0.5):
    x = _arr(x)
    return _nan_passthrough(x, (np.abs(x) > _c(lambd, x)).astype(x.dtype))


def hardshrink_backward(grad, x=None, *, y=None, lambd=0.5):
    a, _ = _pick_input(x, y)  # |y| > lambd exactly where |x| > lambd (y = x there, else 0)
    return _arr(grad) * hardshrink_derivative(a, lambd=lambd)


# --- threshold --------------------------------------------------------------------------------
def threshold(x, *, threshold, value):
    x = _arr(x)
    return _nan_passthrough(x, np.where(x > _c(threshold, x), x, _c(value, x)))


def threshold_derivative(x, *, threshold, value):
    x = _arr(x)
    return _nan_passthrough(x, (x > _c(threshold, x)).astype(x.dtype))


def threshold_backward(grad, x=None, *, y=None, threshold, value):
    a, from_y = _pick_input(x, y)
    if from_y and value > threshold:
        raise ValueError("value: backward from y= needs value <= threshold")
    # (value <= threshold: y > threshold exactly where x > threshold)
    return _arr(grad) * threshold_derivative(a, threshold=threshold, value=value)


# --- rrelu (evaluation mode) ------------------------------------------------------------------
def _rrelu_slope(lower, upper, like):
    return (_c(lower, like) + _c(upper, like)) / 2


def rrelu(x, *, lower=0.125, upper=0.3333333333333333):
    x = _arr(x)
    return np.where(x >= 0, x, _rrelu_slope(lower, upper, x) * x)


def rrelu_derivative(x, *, lower=0.125, upper=0.3333333333333333):
    x = _arr(x)
    return _nan_passthrough(x, np.where(x > 0, _c(1, x), _rrelu_slope(lower, upper, x)))


def rrelu_backward(grad, x, *, lower=0.125, upper=0.3333333333333333):
    return _arr(grad) * rrelu_derivative(x, lower=lower, upper=upper)


# --- relu_squared -----------------------------------------------------------------------------
def relu_squared(x):
    return relu(x) ** 2


def relu_squared_derivative(x):
    x = _arr(x)  # 2 relu(x), +0 at both zeros (the kernel's, a derivative's zero)
    return _nan_passthrough(x, np.where(x > 0, 2 * x, 0).astype(x.dtype))


def relu_squared_backward(grad, x=None, *, y=None):
    a, from_y = _pick_input(x, y)  # relu(x) = sqrt(y)
    d = 2 * np.sqrt(np.maximum(a, 0)) if from_y else relu_squared_derivative(a)
    return _arr(grad) * d


# --- softsign ---------------------------------------------------------------------------------
def softsign(x):
    x = _arr(x)  # (the limit +-1 at +-inf, where the quotient is NaN)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))


def softsign_derivative(x):
    x = _arr(x)
    return 1 / (1 + np.abs(x)) ** 2


def softsign_backward(grad, x=None, *, y=None):
    a, from_y = _pick_input(x, y)  # 1 / (1 + |x|) = 1 - |y|
    d = (1 - np.abs(a)) ** 2 if from_y else softsign_derivative(a)
    return _arr(grad) * d


# --- squareplus -------------------------------------------------------------------------------
def _squareplus_root(x, b):
    return np.sqrt(x * x + b)


def squareplus(x, *, b=4.0):
    """(x + sqrt(x^2 + b)) / 2, for x < 0 as b / (2 (sqrt(x^2 + b) - x)) (no cancellation)."""
    x = _arr(x)
    b = _c(b, x)
    s = _squareplus_root(x, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x < 0, b / (2 * (s - x)), (x + s) / 2)


def squareplus_derivative(x, *, b=4.0):
    """(1 + x / s) / 2 = 1 - b / (2 s (s + x)), for x < 0 b / (2 s (s - x))."""
    x = _arr(x)
    b = _c(b, x)
    s = _squareplus_root(x, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x < 0, b / (2 * s * (s - x)), 1 - b / (2 * s * (s + x)))


def squareplus_backward(grad, x, *, b=4.0):
    return _arr(grad) * squareplus_derivative(x, b=b)


# --- sparse_plus, sparse_sigmoid (JAX's) ------------------------------------------------------
def sparse_plus(x):
    x = _arr(x)
    return np.where(x <= -1, _c(0, x), np.where(x >= 1, x, (x + 1) ** 2 / 4))


def sparse_plus_derivative(x):
    return sparse_sigmoid(x)  # continuous: 0 at -1, 1 at 1


def sparse_plus_backward(grad, x):
    return _arr(grad) * sparse_plus_derivative(x)


def sparse_sigmoid(x):
    x = _arr(x)
    return np.where(x <= -1, _c(0, x), np.where(x >= 1, _c(1, x), (x + 1) / 2))


def sparse_sigmoid_derivative(x):
    x = _arr(x)
    return _nan_passthrough(x, ((x > -1) & (x < 1)).astype(x.dtype) / 2)


def sparse_sigmoid_backward(grad, x):
    return _arr(grad) * sparse_sigmoid_derivative(x)


# --- leaky_relu -------------------------------------------------------------------------------
def leaky_relu(x, *, alpha=0.01):
    x = _arr(x)
    return np.where(x >= 0, x, _c(alpha, x) * x)


def leaky_relu_derivative(x, *, alpha=0.01):
    x = _arr(x)
    return _nan_passthrough(x, np.where(x > 0, _c(1, x), _c(alpha, x)))


def leaky_relu_backward(grad, x=None, *, y=None, alpha=0.01):
    a, from_y = _pick_input(x, y)
    if from_y and alpha < 0:
        raise ValueError("alpha: backward from y= needs alpha >= 0")
    return _arr(grad) * leaky_relu_derivative(a, alpha=alpha)  # y has the sign of x


# --- elu --------------------------------------------------------------------------------------
def elu(x, *, alpha=1.0):
    x = _arr(x)
    return np.where(x >= 0, x, _c(alpha, x) * np.expm1(_nonpositive(x)))


def elu_derivative(x, *, alpha=1.0):
    x = _arr(x)
    return np.where(x > 0, _c(1, x), _c(alpha, x) * np.exp(_nonpositive(x)))


def elu_backward(grad, x=None, *, y=None, alpha=1.0):
    a, from_y = _pick_input(x, y)
    if not from_y:
        return _arr(grad) * elu_derivative(a, alpha=alpha)
    if alpha < 0:
        raise ValueError("alpha: backward from y= needs alpha >= 0")
    return _arr(grad) * np.where(a > 0, _c(1, a), a + _c(alpha, a))


# --- selu -------------------------------------------------------------------------------------
def selu(x):
    x = _arr(x)
    scale, alpha = _c(SELU_SCALE, x), _c(SELU_ALPHA, x)
    return scale * np.where(x > 0, x, alpha * np.expm1(_nonpositive(x)))


def selu_derivative(x):
    x = _arr(x)
    scale, alpha = _c(SELU_SCALE, x), _c(SELU_ALPHA, x)
    return scale * np.where(x > 0, _c(1, x), alpha * np.exp(_nonpositive(x)))


def selu_backward(grad, x=None, *, y=None):
    a, from_y = _pick_input(x, y)
    if not from_y:
        return _arr(grad) * selu_derivative(a)
    scale, alpha = _c(SELU_SCALE, a), _c(SELU_ALPHA, a)
    return _arr(grad) * np.where(a > 0, scale, a + scale * alpha)


# --- sigmoid ----------------------------------------------------------------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)), written with e = exp(-|x|) so that it never overflows."""
    x = _arr(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(x):
    """sigmoid(x) * (1 - sigmoid(x)) = sigmoid(x) * sigmoid(-x)."""
    x = _arr(x)
    return sigmoid(x) * sigmoid(-x)


def sigmoid_backward(grad, x=None, *, y=None):
    a, from_y = _pick_input(x, y)
    d = a * (1 - a) if from_y else sigmoid_derivative(a)
    return _arr(grad) * d


# --- tanh -------------------------------------------------------------------------------------
def tanh(x):
    return np.tanh(_arr(x))


def tanh_derivative(x):
    """1 - tanh(x)^2 = 1 / cosh(x)^2 (the second form does not cancel for large |x|)."""
    x = _arr(x)
    with np.errstate(over="ignore"):
        return 1 / np.cosh(x) ** 2


def tanh_backward(grad, x=None, *, y=None):
    a, from_y = _pick_input(x, y)
    d = (1 - a) * (1 + a) if from_y else tanh_derivative(a)  # 1 - y^2 without cancellation
    return _arr(grad) * d


# --- gelu -------------------------------------------------------------------------------------
# approximate='none': x Phi(x), Phi(x) = erfc(-x / sqrt(2)) / 2, gelu' = Phi(x) + x phi(x);
# approximate='tanh' (PyTorch's): x (1 + tanh(u)) / 2, u = sqrt(2/pi) (x + 0.044715 x^3),
# written as x sigmoid(2u) (the same function: (1 + tanh(u)) / 2 = sigmoid(2u)), which does
# not cancel where tanh(u) is near -1; its derivative by the chain rule,
# sigmoid(2u) + x sigmoid'(2u) 2u'.
GELU_SQRT_2_PI = "0.7978845608028653558798921198687637369517"  # sqrt(2 / pi)
GELU_INV_SQRT_2PI = "0.3989422804014326779399460599343818684759"  # 1 / sqrt(2 pi)
GELU_INV_SQRT_2 = "0.7071067811865475244008443621048490392848"  # 1 / sqrt(2)
GELU_TWO_SQRT_PI = "1.128379167095512573896158903121545171688"  # 2 / sqrt(pi)
GELU_A = "0.044715"


# gelu' has a zero near -0.75 (gelu's minimum), where its two terms cancel: within 1/8 of it
# the derivative is its Taylor series there, d = sum c_k t^k, t = x - x0 (x0 = hi + lo:
# x - hi is exact), 20 terms (truncation below 1e-21 relative), so it keeps its relative
# accuracy up to the zero. (x0 and the c_k: mpmath at 60 digits; per choice of approximate.)
GELU_D_ZERO = {
    "none": (-0.7517915246935645, "1.495675917700988327321e-17", (
        "0.4314939923140469197865", "0.3882849829905519978581", "-0.01819967639867108710057",
        "-0.1140082332972217085524", "-0.01477152214824433771784", "0.01942167983818906588903",
        "0.004539228379125415573634", "-0.002239538068073497151279",
        "-0.0007448268386746816242731", "0.0001863397462323351328044",
        "0.00008615947861116571627794", "-0.00001121438018842664137521",
        "-0.000007748461307003719125262", "4.328450625739227546755e-7",
        "5.70276497924210723723e-7", "-1.60442654942464275857e-9",
        "-3.545986646178386648418e-8", "-1.396942086426202065978e-9",
        "1.903198405013139772895e-9", "1.45064189387794248982e-10",
    )),
    "tanh": (-0.7524614220710163, "3.635560509207686845017e-17", (
        "0.4304000910248585090799", "0.3875184461357889264214", "-0.01578285352184802834191",
        "-0.1139444830809589871106", "-0.01661932834305256269228", "0.01968230945983311748702",
        "0.00526105925492191187938", "-0.00242273184587509729924",
        "-0.0009274420230205448962684", "0.0002639276405268105256778",
        "0.0001242522780263978193794", "-0.00003495617169443611732973",
        "-0.00001595089687164510475575", "0.000005918611710894005047668",
        "0.000002433551634429954444777", "-9.898647747433665834144e-7",
        "-4.310248298802901481177e-7", "1.415755698772947294453e-7",
        "7.520740909289921514892e-8", "-1.69782174597810215024e-8",
    )),
}


def _gelu_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise ValueError("approximate: must be one of 'none', 'tanh'; got %r" % (approximate,))
    return approximate == "tanh"


def _exp_half_square(x):
    """exp(-x^2/2) with x^2/2 exact: x = h + l, h = x rounded to float32 (24 bits), so h^2, 2hl
    and l^2 are exact in a dtype of 53 bits or more (float32 data in float64, float64 data in
    long double); the argument's rounding would otherwise cost up to 0.4 ULP near x = -38."""
    x = np.clip(x, _c(-1e4, x), _c(1e4, x))  # (the result is 0 long before; NaN stays)
    h = x.astype(np.float32).astype(x.dtype)
    lo = x - h
    with np.errstate(under="ignore"):
        return np.exp(-h * h / 2) * np.exp(-h * lo) * np.exp(-lo * lo / 2)


def _phi_neg(a):
    """Phi(-a) = erfc(z) / 2, z = a / sqrt(2), for a >= 0 (NaN passes). Up to z = zs, 1 - erf(z)
    with a series of erf; beyond, the continued fraction erfc(z) = exp(-z^2) / sqrt(pi) /
    (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...)))), evaluated bottom-up, with exp(-z^2) from
    the exact a^2 (_exp_half_square). The switch point and the number of levels follow the
    dtype: long double (the float64 tests' reference) switches at z = 1 (erfc(1) = 0.157:
    under a digit lost) and needs 400 levels from z = 1, 200 from 1.5, 120 from 2 (converged
    to 1e-24 or better); float64 (the float32 tests') switches at 1.5 (1.5 digits lost) with
    100 levels (1.5e-17).
    The series is erf's series of positive terms (the alternating Maclaurin series would
    cancel by up to a digit at z = 1.5)."""
    wide = np.finfo(a.dtype).nmant > 52
    zs = 1.0 if wide else 1.5
    z = a * _c(GELU_INV_SQRT_2, a)
    zsmall = np.minimum(z, _c(zs, a))
    q = 2 * zsmall * zsmall
    term, s = zsmall.copy(), zsmall.copy()
    for n in range(1, 50):  # erf(z) = 2/sqrt(pi) exp(-z^2) sum (2z^2)^n z / (1 3 5 ... (2n+1))
        term = term * q / (2 * n + 1)
        s = s + term
    small = (1 - _c(GELU_TWO_SQRT_PI, a) * _exp_half_square(np.minimum(a, _c(zs * 1.5, a))
                                                            ) * s) / 2
    zc = np.where(z < zs, _c(zs, a), z)
    k = zc.copy()
    lowest = np.min(z[z >= zs], initial=np.inf)  # (levels for 1e-22, 1e-17 relative)
    levels = (400 if lowest < 1.5 else 200 if lowest < 2 else 120) if wide else 100
    for n in range(levels, 0, -1):
        k = zc + _c(n / 2, a) / k
    with np.errstate(invalid="ignore"):
        big = _exp_half_square(a) * (_c(GELU_TWO_SQRT_PI, a) / 4) / k
    return np.where(z < zs, small, big)


def _gelu_u(x):
    """u = sqrt(2/pi) (x + 0.044715 x^3) and du/dx."""
    c, a = _c(GELU_SQRT_2_PI, x), _c(GELU_A, x)
    with np.errstate(over="ignore", invalid="ignore"):
        return c * (x + a * x * x * x), c * (1 + 3 * a * x * x)


def gelu(x, *, approximate="none"):
    x = _arr(x)
    with np.errstate(over="ignore", invalid="ignore"):
        if _gelu_approximate(approximate):
            u, _ = _gelu_u(x)
            y = x * sigmoid(2 * u)
        else:
            y = np.where(x < 0, x * _phi_neg(-x), x * (1 - _phi_neg(np.abs(x))))
    return np.where(np.isneginf(x), _c(-0.0, x), np.where(np.isposinf(x), x, y))


def gelu_derivative(x, *, approximate="none"):
    x = _arr(x)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if _gelu_approximate(approximate):
            u, du = _gelu_u(x)
            d = sigmoid(2 * u) + x * (2 * du) * sigmoid_derivative(2 * u)
        else:
            pdf = _exp_half_square(x) * _c(GELU_INV_SQRT_2PI, x)
            d = np.where(x < 0, _phi_neg(-x), 1 - _phi_neg(np.abs(x))) + x * pdf
    hi, lo, coefs = GELU_D_ZERO["tanh" if _gelu_approximate(approximate) else "none"]
    t = (x - _c(hi, x)) - _c(lo, x)
    near = np.zeros_like(t)
    for c in reversed(coefs):
        near = (near + _c(c, x)) * t
    d = np.where(np.abs(t) < _c(0.125, x), near, d)
    # gelu' < 0 below its zero: -0 where it underflows and at -inf (the limit from below, as
    # silu'); 1 at inf
    d = np.where((d == 0) & (x < 0), _c(-0.0, x), d)
    return np.where(np.isinf(x), np.where(x > 0, _c(1, x), _c(-0.0, x)), d)


def gelu_backward(grad, x, *, approximate="none"):
    return _arr(grad) * gelu_derivative(x, approximate=approximate)


# --- silu -------------------------------------------------------------------------------------
# silu' vanishes at SILU_X0 (its minimum): 1 + x + e^x = t + c expm1(t) with t = x - SILU_X0 and
# c = e^SILU_X0 = -(1 + SILU_X0) > 0, two terms of one sign, so the derivative keeps its relative
# accuracy up to the zero (t from SILU_X0 as a double plus a remainder: exact near the zero).
SILU_X0_HI = -1.2784645427610737  # a double (a float: exact in every dtype evaluated)
SILU_X0_LO = "-1.09469941830934374304504495189e-16"
SILU_C = "0.27846454276107379510935873902298"


def silu(x):
    x = _arr(x)
    with np.errstate(invalid="ignore"):
        return np.where(np.isneginf(x), _c(-0.0, x), x * sigmoid(x))


def silu_derivative(x):
    """sigmoid(x) (1 + x sigmoid(-x)): (1 + E (1 + x)) / (1 + E)^2 with E = exp(-x) for x > 0,
    e (1 + x + e) / (1 + e)^2 with e = exp(x) and 1 + x + e written without cancellation for
    x <= 0."""
    x = _arr(x)
    with np.errstate(over="ignore", invalid="ignore"):
        ep = np.exp(-np.abs(x))
        pos = (1 + ep * (1 + np.minimum(np.abs(x), _c(1e4, x)))) / (1 + ep) ** 2
        t = (x - _c(SILU_X0_HI, x)) - _c(SILU_X0_LO, x)
        g = t + _c(SILU_C, x) * np.expm1(np.minimum(t, _c(2, x)))
        neg = ep * g / (1 + ep) ** 2
        neg = np.where(np.isneginf(x), _c(-0.0, x), neg)
    return np.where(x > 0, pos, neg)


def silu_backward(grad, x):
    return _arr(grad) * silu_derivative(x)


swish, swish_derivative, swish_backward = silu, silu_derivative, silu_backward


# --- softplus ---------------------------------------------------------------------------------
def softplus(x, *, beta=1.0, threshold=20.0):
    """x where beta x > threshold, else log1p(exp(beta x)) / beta = (max(z, 0) +
    log1p(exp(-|z|))) / beta, z = beta x (never overflows)."""
    x = _arr(x)
    z = _c(beta, x) * x
    with np.errstate(over="ignore", invalid="ignore"):
        v = (np.where(z > 0, z, _c(0, x)) + np.log1p(np.exp(-np.abs(z)))) / _c(beta, x)
    return np.where(z > _c(threshold, x), x, v)


def softplus_derivative(x, *, beta=1.0, threshold=20.0):
    x = _arr(x)
    z = _c(beta, x) * x
    return _nan_passthrough(z, np.where(z > _c(threshold, x), _c(1, x), sigmoid(z)))


def softplus_backward(grad, x, *, beta=1.0, threshold=20.0):
    return _arr(grad) * softplus_derivative(x, beta=beta, threshold=threshold)


# --- logsigmoid -------------------------------------------------------------------------------
def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|))."""
    x = _arr(x)
    return -(np.where(x < 0, -x, _c(0, x)) + np.log1p(np.exp(-np.abs(x))))


def logsigmoid_derivative(x):
    return sigmoid(-_arr(x))


def logsigmoid_backward(grad, x):
    return _arr(grad) * logsigmoid_derivative(x)


log_sigmoid, log_sigmoid_derivative, log_sigmoid_backward = (
    logsigmoid, logsigmoid_derivative, logsigmoid_backward)

# --- mish -------------------------------------------------------------------------------------
# mish'(x) vanishes at MISH_X0 (mish's minimum). For x <= 0, with w = e^x and D = w^2 + 2w + 2,
# mish'(x) = w h / D^2 with h = (w + 2) D + 4x (1 + w), which cancels near the zero; written in
# t = x - MISH_X0 and em = expm1(t) (w0 = e^MISH_X0, h(MISH_X0) = 0 subtracted out):
# h = em (w0^3 (em^2 + 3 em + 3) + 4 w0^2 (em + 2) + w0 (6 + 4 x0)) + 4t (1 + w0 e^t),
# two terms of the sign of t, so the derivative keeps its relative accuracy up to the zero.
MISH_X0_HI = -1.1924312145154952  # a double
MISH_X0_LO = "-4.8484829848031045549e-17"
MISH_W0 = "0.30348253528152892882143674353964305836449075179661"
MISH_W0_3 = "0.027951242009170136450866461404017831911125694672668"
MISH_W0_2_4 = "0.36840659688361780427354763322582837210811523905435"
MISH_C1 = "0.3733670191691929078259392670531114183835047035631"


def mish(x):
    """x tanh(softplus(x)); mish(-inf) = -0 (the limit)."""
    x = _arr(x)
    with np.errstate(invalid="ignore", over="ignore"):
        v = x * np.tanh(np.logaddexp(_c(0, x), x))
    return np.where(np.isneginf(x), _c(-0.0, x), v)


def mish_derivative(x):
    """tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), sp = softplus(x); for x <= 0 as w h / D^2 (see
    above), which does not cancel near the zero."""
    x = _arr(x)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        xp = np.where(x > 0, np.minimum(x, _c(1e4, x)), _c(0, x))  # (mish'(x) = 1 beyond)
        ts = np.tanh(np.logaddexp(_c(0, x), xp))
        pos = ts + xp * sigmoid(xp) * (1 - ts * ts)
        xn = np.where(x > 0, _c(0, x), np.maximum(x, _c(-1e5, x)))
        w = np.exp(xn)
        t = (xn - _c(MISH_X0_HI, x)) - _c(MISH_X0_LO, x)
        em = np.expm1(t)
        b = (_c(MISH_W0_3, x) * (em * em + 3 * em + 3) + _c(MISH_W0_2_4, x) * (em + 2)
             + _c(MISH_C1, x))
        h = em * b + 4 * t * (1 + _c(MISH_W0, x) * np.exp(t))
        d = w * w + 2 * w + 2
        neg = w * h / (d * d)
    return np.where(x > 0, pos, np.where(np.isneginf(x), _c(-0.0, x), neg))


def mish_backward(grad, x):
    return _arr(grad) * mish_derivative(x)


# --- celu -------------------------------------------------------------------------------------
def celu(x, *, alpha=1.0):
    x = _arr(x)
    a = _c(alpha, x)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x > 0, x, a * np.expm1(np.where(x > 0, _c(0, x), x) / a))


def celu_derivative(x, *, alpha=1.0):
    x = _arr(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x > 0, _c(1, x), np.exp(_nonpositive(x) / _c(alpha, x)))


def celu_backward(grad, x=None, *, y=None, alpha=1.0):
    a, from_y = _pick_input(x, y)
    if not from_y:
        return _arr(grad) * celu_derivative(a, alpha=alpha)
    if alpha <= 0:
        raise ValueError("alpha: backward from y= needs alpha > 0")
    al = _c(alpha, a)
    return _arr(grad) * np.where(a > 0, _c(1, a), (a + al) / al)


# --- tanhshrink -------------------------------------------------------------------------------
def _tanh_taylor(n):
    """The first n coefficients c_j of tanh(x) = sum c_j x^(2j+1), as Fractions (from the
    Bernoulli numbers: c_j = 2^(2m) (2^(2m) - 1) B_2m / (2m)!, m = j + 1)."""
    from fractions import Fraction
    from math import comb, factorial

    b = [Fraction(1)]
    for m in range(1, 2 * n + 2):
        b.append(-sum(comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return [Fraction(4 ** m * (4 ** m - 1)) * b[2 * m] / factorial(2 * m)
            for m in range(1, n + 1)]


def _decimal(c, digits=30):
    """A Fraction as a decimal string of `digits` significant digits (for np.longdouble)."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = digits
        return str(Decimal(c.numerator) / Decimal(c.denominator))


_TANH_C = [_decimal(c) for c in _tanh_taylor(16)]


def tanhshrink(x):
    """x - tanh(x); for |x| < 1/4 as its Taylor series -(sum c_j x^(2j+1), j >= 1), which does
    not cancel (x - tanh(x) is x^3/3 near 0)."""
    x = _arr(x)
    xs = np.where(np.abs(x) < 0.25, x, _c(0, x))
    x2 = xs * xs
    s = _c(0, x)
    for c in reversed(_TANH_C[1:]):
        s = s * x2 + _c(c, x)
    series = -(s * x2 * xs)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(x) < 0.25, series, x - np.tanh(x))


def tanhshrink_derivative(x):
    x = _arr(x)
    t = np.tanh(x)
    return t * t


def tanhshrink_backward(grad, x):
    return _arr(grad) * tanhshrink_derivative(x)


# aliases
linear, linear_derivative, linear_backward = identity, identity_derivative, identity_backward


# --- prelu ------------------------------------------------------------------------------------
def _channel_weight(x, weight, axis):
    """weight broadcast against x along the channel axis."""
    w = np.asarray(weight, dtype=x.dtype)
    if w.size == 1:
        return w.reshape(())
    shape = [1] * x.ndim
    shape[axis] = w.size
    return w.reshape(shape)


def prelu(x, weight, *, axis=1):
    x = _arr(x)
    return np.where(x >= 0, x, _channel_weight(x, weight, axis) * x)


def prelu_derivative(x, weight, *, axis=1):
    x = _arr(x)
    w = _channel_weight(x, weight, axis)
    return _nan_passthrough(x, np.where(x > 0, _c(1, x), w))


def prelu_backward(grad, x, weight, *, axis=1):
    """(grad * prelu'(x), sum of grad * x over x <= 0, per channel)."""
    x, grad = _arr(x), _arr(grad)
    grad_x = grad * prelu_derivative(x, weight, axis=axis)
    contrib = np.where(x > 0, 0, grad * x)
    w = np.asarray(weight)
    if w.size == 1:
        grad_w = contrib.sum().reshape(w.shape)
    else:
        ax = axis % x.ndim
        grad_w = contrib.sum(axis=tuple(i for i in range(x.ndim) if i != ax))
    return grad_x, grad_w.astype(x.dtype)


# --- softmax, log_softmax ---------------------------------------------------------------------
def softmax(x, *, axis=-1):
    x = _arr(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(grad, *, y, axis=-1):
    """Vector-Jacobian product: y * (grad - sum(grad * y))."""
    grad, y = _arr(grad), _arr(y)
    return y * (grad - np.sum(grad * y, axis=axis, keepdims=True))


def log_softmax(x, *, axis=-1):
    x = _arr(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def log_softmax_backward(grad, *, y, axis=-1):
    """Vector-Jacobian product: grad - exp(y) * sum(grad)."""
    grad, y = _arr(grad), _arr(y)
    return grad - np.exp(y) * np.sum(grad, axis=axis, keepdims=True)


# --- softmin ---------------------------------------------------------------------------------
def softmin(x, *, axis=-1):
    """softmax(-x): exp(min - x) / sum(exp(min - x))."""
    x = _arr(x)
    e = np.exp(np.min(x, axis=axis, keepdims=True) - x)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmin_backward(grad, *, y, axis=-1):
    """Vector-Jacobian product: y * (sum(grad * y) - grad) (softmax's, negated)."""
    grad, y = _arr(grad), _arr(y)
    return y * (np.sum(grad * y, axis=axis, keepdims=True) - grad)


# --- sparsemax --------------------------------------------------------------------------------
def _sparsemax_tau(x, axis=-1):
    """The threshold tau of sparsemax (keepdims): sort descending, the support size
    k = max{k: 1 + k z_(k) > z_(1) + ... + z_(k)}, tau = (z_(1) + ... + z_(k) - 1) / k."""
    z = np.moveaxis(_arr(x), axis, -1)
    zs = -np.sort(-z, axis=-1)
    cs = np.cumsum(zs, axis=-1)
    k = np.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    kz = np.sum(1 + k * zs > cs, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cs, np.maximum(kz, 1) - 1, axis=-1) - 1) / np.maximum(kz, 1)
    return np.moveaxis(tau, -1, axis)


def sparsemax(x, *, axis=-1):
    """max(x - tau, 0): the Euclidean projection of each slice onto the probability simplex."""
    x = _arr(x)
    if x.size == 0:
        return x.copy()
    # shift-invariant: z = x - max(x) keeps the threshold's absolute accuracy for large x
    with np.errstate(invalid="ignore", over="ignore"):
        z = x - np.max(x, axis=axis, keepdims=True)
    return np.maximum(z - _sparsemax_tau(z, axis), 0)


def sparsemax_backward(grad, *, y, axis=-1):
    """Vector-Jacobian product: on the support (y > 0) grad minus its mean there, else 0."""
    grad, y = _arr(grad), _arr(y)
    s = y > 0
    mean = np.sum(np.where(s, grad, 0), axis=axis, keepdims=True) / np.sum(
        s, axis=axis, keepdims=True)
    return np.where(s, grad - mean, np.where(np.isnan(y), y, 0))


# --- gates: value * act(gate) ------------------------------------------------------------------
def _act(activation):
    """The reference forward and derivative of a parameter-free elementwise function."""
    from fastact import _catalogue

    acts = _catalogue.gate_activations()
    key = activation.strip().lower() if isinstance(activation, str) else None
    name = key if key in acts else (_catalogue.resolve(key) if key is not None else None)
    if name not in acts:
        raise ValueError("activation: %r is not a parameter-free elementwise function"
                         % (activation,))
    # (a kernel of a choice row, such as <row>_<choice>: the row's function with its choice)
    row_name, params = _catalogue.kernel_call(name)
    f, d = globals()[row_name], globals()[row_name + "_derivative"]
    return (lambda x: f(x, **params)), (lambda x: d(x, **params))


def gated(value, gate, *, activation="silu"):
    """value * act(gate)."""
    f, _ = _act(activation)
    return _arr(value) * f(_arr(gate))


def gated_backward(grad, value, gate, *, activation="silu"):
    """(grad * act(gate), grad * value * act'(gate))."""
    f, d = _act(activation)
    grad, value, gate = _arr(grad), _arr(value), _arr(gate)
    return grad * f(gate), grad * value * d(gate)


def _halves(x, axis):
    x = _arr(x)
    n = x.shape[axis]
    if n % 2:
        raise ValueError("axis: the length %d along axis %d is odd" % (n, axis))
    return np.split(x, 2, axis=axis)


def glu(x, *, axis=-1, activation="sigmoid"):
    """a * act(b), a and b the first and second halves of x along axis."""
    f, _ = _act(activation)
    a, b = _halves(x, axis)
    return a * f(b)


def glu_backward(grad, x, *, axis=-1, activation="sigmoid"):
    """[grad * act(b), grad * a * act'(b)] along axis."""
    f, d = _act(activation)
    a, b = _halves(x, axis)
    grad = _arr(grad)
    return np.concatenate([grad * f(b), grad * a * d(b)], axis=axis)


def get(name):
    """The reference function of a public name or alias (``reference.get("tanh_backward")``)."""
    from fastact import _catalogue

    for row in _catalogue.ROWS:
        for alias in (row.name,) + row.aliases:
            if name in [alias + n[len(row.name):] for n in row.public_names()]:
                return globals()[name]
    raise ValueError("name: unknown function %r; fastact.reference has %s"
                     % (name, ", ".join(__all__)))


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("np",)]
__all__ = [n for n in __all__ if not n.startswith("GELU_")]  # (constants)
__all__ = [n for n in __all__ if n not in ("SELU_SCALE", "SELU_ALPHA", "SILU_X0_HI", "SILU_X0_LO",
                                           "SILU_C", "MISH_X0_HI", "MISH_X0_LO", "MISH_W0",
                                           "MISH_W0_3", "MISH_W0_2_4", "MISH_C1")]
