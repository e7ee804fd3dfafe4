"""The speed targets of issue 4, measured: one table, each row a ratio timed in one run.

    python bench/targets.py [--markdown] [--json PATH] [--target-ms MS] [--functions a,b]

Run it from any directory but the repository root (which would import the unbuilt source
tree). Needs PyTorch for the rows against PyTorch (`pip install torch==2.13.0`, a CPU build);
without it those rows say so. Every ratio compares calls timed round-robin in the same loop
(fastact._bench.measure: warm-up, median of samples), fastact and its competitor writing into
preallocated outputs of the same size where the competitor can; PyTorch runs on 1 thread
except where a row says otherwise. The 1 Mi arrays start at one offset in their pages
(_placed: no 4K aliasing between out and an input). A benchmark, not a test: nothing here
asserts.

The rows come from the catalogue (fastact._catalogue.ROWS) and the rows' benchmark data
(fastact._bench.bench_data: the rows' bench data), so a new function gets its rows
without a change here. "memory-bound" is row.memory_bound(pass), "exp" is row.cost == 'exp',
"compute-bound" row.compute_bound (cost 'exp', or 'arith': a division or a square root).
A row with a choice parameter gets its rows once per choice (Row.bench_rows: f[param=choice],
with that choice's bench entries, e.g. its own ("target", pass, choice)).
Rows (1 Mi elements unless stated; float32 and float64):
  memory-bound forward / derivative    fastact(x, out=o)          >= 0.95 x np.copyto(o, x)
    (elementwise and per-channel rows)
  memory-bound backward (elementwise)  fastact(g, x|y, out=o)     >= 0.95 x np.multiply(g, x|y, out=o)
  compute-bound rows' passes that are  vs the row's PyTorch entry >= the row's ("target", pass)
    not memory-bound, where the row has (out=: its "torch_out"    (float32, float64); 1 without
    a PyTorch entry                    entry)                     one; 'axis' rows on 1024 x
                                                                  1000 along the last axis
  16 elements, in place                call time                  <= the row's ("overhead",
                                                                  pass) NumPy call
  16 Mi, 2 threads                     elementwise exp rows: >= 1.7 x 1 thread; elementwise
                                       memory-bound rows: >= 0.9 x np.copyto (forward)
  gates (issue 12), 1 thread           glu(x) on 1024 x 2000, last axis, >= 1.5 x
                                       torch's glu (aten glu.out into o); gated(up, gate) with
                                       silu on 1 Mi >= 3 x up * F.silu(gate) (both dtypes)
and, not targets of the issue but a guard of our own, counted apart:
  in place, 64 Ki                      elementwise exp rows: fastact(x, out=x) and
                                       fastact(g, x, out=g) >= 0.9 x out=o

--model compiles bench/c_model.c (gcc, or $CC: the flags of the active instruction-set level)
as a shared library and times its loops with the rows: cost models in G elements/s, which the
catalogue assigns to the rows against PyTorch (("model", pass) in a row's bench data):
"plain" (the formula without the compensation the accuracy bounds need) and "formula" (the
kernel's fast path at its bounds).
Each such row not met gets a verdict in a last column (explain()):
"explained" where a model runs below the speed the target needs (the target asks for a
cheaper formula than the bounds allow), else "open" with how close the kernel comes to its
model; rows without a model say "no model". A row's models are timed in the same rounds as
its two calls (round-robin, medians), so that a drift of the machine's speed, which on a shared
VM reached 2x within a minute, moves the kernel, PyTorch and the models alike. (`c_model
table`, bench/c_model.c built as a program, prints the whole table from a process of its own.)
The memory-bound rows get one model each from here (traffic_model): a loop of one operation
per element over arrays of the row's size, as GCC compiles it (c_model's l_abs for one input,
l_mul for two): "explained" where even that runs below the speed the target needs (NumPy's
hand-written loops move this traffic faster than GCC's plain ones; docs/performance.md,
unrolled loops). A memory-bound row not met otherwise is timed again on IN_CACHE elements
(in_cache_verdict): "compute-bound" where even there the kernel runs below the speed the
target needs (its arithmetic at this level is the limit, not memory), else "memory-bound"
(the memory system, or noise: rerun).
The piecewise rows whose arithmetic bounds them (session 16) also have the catalogue's models,
run on the row's arrays as the traffic loop is: "explained" where the plain formula (no
compensation) runs below the speed the target needs, or where the formula at its bounds does
and the kernel keeps up with it (the target conflicts with the bound).
"""
import argparse
import ctypes
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import timeit

import numpy as np

