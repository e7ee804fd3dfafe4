#!/usr/bin/env python3
"""Accuracy of softmax, log_softmax and their backward passes on long reductions.

    cd /tmp && python /path/to/fastact/bench/long_rows.py [--n 1e6 1e7 2^30]
        [--dtype float32 float64] [--layout row col] [--logits normal|const]
        [--grad positive|normal] [--seed 0]

For each n: a row of n logits (layout "row": shape (n,), the rows kernel) or an (n, 2) array
reduced along axis 0 (layout "col": the columns kernel), standard normal * 3; grad uniform in
(0, 2) (--grad positive: the backward sums have no cancellation, so their rounding errors
drift the most) or standard normal. The reference is
computed in float64 for float32 data and in long double for float64 data (NumPy's pairwise
sums, so its own error is far below the dtype's eps; rows from --huge elements on, 2^26 by
default, are checked chunk by chunk: a row of 2^30 float32 needs about 13 GiB). Printed per
case:

    softmax         max relative error, and |sum(y) - 1| (the sum taken in the reference type)
    log_softmax     max absolute error
    softmax_backward      max |err| / (|y| (|grad| + sum|grad y|))     (units of eps)
    log_softmax_backward  max |err| / (|grad| + exp(y) sum|grad|)      (units of eps)

The backward passes take the reference's y rounded to the dtype, so only their own sums count.
A measurement, not a test (tests/test_softmax.py asserts the bounds).
"""
import argparse

import numpy as np

import fastact


def _sum(a, axis):
    """a.sum(axis, keepdims=True) by NumPy's pairwise summation, which runs along a contiguous
    axis only (along axis 0 of an (n, 2) array it adds sequentially: an error growing with n)."""
    if axis == a.ndim - 1:
        return a.sum(axis=axis, keepdims=True)
    return np.ascontiguousarray(np.moveaxis(a, axis, -1)).sum(axis=-1)[np.newaxis]


def _inputs(n, dtype, layout, seed, grad, logits):
    rng = np.random.default_rng(seed)
    shape = (n,) if layout == "row" else (n, 2)
    if logits == "normal":
        x = (rng.standard_normal(shape) * 3).astype(dtype)
    else:  # every term but the max the same: rounding errors that do not cancel
        x = np.full(shape, -1.0, dtype)
        x[0] = 0
    g = (rng.standard_normal(shape) if grad == "normal" else rng.uniform(0, 2, shape)).astype(dtype)
    return x, g


def measure(n, dtype, layout, seed, grad, logits):
    """Small enough for whole-array references: (n,) or (n, 2) along axis 0."""
    dtype = np.dtype(dtype)
    wide = np.float64 if dtype == np.float32 else np.longdouble
    eps = float(np.finfo(dtype).eps)
    axis = 0
    x, g = _inputs(n, dtype, layout, seed, grad, logits)
    xw = x.astype(wide)
    sh = xw - xw.max(axis=axis, keepdims=True)
    e = np.exp(sh)
    s = _sum(e, axis)
    want = e / s
    lwant = sh - np.log(s)
    del e, sh
    res = {}
    y = fastact.softmax(x, axis=axis)
    res["softmax_rel"] = float(np.max(np.abs(y.astype(wide) - want) / want))
    res["softmax_sum_dev"] = float(np.max(np.abs(_sum(y.astype(wide), axis) - 1)))
    del y
    ly = fastact.log_softmax(x, axis=axis)
    res["log_softmax_abs"] = float(np.max(np.abs(ly.astype(wide) - lwant)))
    del ly, x, xw
    # backward from the reference's y, rounded to the dtype
    y = want.astype(dtype)
    yw = y.astype(wide)
    gw = g.astype(wide)
    sg = _sum(gw * yw, axis)
    ref = yw * (gw - sg)
    scale = np.abs(yw) * (np.abs(gw) + _sum(np.abs(gw * yw), axis))
    b = fastact.softmax_backward(g, y=y, axis=axis)
    res["softmax_backward_eps"] = float(np.max(np.abs(b.astype(wide) - ref) / scale)) / eps
    del b, ref, scale, y, yw
    ly = lwant.astype(dtype)
    lyw = ly.astype(wide)
    ref = gw - np.exp(lyw) * _sum(gw, axis)
    scale = np.abs(gw) + np.exp(lyw) * _sum(np.abs(gw), axis)
    b = fastact.log_softmax_backward(g, y=ly, axis=axis)
    res["log_softmax_backward_eps"] = float(np.max(np.abs(b.astype(wide) - ref) / scale)) / eps
    return res


