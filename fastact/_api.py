"""Conversion of everything the compiled fast path does not take, and the array errors.

The public functions (fastact._kernels._dispatch, generated from the catalogue) check their
parameters and take float32/float64 ndarrays in one contiguous layout directly. For anything
else (array-likes, other dtypes with NumPy's casting, non-contiguous input, an `out` that does
not fit) they call prepare() here, which converts the arrays or raises the documented
TypeError / ValueError before any buffer is written, and returns the converted arrays to the
same compiled function, which makes its one kernel call. Nothing here knows a function or a
parameter; no Python code loops over elements.
"""
import numbers
import sys

import numpy as np


F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
_NATIVE = (F32, F64)


# --- validation helpers -----------------------------------------------------------------------
# fastact's functions are NumPy functions: a tensor in gives an ndarray out (through its
# __array__), and `out` must be an ndarray; a CPU tensor's memory is out=t.numpy().
_TENSOR_HINT = ("; the functions of fastact return NumPy arrays: pass out=t.numpy() to write "
                "into a CPU tensor's memory, or use fastact.torch for tensors and autograd")


def _is_tensor(a):
    return type(a).__module__.split(".")[0] == "torch"


def _unsupported(name, dtype):
    return TypeError(
        "%s: dtype %s is not supported; fastact computes in float32 and float64 (out-of-place "
        "calls also accept bool and integer input, computed in float64, and float16, computed "
        "in float32)" % (name, dtype)
    )


def native(dtype):
    """dtype in the machine's byte order (big-endian float32 data is float32 to compute with:
    it is converted, as NumPy converts it)."""
    return dtype.newbyteorder("=") if dtype.kind == "f" and not dtype.isnative else dtype


def _compute_dtype(name, dtype):
    """(compute dtype, result dtype) for an input dtype, following NumPy's casting."""
    dtype = native(dtype)
    if dtype in _NATIVE:
        return dtype, dtype
    if dtype.kind in "biu":
        return F64, F64
    if dtype == np.float16:
        return F32, dtype
    raise _unsupported(name, dtype)


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
        if native(out.dtype) == dtype:
            raise TypeError(
                "out: dtype %s is %s in the other byte order; fastact writes results in the "
                "machine's byte order: pass a %s array (and copy the result into this one)"
                % (out.dtype.str, dtype.name, dtype.name))
        raise _unsupported("out", out.dtype)
    if out.shape != shape:
        raise ValueError(
            "out: shape %s does not match the result shape %s" % (out.shape, shape)
        )
    if not out.flags.writeable:
        raise ValueError("out: array is read-only (flags.writeable is False)")
    if not out.flags.aligned:
        raise ValueError(
            "out: array is not aligned to its dtype (flags.aligned is False); pass an aligned "
            "array or let fastact allocate the result"
        )
    if not (out.flags.c_contiguous or out.flags.f_contiguous):
        raise ValueError(
            "out: must be C- or F-contiguous (got strides %s); pass a contiguous array "
            "or let fastact allocate the result" % (out.strides,)
        )


