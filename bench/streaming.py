#!/usr/bin/env python3
"""Streaming stores against plain stores, per pass and size, at the level in use.

    cd /tmp && python /path/to/fastact/bench/streaming.py [--threads 1] [--dtype float64]
        [--sizes-mi 0.0625,1,4,16] [--passes relu_b,sigmoid_b,silu_b,relu,sigmoid,tanh]

A pass is a function name (its forward pass, `fastact.f(x, out=o)`) or a name with `_b` (its
backward pass from x, `f_backward(g, x, out=o)`); x = 4 randn, g = randn. Each call runs
with the kernel module's streaming threshold at 2^60 bytes (plain stores) and at 0 (streaming
from the first 64-byte line), alternating in one process; the best time of each is printed
in ns per element, plain / streamed, and their ratio (above 1: streaming is faster). A
benchmark, not a test. The threshold goes through the module's `set_stream_min_bytes` hook
and is restored at the end. The entry's rule applies on top of the threshold: a
compute-bound pass on one thread never streams (its two columns then time the same path), nor
does a call too small to run on threads (`--threads 2` below 256 Ki elements for the
compute-bound passes, 1 Mi for the memory-bound ones).
docs/performance.md, "Streaming stores", has the figures of AMD Zen 3.
"""
import argparse
import importlib
import time

import numpy as np

import fastact


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    ap.add_argument("--sizes-mi", default="0.0625,1,4,16",
                    help="array sizes in Mi elements, comma-separated")
    ap.add_argument("--passes", default="relu_b,sigmoid_b,silu_b,relu,sigmoid,tanh")
    args = ap.parse_args(argv)
    fastact.set_num_threads(args.threads)
    kmod = importlib.import_module("fastact._kernels._kernels_" + fastact.config()["isa"])
    dt = np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    print("level %s, %d thread(s), %s; ns per element, plain / streamed (ratio)"
          % (fastact.config()["isa"], args.threads, dt.name))
    default = kmod.STREAM_MIN_BYTES
    try:
        for size in args.sizes_mi.split(","):
            n = int(float(size) * (1 << 20))
            x = (rng.standard_normal(n) * 4).astype(dt)
            g = rng.standard_normal(n).astype(dt)
            o = np.empty_like(x)
            cells = []
            for name in args.passes.split(","):
                if name.endswith("_b"):
                    fn = getattr(fastact, name[:-2] + "_backward")
                    call = lambda fn=fn: fn(g, x, out=o)  # noqa: E731
                else:
                    fn = getattr(fastact, name)
                    call = lambda fn=fn: fn(x, out=o)  # noqa: E731
                best = {"plain": float("inf"), "stream": float("inf")}
                for _ in range(max(5, int(3e7 / n / dt.itemsize))):
                    for mode, thr in (("plain", 1 << 60), ("stream", 0)):
                        kmod.set_stream_min_bytes(thr)
                        t = time.perf_counter()
                        call()
                        best[mode] = min(best[mode], time.perf_counter() - t)
                cells.append("%s %.2f / %.2f (%.2fx)" % (
                    name, best["plain"] / n * 1e9, best["stream"] / n * 1e9,
                    best["plain"] / best["stream"]))
            print("%6.4g Mi  %s" % (float(size), "  ".join(cells)), flush=True)
    finally:
        kmod.set_stream_min_bytes(default)


if __name__ == "__main__":
    main()
