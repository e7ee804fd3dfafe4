"""Dask interop: fastact's kernels over the blocks of dask arrays (optional).

``import fastact.dask`` needs Dask's arrays (``pip install 'dask[array]'``); ``import fastact``
never imports Dask. Generated from the catalogue rows (and aliases), nothing listed by hand:

* every elementwise row: ``fastact.dask.<name>(x, **params)``, ``<name>_derivative`` and
  ``<name>_backward(grad, x=None, *, y=None, **params)``, blockwise (``map_blocks``; grad and
  x/y are aligned to common chunks);
* the gates: ``gated(value, gate, *, activation)`` blockwise, ``glu(x, *, axis, activation)``
  with ``axis`` rechunked to one chunk (both halves in one block), and their backward passes
  (``gated_backward`` returns the pair, one kernel pass per block);
* the per-channel row (prelu): ``prelu(x, weight, *, axis=1)`` and its derivative blockwise,
  each block with its channels' weights; ``prelu_backward`` returns ``(grad_x, grad_weight)``,
  grad_weight a dask reduction (float64) over every block;
* the rows along an axis (softmax, log_softmax): ``<name>(x, *, axis=-1)`` and
  ``<name>_backward(grad, *, y, axis=-1)``. When ``axis`` is one chunk, each block is one
  kernel call (the NumPy function's bits). When it spans several chunks, a two-pass
  reduction: the log-sum-exp of each block (float64), combined across the blocks of a slice,
  then each block's kernel result rescaled by exp(lse_block - lse) (softmax) or shifted by
  lse_block - lse (log_softmax); the backward passes reduce sum(grad * y) / sum(grad) across
  the chunks in float64 first. Nothing is rechunked, so a huge axis works.

Parameters and dtypes are checked when the graph is built (the same errors as the NumPy
functions); the results keep fastact's dtype rules (float32/float64, ints in float64,
float16 in float32 returned as float16).
"""
try:
    import dask.array as _da
except ImportError as _exc:  # tested in a subprocess where dask is made unimportable
    raise ImportError(
        "fastact.dask needs Dask's arrays, which are not installed (%s): "
        "pip install 'dask[array]'. The rest of fastact works without it." % _exc
    ) from _exc

import functools as _functools

import numpy as _np

from . import _catalogue, _gates
from ._api import check_axis as _check_axis
from ._kernels import _dispatch

__all__ = ["available"]
_F64 = _np.dtype(_np.float64)


def _array(name, a):
    if isinstance(a, _da.Array):
        return a
    try:
        return _da.asarray(a)
    except Exception as exc:
        raise TypeError("%s: expected a dask array or an array-like of numbers (%s)"
                        % (name, exc)) from None


def _probe(a):
    """An empty array of a's dtype and ndim: a call on it checks everything but the data."""
    return _np.empty((0,) * a.ndim, dtype=a.dtype)


def _result_dtype(fn, *args, **kwargs):
    return fn(*args, **kwargs).dtype


# --- elementwise --------------------------------------------------------------------------------
def _unary(row, kernel):
    def fn(x, **params):
        x = _array("x", x)
        dtype = _result_dtype(kernel, _probe(x), **params)
        return _da.map_blocks(_functools.partial(kernel, **params), x, dtype=dtype,
                              meta=_np.empty((0,) * x.ndim, dtype))
    return fn


def _call_backward(kernel, from_y, params, g, a):
    return kernel(g, y=a, **params) if from_y else kernel(g, a, **params)


