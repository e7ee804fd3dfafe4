# Scalar formulas: one ``cdef inline ... noexcept nogil`` function per formula, shared by the
# forward, derivative and backward loops of every kernel module.
#
# Precision: every formula evaluates in double and the loops round the result once to the
# array's dtype. For float32 data that makes each result correctly rounded up to a double
# rounding (<= 0.5 ULP + 2^-29 relative); for float64 the bounds are those of the libm calls
# (glibc: exp, expm1 < 1 ULP; tanh < 2 ULP) plus one or two roundings.
#
# NaN in gives NaN out for every formula (comparisons are written so that NaN falls through
# to an arithmetic branch), and the infinities give the mathematical limits.

from libc.math cimport exp, expm1, fabs, floor, frexp, ldexp, log, log1p, INFINITY
from libc.float cimport DBL_MIN
from libc.math cimport tanh as c_tanh

# SELU's constants as double-double values (hi + lo, from the 32-digit definitions, computed
# with mpmath): hi * v + lo * v keeps the constant's rounding (up to 0.5 ULP) out of the result.
cdef extern from *:
    """
    #define FASTACT_SELU_SCALE 1.0507009873554805
    #define FASTACT_SELU_SCALE_LO 3.9874847667154144e-17
    #define FASTACT_SELU_SCALE_ALPHA 1.7580993408473768
    #define FASTACT_SELU_SCALE_ALPHA_LO 1.41535193800845e-17
    """
    const double SELU_SCALE "FASTACT_SELU_SCALE"
    const double SELU_SCALE_LO "FASTACT_SELU_SCALE_LO"
    const double SELU_SCALE_ALPHA "FASTACT_SELU_SCALE_ALPHA"
    const double SELU_SCALE_ALPHA_LO "FASTACT_SELU_SCALE_ALPHA_LO"


# ln 2 split for Cody-Waite reduction: LN2_HI has 32 trailing zero bits, so k * LN2_HI is exact
# for |k| < 2^21.
cdef extern from *:
    """
    #define FASTACT_LN2_HI 6.93147180369123816490e-01
    #define FASTACT_LN2_LO 1.90821492927058770002e-10
    #define FASTACT_INV_LN2 1.44269504088896338700e+00
    """
    const double LN2_HI "FASTACT_LN2_HI"
    const double LN2_LO "FASTACT_LN2_LO"
    const double INV_LN2 "FASTACT_INV_LN2"


# a * b * exp(x) * 2^j, accurate wherever the product is: b * exp(x) alone may be subnormal or
# 0 (a derivative far in an exp tail, or a tiny alpha) while a large gradient a makes the
# product a normal number. Then every factor is split into a mantissa and a power of two
# (exp(x) = exp(r) * 2^k with |r| <= ln2/2), the mantissas are multiplied (no overflow or
# underflow possible) and the powers of two are applied last by one correctly rounded ldexp.
# NaN in gives NaN; x = -inf gives a * b * 0.
cdef inline double mul_exp(double a, double b, double x, int j) noexcept nogil:
    cdef double e = b * exp(x)
    cdef double k, r, ma, mb
    cdef int ea, eb
    if not (fabs(e) < DBL_MIN):  # normal, inf or NaN: nothing was lost
        return ldexp(a * e, j) if j else a * e
    if x < -1600.0:
        return a * e
    k = floor(x * INV_LN2 + 0.5)
    r = (x - k * LN2_HI) - k * LN2_LO
    ma = frexp(a, &ea)
    mb = frexp(b, &eb)
    return ldexp(ma * (mb * exp(r)), ea + eb + <int>k + j)


# --- identity -------------------------------------------------------------------------------
cdef inline double identity(double x) noexcept nogil:
    return x

cdef inline double identity_derivative(double x) noexcept nogil:
    return 1.0 if x == x else x

cdef inline double identity_derivative_from_y(double y) noexcept nogil:
    return 1.0 if y == y else y


