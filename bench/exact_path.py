#!/usr/bin/env python3
"""What the exact path costs: each exp-tail kernel with one element in 512 in its exp tail
(so that every block of 512 takes the exact path) against the same inputs without it.

    cd /tmp && python /path/to/fastact/bench/exact_path.py [--sizes 1Mi 1000] [--functions a,b]
                                                         [--threads N] [--markdown]

Inputs: normals of scale 4; the tail element is -200 (float32) or -800 (float64), past
where exp(-|x|) leaves the normal numbers. Forward `f(x, out=o)` and backward
`f_backward(g, x, out=o)`, best of 15 repeats; the ratio is time with the tails / time
without (> 1: the exact path is slower). A benchmark, not a test: nothing is asserted.
docs/design.md (Fast and exact paths) says why the exact path is compiled once per kernel.
"""
import argparse
import sys
import timeit

import numpy as np

try:
    import fastact
    from fastact import _bench
    from fastact import _catalogue as cat
except ImportError as exc:  # pragma: no cover
    sys.exit("bench/exact_path.py: cannot import fastact (%s); install the package and run "
             "from outside the repository root" % exc)

TAIL = {np.float32: -200.0, np.float64: -800.0}


def tail_kernels():
    """The kernel names (gelu_tanh style) whose forward or backward pass has an exp tail."""
    return [k.name for k in cat.kernel_rows()
            if "forward" in k.tail or "backward_x" in k.tail]


def _best(fn, n):
    number = max(1, 2_000_000 // max(n, 1))
    return min(timeit.repeat(fn, number=number, repeat=15)) / number


def measure(name, dtype, n, seed=0):
    """(forward ratio, backward ratio, forward seconds without tails) for one kernel."""
    fname, params = cat.kernel_call(name)
    f = getattr(fastact, fname)
    fb = getattr(fastact, fname + "_backward")
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 4).astype(dtype)
    xt = x.copy()
    xt[::512] = TAIL[dtype]
    g = rng.standard_normal(n).astype(dtype)
    o = np.empty_like(x)
    with np.errstate(all="ignore"):
        fw = _best(lambda: f(x, out=o, **params), n)
        fwt = _best(lambda: f(xt, out=o, **params), n)
        bw = _best(lambda: fb(g, x, out=o, **params), n)
        bwt = _best(lambda: fb(g, xt, out=o, **params), n)
    return fwt / fw, bwt / bw, fw


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["1Mi", "1000"])
    ap.add_argument("--functions", default=None, help="comma-separated kernel names")
    ap.add_argument("--threads", type=int, default=None, help="fastact threads (default: all)")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    names = tail_kernels()
    if a.functions:
        wanted = a.functions.split(",")
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            ap.error("not an exp-tail kernel: %s (choose from %s)" % (", ".join(unknown),
                                                                     ", ".join(names)))
        names = [n for n in names if n in wanted]
    if a.threads is not None:
        fastact.set_num_threads(a.threads)
    sizes = [_bench.parse_size(s) for s in a.sizes]
    print("fastact %s · level %s · %s · %d thread(s) · load average %s\n" % (
        fastact.__version__, fastact.config()["isa"], _bench.cpu_model(),
        fastact.get_num_threads(), _bench.load_average()))
    head = ["kernel", "dtype", "n", "forward ratio", "backward ratio", "forward without (ms)"]
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|---|---|---:|---:|---:|---:|")
    else:
        print("%-12s %-8s %9s %14s %15s %21s" % tuple(head))
    for name in names:
        for dt in (np.float32, np.float64):
            for n in sizes:
                rf, rb, t = measure(name, dt, n)
                row = (name, dt.__name__, n, "%.2f" % rf, "%.2f" % rb, "%.4g" % (t * 1e3))
                if a.markdown:
                    print("| " + " | ".join(str(c) for c in row) + " |")
                else:
                    print("%-12s %-8s %9d %14s %15s %21s" % row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