def _backward(row, kernel):
    def fn(grad, x=None, *, y=None, **params):
        grad = _array("grad", grad)
        if (x is None) == (y is None):  # the NumPy function's own error, eagerly
            kernel(_probe(grad), *(() if x is None else (_probe(_array("x", x)),)),
                   **({} if y is None else {"y": _probe(_array("y", y))}), **params)
            raise ValueError("give exactly one of x= or y=")  # (not reached)
        from_y = y is not None
        a = _array("y" if from_y else "x", y if from_y else x)
        if a.shape != grad.shape:
            raise ValueError("grad has shape %s but %s has shape %s; they must match"
                             % (grad.shape, "y" if from_y else "x", a.shape))
        dtype = _call_backward(kernel, from_y, params, _probe(grad), _probe(a)).dtype
        grad = grad.rechunk(a.chunks)  # (map_blocks would broadcast a single block)
        return _da.map_blocks(_functools.partial(_call_backward, kernel, from_y, params),
                              grad, a, dtype=dtype, meta=_np.empty((0,) * a.ndim, dtype))
    return fn


# --- along an axis: one chunk, or two passes across the chunks -------------------------------
def _block_lse(x, axis):
    """log(sum(exp(x))) along axis in float64 (keepdims); -inf for an all -inf slice (it
    contributes nothing), NaN for a slice with NaN or +inf."""
    x = x.astype(_F64)
    with _np.errstate(all="ignore"):
        m = _np.max(x, axis=axis, keepdims=True) if x.shape[axis] else _np.full(
            x.shape[:axis] + (1,) + x.shape[axis + 1:], -_np.inf)
        shift = _np.where(_np.isneginf(m), 0.0, m)
        lse = shift + _np.log(_np.sum(_np.exp(x - shift), axis=axis, keepdims=True))
    return lse


def _combine_lse(lses, axis):
    """The log-sum-exp of a slice from its blocks' (NaN for an all -inf slice)."""
    with _np.errstate(all="ignore"):
        m = _np.max(lses, axis=axis, keepdims=True)
        return m + _np.log(_np.sum(_np.exp(lses - m), axis=axis, keepdims=True))


def _block_forward(x, lse, *, kernel, axis, log):
    """One block of a slice spread over several chunks: the kernel on the block, moved from the
    block's normalisation (lse_block) to the slice's (lse)."""
    local = _block_lse(x, axis)
    y = kernel(x, axis=axis)
    with _np.errstate(all="ignore"):
        if log:
            out = y.astype(_F64) + (local - lse)
            fallback = x.astype(_F64) - lse
        else:
            out = y.astype(_F64) * _np.exp(local - lse)
            fallback = _np.exp(x.astype(_F64) - lse)
        out = _np.where(_np.isneginf(local) & ~_np.isnan(lse), fallback, out)
    return out.astype(y.dtype)


def _block_backward(g, y, s, *, log, dtype):
    with _np.errstate(all="ignore"):
        g64, y64 = g.astype(_F64), y.astype(_F64)
        out = g64 - _np.exp(y64) * s if log else y64 * (g64 - s)
    return out.astype(dtype)


def _two_pass_matches(row):
    """Whether the row is exp(x - lse(x)) (or x - lse(x) for a log_domain row), with the
    backward y * (g - sum(g y)) (or g - exp(y) sum(g)): checked against the kernels on a small
    array, so that another kind of row along an axis is rechunked instead."""
    fwd = getattr(_dispatch, row.name)
    bwd = getattr(_dispatch, row.name + "_backward")
    x = _np.array([[0.5, -1.0, 2.0, 0.25], [3.0, 1.0, -2.0, 0.0]])
    g = _np.array([[1.0, -0.5, 0.25, 2.0], [-1.0, 0.5, 1.5, 0.0]])
    lse = _block_lse(x, 1)
    y = fwd(x, axis=1)
    want_y = x - lse if row.log_domain else _np.exp(x - lse)
    s = (g.sum(axis=1, keepdims=True) if row.log_domain
         else (g * y).sum(axis=1, keepdims=True))
    want_g = _block_backward(g, y, s, log=row.log_domain, dtype=_F64)
    return (_np.allclose(y, want_y, rtol=1e-13, atol=1e-15)
            and _np.allclose(bwd(g, y=y, axis=1), want_g, rtol=1e-13, atol=1e-15))


