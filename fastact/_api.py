"""Thin Python layer: validate once, pick the dtype's kernel, allocate out, call the kernel.

No Python code loops over elements. Every check happens before the kernel runs, so a call
that raises leaves every buffer untouched.
"""
import math
import numbers

import numpy as np

try:
    from ._kernels import _elementwise, _prelu, _softmax
except ImportError as exc:  # pragma: no cover - only when running from an unbuilt source tree
    raise ImportError(
        "fastact's compiled kernels are missing (%s). Install the package with "
        "`pip install .` and do not import it from the source tree." % exc
    ) from exc

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
_SUFFIX = {F32: "f32", F64: "f64"}
# (function, pass, dtype) -> kernel; keyed by dtype objects (dtype.name is a slow property)
_ELEMENTWISE = {
    (name, pass_, np.dtype(dtype)): kernel
    for (name, pass_, dtype), kernel in _elementwise.KERNELS.items()
}

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


# --- validation helpers -----------------------------------------------------------------------
def _unsupported(name, dtype):
    return TypeError(
        "%s: dtype %s is not supported; fastact computes in float32 and float64 (out-of-place "
        "calls also accept bool and integer input, computed in float64, and float16, computed "
        "in float32)" % (name, dtype)
    )


def _compute_dtype(name, dtype):
    """(compute dtype, result dtype) for an input dtype, following NumPy's casting."""
    if dtype in _SUFFIX:
        return dtype, dtype
    if dtype.kind in "biu":
        return F64, F64
    if dtype == np.float16:
        return F32, dtype
    raise _unsupported(name, dtype)


def check_param(name, value):
    """A finite real number (a parameter such as alpha)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError("%s: expected a real number, got %s" % (name, type(value).__name__))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("%s: must be finite, got %r" % (name, value))
    return value


def check_axis(axis, ndim):
    """A valid axis of an ndim-d array, normalized to 0..ndim-1 (0-d arrays accept 0 and -1)."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
    axis = int(axis)
    size = max(ndim, 1)
    if not -size <= axis < size:
        raise ValueError("axis: %d is out of range for a %d-d array" % (axis, ndim))
    return axis % size


def _check_out(out, shape, dtype):
    if not isinstance(out, np.ndarray):
        raise TypeError("out: expected a numpy.ndarray, got %s" % type(out).__name__)
    if out.dtype != dtype:  # only reached when out's dtype is not float32/float64
        raise _unsupported("out", out.dtype)
    if out.shape != shape:
        raise ValueError(
            "out: shape %s does not match the result shape %s" % (out.shape, shape)
        )
    if not out.flags.writeable:
        raise ValueError("out: array is read-only (flags.writeable is False)")
    if not (out.flags.c_contiguous or out.flags.f_contiguous):
        raise ValueError(
            "out: must be C- or F-contiguous (got strides %s); pass a contiguous array "
            "or let fastact allocate the result" % (out.strides,)
        )


def _is_exact_alias(a, out):
    if a is out:
        return True
    return (
        a.__array_interface__["data"][0] == out.__array_interface__["data"][0]
        and a.shape == out.shape
        and a.strides == out.strides
        and a.dtype == out.dtype
    )


def _check_overlap(named, out, allow_alias):
    """out may be one of the inputs exactly, never a partial overlap of one."""
    for name, a in named:
        if isinstance(a, np.ndarray) and np.may_share_memory(a, out):
            if not (allow_alias and _is_exact_alias(a, out)):
                raise ValueError(
                    "out: overlaps %s without being the same view of memory (same start, "
                    "shape and strides); compute in place with out=%s or pass a separate "
                    "array" % (name, name)
                    if allow_alias
                    else "out: shares memory with %s; pass a separate array" % name
                )


