#!/usr/bin/env python3
"""4K aliasing: np.copyto's time over fastact's (out=) on 1 Mi elements, by where out lies after
x modulo 4096 bytes. A load that matches the low 12 address bits of a store still in flight
waits for it; np.copyto is immune (glibc's memmove copies backwards there), fastact's loops
and NumPy's ufuncs are not (docs/performance.md, piecewise functions).

    cd /tmp && python /path/to/fastact/bench/aliasing.py [--functions relu,relu6] [--dtype float64]

A benchmark, not a test: one process, one thread, best of 7 repeats per cell.
"""
import argparse
import time

import numpy as np

import fastact

OFFSETS = (0, 32, 64, 128, 256, 512, 1024, 2048)


def placed(n, dtype, offset):
    """An array of n elements starting `offset` bytes into a page."""
    itemsize = np.dtype(dtype).itemsize
    buf = np.empty(n * itemsize + 8192, np.uint8)
    start = (-buf.ctypes.data) % 4096 + offset
    return buf[start:start + n * itemsize].view(dtype)


def best(call, reps):
    t = 1e9
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps):
            call()
        t = min(t, (time.perf_counter() - t0) / reps)
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--functions", default="relu,relu6", help="comma-separated functions")
    ap.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    ap.add_argument("--n", type=int, default=1 << 20)
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args()
    fastact.set_num_threads(1)
    names = args.functions.split(",")
    x = placed(args.n, args.dtype, 64)
    x[:] = np.random.default_rng(0).standard_normal(args.n) * 4
    g = placed(args.n, args.dtype, 64)
    g[:] = 1
    print("%-10s %9s %9s" % ("out - x", "copyto", "multiply") + "".join(" %9s" % n[:9] for n in names))
    for d in OFFSETS:
        o = placed(args.n, args.dtype, (64 + d) % 4096)
        tc = best(lambda: np.copyto(o, x), args.reps)
        cells = [tc / best(lambda: np.multiply(g, x, out=o), args.reps)]
        for name in names:
            f = getattr(fastact, name)
            cells.append(tc / best(lambda: f(x, out=o), args.reps))
        print("%-10d %6.1f us" % (d, tc * 1e6) + "".join(" %9.2f" % c for c in cells))


if __name__ == "__main__":
    main()