import fastact
from fastact import _bench
from fastact import _catalogue as cat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aliasing  # noqa: E402  (bench/aliasing.py: arrays at an offset in their pages)

MI = 1 << 20
# elements of the in-cache timings of a memory-bound row (in_cache_verdict): the marginal
# speed from 1 Ki to 16 Ki elements (the call overhead cancels), whose arrays (at most 128 KB
# in float32, 256 KB in float64, two or three of them) stay in the L2 of every target CPU
IN_CACHE = (1024, 16384)
DEFAULT_TORCH_TARGET = 1.0  # an exp row with a PyTorch entry but no ("target", pass) number


def _torch():
    return _bench.optional_module("torch")  # (None if not installed; the allocator warmed)


class Row:
    def __init__(self, group, what, dtype, ours, theirs, target, kind="speedup"):
        self.group, self.what, self.dtype = group, what, np.dtype(dtype).name
        self.ours, self.theirs, self.target, self.kind = ours, theirs, target, kind
        self.ratio = None
        self.values = None
        self.issue = True  # (a target of issue 4; False: a guard of our own, counted apart)
        self.models = None  # {variant: c_model loop}: its cost models (traffic_model's too)
        self.arrays = None  # (g, x, o) of a memory-bound row: where its model loops run
        self.model_speeds = None  # (--model) {c_model loop: G elements/s}, timed with the row
        self.elements = None  # elements a call computes (G elements/s = elements / ns)
        self.verdict = None  # (--model) explain(): (verdict, text) of a target not met
        # a memory-bound row: (ours, theirs) on IN_CACHE elements, for in_cache_verdict()
        self.in_cache = None

    @property
    def met(self):
        if self.ratio is None:
            return None
        return self.ratio <= self.target if self.kind == "time" else self.ratio >= self.target


def measure_pair(a, b, target_ns):
    """Median times (ns) of two callables, timed round-robin."""
    t = _bench.measure([("a", a), ("b", b)], target_ns, min_samples=5)
    return t["a"].median_ns, t["b"].median_ns


# --- the catalogue's rows, by property ---------------------------------------------------------
def elementwise(cost=None):
    """The elementwise rows as benchmarked: a row with a choice parameter once per choice
    (Row.bench_rows: bound to it, with that choice's bench entries)."""
    return [b for r in cat.ROWS if r.kind == "elementwise" and (cost is None or r.cost == cost)
            for b in r.bench_rows()]


def has_pass(row, pass_):
    return pass_ in _bench.row_passes(row)


def what(row, pass_):
    """The table's name of a (function, pass): f, f' or 'f backward(x)'."""
    name = _bench.row_label(row)
    return {"forward": name, "derivative": name + "'"}.get(pass_, name + " " + pass_)


def ours(row, pass_, arrays, axis=None):
    """fastact's call of the pass into arrays["o"] (out=o)."""
    case = _bench.Case(row.name, pass_, axis, row.bound_params and row.choice)
    return _bench.public_call(case, fastact, "fastact", arrays, out=True)[1]


def torch_competitor(row, pass_):
    """(competitor, entry): the row's PyTorch entry for the pass, writing into out= where the
    data has one ("torch_out"), else the allocating "torch" entry; (None, None) if none."""
    data = _bench.bench_data(row)
    for competitor in ("torch_out", "torch"):
        if (competitor, pass_) in data:
            return competitor, data[(competitor, pass_)]
    return None, None


def torch_target(row, pass_, dtype):
    target = _bench.bench_data(row).get(("target", pass_))
    if target is None:
        return DEFAULT_TORCH_TARGET
    return target[0] if np.dtype(dtype) == np.float32 else target[1]


def vs_torch(row, pass_):
    """Whether (row, pass) has a row against PyTorch: a compute-bound row's pass that is not
    memory-bound, with a PyTorch entry."""
    return (row.compute_bound and has_pass(row, pass_) and not _bench.memory_bound(row, pass_)
            and torch_competitor(row, pass_)[0] is not None)


# --- the rows -----------------------------------------------------------------------------------
def elementwise_rows(torch, target_ns, n=MI):
    """All rows of both dtypes; each dtype is measured before the next one's arrays exist
    (the callables close over them)."""
    rows = []
    for dt in (np.float32, np.float64):
        rows += _measured(_dtype_rows(torch, dt, n), target_ns)
    return rows