def prepare(named, out, extra=()):
    """Validate the arrays of one call.

    named: [(argument name, array-like)] of the same shape, converted and made contiguous in
    a common memory order. extra: [(name, array-like)] that only take part in the dtype check
    (e.g. prelu's weight). Returns (arrays, out, result dtype, order) where arrays are in the
    compute dtype, contiguous in `order` ('C' or 'F'), and out is the validated or allocated
    output of the compute dtype.
    """
    typed = [(n, a.dtype) for n, a in list(named) + list(extra) if isinstance(a, (np.ndarray, np.generic))]
    if out is not None:
        if not isinstance(out, np.ndarray):
            raise TypeError("out: expected a numpy.ndarray, got %s" % type(out).__name__)
        typed.append(("out", out.dtype))
    for n, d in typed[1:]:
        if d != typed[0][1]:
            raise TypeError(
                "%s has dtype %s but %s has dtype %s; all arrays of one call must share one "
                "dtype (float32 or float64)" % (typed[0][0], typed[0][1], n, d)
            )
    if typed:
        compute, result = _compute_dtype(typed[0][0], typed[0][1])
    else:  # only lists / Python scalars: NumPy's own choice, then our casting
        natural = np.result_type(*[np.asarray(a) for _, a in named])
        compute, result = _compute_dtype(named[0][0], natural)

    arrays = [np.asarray(a, dtype=compute) for _, a in named]
    shape = arrays[0].shape
    for (n, _), a in zip(named[1:], arrays[1:]):
        if a.shape != shape:
            raise ValueError(
                "%s has shape %s but %s has shape %s; they must match"
                % (named[0][0], shape, n, a.shape)
            )

    if out is not None:
        _check_out(out, shape, compute)
        _check_overlap(named, out, allow_alias=True)
        _check_overlap(extra, out, allow_alias=False)
        order = "F" if (out.flags.f_contiguous and not out.flags.c_contiguous) else "C"
    elif all(a.flags.f_contiguous for a in arrays) and not arrays[0].flags.c_contiguous:
        order = "F"
    else:
        order = "C"
    contiguous = "F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"
    arrays = [a if a.flags[contiguous] else np.asarray(a, order=order) for a in arrays]
    if out is None:
        out = np.empty(shape, dtype=compute, order=order)
    return arrays, out, result, order


def _flat(a):
    """The 1-D view of a contiguous array in memory order."""
    return a.ravel(order="K")


def _finish(out, result):
    return out if out.dtype == result else out.astype(result)


def _pick(x, y):
    if (x is None) == (y is None):
        raise ValueError(
            "give exactly one of x= (the forward input) or y= (the forward output), got %s"
            % ("both" if x is not None else "neither")
        )
    return ("x", x, "backward_x") if y is None else ("y", y, "backward_y")


# --- elementwise ------------------------------------------------------------------------------
def _fast_ok(a):
    """A native-dtype ndarray contiguous in some order: used as it is, without `prepare`."""
    if type(a) is not np.ndarray:
        return False
    flags = a.flags
    return flags.c_contiguous or flags.f_contiguous


def elementwise(name, pass_, x, out, params=()):
    """forward / derivative of an elementwise function."""
    if _fast_ok(x) and (out is None or (out is x and x.flags.writeable)):
        kernel = _ELEMENTWISE.get((name, pass_, x.dtype))
        if kernel is not None:  # float32/float64: no conversion, validation is complete
            if out is None:
                out = np.empty_like(x)  # same memory order as x
            kernel(x.ravel("K"), out.ravel("K"), *params)
            return out
    (a,), out_arr, result, _ = prepare([("x", x)], out)
    _ELEMENTWISE[name, pass_, out_arr.dtype](_flat(a), _flat(out_arr), *params)
    return _finish(out_arr, result)


def elementwise_backward(name, grad, x, y, out, params=()):
    argname, value, pass_ = _pick(x, y)
    if (
        _fast_ok(grad) and _fast_ok(value) and grad.dtype == value.dtype
        and grad.shape == value.shape and grad.flags.c_contiguous == value.flags.c_contiguous
        and (out is None or ((out is grad or out is value) and out.flags.writeable))
    ):
        kernel = _ELEMENTWISE.get((name, pass_, grad.dtype))
        other = None if out is None else (value if out is grad else grad)
        if other is not None and other is not out and np.may_share_memory(other, out):
            kernel = None  # the general path decides: exact alias or partial overlap
        if kernel is not None:
            if out is None:
                out = np.empty_like(grad)
            kernel(grad.ravel("K"), value.ravel("K"), out.ravel("K"), *params)
            return out
    (g, a), out_arr, result, _ = prepare([("grad", grad), (argname, value)], out)
    _ELEMENTWISE[name, pass_, out_arr.dtype](_flat(g), _flat(a), _flat(out_arr), *params)
    return _finish(out_arr, result)