def _is_exact_alias(a, out):
    """The same elements at the same addresses (out is contiguous: a must be too, in the same
    order; strides of length-1 axes do not matter)."""
    if a is out:
        return True
    return (
        a.__array_interface__["data"][0] == out.__array_interface__["data"][0]
        and a.shape == out.shape
        and a.dtype == out.dtype
        and ((a.flags.c_contiguous and out.flags.c_contiguous)
             or (a.flags.f_contiguous and out.flags.f_contiguous))
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


def _numbers(name, a):
    """a as an ndarray of numbers (bool, integers, floats: NumPy's conversion of an
    array-like), or a TypeError naming the argument: None, strings, objects, ragged lists and
    masked arrays are refused (a string is never parsed, a masked array's mask never lost)."""
    ma = sys.modules.get("numpy.ma.core")  # (no masked array exists before numpy.ma is loaded)
    if ma is not None and isinstance(a, ma.MaskedArray):
        raise TypeError(
            "%s: masked arrays are not supported (the mask would be lost); pass "
            "%s.filled(value) or np.asarray(%s) (its data, mask ignored)" % (name, name, name))
    if isinstance(a, np.ndarray):
        arr = a
    else:
        try:
            arr = np.asarray(a)
        except Exception as exc:  # ragged lists, objects whose __array__ fails...
            raise TypeError("%s: expected a number or an array-like of numbers (%s: %s)"
                            % (name, type(exc).__name__, exc)) from None
    if arr.dtype == object and not isinstance(a, np.ndarray) and arr.size and all(
            isinstance(v, (numbers.Integral, float)) for v in arr.flat):
        # Python ints beyond int64 (NumPy keeps them as objects): integers are computed in
        # float64, so these are too; beyond the float64 range is a ValueError
        try:
            return np.array([float(v) for v in arr.flat], dtype=F64).reshape(arr.shape)
        except OverflowError:
            raise ValueError("%s: an integer beyond the float64 range (about 1.8e308); "
                             "integers are computed in float64" % name) from None
    if arr.dtype.kind not in "biuf":
        if isinstance(a, (np.ndarray, np.generic)):
            raise _unsupported(name, arr.dtype)
        raise TypeError(
            "%s: expected numbers (bool, int, float) or an array of them, got %s%s" % (
                name, type(a).__name__,
                "" if type(a).__name__ == "NoneType" else " of dtype %s" % arr.dtype))
    return arr


def prepare(named, out, extra=()):
    """Validate the arrays of one call.

    named: [(argument name, array-like)] of the same shape, converted and made contiguous in
    a common memory order. extra: [(name, array-like)] that only take part in the dtype check
    (e.g. prelu's weight). Returns (arrays, out, result dtype) where arrays are in the
    compute dtype, contiguous in one common memory order (out's, else C unless all are F),
    and out is the validated or allocated
    output of the compute dtype.
    """
    # (an extra scalar that is a Python float, np.float64 among them, adopts the data's dtype
    # as a Python float does: prelu's weight=np.float64(0.25) on float32 data)
    typed = [(n, a.dtype) for n, a in named if isinstance(a, (np.ndarray, np.generic))]
    typed += [(n, a.dtype) for n, a in extra if isinstance(a, np.ndarray)
              or (isinstance(a, np.generic) and not isinstance(a, float))]
    named = [(n, _numbers(n, a)) for n, a in named]
    for n, a in extra:
        _numbers(n, a)
    if out is not None:
        if not isinstance(out, np.ndarray):
            raise TypeError("out: expected a numpy.ndarray, got %s%s" % (
                type(out).__name__, _TENSOR_HINT if _is_tensor(out) else ""))
        _numbers("out", out)
        typed.append(("out", out.dtype))
    for n, d in typed[1:]:
        if native(d) != native(typed[0][1]):
            raise TypeError(
                "%s has dtype %s but %s has dtype %s; all arrays of one call must share one "
                "dtype (float32 or float64)" % (typed[0][0], typed[0][1], n, d)
            )
    if typed:
        compute, result = _compute_dtype(typed[0][0], typed[0][1])
    else:  # only lists / Python scalars: NumPy's own choice, then our casting
        natural = np.result_type(*[a for _, a in named])
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
        # on the converted arrays: they share memory with whatever buffer was passed
        _check_overlap([(n, a) for (n, _), a in zip(named, arrays)], out, allow_alias=True)
        _check_overlap([(n, np.asarray(a)) for n, a in extra], out, allow_alias=False)
        order = "F" if (out.flags.f_contiguous and not out.flags.c_contiguous) else "C"
    elif all(a.flags.f_contiguous for a in arrays) and not arrays[0].flags.c_contiguous:
        order = "F"
    else:
        order = "C"
    contiguous = "F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"
    arrays = [
        a if a.flags[contiguous] and a.flags.aligned else np.array(a, order=order)
        for a in arrays
    ]
    if out is None:
        out = np.empty(shape, dtype=compute, order=order)
    return arrays, out, result


# --- per-channel (prelu) -----------------------------------------------------------------------
def _channel_weight(a, weight, axis, dtype):
    """weight as a contiguous array of the compute dtype (its own shape), checked against a."""
    w = np.ascontiguousarray(_numbers("weight", weight), dtype=dtype)
    if w.ndim > 1:
        raise ValueError("weight: must be a scalar or 1-D, got shape %s" % (w.shape,))
    if w.size == 1:  # one slope shared by every channel; the axis does not matter
        return w
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
    return w


def prepare_per_channel(named, weight, axis, out):
    """(arrays, weight, axis, out, result dtype) of a per-channel call, converted; named:
    [("x", x)] or [("grad", grad), ("x", x)]."""
    arrays, out_arr, result = prepare(named, out, extra=[("weight", weight)])
    w = _channel_weight(arrays[-1], weight, axis, out_arr.dtype)
    return arrays, w, int(axis) if w.size != 1 else 0, out_arr, result


# --- along an axis (softmax family) -------------------------------------------------------------
def prepare_axis(named, axis, out):
    """(arrays, out, result dtype, axis) of a call along an axis, converted."""
    arrays, out_arr, result = prepare(named, out)
    return arrays, out_arr, result, check_axis(axis, arrays[-1].ndim)