def _measured(rows, target_ns):
    """Each row's two calls timed round-robin, and with --model (MODEL_LIB loaded) its cost
    models with them: r.model_speeds {c_model loop: G elements/s}, measured in the same
    rounds, so that the speed of a shared machine, which drifts, moves all of them alike."""
    for r in rows:
        calls = [("a", r.ours), ("b", r.theirs)]
        elements = {}
        for loop in (r.models or {}).values() if MODEL_LIB is not None else ():
            i = MODEL_LIB.c_model_find(loop.encode())
            if i >= 0 and loop not in elements:
                if r.arrays is not None:  # (a memory-bound row's loops: on its own arrays)
                    g, x, o = (a.ctypes.data for a in r.arrays)
                    run = functools.partial(MODEL_LIB.c_model_run_on, i, g, x, o,
                                            r.arrays[1].size)
                else:
                    run = functools.partial(MODEL_LIB.c_model_run, i)
                elements[loop] = run()
                calls.append((loop, run))
        t = _bench.measure(calls, target_ns, min_samples=5)
        r.values = t["a"].median_ns, t["b"].median_ns
        r.ratio = r.values[1] / r.values[0]  # their time / our time = our speed / theirs
        if elements:
            r.model_speeds = {loop: n / t[loop].median_ns for loop, n in elements.items()}
    return rows


PAGE_OFFSET = 64  # bytes: where the 1 Mi arrays x, g and o start in their pages (_placed)


def _placed(values):
    """A copy of 1-D `values` that starts PAGE_OFFSET bytes into a page. x, g and o all do, so
    that out never lies just after an input modulo 4096 bytes, where loads wait on stores
    (4K aliasing: float32 relu 0.62-0.80x np.copyto there against 0.97-1.02 elsewhere on AMD
    EPYC Zen 2, np.copyto and np.multiply not alike; docs/performance.md, bench/aliasing.py).
    Arrays from np.empty land at whatever offset the allocator's history gives, so without
    this a row could meet its target in one run and miss it in the next."""
    a = aliasing.placed(values.size, values.dtype, PAGE_OFFSET)
    a[:] = values
    return a


