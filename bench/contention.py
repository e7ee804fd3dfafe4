#!/usr/bin/env python3
"""Threads under CPU contention: fastact's default threads against one thread (and PyTorch).

    cd /tmp && python /path/to/fastact/bench/contention.py [--sizes 64Ki 1Mi 16Mi] [--busy 1]
                                                          [--no-torch] [--markdown]

Starts --busy processes that spin on the CPUs (pinned to the last CPUs where the OS lets us:
"another process busy on one core"), then times each call with the default thread count and
with one thread, alternating, and prints median times and the ratio t(1 thread) / t(default):
>= 1 means the threads help, < 1 that they make the call slower. --busy 0 measures an idle
machine. Also: several Python threads calling at once (--callers), where every call may use
the default threads (oversubscription); and "backing off ratio": t(1 thread) / t(default
threads while the pool backs off, as after a sign of contention; set through the test hook
_dispatch.pool_back_off), which should be 1: such a call runs as on one thread. A benchmark,
not a test: nothing is asserted.
"""
import argparse
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time

import numpy as np

import fastact
from fastact import _bench
from fastact._kernels import _dispatch


def _spin(cpu):
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass
    while True:
        pass


def _median_ns(fn, reps, threads=None):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times)


def measure(fn, threads_a, threads_b, rounds, reps, set_threads):
    """Alternate A B A B: median over rounds of each side's median over reps."""
    a, b = [], []
    for _ in range(rounds):
        set_threads(threads_a)
        a.append(_median_ns(fn, reps))
        set_threads(threads_b)
        b.append(_median_ns(fn, reps))
    return statistics.median(a), statistics.median(b)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["64Ki", "1Mi", "16Mi"])
    ap.add_argument("--busy", type=int, default=1, help="spinning processes (default 1)")
    ap.add_argument("--callers", type=int, default=4,
                    help="Python threads calling at once in the oversubscription rows")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    torch = None if args.no_torch else _bench.optional_module("torch")
    default = fastact.get_num_threads()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    ctx = mp.get_context("spawn")
    busy = [ctx.Process(target=_spin, args=(cpus[-1 - i % len(cpus)] if cpus else None,),
                        daemon=True) for i in range(args.busy)]
    for p in busy:
        p.start()
    time.sleep(0.5)
    rows = []
    try:
        for label in args.sizes:
            n = _bench.parse_size(label)
            x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
            o = np.empty_like(x)
            reps = max(3, min(200, (1 << 24) // n))

            def ours():
                fastact.sigmoid(x, out=o)
            t1, tn = measure(ours, 1, default, args.rounds, reps, fastact.set_num_threads)
            fastact.set_num_threads(default)
            row = {"size": label, "fastact 1 thread us": t1 / 1e3,
                   "fastact %d threads us" % default: tn / 1e3, "fastact ratio": t1 / tn}

            def backing_off(threads):
                fastact.set_num_threads(threads)
                _dispatch.pool_back_off(3600 if threads != 1 else 0)
            try:
                b1, bn = measure(ours, 1, default, args.rounds, reps, backing_off)
            finally:
                _dispatch.pool_back_off(0)
                fastact.set_num_threads(default)
            row["backing off ratio"] = b1 / bn
            if torch is not None:
                tx, to = torch.from_numpy(x), torch.from_numpy(o)
                tdef = torch.get_num_threads()

                def theirs():
                    torch.sigmoid(tx, out=to)
                p1, pn = measure(theirs, 1, tdef, args.rounds, reps, torch.set_num_threads)
                torch.set_num_threads(tdef)
                row.update({"torch 1 thread us": p1 / 1e3,
                            "torch %d threads us" % tdef: pn / 1e3, "torch ratio": p1 / pn})
            # several Python threads calling at once: each call's time, default threads vs 1
            def many(threads):
                fastact.set_num_threads(threads)
                outs = [np.empty_like(x) for _ in range(args.callers)]
                per = []

                def work(k):
                    t = []
                    for _ in range(max(2, reps // 2)):
                        t0 = time.perf_counter_ns()
                        fastact.sigmoid(x, out=outs[k])
                        t.append(time.perf_counter_ns() - t0)
                    per.append(statistics.median(t))
                ths = [threading.Thread(target=work, args=(k,)) for k in range(args.callers)]
                for t in ths:
                    t.start()
                for t in ths:
                    t.join()
                return statistics.median(per)
            m1 = statistics.median([many(1) for _ in range(3)])
            mn = statistics.median([many(default) for _ in range(3)])
            fastact.set_num_threads(default)
            row.update({"%d callers ratio" % args.callers: m1 / mn})
            rows.append(row)
            print(" ".join("%s=%.3g" % kv if isinstance(kv[1], float) else "%s=%s" % kv
                           for kv in row.items()), flush=True)
    finally:
        for p in busy:
            p.terminate()
    cpu = _bench.cpu_name() if hasattr(_bench, "cpu_name") else ""
    print("busy processes: %d, CPUs: %s %s" % (args.busy, len(cpus) if cpus else "?", cpu))
    if args.markdown and rows:
        keys = list(rows[0])
        print("| " + " | ".join(keys) + " |")
        print("|" + "---|" * len(keys))
        for r in rows:
            print("| " + " | ".join(("%.3g" % r[k]) if isinstance(r[k], float) else str(r[k])
                                    for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