# --- relu: the derivative at 0 takes the left branch (0) --------------------------------------
cdef inline double relu(double x) noexcept nogil:
    return 0.0 if x <= 0.0 else x

cdef inline double relu_derivative(double x) noexcept nogil:
    if x > 0.0:
        return 1.0
    return 0.0 if x <= 0.0 else x

cdef inline double relu_derivative_from_y(double y) noexcept nogil:
    return relu_derivative(y)


# --- leaky_relu: derivative at 0 is alpha -----------------------------------------------------
cdef inline double leaky_relu(double x, double alpha) noexcept nogil:
    return x if x >= 0.0 else alpha * x

cdef inline double leaky_relu_derivative(double x, double alpha) noexcept nogil:
    if x > 0.0:
        return 1.0
    return alpha if x <= 0.0 else x

# y = leaky_relu(x) has the sign of x when alpha >= 0 (checked by the Python layer).
cdef inline double leaky_relu_derivative_from_y(double y, double alpha) noexcept nogil:
    return leaky_relu_derivative(y, alpha)


# --- elu: expm1 keeps full relative accuracy near 0 -------------------------------------------
cdef inline double elu(double x, double alpha) noexcept nogil:
    return x if x > 0.0 else alpha * expm1(x)

cdef inline double elu_derivative(double x, double alpha) noexcept nogil:
    return 1.0 if x > 0.0 else alpha * exp(x)

# For x <= 0: alpha*exp(x) = alpha*expm1(x) + alpha = y + alpha (alpha >= 0 checked in Python).
cdef inline double elu_derivative_from_y(double y, double alpha) noexcept nogil:
    return 1.0 if y > 0.0 else y + alpha


# --- selu -----------------------------------------------------------------------------------
cdef inline double selu(double x) noexcept nogil:
    cdef double e
    if x > 0.0:
        return SELU_SCALE * x + SELU_SCALE_LO * x
    e = expm1(x)
    return SELU_SCALE_ALPHA * e + SELU_SCALE_ALPHA_LO * e

cdef inline double selu_derivative(double x) noexcept nogil:
    cdef double e
    if x > 0.0:
        return SELU_SCALE
    e = exp(x)
    return SELU_SCALE_ALPHA * e + SELU_SCALE_ALPHA_LO * e

# y + scale*alpha: y + hi is exact where it cancels (Sterbenz), then lo is added.
cdef inline double selu_derivative_from_y(double y) noexcept nogil:
    return SELU_SCALE if y > 0.0 else (y + SELU_SCALE_ALPHA) + SELU_SCALE_ALPHA_LO


# --- sigmoid: exp(-|x|) never overflows --------------------------------------------------------
cdef inline double sigmoid(double x) noexcept nogil:
    cdef double e = exp(-fabs(x))
    return 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)

# sigmoid(x) * sigmoid(-x) = e / (1 + e)^2 with e = exp(-|x|): no cancellation for any x
# (the textbook s * (1 - s) loses every digit once s rounds to 1).
# (1 + e)^2 is evaluated as 1 + e*(2 + e): one rounding of a term below 1 instead of a rounded
# square, which keeps the whole formula near 1.5 ULP.
cdef inline double sigmoid_derivative(double x) noexcept nogil:
    cdef double e = exp(-fabs(x))
    return e / (1.0 + e * (2.0 + e))

cdef inline double sigmoid_derivative_from_y(double y) noexcept nogil:
    return y * (1.0 - y)


# --- tanh -----------------------------------------------------------------------------------
cdef inline double tanh(double x) noexcept nogil:
    return c_tanh(x)

# 1 - tanh(x)^2 = sech(x)^2 = 4e / (1 + e)^2 with e = exp(-2|x|); used for |x| >= 0.5 where
# 1 - t*t would cancel. Below 0.5, t*t <= 0.22 and 1 - t*t is accurate.
cdef inline double tanh_derivative(double x) noexcept nogil:
    cdef double a = fabs(x)
    cdef double t, e
    if a < 0.5:
        t = c_tanh(x)
        return 1.0 - t * t
    e = exp(-2.0 * a)
    return (4.0 * e) / (1.0 + e * (2.0 + e))

