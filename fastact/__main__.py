"""Command line: ``python -m fastact demo`` (``bench`` comes with the benchmark suite).

demo: runs every function once on random data, reports the largest error against the NumPy
reference evaluated in higher precision (in ULPs of the dtype) and the median time of fastact
and of the plain NumPy reference on the same input.
"""
import argparse
import sys
import time

import numpy as np

import fastact
from fastact import reference as ref

_WIDER = {np.dtype(np.float32): np.float64, np.dtype(np.float64): np.longdouble}


def _ulp_error(got, want):
    """Largest |got - want| in ULPs of got's dtype (subnormals in units of the smallest normal)."""
    dtype = got.dtype
    want = want.astype(dtype)
    both = np.isnan(got) & np.isnan(want)
    same = (got == want) | both
    if same.all():
        return 0.0
    spacing = np.maximum(np.spacing(np.abs(want)), np.spacing(np.finfo(dtype).tiny))
    err = np.abs(got.astype(np.float64) - want.astype(np.float64)) / spacing.astype(np.float64)
    return float(np.max(np.where(same, 0.0, err)))


def _median_time(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _cases(x, g):
    """(label, fastact call, reference call, oracle) for every pass of every function."""
    wide = lambda a: a.astype(_WIDER[a.dtype])  # noqa: E731
    cases = []
    for name in ("identity", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh"):
        f = getattr(fastact, name)
        y = f(x)
        for suffix, fa, rf, args in (
            ("", f, getattr(ref, name), (x,)),
            ("_derivative", getattr(fastact, name + "_derivative"),
             getattr(ref, name + "_derivative"), (x,)),
        ):
            cases.append((name + suffix, lambda fa=fa, args=args: fa(*args),
                          lambda rf=rf, args=args: rf(*args),
                          lambda rf=rf, args=args: rf(*[wide(a) for a in args])))
        fb, rb = getattr(fastact, name + "_backward"), getattr(ref, name + "_backward")
        cases.append((name + "_backward(x)", lambda fb=fb: fb(g, x), lambda rb=rb: rb(g, x),
                      lambda rb=rb: rb(wide(g), wide(x))))
        cases.append((name + "_backward(y)", lambda fb=fb, y=y: fb(g, y=y),
                      lambda rb=rb, y=y: rb(g, y=y), lambda rb=rb, y=y: rb(wide(g), y=wide(y))))
    w = np.float32(0.25) if x.dtype == np.float32 else 0.25
    cases.append(("prelu", lambda: fastact.prelu(x, w), lambda: ref.prelu(x, w),
                  lambda: ref.prelu(wide(x), w)))
    rows = x.reshape(-1, 1000)
    for name in ("softmax", "log_softmax"):
        fa, rf = getattr(fastact, name), getattr(ref, name)
        cases.append((name + " (rows of 1000)", lambda fa=fa: fa(rows), lambda rf=rf: rf(rows),
                      lambda rf=rf: rf(wide(rows))))
    return cases


def demo(args):
    rng = np.random.default_rng(0)
    n = args.size - args.size % 1000
    print("fastact %s demo: %d elements, median of %d runs; error vs the NumPy reference "
          "evaluated in higher precision" % (fastact.__version__, n, args.repeat))
    header = "%-26s %-8s %9s %12s %12s %8s" % (
        "function", "dtype", "max ULP", "fastact ms", "numpy ms", "speedup")
    print(header)
    print("-" * len(header))
    for dtype in args.dtypes:
        x = (rng.standard_normal(n) * 4).astype(dtype)
        g = rng.standard_normal(n).astype(dtype)
        for label, fa, rf, oracle in _cases(x, g):
            if label == "selu_backward(y)" and x.dtype == np.float64:
                # y + scale*alpha cancels below what a longdouble oracle resolves; the tests
                # check this case against mpmath instead.
                err = float("nan")
            else:
                err = _ulp_error(fa(), oracle())
            tf, tr = _median_time(fa, args.repeat), _median_time(rf, args.repeat)
            print("%-26s %-8s %9.2f %12.3f %12.3f %7.2fx" % (
                label, np.dtype(dtype).name, err, tf * 1e3, tr * 1e3, tr / tf))
            sys.stdout.flush()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastact")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="accuracy and speed of every function against NumPy")
    p.add_argument("--size", type=int, default=1 << 20, help="elements per array (default 1 Mi)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per case (median)")
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    p.set_defaults(func=demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