def alpha_for(alpha, from_y):
    """Validate alpha; the y form of leaky_relu/elu needs alpha >= 0 (y must reveal x's sign)."""
    alpha = check_param("alpha", alpha)
    if from_y and alpha < 0:
        raise ValueError(
            "alpha: backward from y= needs alpha >= 0 (got %r): with a negative alpha the "
            "output y does not determine the input's sign; pass x= instead" % alpha
        )
    return alpha


# --- prelu ------------------------------------------------------------------------------------
def _c_view(a, order):
    """A C-contiguous view: F-contiguous arrays are transposed (the axis maps to ndim-1-axis)."""
    return a.T if order == "F" else a


def _c_axis(axis, ndim, order):
    return ndim - 1 - axis if (order == "F" and ndim > 0) else axis


def _prelu_weight(a, weight, axis, order, dtype):
    """(weight as 1-D contiguous array, outer, channels, inner) for the C-contiguous view of a."""
    w = np.asarray(weight, dtype=dtype)
    if w.ndim > 1:
        raise ValueError("weight: must be a scalar or 1-D, got shape %s" % (w.shape,))
    if w.size == 1:  # one slope shared by every channel; the axis does not matter
        return np.ascontiguousarray(w.reshape(1)), 1, 1, a.size
    ax = check_axis(axis, a.ndim)
    channels = a.shape[ax] if a.ndim else None
    if channels != w.size:
        raise ValueError(
            "weight: length %d does not match %s (the channel axis); pass a scalar weight "
            "to share one slope" % (
                w.size,
                "x.shape[%d] = %d" % (axis, channels) if a.ndim else "a 0-d x",
            )
        )
    shape = _c_view(a, order).shape
    cax = _c_axis(ax, a.ndim, order)
    return np.ascontiguousarray(w), math.prod(shape[:cax]), w.size, math.prod(shape[cax + 1:])


def prelu_call(pass_, x, weight, axis, out):
    (a,), out_arr, result, order = prepare([("x", x)], out, extra=[("weight", weight)])
    w, outer, channels, inner = _prelu_weight(a, weight, axis, order, out_arr.dtype)
    kernel = getattr(_prelu, "prelu_%s_%s" % (pass_, _SUFFIX[out_arr.dtype]))
    kernel(_flat(a), w, _flat(out_arr), outer, channels, inner)
    return _finish(out_arr, result)


def prelu_backward_call(grad, x, weight, axis, out):
    (g, a), out_arr, result, order = prepare(
        [("grad", grad), ("x", x)], out, extra=[("weight", weight)]
    )
    w, outer, channels, inner = _prelu_weight(a, weight, axis, order, out_arr.dtype)
    grad_w = np.empty(channels, dtype=F64)
    kernel = getattr(_prelu, "prelu_backward_%s" % _SUFFIX[out_arr.dtype])
    kernel(_flat(g), _flat(a), w, _flat(out_arr), grad_w, outer, channels, inner)
    grad_w = grad_w.astype(result).reshape(np.shape(weight))
    return _finish(out_arr, result), grad_w


# --- softmax, log_softmax ---------------------------------------------------------------------
def _reduction_layout(a, axis, order):
    """(outer, n, inner) of the C-contiguous view of a, reducing over axis."""
    ax = check_axis(axis, a.ndim)
    shape = _c_view(a, order).shape
    if not shape:
        return 1, 1, 1
    ax = _c_axis(ax, a.ndim, order)
    return math.prod(shape[:ax]), shape[ax], math.prod(shape[ax + 1:])


def _workspace(inner, per_column):
    return np.empty(max(per_column * inner, 1) if inner > 1 else 1, dtype=F64)


def softmax_call(name, x, axis, out):
    (a,), out_arr, result, order = prepare([("x", x)], out)
    outer, n, inner = _reduction_layout(a, axis, order)
    kernel = getattr(_softmax, "%s_%s" % (name, _SUFFIX[out_arr.dtype]))
    kernel(_flat(a), _flat(out_arr), outer, n, inner, _workspace(inner, 4))
    return _finish(out_arr, result)