def _dtype_rows(torch, dt, n):
    rows = []
    rng = np.random.default_rng(0)
    x = _placed((4 * rng.standard_normal(n)).astype(dt))
    g = _placed(rng.standard_normal(n).astype(dt))
    o = _placed(np.empty(n, dt))
    w = np.linspace(0.05, 0.3, _bench.CHANNELS).astype(dt)
    channel_shape = (n // _bench.ROW, _bench.CHANNELS, _bench.ROW // _bench.CHANNELS)
    flat = {"x": x, "g": g, "o": o}
    per_channel = {"x": x.reshape(channel_shape), "g": g.reshape(channel_shape),
                   "o": o.reshape(channel_shape), "w": w}
    # every competitor writes into the same o (same alignment, same cache behaviour)
    copy = lambda: np.copyto(o, x)  # noqa: E731
    mul = lambda: np.multiply(g, x, out=o)  # noqa: E731
    # the same calls on the IN_CACHE sizes (in_cache_verdict)
    small, small_pc = [], []
    for m in (IN_CACHE if n >= IN_CACHE[1] else ()):  # (not for a smaller --size)
        d = {"x": x[:m].copy(), "g": g[:m].copy(), "o": o[:m].copy()}
        small.append(d)
        shape = (m // _bench.ROW,) + channel_shape[1:]
        small_pc.append(dict({k: v.reshape(shape) for k, v in d.items()}, w=w))
    copy_small = [lambda d=d: np.copyto(d["o"], d["x"]) for d in small]
    for pass_ in ("forward", "derivative"):
        for row in [b for r in cat.ROWS for b in r.bench_rows()]:
            if (row.kind in ("elementwise", "per_channel") and has_pass(row, pass_)
                    and _bench.memory_bound(row, pass_)):
                arrays = per_channel if row.kind == "per_channel" else flat
                rows.append(Row("memory-bound forward/derivative vs np.copyto", what(row, pass_),
                                dt, ours(row, pass_, arrays), copy, 0.95))
                rows[-1].models = dict(traffic_model(1, dt), **cost_models(row, pass_, dt))
                # (a per-channel row's loops take its weights as their first input)
                rows[-1].arrays = (w if row.kind == "per_channel" else g, x, o)
                if small:
                    rows[-1].in_cache = ([ours(row, pass_, d) for d in (
                        small_pc if row.kind == "per_channel" else small)], copy_small)
                rows[-1].elements = n
    for row in elementwise():
        for pass_ in ("backward(x)", "backward(y)"):
            if has_pass(row, pass_) and _bench.memory_bound(row, pass_):
                # From y, NumPy multiplies g by y (placed as x is): the same arrays as the
                # kernel's. With g, x, y and o (16 MiB in float32) the three calls of a round
                # evicted each other's arrays from this 16 MiB L3, and the kernel, the one
                # call on y, paid for it (0.86-0.90 where from x 0.91-0.94; AMD EPYC Zen 2).
                v = x if pass_ == "backward(x)" else _placed(getattr(fastact, row.name)(
                    x, **row.required_params()))
                arrays = dict(flat, y=v)
                rows.append(Row("backward without exp vs np.multiply(g, x, out=)",
                                what(row, pass_), dt, ours(row, pass_, arrays),
                                mul if v is x else (lambda v=v: np.multiply(g, v, out=o)), 0.95))
                rows[-1].models = dict(traffic_model(2, dt), **cost_models(row, pass_, dt))
                rows[-1].arrays = (g, v, o)
                sa = [dict(d, y=v[:d["x"].size].copy()) for d in small]
                if small:
                    rows[-1].in_cache = ([ours(row, pass_, d) for d in sa], [
                        lambda d=d: np.multiply(d["g"], d["y"], out=d["o"]) for d in sa])
                rows[-1].elements = n
    if torch is None:
        return rows
    for pass_ in _bench.PASSES:
        for row in elementwise():
            if vs_torch(row, pass_):
                arrays = dict(flat, y=getattr(fastact, row.name)(x, **row.required_params()))
                rows.append(Row("compute-bound vs PyTorch (1 thread)", what(row, pass_), dt,
                                ours(row, pass_, arrays), _torch_call(row, pass_, dt, arrays),
                                torch_target(row, pass_, dt)))
                rows[-1].models, rows[-1].elements = cost_models(row, pass_, dt), n
    axis_rows = [r for r in cat.ROWS if r.kind == "axis"]
    X = (4 * rng.standard_normal((1024, 1000))).astype(dt)
    O = np.empty_like(X)  # (shared by both competitors)
    G = rng.standard_normal(X.shape).astype(dt)
    for row in axis_rows:
        for pass_ in _bench.row_passes(row):
            if vs_torch(row, pass_):
                arrays = {"x": X, "o": O, "g": G}
                if pass_ == "backward(y)":
                    arrays["y"] = getattr(fastact, row.name)(X, axis=-1)
                rows.append(Row("%s 1024 x 1000, last axis, vs PyTorch" % axis_rows[0].name,
                                what(row, pass_), dt, ours(row, pass_, arrays, axis=-1),
                                _torch_call(row, pass_, dt, arrays, axis=-1),
                                torch_target(row, pass_, dt)))
                rows[-1].models, rows[-1].elements = cost_models(row, pass_, dt), X.size
    return rows


GATE_TARGETS = {"glu": 1.5, "gated": 3.0}


def gate_rows(torch, target_ns, n=MI):
    """The gate rows against PyTorch (1 thread): glu on 1024 x 2000 along the last axis
    (torch writing into a preallocated output through aten's glu.out), gated with silu on n
    elements against ``up * F.silu(gate)`` (PyTorch's LLaMA MLP expression, allocating)."""
    if torch is None:
        return []
    F = torch.nn.functional
    rows = []
    for dt in (np.float32, np.float64):
        rng = np.random.default_rng(4)
        X = (4 * rng.standard_normal((1024, 2000))).astype(dt)
        O = np.empty((1024, 1000), dt)
        tX, tO = torch.from_numpy(X), torch.from_numpy(O)
        rows.append(Row("gates vs PyTorch (1 thread)", "glu 1024 x 2000, last axis", dt,
                        lambda: fastact.glu(X, axis=-1, out=O),
                        lambda: torch.ops.aten.glu.out(tX, -1, out=tO), GATE_TARGETS["glu"]))
        rows[-1].models, rows[-1].elements = cost_models(cat.row("glu"), "forward", dt), O.size
        up = rng.standard_normal(n).astype(dt)
        gate = (4 * rng.standard_normal(n)).astype(dt)
        o = np.empty_like(up)
        tup, tgate = torch.from_numpy(up), torch.from_numpy(gate)
        rows.append(Row("gates vs PyTorch (1 thread)", "gated(up, gate) silu, %s" %
                        _bench.size_label(n), dt,
                        lambda: fastact.gated(up, gate, activation="silu", out=o),
                        lambda: tup * F.silu(tgate), GATE_TARGETS["gated"]))
        rows[-1].models, rows[-1].elements = cost_models(cat.row("gated"), "forward", dt), n
        rows[-2:] = _measured(rows[-2:], target_ns)
    return rows


def _torch_call(row, pass_, dt, arrays, axis=None):
    competitor, entry = torch_competitor(row, pass_)
    ns = _bench.make_namespace(row, dt, arrays, competitor, axis)
    return _bench.compile_entry(entry, ns, competitor)[1]


def overhead_call(row, pass_):
    """fastact's in-place call of a pass on 16 elements, as text (x, g, y2 as in
    overhead_rows; a 'per_channel' row with one weight 0.25 for every channel)."""
    w = ", 0.25" if row.kind == "per_channel" else ""
    w += "".join(", %s=%r" % kv for kv in row.required_params().items())
    return {
        "forward": "fastact.%s(x%s, out=x)" % (row.name, w),
        "derivative": "fastact.%s_derivative(x%s, out=x)" % (row.name, w),
        "backward(x)": "fastact.%s_backward(g, x%s, out=x)" % (row.name, w),
        "backward(y)": "fastact.%s_backward(g, y=y2%s, out=g)" % (row.name, w),
    }[pass_]


def overhead_rows(calls=20000):
    """16 elements in place: fastact's call time against the matching NumPy call (min of
    repeats: the least disturbed run); the rows and NumPy calls of the ("overhead", pass)
    entries of the rows' benchmark data."""
    pairs = [(entry[1], overhead_call(row, pass_))
             for r in cat.ROWS for row in r.bench_rows() for pass_ in _bench.row_passes(row)
             for entry in [_bench.bench_data(row).get(("overhead", pass_))] if entry]
    rows = []
    for dt in (np.float32, np.float64):
        x = (np.random.default_rng(1).standard_normal(16)).astype(dt)
        g = np.ones(16, dt)
        y = (1 / (1 + np.exp(-x))).astype(dt)  # in (0, 1): a forward output for every row
        ns = {"x": x, "g": g, "y": y, "np": np, "fastact": fastact, "y2": y.copy()}
        for ref, ours_ in pairs:
            with np.errstate(all="ignore"):
                t_ref = min(timeit.repeat(ref, globals=ns, number=calls, repeat=7)) / calls
                t_ours = min(timeit.repeat(ours_, globals=ns, number=calls, repeat=7)) / calls
            r = Row("16 elements in place: call time vs NumPy", ours_.replace("fastact.", ""),
                    dt, None, None, 1.0, kind="time")
            r.values = (t_ours * 1e9, t_ref * 1e9)
            r.ratio = t_ours / t_ref
            r.ref_label = ref
            rows.append(r)
    return rows


def inplace_rows(target_ns, n=64 * 1024):
    """Not an issue target: in-place calls (out= one of the inputs) as fast as out= a separate
    array (a regression here once made them 7-20x slower, with the same results). Both calls
    first copy fresh inputs into the buffer they work on, so repeated calls see the same data.
    The elementwise exp rows: forward and backward from x."""
    rows = []
    for dt in (np.float32, np.float64):
        rng = np.random.default_rng(3)
        x = (4 * rng.standard_normal(n)).astype(dt)
        g = rng.standard_normal(n).astype(dt)
        buf, o = np.empty_like(x), np.empty_like(x)
        cases = []
        for row in elementwise("exp"):
            fn = functools.partial(getattr(fastact, row.name), **row.required_params())
            cases.append(("%s(x, out=x)" % _bench.row_label(row),
                          lambda fn=fn: (np.copyto(buf, x), fn(buf, out=buf)),
                          lambda fn=fn: (np.copyto(buf, x), fn(buf, out=o))))
        for row in elementwise("exp"):
            if not has_pass(row, "backward(x)"):
                continue
            fn = functools.partial(getattr(fastact, row.name + "_backward"),
                                   **row.required_params())
            cases.append(("%s_backward(g, x, out=g)" % _bench.row_label(row),
                          lambda fn=fn: (np.copyto(buf, g), fn(buf, x, out=buf)),
                          lambda fn=fn: (np.copyto(buf, g), fn(buf, x, out=o))))
        for what_, inplace, separate in cases:
            t_in, t_out = measure_pair(inplace, separate, target_ns)
            r = Row("in place vs out= (64 Ki, not an issue target)", what_, dt, None, None, 0.9)
            r.values, r.ratio, r.issue = (t_in, t_out), t_out / t_in, False
            rows.append(r)
    return rows


def thread_rows(target_ns):
    n = 16 * MI
    rows = []
    before = fastact.get_num_threads()
    try:
        for dt in (np.float32, np.float64):
            rng = np.random.default_rng(2)
            x = (4 * rng.standard_normal(n)).astype(dt)
            o = np.empty_like(x)
            for row in elementwise("exp"):
                fn = functools.partial(getattr(fastact, row.name), **row.required_params())

                def one(fn=fn):
                    fastact.set_num_threads(1)
                    fn(x, out=o)

                def two(fn=fn):
                    fastact.set_num_threads(2)
                    fn(x, out=o)
                t1, t2 = measure_pair(one, two, target_ns)
                r = Row("16 Mi: 2 threads vs 1 thread (exp-based)", _bench.row_label(row), dt,
                        None, None, 1.7)
                r.values, r.ratio = (t2, t1), t1 / t2
                rows.append(r)
            for row in elementwise():
                if not _bench.memory_bound(row, "forward"):
                    continue
                fn = functools.partial(getattr(fastact, row.name), **row.required_params())

                def two(fn=fn):
                    fastact.set_num_threads(2)
                    fn(x, out=o)
                t2, tc = measure_pair(two, lambda: np.copyto(o, x), target_ns)
                r = Row("16 Mi: 2 threads vs np.copyto (memory-bound)", _bench.row_label(row), dt,
                        None, None, 0.9)
                r.values, r.ratio = (t2, tc), tc / t2
                rows.append(r)
    finally:
        fastact.set_num_threads(before)
    return rows


# --- the cost models (--model) -------------------------------------------------------------------
C_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "c_model.c")
# the kernels' flags per level (setup.py), for the model to vectorize as they do
MODEL_FLAGS = {
    "baseline": [],
    "avx2": ["-mavx2", "-mfma"],
    "avx512": ["-mavx2", "-mfma", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw",
               "-mprefer-vector-width=512"],
}
MODEL_COMMON = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]


