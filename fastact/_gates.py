"""The gate rows of the catalogue (kind 'gate'): gated, glu and their backward passes.

gated(value, gate) = value * act(gate) in one pass (the LLaMA MLP's ``up * silu(gate)``); glu(x)
= a * act(b) with a, b the halves of x along an axis (torch.nn.functional.glu for the default
sigmoid). ``activation`` is any parameter-free elementwise row of the catalogue (or an alias),
or a kernel of a row whose only parameter is a choice, by its kernel name (``_catalogue.
gate_activations()``: <row> for the default choice, <row>_<choice> for another).

act(gate) is the elementwise kernels' formula, rounded to the dtype, then multiplied: gated has
the bits of ``value * fastact.<act>(gate)``, its backward those of ``grad * <act>(gate)`` and
``grad * value * <act>_derivative(gate)`` (left to right); glu likewise on the halves.

Validation follows the other functions (fastact._api): float32/float64 natively, array-likes
converted with NumPy's casting, ``out`` checked (type, dtype, shape, writable, aligned,
contiguous), no partial overlap of an output with an input; everything is checked before the
kernel writes. The kernels (one per activation and dtype, _kernels.pyx.tp) run on the thread
pool with fixed chunks: the same bits at every thread count.

Each function first tries its compiled fast path (_dispatch.gated_fast, gated_backward_fast,
glu_fast, glu_backward_fast: arrays already in the compute dtype and layout, checked in C, one
kernel call; gated's also take rows of contiguous elements a row step apart, such as the
halves of a fused projection, without copying them); what a fast path declines (None) goes
through the checks here, which convert it or raise.
"""
import math

import numpy as np

from . import _api
from . import _catalogue as cat
from ._kernels import _dispatch

__all__ = ["gated", "gated_backward", "glu", "glu_backward", "ACTIVATIONS"]

# every parameter-free kernel row, in table order (the kernels are generated for these)
ACTIVATIONS = cat.gate_activations()
assert ACTIVATIONS == tuple(_dispatch.GATE_NAMES), "fastact: rebuild the kernels"


# the kernel names themselves, looked up first (activation_index's checks and resolution
# cost about 1 us a call)
_INDEX = {name: i for i, name in enumerate(ACTIVATIONS)}


def activation_index(activation):
    """The kernel index of an activation name or alias; TypeError / ValueError naming it."""
    if type(activation) is str:
        i = _INDEX.get(activation)
        if i is not None:
            return i
    if not isinstance(activation, str):
        raise TypeError("activation: expected a str (the name of a parameter-free elementwise "
                        "function), got %s" % type(activation).__name__)
    # (a kernel name of a choice row, such as <row>_<choice>, is an activation as it is; a
    # row's name or alias resolves to the row: its kernel of the default choice)
    key = activation.strip().lower()
    name = key if key in ACTIVATIONS else cat.resolve(key)
    if name not in ACTIVATIONS:
        raise ValueError("activation: %r is not a parameter-free elementwise function of "
                         "fastact; accepted: %s" % (activation, ", ".join(ACTIVATIONS)))
    return ACTIVATIONS.index(name)


def _finish(out, result):
    return out if out.dtype == result else out.astype(result)


def _order(a):
    return "F" if (a.flags.f_contiguous and not a.flags.c_contiguous) else "C"


def _check_pair_out(out):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError("out: expected None or a pair of arrays (grad_value, grad_gate), got %s"
                        % type(out).__name__)
    return out


def gated(value, gate, *, activation="silu", out=None):
    """Gated: value * act(gate) in one pass (``up * silu(gate)`` of the LLaMA MLP).

    Parameters
    ----------
    value, gate : array_like
        Of one shape (float32/float64 natively).
    activation : str, default 'silu'
        A parameter-free elementwise function of fastact (``fastact.gates.ACTIVATIONS``).
    out : ndarray, optional
        Writable, C- or F-contiguous array of the result's shape and dtype; ``out=value`` or
        ``out=gate`` computes in place.

    The bits of ``value * fastact.<activation>(gate)``.
    """
    act = activation_index(activation)
    r = _dispatch.gated_fast(act, value, gate, out)
    if r is not None:
        return r
    (v, g), o, result = _api.prepare((("value", value), ("gate", gate)), out)
    n = v.size
    _dispatch.gate_kernel(act, None, v, g, o, None, max(n, 1), n, 0, 0, 0, 0, 0, 0, 0)
    return _finish(o, result)