# (1 - y)(1 + y): 1 - y is exact for y in [0.5, 1], where 1 - y*y would cancel.
cdef inline double tanh_derivative_from_y(double y) noexcept nogil:
    return (1.0 - y) * (1.0 + y)


# --- backward: grad * f'(x) in one formula ------------------------------------------------------
# The generic form multiplies by the derivative; functions whose derivative can underflow
# while grad * f'(x) is a normal number (an exp tail) have their own below.
cdef inline double identity_backward(double g, double x) noexcept nogil:
    return g * identity_derivative(x)

cdef inline double identity_backward_from_y(double g, double y) noexcept nogil:
    return g * identity_derivative_from_y(y)

cdef inline double relu_backward(double g, double x) noexcept nogil:
    return g * relu_derivative(x)

cdef inline double relu_backward_from_y(double g, double y) noexcept nogil:
    return g * relu_derivative_from_y(y)

cdef inline double leaky_relu_backward(double g, double x, double alpha) noexcept nogil:
    return g * leaky_relu_derivative(x, alpha)

cdef inline double leaky_relu_backward_from_y(double g, double y, double alpha) noexcept nogil:
    return g * leaky_relu_derivative_from_y(y, alpha)

cdef inline double elu_backward(double g, double x, double alpha) noexcept nogil:
    return g if x > 0.0 else mul_exp(g, alpha, x, 0)

cdef inline double elu_backward_from_y(double g, double y, double alpha) noexcept nogil:
    return g * elu_derivative_from_y(y, alpha)

cdef inline double selu_backward(double g, double x) noexcept nogil:
    if x > 0.0:
        return g * SELU_SCALE
    return mul_exp(g, SELU_SCALE_ALPHA, x, 0)  # SELU_SCALE_ALPHA_LO is 0.07 ULP

cdef inline double selu_backward_from_y(double g, double y) noexcept nogil:
    return g * selu_derivative_from_y(y)

# Beyond |x| = 700, (1 + e)^2 rounds to 1 and sigmoid'(x) = exp(-|x|).
cdef inline double sigmoid_backward(double g, double x) noexcept nogil:
    cdef double a = fabs(x)
    if a > 700.0:
        return mul_exp(g, 1.0, -a, 0)
    return g * sigmoid_derivative(x)

cdef inline double sigmoid_backward_from_y(double g, double y) noexcept nogil:
    return g * sigmoid_derivative_from_y(y)

# Beyond |x| = 350, tanh'(x) = 4 exp(-2|x|) (the denominator rounds to 1).
cdef inline double tanh_backward(double g, double x) noexcept nogil:
    cdef double a = fabs(x)
    if a > 350.0:
        return mul_exp(g, 1.0, -2.0 * a, 2)
    return g * tanh_derivative(x)

cdef inline double tanh_backward_from_y(double g, double y) noexcept nogil:
    return g * tanh_derivative_from_y(y)


# --- softmax helpers ------------------------------------------------------------------------
# The rounding error of s = a + b (Knuth's TwoSum: exact, branch-free, any magnitudes).
cdef inline double two_sum_err(double a, double b, double s) noexcept nogil:
    cdef double bb = s - a
    return (a - (s - bb)) + (b - bb)

# exp(x - m) for float64 data: x - m is rounded, and that rounding (up to |x - m| * 2^-53
# absolute) becomes a relative error of exp. TwoSum recovers the rounding error lo exactly and
# exp(hi + lo) = exp(hi) * (1 + lo) to first order. lo is NaN only when hi is not finite, where
# the correction does not apply.
cdef inline double exp_shifted(double x, double m) noexcept nogil:
    cdef double hi = x - m
    cdef double lo = two_sum_err(x, -m, hi)
    cdef double e = exp(hi)
    if lo != lo:
        return e
    return e + e * lo
