#!/usr/bin/env python3
"""A/B speed of two builds of fastact's softmax family: softmax, log_softmax and their backward
passes (from y), float32 and float64, one thread, out= a preallocated array.

    cd /tmp && python /path/to/fastact/bench/softmax_ab.py A_DIR B_DIR [--rounds 6]
        [--target-ms 300] [--shapes 1024x1000:-1 1024x1000:0 1x1048576:-1 16384x64:0]
        [--clock wall|cpu]

A_DIR and B_DIR are source trees with built kernels (python setup.py build_ext --inplace),
imported through PYTHONPATH. The builds cannot share a process, so each round runs one child
process per build, alternating A B B A A B ...; each child times every case round-robin
(fastact._bench.measure: warm-up, median of samples). Printed per case: the median over the
rounds of B's median time / A's of the same round (< 1: B is faster), its range over the
rounds, and both medians. With --clock cpu a sample is the calling thread's CPU time over a
batch of calls (one thread: the kernels run on the caller), which time slices lost to other
processes do not inflate, and a child reports its fastest sample (the one least disturbed by
other processes' use of the caches) rather than the median: for a machine that others share.
A benchmark, not a test: nothing here asserts.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys
import numpy as np
import fastact
from fastact import _bench
fastact.set_num_threads(1)
shapes, target_ms = json.loads(sys.argv[1]), float(sys.argv[2])
calls = []
for spec in shapes:
    dims, axis = spec.split(":")
    shape, axis = tuple(int(d) for d in dims.split("x")), int(axis)
    for dt in (np.float32, np.float64):
        rng = np.random.default_rng(0)
        x = (rng.standard_normal(shape) * 3).astype(dt)
        g = rng.standard_normal(shape).astype(dt)
        y = fastact.softmax(x, axis=axis)
        ly = fastact.log_softmax(x, axis=axis)
        o = np.empty_like(x)
        tag = "%s %s" % (spec, np.dtype(dt).name)
        calls += [
            ("softmax " + tag, lambda x=x, o=o, a=axis: fastact.softmax(x, axis=a, out=o)),
            ("log_softmax " + tag, lambda x=x, o=o, a=axis: fastact.log_softmax(x, axis=a, out=o)),
            ("softmax_backward " + tag,
             lambda g=g, y=y, o=o, a=axis: fastact.softmax_backward(g, y=y, axis=a, out=o)),
            ("log_softmax_backward " + tag,
             lambda g=g, y=ly, o=o, a=axis: fastact.log_softmax_backward(g, y=y, axis=a, out=o)),
        ]
if sys.argv[3] == "wall":
    t = _bench.measure(calls, target_ms * 1e6, min_samples=5)
    print(json.dumps({k: v.median_ns for k, v in t.items()}))
else:  # CPU time of this thread (the calls run on it: one thread), round-robin batches
    import time
    clock = time.thread_time_ns
    batch = {}
    for k, fn in calls:
        fn()
        t0 = clock()
        fn()
        batch[k] = max(1, int(5e5 // max(clock() - t0, 1)))  # about 0.5 ms per sample
    samples = {k: [] for k, _ in calls}
    rounds = max(5, int(target_ms / 0.5 / len(calls) * len(calls)))
    for _ in range(rounds):
        for k, fn in calls:
            b = batch[k]
            t0 = clock()
            for _ in range(b):
                fn()
            samples[k].append((clock() - t0) / b)
    # the minimum: the sample least disturbed by other processes (caches, interrupts)
    print(json.dumps({k: min(v) for k, v in samples.items()}))
"""


def med(values):
    return statistics.median(values)


def run(tree, shapes, target_ms, clock):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(tree), FASTACT_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(shapes), str(target_ms), clock],
                         env=env, cwd="/", check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--target-ms", type=float, default=300.0,
                    help="timed milliseconds per case and child (default 300)")
    ap.add_argument("--shapes", nargs="+",
                    default=["1024x1000:-1", "1024x1000:0", "1x1048576:-1", "16384x64:0"],
                    help="DIMSxDIMS:AXIS (default: the 1024 x 1000 target along both axes, "
                         "and a row and columns of several sum blocks)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall: fastact._bench.measure (the default); cpu: the calling thread's "
                         "CPU time (less disturbed by other processes on a busy machine)")
    a = ap.parse_args()
    rounds = []
    for r in range(a.rounds):
        if r % 2 == 0:
            ta = run(a.a, a.shapes, a.target_ms, a.clock)
            tb = run(a.b, a.shapes, a.target_ms, a.clock)
        else:  # (B first every other round: no bias from the order)
            tb = run(a.b, a.shapes, a.target_ms, a.clock)
            ta = run(a.a, a.shapes, a.target_ms, a.clock)
        rounds.append((ta, tb))
        print("round %d/%d done" % (r + 1, a.rounds), file=sys.stderr, flush=True)
    print("A = %s\nB = %s\n%d rounds, A B, B A, A B, ...; ratio = B / A (time; < 1: B faster)"
          % (a.a, a.b, a.rounds))
    print("%-48s %8s %17s %10s %10s" % ("case", "ratio", "range", "A us", "B us"))
    for key in rounds[0][0]:
        ratios = [tb[key] / ta[key] for ta, tb in rounds]
        print("%-48s %8.3f  [%6.3f, %6.3f] %10.1f %10.1f"
              % (key, med(ratios), min(ratios), max(ratios),
                 med([ta[key] for ta, _ in rounds]) / 1e3,
                 med([tb[key] for _, tb in rounds]) / 1e3))


if __name__ == "__main__":
    main()