def _axis_forward(row, kernel, two_pass):
    def fn(x, *, axis=-1):
        x = _array("x", x)
        ax = _check_axis(axis, x.ndim)
        dtype = kernel(_np.zeros((1,) * max(x.ndim, 1), x.dtype), axis=ax if x.ndim else 0).dtype
        meta = _np.empty((0,) * x.ndim, dtype)
        if x.ndim == 0 or x.numblocks[ax] == 1:
            return _da.map_blocks(_functools.partial(kernel, axis=ax), x, dtype=dtype, meta=meta)
        if not two_pass:
            x = x.rechunk({ax: -1})
            return _da.map_blocks(_functools.partial(kernel, axis=ax), x, dtype=dtype, meta=meta)
        chunks = list(x.chunks)
        chunks[ax] = (1,) * x.numblocks[ax]
        blocks = x.map_blocks(_block_lse, ax, chunks=tuple(chunks), dtype=_F64,
                              meta=_np.empty((0,) * x.ndim, _F64))
        # the blocks' log-sum-exps of a slice (one number per chunk: small) in one chunk
        chunks[ax] = (1,)
        lse = blocks.rechunk({ax: -1}).map_blocks(_combine_lse, ax, chunks=tuple(chunks),
                                                  dtype=_F64, meta=blocks._meta)
        block = _functools.partial(_block_forward, kernel=kernel, axis=ax, log=row.log_domain)
        return _da.map_blocks(block, x, lse, dtype=dtype, meta=meta)
    return fn


def _axis_backward(row, kernel, two_pass):
    def fn(grad, *, y, axis=-1):
        grad, y = _array("grad", grad), _array("y", y)
        if grad.shape != y.shape:
            raise ValueError("grad has shape %s but y has shape %s; they must match"
                             % (grad.shape, y.shape))
        grad = grad.rechunk(y.chunks)  # (map_blocks would broadcast a single block)
        ax = _check_axis(axis, y.ndim)
        one = _np.zeros((1,) * max(y.ndim, 1), y.dtype)
        dtype = kernel(_np.zeros(one.shape, grad.dtype), y=one, axis=ax if y.ndim else 0).dtype
        meta = _np.empty((0,) * y.ndim, dtype)
        if y.ndim and y.numblocks[ax] > 1 and not two_pass:
            y, grad = y.rechunk({ax: -1}), grad.rechunk({ax: -1})
        if y.ndim == 0 or y.numblocks[ax] == 1:
            return _da.map_blocks(lambda g, yy: kernel(g, y=yy, axis=ax), grad, y,
                                  dtype=dtype, meta=meta)
        g64 = grad.astype(_F64)
        s = (g64 if row.log_domain else g64 * y.astype(_F64)).sum(axis=ax, keepdims=True)
        block = _functools.partial(_block_backward, log=row.log_domain, dtype=dtype)
        return _da.map_blocks(block, grad, y, s, dtype=dtype, meta=meta)
    return fn


# --- the gates: gated blockwise; glu with its axis in one chunk (the halves in one block) --------
def _gate_axis(x, axis):
    """x with `axis` in one chunk, the normalized axis; the NumPy function's error for an odd
    length, eagerly."""
    ax = _check_axis(axis, x.ndim)
    if x.ndim == 0 or x.shape[ax] % 2:
        _gates.glu(_np.zeros(x.shape[ax:ax + 1] or (1,), x.dtype), axis=0)  # raises, naming axis
    return x.rechunk({ax: -1}), ax


def _pair(g, *arrays, fn, **kw):
    return _np.stack(fn(g, *arrays, **kw))