def cost_models(row, pass_, dtype):
    """{variant: c_model loop} of a (row, pass) at a dtype (the catalogue's ("model", pass)
    entry: a pass against PyTorch, or a memory-bound one; {} without one)."""
    entry = _bench.bench_data(row).get(("model", pass_))
    return dict((entry[0] if np.dtype(dtype) == np.float32 else entry[1]) or {}) if entry else {}


TRAFFIC_SHARE = 0.95  # a kernel at this share of its traffic loop's speed keeps up with it


def traffic_model(inputs, dtype):
    """{"traffic": c_model loop} of a memory-bound row: one operation per element over the
    row's arrays, as GCC compiles a plain loop (o = |x| for a pass with one input, o = u * x for
    one with two), which the kernel's memory traffic cannot beat."""
    bits = 32 if np.dtype(dtype) == np.float32 else 64
    return {"traffic": "l_%s%d" % ("abs" if inputs == 1 else "mul", bits)}


MODEL_LIB = None  # (--model) bench/c_model.c as a ctypes library: _measured times its loops


def model_lib(level):
    """bench/c_model.c built as a shared library at an instruction-set level and loaded, its
    arrays made: (library, None), or (None, why not)."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        return None, "no C compiler (%s) to build bench/c_model.c" % cc
    with tempfile.TemporaryDirectory() as tmp:  # (the loaded library outlives its file)
        so = os.path.join(tmp, "c_model.so")
        build = subprocess.run([cc] + MODEL_COMMON + MODEL_FLAGS.get(level, [])
                               + ["-shared", "-fPIC", "-DC_MODEL_LIB", C_MODEL, "-o", so],
                               capture_output=True, text=True)
        if build.returncode:
            return None, "bench/c_model.c did not compile: %s" % build.stderr.strip()[-300:]
        lib = ctypes.CDLL(so)
    lib.c_model_find.argtypes, lib.c_model_find.restype = [ctypes.c_char_p], ctypes.c_long
    lib.c_model_run.argtypes, lib.c_model_run.restype = [ctypes.c_long], ctypes.c_long
    lib.c_model_run_on.argtypes = [ctypes.c_long] + [ctypes.c_void_p] * 3 + [ctypes.c_long]
    lib.c_model_run_on.restype = ctypes.c_long
    lib.c_model_init()
    return lib, None


def in_cache_verdict(row, target_ns):
    """(verdict, text) for a memory-bound row whose target is not met: its call timed at the
    IN_CACHE sizes, where memory does not bound it (the marginal speed between them).
    "compute-bound" where even there the kernel runs below the speed the target needs (the
    target's share of the copy's / multiply's speed at the row's size): its arithmetic at
    this level is the limit; "memory-bound" where it runs faster in cache than the target
    needs: the miss is the memory system (or noise: rerun). None for a met row or one
    without the in-cache calls."""
    if row.met or row.in_cache is None or row.values is None:
        return None
    (o1, o2), (t1, t2) = row.in_cache
    a1, b1 = measure_pair(o1, t1, target_ns)
    a2, b2 = measure_pair(o2, t2, target_ns)
    n = row.elements or MI
    need = row.target * n / row.values[1]  # G elements/s
    m = IN_CACHE[1] - IN_CACHE[0]
    fast, theirs = m / max(a2 - a1, 1e-3), m / max(b2 - b1, 1e-3)
    if fast < need:
        return ("compute-bound", "needs %.3g G/s; in cache the kernel runs %.3g (NumPy %.3g)"
                % (need, fast, theirs))
    return ("memory-bound", "needs %.3g G/s; in cache the kernel runs %.3g (NumPy %.3g): "
            "memory or noise" % (need, fast, theirs))


def explain(row, speeds):
    """(verdict, text) for a speedup row whose target is not met, from its cost models
    (row.models, timed: speeds {loop: G elements/s}): "explained" where a model runs below the
    speed the target needs (PyTorch's speed times the target: the plain formula, or the
    kernel's formula at its bounds), "open" where the models reach it (then how close the
    kernel comes), "no model"; None for a met row or one without models. A memory-bound row
    (a traffic loop among its models) is explained only by a loop the kernel keeps up with
    (TRAFFIC_SHARE of its speed: the traffic loop, else the formula's, or the plain one where
    it has no formula loop); otherwise None, and in_cache_verdict says why."""
    if row.met or row.models is None or row.kind != "speedup" or row.values is None:
        return None
    m = {v: speeds[loop] for v, loop in row.models.items() if loop in speeds}
    if "traffic" in row.models:  # a memory-bound row: else in_cache_verdict says why
        need = row.target * row.elements / row.values[1]
        traffic, ours = m.get("traffic"), row.elements / row.values[0]
        plain, formula = m.get("plain"), m.get("formula")
        # (explained by a loop the kernel keeps up with: else its own arithmetic counts)
        if traffic is not None and traffic < need and ours >= TRAFFIC_SHARE * traffic:
            return ("explained", "needs %.3g G/s; a plain loop of its traffic (one operation, "
                    "GCC) runs %.3g, the kernel %.3g" % (need, traffic, ours))
        # (the kernel keeps up with its formula's loop, or with the plain one if that is all)
        keeps_up = ours >= TRAFFIC_SHARE * (formula if formula is not None else plain or 0)
        if plain is not None and plain < need and keeps_up:  # (a formula of its shape misses)
            return ("explained", "needs %.3g G/s; the plain formula (GCC) runs %.3g, the "
                    "kernel %.3g" % (need, plain, ours))
        if formula is not None and formula < need and keeps_up:
            return ("explained", "needs %.3g G/s; the formula at its bounds (GCC) runs %.3g%s, "
                    "the kernel %.3g" % (need, formula, " (plain %.3g)" % plain
                                         if plain is not None else "", ours))
        return None
    if not m:
        return ("no model", "")
    need = row.target * row.elements / row.values[1]
    ours = row.elements / row.values[0]
    plain, formula = m.get("plain"), m.get("formula")
    if plain is not None and plain < need:
        return ("explained", "needs %.3g G/s; the plain formula models %.3g" % (need, plain))
    if formula is not None and formula < need:
        return ("explained", "needs %.3g G/s; the formula at its bounds models %.3g%s, the "
                "kernel %.3g (%.0f %%)" % (need, formula,
                                           " (plain %.3g)" % plain if plain is not None else "",
                                           ours, 100 * ours / formula))
    best = formula if formula is not None else plain
    return ("open", "needs %.3g G/s; the %s models %.3g, the kernel %.3g (%.0f %%)" % (
        need, "formula" if formula is not None else "plain formula", best, ours,
        100 * ours / best))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--markdown", action="store_true", help="print a GitHub table")
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    ap.add_argument("--target-ms", type=float, default=60.0, help="timed ms per ratio")
    ap.add_argument("--no-threads", action="store_true", help="skip the 16 Mi thread rows")
    ap.add_argument("--gates-only", action="store_true", help="only the gate rows (gated, glu)")
    ap.add_argument("--size", type=int, default=MI,
                    help="elements of the elementwise rows (default 1 Mi, a multiple of 1024)")
    ap.add_argument("--calls", type=int, default=20000, help="calls per timing of a 16-element row")
    ap.add_argument("--functions", default=None,
                    help="comma-separated catalogue rows: only their rows (default: all)")
    ap.add_argument("--model", action="store_true",
                    help="run bench/c_model.c's cost models (needs a C compiler) and explain "
                         "the rows not met (against PyTorch, and the memory-bound ones)")
    args = ap.parse_args(argv)
    if args.functions:  # (this process only: the row generators read cat.ROWS)
        names = {n.strip() for n in args.functions.split(",") if n.strip()}
        unknown = names - set(cat.BY_NAME)
        if unknown:
            ap.error("--functions: unknown %s; choose from %s" % (
                ", ".join(sorted(unknown)), ", ".join(cat.BY_NAME)))
        cat.ROWS = tuple(r for r in cat.ROWS if r.name in names)
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(1)
    fastact.set_num_threads(1)
    target_ns = int(args.target_ms * 1e6)
    global MODEL_LIB
    MODEL_LIB, why_not = None, None
    if args.model:
        if args.size != MI:
            why_not = "the models time 1 Mi elements (--size %d)" % args.size
        else:
            MODEL_LIB, why_not = model_lib(fastact.config()["isa"])
    ap_gates_only = getattr(args, "gates_only", False)
    gates = any(r.kind == "gate" for r in cat.ROWS)
    if ap_gates_only:
        rows = gate_rows(torch, target_ns, args.size)
    else:
        rows = (elementwise_rows(torch, target_ns, args.size)
                + (gate_rows(torch, target_ns, args.size) if gates else [])
                + overhead_rows(args.calls))
    if not args.no_threads and not ap_gates_only:
        rows += thread_rows(target_ns)
    if not ap_gates_only:
        rows += inplace_rows(target_ns)
    cfg = fastact.config()
    head = "fastact %s · level %s · %s · load average %s · PyTorch %s" % (
        fastact.__version__, cfg["isa"], _bench.cpu_model(), _bench.load_average(),
        torch.__version__ if torch is not None else "not installed")
    if args.model:
        for r in rows:
            r.verdict = explain(r, r.model_speeds or {}) if not why_not else None
            if r.verdict is None:
                r.verdict = in_cache_verdict(r, target_ns)
    MODEL_LIB = None
    print(head + "\n")
    if why_not:
        print("(--model: %s)\n" % why_not)
    with_model = args.model and not why_not
    if args.markdown:
        print("| target | function | dtype | fastact | other | ratio | target | met |"
              + (" cost model |" if with_model else ""))
        print("|---|---|---|---:|---:|---:|---:|---|" + ("---|" if with_model else ""))
    for r in rows:
        mine, theirs = r.values
        unit = "ns" if r.kind == "time" else "ms"
        scale = 1.0 if r.kind == "time" else 1e-6
        cells = (r.group, r.what, r.dtype, "%.4g %s" % (mine * scale, unit),
                 "%.4g %s" % (theirs * scale, unit), "%.2f" % r.ratio,
                 ("<= %.2f" if r.kind == "time" else ">= %.2f") % r.target,
                 "yes" if r.met else "no")
        if with_model:
            cells += (": ".join(t for t in r.verdict if t) if r.verdict else "",)
        if args.markdown:
            print("| " + " | ".join(cells) + " |")
        else:
            print(("%-48s %-40s %-8s %10s %10s %6s %7s %-3s" + (" %s" if with_model else ""))
                  % cells)
    issue = [r for r in rows if r.issue]
    own = [r for r in rows if not r.issue]
    print("\n%d of %d targets met" % (sum(1 for r in issue if r.met), len(issue)))
    if with_model:
        traffic = [r.verdict[0] for r in issue if r.verdict and "traffic" in (r.models or {})]
        verdicts = [r.verdict[0] for r in issue if r.verdict
                    and "traffic" not in (r.models or {})]
        print("of the rest, against PyTorch: %d explained by a cost model, %d open, %d without "
              "a model; memory-bound rows: %d explained by a loop of their traffic or their "
              "formula, and timed in cache, %d compute-bound there, %d not (memory or noise); "
              "%d other rows not met (threads, overhead)"
              % (verdicts.count("explained"), verdicts.count("open"),
                 verdicts.count("no model"), traffic.count("explained"),
                 traffic.count("compute-bound"), traffic.count("memory-bound"),
                 sum(1 for r in issue if r.met is False and not r.verdict)))
    if own:
        print("(and %d of %d in-place rows, not issue targets)" % (
            sum(1 for r in own if r.met), len(own)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": head, "rows": [
                {"group": r.group, "what": r.what, "dtype": r.dtype, "values": r.values,
                 "ratio": r.ratio, "target": r.target, "kind": r.kind, "met": r.met,
                 "issue_target": r.issue, "cost_model": r.verdict}
                for r in rows]}, f, indent=1)
    return 0


if __name__ == "__main__":
    if os.path.isfile(os.path.join(os.getcwd(), "fastact", "_kernels", "_dispatch.pyx.tp")):
        sys.exit("run bench/targets.py from outside the repository root (the source tree "
                 "there has no compiled kernels)")
    sys.exit(main())