def gated_backward(grad, value, gate, *, activation="silu", out=None):
    """Gated backward: (grad * act(gate), grad * value * act'(gate)) in one pass.

    Parameters
    ----------
    grad, value, gate : array_like
        Of one shape: the gradient of the output and the forward inputs.
    activation : str, default 'silu'
        As for ``gated``.
    out : None or a pair of arrays (grad_value, grad_gate)
        Each checked as ``out`` of ``gated``; either may be an input exactly; they must not
        overlap each other and must share one memory order.

    The bits of ``grad * f(gate)`` and ``grad * value * f_derivative(gate)``.
    """
    act = activation_index(activation)
    r = _dispatch.gated_backward_fast(act, grad, value, gate, out)
    if r is not None:
        return r
    o1 = o2 = None
    if out is not None:
        o1, o2 = _check_pair_out(out)
    named = (("grad", grad), ("value", value), ("gate", gate))
    (d, v, g), o1, result = _api.prepare(named, o1)
    if o2 is None:
        o2 = np.empty(d.shape, dtype=d.dtype, order=_order(d))
    else:
        # checked like the first: dtype (prepare's message), shape, flags, overlaps
        _api.prepare(named, o2)
        _api._check_overlap([(n, a) for (n, _), a in zip(named, (d, v, g))], o2, allow_alias=True)
        if np.may_share_memory(o1, o2):
            raise ValueError("out: the two output arrays overlap; pass separate arrays")
        if d.ndim > 1 and d.size > 1 and _order(o2) != _order(o1) and not (
                o2.flags.c_contiguous and o2.flags.f_contiguous):
            raise ValueError("out: the two output arrays must share one memory order (both "
                             "C- or both F-contiguous)")
    n = d.size
    _dispatch.gate_kernel(act, d, v, g, o1, o2, max(n, 1), n, 0, 0, 0, 0, 0, 0, 0)
    return _finish(o1, result), _finish(o2, result)


def _glu_layout(x, axis):
    """(outer, h, inner) of x's memory around axis (F-only arrays: their reversed C view),
    and the normalized axis; ValueError for an odd length along axis."""
    ax = _api.check_axis(axis, x.ndim)
    length = x.shape[ax] if x.ndim else 1
    if length % 2:
        raise ValueError("axis: glu halves x along axis %d, whose length %d is odd; it must be "
                         "even" % (axis, length))
    shape = list(x.shape)
    if _order(x) == "F":
        shape, mem_ax = shape[::-1], x.ndim - 1 - ax
    else:
        mem_ax = ax
    # (math.prod on Python ints: exact, and 0.1 us where np.prod took 4 us a call)
    outer = math.prod(shape[:mem_ax])
    inner = math.prod(shape[mem_ax + 1:])
    return ax, outer, length // 2, inner


def _convert_x(x, out_order):
    """x converted (prepare's rules), in out's memory order when out is given."""
    (xa,), _, result = _api.prepare((("x", x),), None)
    if out_order is not None and _order(xa) != out_order and xa.ndim > 1:
        xa = np.array(xa, order=out_order)
    return xa, result


def _check_own_out(out, shape, dtype, named, allow_alias):
    if not isinstance(out, np.ndarray):
        raise TypeError("out: expected a numpy.ndarray, got %s" % type(out).__name__)
    if out.dtype != dtype:
        if out.dtype in (_api.F32, _api.F64):
            raise TypeError("out has dtype %s but the computation's dtype is %s; all arrays of "
                            "one call must share one dtype (float32 or float64)"
                            % (out.dtype, dtype))
    _api._check_out(out, shape, dtype)  # (other dtypes: its message)
    _api._check_overlap(named, out, allow_alias=allow_alias)


def _given(name, a):
    """[(name, a)] for an ndarray the caller passed: out is checked against it too, not only
    against its converted copy, so that a converted input is never overwritten through out."""
    return [(name, a)] if isinstance(a, np.ndarray) else []


def _typed_out_check(x, out):
    """An input array's float dtype must match out's (prepare's rule for out=)."""
    if out is not None and isinstance(out, np.ndarray) and isinstance(x, (np.ndarray, np.generic)):
        if _api.native(x.dtype) != _api.native(out.dtype) and out.dtype.kind == "f":
            raise TypeError("x has dtype %s but out has dtype %s; all arrays of one call must "
                            "share one dtype (float32 or float64)" % (x.dtype, out.dtype))


