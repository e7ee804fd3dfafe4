#!/usr/bin/env python3
"""The cost of a call through an activation object against the function it wraps, on 16
elements (the call, not the arithmetic): best of 7 timeit repeats, ns per call, for every
elementwise, axis and gate row of the catalogue (or --functions), with its default
parameters: forward as function(x), object(x) and object.forward(x, out=o) against
function(x, out=o), and the backward from x (axis rows: from y) as function and as object
method.

    cd /tmp && python /path/to/fastact/bench/object_overhead.py [--functions a,b] [--dtype float64]

docs/performance.md (call overhead) quotes its output. A benchmark, not a test.
"""
import argparse
import timeit

import numpy as np

import fastact
from fastact import _catalogue as cat


def cases(name, x, g, o):
    """[(label, function call, object call)] for catalogue row `name` (elementwise or axis),
    each pair computing the same thing."""
    row = cat.row(name)
    obj = fastact.get(name, **{p.name: p.samples[0] for p in row.params if p.required})
    params = dict(obj.params)
    f = getattr(fastact, name)
    b = getattr(fastact, name + "_backward")
    if row.kind == "gate":
        args = (x,) if row.halves else (x, g)
        grad = f(*args).copy()
        return [("%s(%s)" % (name, "x" if row.halves else "x, g"), lambda: f(*args),
                 lambda: obj(*args)),
                ("%s_backward(grad, %s)" % (name, "x" if row.halves else "x, g"),
                 lambda: b(grad, *args), lambda: obj.backward(grad, *args))]
    if row.kind == "axis":
        y = f(x)
        return [("%s(x)" % name, lambda: f(x), lambda: obj(x)),
                ("%s(x, out=o) / .forward" % name, lambda: f(x, out=o),
                 lambda: obj.forward(x, out=o)),
                ("%s_backward(g, y=y)" % name, lambda: b(g, y=y), lambda: obj.backward(g, y))]
    return [("%s(x)" % name, lambda: f(x, **params), lambda: obj(x)),
            ("%s(x, out=o)" % name, lambda: f(x, out=o, **params), lambda: obj(x, out=o)),
            ("%s(x, out=o) / .forward" % name, lambda: f(x, out=o, **params),
             lambda: obj.forward(x, out=o)),
            ("%s_backward(g, x)" % name, lambda: b(g, x, **params),
             lambda: obj.backward(g, x))]


def names():
    return [r.name for r in cat.ROWS if r.kind in ("elementwise", "axis", "gate")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--functions", help="comma-separated row names (default: every elementwise, "
                    "axis and gate row)")
    ap.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    ap.add_argument("--number", type=int, default=20000)
    args = ap.parse_args()
    x = np.random.default_rng(0).standard_normal(16).astype(args.dtype)
    g, o = x.copy(), np.empty_like(x)
    print("%-44s %9s %9s" % ("call", "function", "object"))
    for name in (args.functions.split(",") if args.functions else names()):
        for label, fn, ob in cases(name, x, g, o):
            t = [min(timeit.repeat(c, number=args.number, repeat=7)) / args.number
                 for c in (fn, ob)]
            print("%-44s %6.0f ns %6.0f ns" % (label, t[0] * 1e9, t[1] * 1e9))


if __name__ == "__main__":
    main()
