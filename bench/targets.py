"""The speed targets of issue 4, measured: one table, each row a ratio timed in one run.

    python bench/targets.py [--markdown] [--json PATH] [--target-ms MS]

Run it from any directory but the repository root (which would import the unbuilt source
tree). Needs PyTorch for the rows against PyTorch (`pip install torch==2.13.0`, a CPU build);
without it those rows say so. Every ratio compares calls timed round-robin in the same loop
(fastact._bench.measure: warm-up, median of samples), fastact and its competitor writing into
preallocated outputs of the same size where the competitor can; PyTorch runs on 1 thread
except where a row says otherwise. A benchmark, not a test: nothing here asserts.

Rows (1 Mi elements unless stated; float32 and float64):
  memory-bound forward / derivative    fastact(x, out=o)          >= 0.95 x np.copyto(o, x)
  backward without exp                 fastact(g, x|y, out=o)     >= 0.95 x np.multiply(g, x, out=o)
  sigmoid                              vs torch.sigmoid(out=)     >= 2.5 x (float64: 2 x)
  tanh, elu, selu                      vs torch (out=)            >= 5 x (float64: 3 x)
  elu, selu backward from x            vs aten.elu_backward       >= 2.5 x (float64: 2 x)
  softmax, log_softmax 1024 x 1000     vs aten._softmax.out       >= 2 x
  16 elements, in place                call time                  <= the matching NumPy ufunc
  16 Mi, 2 threads                     exp-based: >= 1.7 x 1 thread; memory-bound >= 0.9 x copy
and, not targets of the issue but a guard of our own, counted apart:
  in place, 64 Ki                      fastact(x, out=x), fastact(g, x, out=g) >= 0.9 x out=o
"""
import argparse
import json
import os
import sys
import timeit

import numpy as np

import fastact
from fastact import _bench

MI = 1 << 20


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


class Row:
    def __init__(self, group, what, dtype, ours, theirs, target, kind="speedup"):
        self.group, self.what, self.dtype = group, what, np.dtype(dtype).name
        self.ours, self.theirs, self.target, self.kind = ours, theirs, target, kind
        self.ratio = None
        self.values = None
        self.issue = True  # (a target of issue 4; False: a guard of our own, counted apart)

    @property
    def met(self):
        if self.ratio is None:
            return None
        return self.ratio <= self.target if self.kind == "time" else self.ratio >= self.target


def measure_pair(a, b, target_ns):
    """Median times (ns) of two callables, timed round-robin."""
    t = _bench.measure([("a", a), ("b", b)], target_ns, min_samples=5)
    return t["a"].median_ns, t["b"].median_ns


def elementwise_rows(torch, target_ns, n=MI):
    """All rows of both dtypes; each dtype is measured before the next one's arrays exist
    (the callables close over them)."""
    rows = []
    for dt in (np.float32, np.float64):
        rows += _measured(_dtype_rows(torch, dt, n), target_ns)
    return rows


def _measured(rows, target_ns):
    for r in rows:
        r.values = measure_pair(r.ours, r.theirs, target_ns)
        r.ratio = r.values[1] / r.values[0]  # their time / our time = our speed / theirs
    return rows