def glu(x, *, axis=-1, activation="sigmoid", out=None):
    """GLU: a * act(b), with a and b the first and second halves of x along axis
    (torch.nn.functional.glu for the default sigmoid).

    Parameters
    ----------
    x : array_like
        Input (float32/float64 natively); its length along axis must be even.
    axis : int
        The axis to halve (default: the last).
    activation : str, default 'sigmoid'
        A parameter-free elementwise function of fastact.
    out : ndarray, optional
        Writable, C- or F-contiguous array of shape x.shape with axis halved; must not share
        memory with x.
    """
    act = activation_index(activation)
    r = _dispatch.glu_fast(act, x, axis, out)
    if r is not None:
        return r
    if out is not None and not isinstance(out, np.ndarray):
        raise TypeError("out: expected a numpy.ndarray, got %s" % type(out).__name__)
    _typed_out_check(x, out)
    xa, result = _convert_x(x, _order(out) if out is not None else None)
    ax, outer, h, inner = _glu_layout(xa, axis)
    shape = list(xa.shape)
    if xa.ndim:
        shape[ax] = h
    shape = tuple(shape)
    if out is None:
        out = np.empty(shape, dtype=xa.dtype, order=_order(xa))
    else:
        _check_own_out(out, shape, xa.dtype, [("x", xa)] + _given("x", x), allow_alias=False)
    m = h * inner
    n = outer * m
    _dispatch.gate_kernel(act, None, xa, xa, out, None, max(m, 1), n, m, 0,
                          2 * m, 2 * m, 0, m, 0)
    return _finish(out, result)


def glu_backward(grad, x, *, axis=-1, activation="sigmoid", out=None):
    """GLU backward: the gradient with respect to x (x's shape): [grad * act(b),
    grad * a * act'(b)] along axis, a and b the halves of x.

    Parameters
    ----------
    grad : array_like
        The gradient of glu's output (x's shape with axis halved).
    x : array_like
        The forward input.
    axis, activation :
        As for ``glu``.
    out : ndarray, optional
        Of x's shape and dtype; ``out=x`` computes in place; must not share memory with grad.
    """
    act = activation_index(activation)
    r = _dispatch.glu_backward_fast(act, grad, x, axis, out)
    if r is not None:
        return r
    if out is not None and not isinstance(out, np.ndarray):
        raise TypeError("out: expected a numpy.ndarray, got %s" % type(out).__name__)
    _typed_out_check(x, out)
    (xa,), _, result = _api.prepare((("x", x),), None, extra=(("grad", grad),))
    if isinstance(grad, (np.ndarray, np.generic)) and isinstance(x, (np.ndarray, np.generic)) \
            and _api.native(grad.dtype) != _api.native(x.dtype):
        raise TypeError("grad has dtype %s but x has dtype %s; all arrays of one call must "
                        "share one dtype (float32 or float64)" % (grad.dtype, x.dtype))
    if out is not None and _order(out) != _order(xa) and xa.ndim > 1:
        xa = np.array(xa, order=_order(out))
    ax, outer, h, inner = _glu_layout(xa, axis)
    shape = list(xa.shape)
    if xa.ndim:
        shape[ax] = h
    shape = tuple(shape)
    g = np.asarray(_api._numbers("grad", grad), dtype=xa.dtype)
    if g.shape != shape:
        raise ValueError("grad has shape %s but glu(x, axis=%d) has shape %s; they must match"
                         % (g.shape, ax, shape))
    order = _order(xa)
    if not (g.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"] and g.flags.aligned):
        g = np.array(g, order=order)
    if out is None:
        out = np.empty(xa.shape, dtype=xa.dtype, order=order)
    else:
        _check_own_out(out, xa.shape, xa.dtype, [("x", xa)] + _given("x", x), allow_alias=True)
        _api._check_overlap([("grad", g)] + _given("grad", grad), out, allow_alias=False)
    m = h * inner
    n = outer * m
    _dispatch.gate_kernel(act, g, xa, xa, out, out, max(m, 1), n, m, m,
                          2 * m, 2 * m, m, 2 * m, 2 * m)
    return _finish(out, result)