def softmax_backward_call(name, grad, y, axis, out):
    (g, b), out_arr, result, order = prepare([("grad", grad), ("y", y)], out)
    outer, n, inner = _reduction_layout(b, axis, order)
    kernel = getattr(_softmax, "%s_backward_%s" % (name, _SUFFIX[out_arr.dtype]))
    kernel(_flat(g), _flat(b), _flat(out_arr), outer, n, inner, _workspace(inner, 1))
    return _finish(out_arr, result)


# =============================================================================================
# Public functions. Each is one validation + one kernel call; see the module docstring.
# =============================================================================================
_OUT_DOC = """
    out : ndarray, optional
        Writable, C- or F-contiguous array of the result's shape and dtype. ``out=x`` computes
        in place. Returned when given; otherwise a new array of the input's shape and dtype.
"""


def _doc(summary, params=""):
    def deco(fn):
        fn.__doc__ = "%s\n\n    Parameters\n    ----------%s%s" % (summary, params, _OUT_DOC)
        return fn
    return deco


_X = "\n    x : array_like\n        Input (float32/float64 natively)."
_GRAD = (
    "\n    grad : array_like\n        Gradient of the loss with respect to the output."
    "\n    x, y : array_like\n        Exactly one: the forward input x, or the forward output y."
)
_ALPHA = "\n    alpha : float\n        Slope (leaky_relu) or saturation value (elu) for x < 0."


@_doc("Identity: x.", _X)
def identity(x, *, out=None):
    return elementwise("identity", "forward", x, out)


@_doc("Derivative of the identity: 1 (NaN where x is NaN).", _X)
def identity_derivative(x, *, out=None):
    return elementwise("identity", "derivative", x, out)


@_doc("grad * identity'(x): grad (NaN where x or y is NaN).", _GRAD)
def identity_backward(grad, x=None, *, y=None, out=None):
    return elementwise_backward("identity", grad, x, y, out)


@_doc("ReLU: x if x > 0 else 0 (NaN stays NaN).", _X)
def relu(x, *, out=None):
    return elementwise("relu", "forward", x, out)


@_doc("ReLU derivative: 1 if x > 0 else 0 (0 at x = 0, the left branch).", _X)
def relu_derivative(x, *, out=None):
    return elementwise("relu", "derivative", x, out)


@_doc("grad * relu'(x); from y, relu'(x) = 1 where y > 0.", _GRAD)
def relu_backward(grad, x=None, *, y=None, out=None):
    return elementwise_backward("relu", grad, x, y, out)


@_doc("Leaky ReLU: x if x >= 0 else alpha * x.", _X + _ALPHA)
def leaky_relu(x, *, alpha=0.01, out=None):
    return elementwise("leaky_relu", "forward", x, out, (check_param("alpha", alpha),))


@_doc("Leaky ReLU derivative: 1 if x > 0 else alpha (alpha at x = 0).", _X + _ALPHA)
def leaky_relu_derivative(x, *, alpha=0.01, out=None):
    return elementwise("leaky_relu", "derivative", x, out, (check_param("alpha", alpha),))


@_doc("grad * leaky_relu'(x); the y form needs alpha >= 0.", _GRAD + _ALPHA)
def leaky_relu_backward(grad, x=None, *, y=None, alpha=0.01, out=None):
    alpha = alpha_for(alpha, y is not None)
    return elementwise_backward("leaky_relu", grad, x, y, out, (alpha,))


@_doc("ELU: x if x > 0 else alpha * expm1(x).", _X + _ALPHA)
def elu(x, *, alpha=1.0, out=None):
    return elementwise("elu", "forward", x, out, (check_param("alpha", alpha),))


@_doc("ELU derivative: 1 if x > 0 else alpha * exp(x) (alpha at x = 0).", _X + _ALPHA)
def elu_derivative(x, *, alpha=1.0, out=None):
    return elementwise("elu", "derivative", x, out, (check_param("alpha", alpha),))


@_doc("grad * elu'(x); from y, elu'(x) = y + alpha for y <= 0 (needs alpha >= 0).", _GRAD + _ALPHA)
def elu_backward(grad, x=None, *, y=None, alpha=1.0, out=None):
    alpha = alpha_for(alpha, y is not None)
    return elementwise_backward("elu", grad, x, y, out, (alpha,))


@_doc("SELU: scale * (x if x > 0 else alpha * expm1(x)), scale = %r, alpha = %r."
      % (SELU_SCALE, SELU_ALPHA), _X)