def _dtype_rows(torch, dt, n):
    rows = []
    rng = np.random.default_rng(0)
    x = (4 * rng.standard_normal(n)).astype(dt)
    g = rng.standard_normal(n).astype(dt)
    o = np.empty_like(x)
    w = np.linspace(0.05, 0.3, 16).astype(dt)
    xp = x.reshape(n // 1024, 16, 64)
    # every competitor writes into the same o (same alignment, same cache behaviour)
    copy = lambda: np.copyto(o, x)  # noqa: E731
    mul = lambda: np.multiply(g, x, out=o)  # noqa: E731
    fw = [("relu", lambda: fastact.relu(x, out=o)),
          ("leaky_relu", lambda: fastact.leaky_relu(x, out=o)),
          ("identity", lambda: fastact.identity(x, out=o)),
          ("prelu", lambda: fastact.prelu(xp, w, out=o.reshape(xp.shape))),
          ("relu'", lambda: fastact.relu_derivative(x, out=o)),
          ("leaky_relu'", lambda: fastact.leaky_relu_derivative(x, out=o)),
          ("identity'", lambda: fastact.identity_derivative(x, out=o)),
          ("prelu'", lambda: fastact.prelu_derivative(xp, w, out=o.reshape(xp.shape)))]
    for name, fn in fw:
        rows.append(Row("memory-bound forward/derivative vs np.copyto", name, dt, fn, copy, 0.95))
    ys = {n: getattr(fastact, n)(x) for n in ("sigmoid", "tanh", "relu", "leaky_relu")}
    bw = [("relu backward(x)", lambda: fastact.relu_backward(g, x, out=o)),
          ("relu backward(y)", lambda: fastact.relu_backward(g, y=ys["relu"], out=o)),
          ("leaky_relu backward(x)", lambda: fastact.leaky_relu_backward(g, x, out=o)),
          ("leaky_relu backward(y)", lambda: fastact.leaky_relu_backward(g, y=ys["leaky_relu"], out=o)),
          ("identity backward(x)", lambda: fastact.identity_backward(g, x, out=o)),
          ("sigmoid backward(y)", lambda: fastact.sigmoid_backward(g, y=ys["sigmoid"], out=o)),
          ("tanh backward(y)", lambda: fastact.tanh_backward(g, y=ys["tanh"], out=o))]
    for name, fn in bw:
        rows.append(Row("backward without exp vs np.multiply(g, x, out=)", name, dt, fn, mul, 0.95))
    if torch is None:
        return rows
    tx, tg, to = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(o)
    aten = torch.ops.aten
    sa, ss = 1.6732632423543772, 1.0507009873554805
    f32 = dt == np.float32
    vs = [("sigmoid", lambda: fastact.sigmoid(x, out=o), lambda: torch.sigmoid(tx, out=to), 2.5 if f32 else 2.0),
          ("tanh", lambda: fastact.tanh(x, out=o), lambda: torch.tanh(tx, out=to), 5.0 if f32 else 3.0),
          ("elu", lambda: fastact.elu(x, out=o), lambda: aten.elu.out(tx, 1.0, 1, 1, out=to), 5.0 if f32 else 3.0),
          ("selu", lambda: fastact.selu(x, out=o), lambda: aten.elu.out(tx, sa, ss, 1, out=to), 5.0 if f32 else 3.0),
          ("elu backward(x)", lambda: fastact.elu_backward(g, x, out=o),
           lambda: aten.elu_backward.grad_input(tg, 1.0, 1, 1, False, tx, grad_input=to), 2.5 if f32 else 2.0),
          ("selu backward(x)", lambda: fastact.selu_backward(g, x, out=o),
           lambda: aten.elu_backward.grad_input(tg, sa, ss, 1, False, tx, grad_input=to), 2.5 if f32 else 2.0)]
    for name, ours, theirs, target in vs:
        rows.append(Row("exp-based vs PyTorch (1 thread)", name, dt, ours, theirs, target))
    X = (4 * rng.standard_normal((1024, 1000))).astype(dt)
    O = np.empty_like(X)  # (shared by both competitors)
    TX, TO = torch.from_numpy(X), torch.from_numpy(O)
    rows.append(Row("softmax 1024 x 1000, last axis, vs PyTorch", "softmax", dt,
                    lambda: fastact.softmax(X, out=O),
                    lambda: aten._softmax.out(TX, -1, False, out=TO), 2.0))
    rows.append(Row("softmax 1024 x 1000, last axis, vs PyTorch", "log_softmax", dt,
                    lambda: fastact.log_softmax(X, out=O),
                    lambda: aten._log_softmax.out(TX, -1, False, out=TO), 2.0))
    return rows

def overhead_rows(calls=20000):
    """16 elements in place: fastact's call time against the matching NumPy call (min of
    repeats: the least disturbed run)."""
    rows = []
    for dt in (np.float32, np.float64):
        x = (np.random.default_rng(1).standard_normal(16)).astype(dt)
        g = np.ones(16, dt)
        y = fastact.sigmoid(x)
        ns = {"x": x, "g": g, "y": y, "np": np, "fastact": fastact, "y2": y.copy()}
        pairs = [("np.tanh(x, out=x)", "fastact.tanh(x, out=x)"),
                 ("np.tanh(x, out=x)", "fastact.sigmoid(x, out=x)"),
                 ("np.tanh(x, out=x)", "fastact.elu(x, out=x)"),
                 ("np.tanh(x, out=x)", "fastact.selu_derivative(x, out=x)"),
                 ("np.maximum(x, 0, out=x)", "fastact.relu(x, out=x)"),
                 ("np.tanh(x, out=x)", "fastact.leaky_relu(x, out=x)"),
                 ("np.multiply(g, x, out=x)", "fastact.tanh_backward(g, x, out=x)"),
                 ("np.multiply(g, x, out=x)", "fastact.sigmoid_backward(g, y=y2, out=g)"),
                 ("np.tanh(x, out=x)", "fastact.prelu(x, 0.25, out=x)"),
                 ("np.exp(x, out=x)", "fastact.softmax(x, out=x)"),
                 ("np.exp(x, out=x)", "fastact.log_softmax(x, out=x)"),
                 ("np.multiply(g, x, out=x)", "fastact.softmax_backward(g, y2, out=g)"),
                 ("np.multiply(g, x, out=x)", "fastact.log_softmax_backward(g, y2, out=g)")]
        for ref, ours in pairs:
            with np.errstate(all="ignore"):
                t_ref = min(timeit.repeat(ref, globals=ns, number=calls, repeat=7)) / calls
                t_ours = min(timeit.repeat(ours, globals=ns, number=calls, repeat=7)) / calls
            r = Row("16 elements in place: call time vs NumPy", ours.replace("fastact.", ""),
                    dt, None, None, 1.0, kind="time")
            r.values = (t_ours * 1e9, t_ref * 1e9)
            r.ratio = t_ours / t_ref
            r.ref_label = ref
            rows.append(r)
    return rows


def inplace_rows(target_ns, n=64 * 1024):
    """Not an issue target: in-place calls (out= one of the inputs) as fast as out= a separate
    array (a regression here once made them 7-20x slower, with the same results). Both calls
    first copy fresh inputs into the buffer they work on, so repeated calls see the same data."""
    rows = []
    for dt in (np.float32, np.float64):
        rng = np.random.default_rng(3)
        x = (4 * rng.standard_normal(n)).astype(dt)
        g = rng.standard_normal(n).astype(dt)
        buf, o = np.empty_like(x), np.empty_like(x)
        cases = []
        for name in ("sigmoid", "tanh", "elu", "selu"):
            fn = getattr(fastact, name)
            cases.append(("%s(x, out=x)" % name,
                          lambda fn=fn: (np.copyto(buf, x), fn(buf, out=buf)),
                          lambda fn=fn: (np.copyto(buf, x), fn(buf, out=o))))
        for name in ("sigmoid", "elu", "selu"):
            fn = getattr(fastact, name + "_backward")
            cases.append(("%s_backward(g, x, out=g)" % name,
                          lambda fn=fn: (np.copyto(buf, g), fn(buf, x, out=buf)),
                          lambda fn=fn: (np.copyto(buf, g), fn(buf, x, out=o))))
        for what, inplace, separate in cases:
            t_in, t_out = measure_pair(inplace, separate, target_ns)
            r = Row("in place vs out= (64 Ki, not an issue target)", what, dt, None, None, 0.9)
            r.values, r.ratio, r.issue = (t_in, t_out), t_out / t_in, False
            rows.append(r)
    return rows


def thread_rows(target_ns):
    if not fastact.config()["openmp"]:
        return []
    n = 16 * MI
    rows = []
    before = fastact.get_num_threads()
    try:
        for dt in (np.float32, np.float64):
            rng = np.random.default_rng(2)
            x = (4 * rng.standard_normal(n)).astype(dt)
            o = np.empty_like(x)
            for name in ("sigmoid", "tanh", "elu", "selu"):
                fn = getattr(fastact, name)

                def one(fn=fn):
                    fastact.set_num_threads(1)
                    fn(x, out=o)

                def two(fn=fn):
                    fastact.set_num_threads(2)
                    fn(x, out=o)
                t1, t2 = measure_pair(one, two, target_ns)
                r = Row("16 Mi: 2 threads vs 1 thread (exp-based)", name, dt, None, None, 1.7)
                r.values, r.ratio = (t2, t1), t1 / t2
                rows.append(r)
            for name in ("relu", "leaky_relu", "identity"):
                fn = getattr(fastact, name)

                def two(fn=fn):
                    fastact.set_num_threads(2)
                    fn(x, out=o)
                t2, tc = measure_pair(two, lambda: np.copyto(o, x), target_ns)
                r = Row("16 Mi: 2 threads vs np.copyto (memory-bound)", name, dt, None, None, 0.9)
                r.values, r.ratio = (t2, tc), tc / t2
                rows.append(r)
    finally:
        fastact.set_num_threads(before)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--markdown", action="store_true", help="print a GitHub table")
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    ap.add_argument("--target-ms", type=float, default=60.0, help="timed ms per ratio")
    ap.add_argument("--no-threads", action="store_true", help="skip the 16 Mi thread rows")
    ap.add_argument("--size", type=int, default=MI,
                    help="elements of the elementwise rows (default 1 Mi, a multiple of 1024)")
    ap.add_argument("--calls", type=int, default=20000, help="calls per timing of a 16-element row")
    args = ap.parse_args(argv)
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(1)
    fastact.set_num_threads(1)
    target_ns = int(args.target_ms * 1e6)
    rows = elementwise_rows(torch, target_ns, args.size) + overhead_rows(args.calls)
    if not args.no_threads:
        rows += thread_rows(target_ns)
    rows += inplace_rows(target_ns)
    cfg = fastact.config()
    head = "fastact %s · level %s · %s · load average %s · PyTorch %s" % (
        fastact.__version__, cfg["isa"], _bench.cpu_model(), _bench.load_average(),
        torch.__version__ if torch is not None else "not installed")
    print(head + "\n")
    if args.markdown:
        print("| target | function | dtype | fastact | other | ratio | target | met |")
        print("|---|---|---|---:|---:|---:|---:|---|")
    for r in rows:
        ours, theirs = r.values
        unit = "ns" if r.kind == "time" else "ms"
        scale = 1.0 if r.kind == "time" else 1e-6
        cells = (r.group, r.what, r.dtype, "%.4g %s" % (ours * scale, unit),
                 "%.4g %s" % (theirs * scale, unit), "%.2f" % r.ratio,
                 ("<= %.2f" if r.kind == "time" else ">= %.2f") % r.target,
                 "yes" if r.met else "no")
        if args.markdown:
            print("| " + " | ".join(cells) + " |")
        else:
            print("%-48s %-40s %-8s %10s %10s %6s %7s %s" % cells)
    issue = [r for r in rows if r.issue]
    own = [r for r in rows if not r.issue]
    print("\n%d of %d targets met" % (sum(1 for r in issue if r.met), len(issue)))
    if own:
        print("(and %d of %d in-place rows, not issue targets)" % (
            sum(1 for r in own if r.met), len(own)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": head, "rows": [
                {"group": r.group, "what": r.what, "dtype": r.dtype, "values": r.values,
                 "ratio": r.ratio, "target": r.target, "kind": r.kind, "met": r.met,
                 "issue_target": r.issue}
                for r in rows]}, f, indent=1)
    return 0


if __name__ == "__main__":
    if os.path.isfile(os.path.join(os.getcwd(), "fastact", "_kernels", "_dispatch.pyx.tp")):
        sys.exit("run bench/targets.py from outside the repository root (the source tree "
                 "there has no compiled kernels)")
    sys.exit(main())