def measure_huge_row(n, dtype, seed, grad, logits, chunk=1 << 22):
    """The same for a row too long for whole-array references (2^30 float32: 4 GiB per array):
    references chunk by chunk; memory: three arrays of the dtype."""
    dtype = np.dtype(dtype)
    wide = np.float64 if dtype == np.float32 else np.longdouble
    eps = float(np.finfo(dtype).eps)
    chunks = [slice(c, min(c + chunk, n)) for c in range(0, n, chunk)]
    rng = np.random.default_rng(seed)
    x, g = np.empty(n, dtype), np.empty(n, dtype)  # (filled chunk by chunk: less memory)
    for c in chunks:
        m = c.stop - c.start
        x[c] = rng.standard_normal(m) * 3 if logits == "normal" else -1.0
        g[c] = rng.standard_normal(m) if grad == "normal" else rng.uniform(0, 2, m)
    if logits != "normal":
        x[0] = 0
    mx = wide(x.max())
    s = np.sum([np.exp(x[c].astype(wide) - mx).sum() for c in chunks], dtype=wide)
    res = {}
    out = fastact.softmax(x)
    rel = tot = wide(0)
    for c in chunks:
        want = np.exp(x[c].astype(wide) - mx) / s
        rel = max(rel, np.max(np.abs(out[c].astype(wide) - want) / want))
        tot += out[c].astype(wide).sum()
    res["softmax_rel"], res["softmax_sum_dev"] = float(rel), float(abs(tot - 1))
    fastact.log_softmax(x, out=out)
    err = wide(0)
    for c in chunks:
        err = max(err, np.max(np.abs(out[c].astype(wide) - ((x[c].astype(wide) - mx) - np.log(s)))))
    res["log_softmax_abs"] = float(err)
    # backward from the reference's y (overwriting x), rounded to the dtype
    for c in chunks:
        x[c] = np.exp(x[c].astype(wide) - mx) / s
    y = x
    sg = np.sum([(g[c].astype(wide) * y[c]).sum() for c in chunks], dtype=wide)
    sa = np.sum([np.abs(g[c].astype(wide) * y[c]).sum() for c in chunks], dtype=wide)
    fastact.softmax_backward(g, y=y, out=out)
    err = wide(0)
    for c in chunks:
        yw, gw = y[c].astype(wide), g[c].astype(wide)
        err = max(err, np.max(np.abs(out[c] - yw * (gw - sg)) / (np.abs(yw) * (np.abs(gw) + sa))))
    res["softmax_backward_eps"] = float(err) / eps
    # log_softmax_backward from log(y) rounded to the dtype
    for c in chunks:
        y[c] = np.log(y[c].astype(wide))
    ly = y
    sg = np.sum([g[c].astype(wide).sum() for c in chunks], dtype=wide)
    sa = np.sum([np.abs(g[c].astype(wide)).sum() for c in chunks], dtype=wide)
    fastact.log_softmax_backward(g, y=ly, out=out)
    err = wide(0)
    for c in chunks:
        ey, gw = np.exp(ly[c].astype(wide)), g[c].astype(wide)
        err = max(err, np.max(np.abs(out[c] - (gw - ey * sg)) / (np.abs(gw) + ey * sa)))
    res["log_softmax_backward_eps"] = float(err) / eps
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", nargs="+", default=["1e6", "1e7"])
    ap.add_argument("--dtype", nargs="+", default=["float32"])
    ap.add_argument("--layout", nargs="+", default=["row", "col"], choices=["row", "col"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--logits", default="normal", choices=["normal", "const"],
                    help="standard normal * 3 (the default), or -1 everywhere but one 0 (every "
                         "term of the sums the same: their rounding errors add up)")
    ap.add_argument("--huge", type=float, default=2.0 ** 26,
                    help="rows from this n on are checked chunk by chunk (less memory)")
    ap.add_argument("--grad", default="positive", choices=["positive", "normal"],
                    help="grad ~ uniform(0, 2) (sums without cancellation: the worst drift; the "
                         "default) or standard normal")
    a = ap.parse_args()
    print("fastact from", fastact.__file__)
    for dt in a.dtype:
        for layout in a.layout:
            for ns in a.n:
                n = int(float(ns)) if "^" not in ns else 2 ** int(ns.split("^")[1])
                if layout == "row" and n >= a.huge:
                    r = measure_huge_row(n, dt, a.seed, a.grad, a.logits)
                else:
                    r = measure(n, dt, layout, a.seed, a.grad, a.logits)
                print("%-7s %-3s n=%-11d softmax rel %.3g  |sum-1| %.3g  log_softmax abs %.3g  "
                      "softmax_backward %.3g eps  log_softmax_backward %.3g eps"
                      % (dt, layout, n, r["softmax_rel"], r["softmax_sum_dev"],
                         r["log_softmax_abs"], r["softmax_backward_eps"],
                         r["log_softmax_backward_eps"]),
                      flush=True)


if __name__ == "__main__":
    main()