def selu(x, *, out=None):
    return elementwise("selu", "forward", x, out)


@_doc("SELU derivative: scale if x > 0 else scale * alpha * exp(x).", _X)
def selu_derivative(x, *, out=None):
    return elementwise("selu", "derivative", x, out)


@_doc("grad * selu'(x); from y, selu'(x) = y + scale * alpha for y <= 0.", _GRAD)
def selu_backward(grad, x=None, *, y=None, out=None):
    return elementwise_backward("selu", grad, x, y, out)


@_doc("Logistic sigmoid: 1 / (1 + exp(-x)), overflow-free for every x.", _X)
def sigmoid(x, *, out=None):
    return elementwise("sigmoid", "forward", x, out)


@_doc("Sigmoid derivative: sigmoid(x) * sigmoid(-x), accurate for every x.", _X)
def sigmoid_derivative(x, *, out=None):
    return elementwise("sigmoid", "derivative", x, out)


@_doc("grad * sigmoid'(x); from y, sigmoid'(x) = y * (1 - y).", _GRAD)
def sigmoid_backward(grad, x=None, *, y=None, out=None):
    return elementwise_backward("sigmoid", grad, x, y, out)


@_doc("Hyperbolic tangent.", _X)
def tanh(x, *, out=None):
    return elementwise("tanh", "forward", x, out)


@_doc("tanh derivative: 1 - tanh(x)^2 = sech(x)^2, accurate for every x.", _X)
def tanh_derivative(x, *, out=None):
    return elementwise("tanh", "derivative", x, out)


@_doc("grad * tanh'(x); from y, tanh'(x) = 1 - y^2.", _GRAD)
def tanh_backward(grad, x=None, *, y=None, out=None):
    return elementwise_backward("tanh", grad, x, y, out)


linear, linear_derivative, linear_backward = identity, identity_derivative, identity_backward

_WEIGHT = (
    "\n    weight : float or 1-D array_like\n        One slope shared by all channels, or one"
    " per channel (length x.shape[axis])."
    "\n    axis : int\n        The channel axis (1, as in NCHW). Ignored for a single weight."
)


@_doc("PReLU: x if x >= 0 else weight[c] * x, c the index along `axis`.", _X + _WEIGHT)
def prelu(x, weight, *, axis=1, out=None):
    return prelu_call("forward", x, weight, axis, out)


@_doc("PReLU derivative with respect to x: 1 if x > 0 else weight[c].", _X + _WEIGHT)
def prelu_derivative(x, weight, *, axis=1, out=None):
    return prelu_call("derivative", x, weight, axis, out)


@_doc(
    "PReLU backward: returns (grad_x, grad_weight).\n\n    grad_x = grad * prelu'(x); "
    "grad_weight[c] = sum of grad * x where x <= 0, over every axis but the channel axis\n"
    "    (shape of `weight`). `out` receives grad_x.",
    "\n    grad : array_like\n        Gradient of the loss with respect to the output." + _X + _WEIGHT,
)
def prelu_backward(grad, x, weight, *, axis=1, out=None):
    return prelu_backward_call(grad, x, weight, axis, out)


_AXIS = "\n    axis : int\n        The axis to normalize over (default: the last)."
_VJP = (
    "\n    grad : array_like\n        Gradient of the loss with respect to the output."
    "\n    y : array_like\n        The forward output."
)


@_doc("Softmax: exp(x - max) / sum(exp(x - max)) along `axis`.", _X + _AXIS)
def softmax(x, *, axis=-1, out=None):
    return softmax_call("softmax", x, axis, out)


@_doc("Softmax vector-Jacobian product: y * (grad - sum(grad * y)) along `axis`.", _VJP + _AXIS)
def softmax_backward(grad, y, *, axis=-1, out=None):
    return softmax_backward_call("softmax", grad, y, axis, out)


@_doc("Log-softmax: x - max - log(sum(exp(x - max))) along `axis`.", _X + _AXIS)
def log_softmax(x, *, axis=-1, out=None):
    return softmax_call("log_softmax", x, axis, out)


@_doc("Log-softmax vector-Jacobian product: grad - exp(y) * sum(grad) along `axis`.", _VJP + _AXIS)
def log_softmax_backward(grad, y, *, axis=-1, out=None):
    return softmax_backward_call("log_softmax", grad, y, axis, out)