def _gate_forward(row):
    fwd = getattr(_gates, row.name)
    if row.halves:
        def fn(x, *, axis=-1, activation=row.activation):
            x = _array("x", x)
            x, ax = _gate_axis(x, axis)
            dtype = fwd(_np.zeros((2,), x.dtype), axis=0, activation=activation).dtype
            chunks = list(x.chunks)
            chunks[ax] = (x.shape[ax] // 2,)
            return _da.map_blocks(_functools.partial(fwd, axis=ax, activation=activation), x,
                                  chunks=tuple(chunks), dtype=dtype,
                                  meta=_np.empty((0,) * x.ndim, dtype))
    else:
        def fn(value, gate, *, activation=row.activation):
            value, gate = _array("value", value), _array("gate", gate)
            if value.shape != gate.shape:
                raise ValueError("gate has shape %s but value has shape %s; they must match"
                                 % (gate.shape, value.shape))
            dtype = fwd(_probe(value), _probe(gate), activation=activation).dtype
            return _da.map_blocks(_functools.partial(fwd, activation=activation), value,
                                  gate.rechunk(value.chunks), dtype=dtype,
                                  meta=_np.empty((0,) * value.ndim, dtype))
    return fn


def _gate_backward(row):
    bwd = getattr(_gates, row.name + "_backward")
    if row.halves:
        def fn(grad, x, *, axis=-1, activation=row.activation):
            grad, x = _array("grad", grad), _array("x", x)
            x, ax = _gate_axis(x, axis)
            want = x.shape[:ax] + (x.shape[ax] // 2,) + x.shape[ax + 1:]
            if grad.shape != want:
                raise ValueError("grad has shape %s; glu of x %s along axis %d has shape %s"
                                 % (grad.shape, x.shape, ax, want))
            dtype = bwd(_np.zeros((1,), x.dtype), _np.zeros((2,), x.dtype), axis=0,
                        activation=activation).dtype
            chunks = list(x.chunks)
            chunks[ax] = (want[ax],)
            return _da.map_blocks(_functools.partial(bwd, axis=ax, activation=activation),
                                  grad.rechunk(tuple(chunks)), x, dtype=dtype,
                                  meta=_np.empty((0,) * x.ndim, dtype))
    else:
        def fn(grad, value, gate, *, activation=row.activation):
            grad = _array("grad", grad)
            value, gate = _array("value", value), _array("gate", gate)
            if not grad.shape == value.shape == gate.shape:
                raise ValueError("grad, value and gate must have one shape, got %s, %s, %s"
                                 % (grad.shape, value.shape, gate.shape))
            dtype = bwd(_probe(grad), _probe(value), _probe(gate),
                        activation=activation)[0].dtype
            both = _da.map_blocks(
                _functools.partial(_pair, fn=bwd, activation=activation), grad,
                value.rechunk(grad.chunks), gate.rechunk(grad.chunks), new_axis=0,
                chunks=((2,),) + grad.chunks, dtype=dtype,
                meta=_np.empty((0,) * (grad.ndim + 1), dtype))
            return both[0], both[1]  # (grad_value, grad_gate): one kernel pass per block
    return fn


# --- per channel (prelu): each block gets the weights of its channels --------------------------
def _channel_weight(x, weight, axis, check):
    """The weight as the blocks get it and the channel axis (None for one shared weight: the
    weight as given). check(probe, w, axis) calls the NumPy function on a probe with x's dtype
    and the channel axis at x's length: its errors, eagerly. A dask weight is computed (one
    value per channel); any other weight (an ndarray, a list) is sliced per block as given."""
    if isinstance(weight, _da.Array):
        weight = weight.compute()
    if _np.ndim(weight) == 0 or _np.size(weight) == 1:  # shared: axis ignored, as there
        check(_probe(x), weight, axis)
        return weight, None
    ax = _check_axis(axis, x.ndim)
    check(_np.zeros([x.shape[ax] if i == ax else 0 for i in range(x.ndim)], x.dtype), weight, ax)
    return weight, ax


def _weight_of_block(w, ax, block_info, index=0):
    if ax is None:
        return w
    start, stop = block_info[index]["array-location"][ax]
    return w[start:stop]


def _pc_block(xb, *, kernel, w, ax, block_info=None):
    return kernel(xb, _weight_of_block(w, ax, block_info), axis=1 if ax is None else ax)


def _pc_backward_block(gb, xb, *, kernel, w, ax, block_info=None):
    return kernel(gb, xb, _weight_of_block(w, ax, block_info, 1),
                  axis=1 if ax is None else ax)[0]


def _per_channel(row, kernel):
    def fn(x, weight, *, axis=1):
        x = _array("x", x)
        w, ax = _channel_weight(x, weight, axis, lambda a, ww, ax: kernel(a, ww, axis=ax))
        dtype = kernel(_probe(x), w if ax is None else w[:1]).dtype
        return _da.map_blocks(_functools.partial(_pc_block, kernel=kernel, w=w, ax=ax), x,
                              dtype=dtype, meta=_np.empty((0,) * x.ndim, dtype))
    return fn


def _per_channel_backward(row, kernel):
    """(grad_x, grad_weight): grad_x blockwise; grad_weight = sum of grad * x where x <= 0 over
    every axis but the channel axis (all of them for one shared weight), formed in float64
    (as the kernel does) by a dask reduction, then in the dtype."""
    def fn(grad, x, weight, *, axis=1):
        grad, x = _array("grad", grad), _array("x", x)
        if grad.shape != x.shape:
            raise ValueError("grad has shape %s but x has shape %s; they must match"
                             % (grad.shape, x.shape))
        w, ax = _channel_weight(x, weight, axis, lambda a, ww, ax: kernel(a, a, ww, axis=ax))
        dtype = kernel(_probe(x), _probe(x), w if ax is None else w[:1])[0].dtype
        grad = grad.rechunk(x.chunks)
        grad_x = _da.map_blocks(_functools.partial(_pc_backward_block, kernel=kernel, w=w, ax=ax),
                                grad, x, dtype=dtype, meta=_np.empty((0,) * x.ndim, dtype))
        x64, g64 = x.astype(_F64), grad.astype(_F64)
        contrib = _da.where(x64 > 0, 0.0, g64 * x64)
        if ax is None:
            grad_w = contrib.sum().reshape(_np.shape(w))
        else:
            grad_w = contrib.sum(axis=tuple(i for i in range(x.ndim) if i != ax))
        return grad_x, grad_w.astype(dtype)
    return fn


# --- the module's functions, from the rows -----------------------------------------------------
TWO_PASS = {}
for _row in _catalogue.ROWS:
    if _row.kind == "elementwise":
        _fns = {"": _unary(_row, getattr(_dispatch, _row.name)),
                "_derivative": _unary(_row, getattr(_dispatch, _row.name + "_derivative")),
                "_backward": _backward(_row, getattr(_dispatch, _row.name + "_backward"))}
    elif _row.kind == "axis":
        TWO_PASS[_row.name] = _two_pass_matches(_row)
        _fns = {"": _axis_forward(_row, getattr(_dispatch, _row.name), TWO_PASS[_row.name]),
                "_backward": _axis_backward(_row, getattr(_dispatch, _row.name + "_backward"),
                                            TWO_PASS[_row.name])}
    elif _row.kind == "gate":
        _fns = {"": _gate_forward(_row), "_backward": _gate_backward(_row)}
    else:  # per channel (prelu): the weights sliced per block; grad_weight a dask reduction
        _fns = {"": _per_channel(_row, getattr(_dispatch, _row.name)),
                "_derivative": _per_channel(_row, getattr(_dispatch, _row.name + "_derivative")),
                "_backward": _per_channel_backward(_row, getattr(_dispatch,
                                                                  _row.name + "_backward"))}
    for _suffix, _fn in _fns.items():
        _fn.__doc__ = "%s on a dask array, blockwise: %s. See fastact.%s%s." % (
            _row.name + _suffix, _row.summary, _row.name, _suffix)
        for _name in (_row.name,) + _row.aliases:
            _fn_named = _fn
            globals()[_name + _suffix] = _fn_named
            __all__.append(_name + _suffix)
        _fn.__name__ = _fn.__qualname__ = _row.name + _suffix
        _fn.__module__ = __name__
del _row, _fns, _suffix, _fn, _name, _fn_named


def available():
    """The catalogue names this module provides (every row)."""
    return [r.name for r in _catalogue.ROWS]
