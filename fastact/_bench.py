"""Benchmark cases and timing shared by ``fastact bench``, the pytest-benchmark suite and
bench/targets.py. Nothing here is part of the public API.

Every function comes from the catalogue (``fastact._catalogue.ROWS``); what the benchmarks add
per function (the competitors' expressions, the speed targets) is the row's benchmark data,
read through :func:`bench_data` (``row.bench``; its keys: ``fastact._catalogue.BENCH_KEYS``).

One *case* is a (function, pass) pair such as ``<function> backward(y)``; for a dtype and a
size, :func:`calls` gives the callables that compute that case: fastact (allocating and into a
preallocated ``out``), ``fastact.reference`` (the plain-NumPy textbook formula), and the
competitors of the row's benchmark data: NumPy's direct ufunc expression where one exists, and
the optional competitors (PyTorch CPU, SciPy, numexpr) where installed. Every callable of a
case reads the same input arrays, so their numbers can be compared side by side.

Passes by the row's kind: 'elementwise' rows their catalogue passes (forward, derivative,
backward(x), backward(y)); 'per_channel' rows forward, derivative and backward(x) (grad_x and
grad_weight); 'axis' rows forward and backward(y), along the last axis and along axis 0.

Layouts, for n elements (n a multiple of 1024, or 16..1024 and a multiple of 16):
  'elementwise' rows      1-D, n elements
  'per_channel' rows      (n/1024, 16, 64), one weight per channel on axis 1 (16 channels)
  'axis' rows             (n/1024, 1024) along the last axis, and (1024, n/1024) along axis 0
Inputs: x = 4 * N(0, 1), grad = N(0, 1), y = the reference forward output of x; parameters
at their defaults.
"""
import gc
import importlib
import math
import os
import platform
import re
import statistics
import time
from collections import namedtuple

import numpy as np

import fastact
from fastact import _catalogue as cat
from fastact import reference as ref

PASSES = ("forward", "derivative", "backward(x)", "backward(y)")
# the catalogue's pass names (fastact._catalogue.PASSES) by the benchmarks' names
CATALOGUE_PASS = dict(zip(PASSES, cat.PASSES))
KIND_PASSES = {  # the passes of the rows whose kind has no catalogue passes
    "per_channel": ("forward", "derivative", "backward(x)"),
    "axis": ("forward", "backward(y)"),
    "gate": ("forward", "backward(x)"),
}
AXES = (-1, 0)  # the axes an 'axis' row is benchmarked along
ELEMENTWISE = tuple(r.name for r in cat.ROWS if r.kind == "elementwise")
FUNCTIONS = tuple(r.name for r in cat.ROWS)
DTYPES = ("float32", "float64")
SIZES = {"1Ki": 1 << 10, "64Ki": 1 << 16, "1Mi": 1 << 20, "16Mi": 1 << 24}
DEFAULT_SIZES = (1 << 10, 1 << 16, 1 << 20)
OVERHEAD_SIZE = 16
ROW = 1024  # the 'axis' rows' row length and the 'per_channel' block (16 channels x 64)
CHANNELS = 16

# competitors, in display order
COMPETITORS = ("fastact_out", "fastact", "reference", "numpy", "scipy", "numexpr", "torch")
OPTIONAL = ("scipy", "numexpr", "torch")
DATA_COMPETITORS = ("numpy", "scipy", "numexpr", "torch")  # from the rows' benchmark data


def bench_data(row):
    """The benchmark data of a catalogue row: {(competitor, pass): entry, ...}, see
    fastact._catalogue.BENCH_KEYS; for a row with a choice parameter, that of the row's
    choice (a copy of Row.bench_rows or kernel_rows), else of the default (Row.bench_for)."""
    p = row.choice_param
    return row.bench_for(row.choice if row.choice is not None else p and p.default)


def row_passes(row):
    """The benchmark passes of a catalogue row, in PASSES order."""
    if row.kind == "elementwise":
        return tuple(p for p in PASSES if CATALOGUE_PASS[p] in row.passes)
    return KIND_PASSES[row.kind]


def row_label(row):
    """A row's name in the tables: with its choice when bound to one (Row.bench_rows), e.g.
    'f[approximate=tanh]'."""
    if not row.bound_params:
        return row.name
    return "%s[%s]" % (row.name, ", ".join("%s=%s" % kv
                                            for kv in row.bound_params.items()))


def memory_bound(row, pass_):
    """row.memory_bound for a benchmark pass name."""
    return row.memory_bound(CATALOGUE_PASS[pass_])


def constants(row):
    """The row's parameters at their defaults (a required one at its first sample; the choice
    of a row bound to one, Row.bench_rows) and its named constants, {name: float, or the str
    of a choice parameter}."""
    values = {k: v if isinstance(v, str) else float(v) for k, v in row.base_params().items()}
    values.update({k: float(v) for k, v in bench_data(row).get(("constants", None), {}).items()})
    return values


class Case(namedtuple("Case", "function pass_ axis choice", defaults=(None,))):
    """One (function, pass); axis is the axis of an 'axis' row (None for the other rows),
    choice the value of the choice parameter of a row that has one (a case per choice)."""

    __slots__ = ()

    @property
    def row(self):
        """The catalogue row, bound to the case's choice (Row.bench_rows: its calls pass it,
        its bench entries are that choice's)."""
        row = cat.row(self.function)
        if self.choice is None:
            return row
        return row.bench_rows()[row.choice_param.choices.index(self.choice)]

    @property
    def name(self):
        if self.choice is not None:
            return row_label(self.row)
        return self.function if self.axis is None else "%s[axis=%d]" % (self.function, self.axis)

    @property
    def label(self):
        return "%s %s" % (self.name, self.pass_)


Call = namedtuple("Call", "competitor label fn")
Timing = namedtuple("Timing", "median_ns samples batch")


# --- sizes ------------------------------------------------------------------------------------
def size_label(n):
    """1024 -> '1Ki', 1048576 -> '1Mi', other numbers as they are."""
    for unit, shift in (("Gi", 30), ("Mi", 20), ("Ki", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)


def parse_size(text):
    """'1024', '1Ki', '1k', '64K', '1Mi', '16M' -> a number of elements (K and M are binary)."""
    m = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]i?)?\s*", text)
    if not m:
        raise ValueError(
            "size %r: expected a number of elements such as 1024, 64Ki or 1Mi" % text
        )
    n = int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[(m.group(2) or "")[:1].lower()]
    if n < 1:
        raise ValueError("size %r: must be at least 1 element" % text)
    return n


def needs_layout(row):
    """The row's cases are shaped (per-channel, along an axis, glu's halves): they run only
    at the sizes layout_ok accepts."""
    return row.kind in ("per_channel", "axis") or row.halves


def layout_ok(n):
    """The 'per_channel' and 'axis' layouts need n = k * 1024, or 16 <= n <= 1024 with
    n % 16 == 0."""
    return n % ROW == 0 or (CHANNELS <= n <= ROW and n % CHANNELS == 0)


# --- cases ------------------------------------------------------------------------------------
def cases(functions=None, passes=None):
    """Every (function, pass) case, in catalogue order, optionally filtered by function names
    and pass names ('backward' selects both backward(x) and backward(y))."""
    out = []
    for row in cat.ROWS:
        axes = AXES if row.kind == "axis" else (-1,) if row.halves else (None,)
        out += [Case(row.name, p, a, b.choice) for b in row.bench_rows() for a in axes
                for p in row_passes(row)]
    if functions is not None:
        out = [c for c in out if c.function in functions]
    if passes is not None:
        out = [c for c in out if c.pass_ in passes or c.pass_.split("(")[0] in passes]
    return out


# --- optional competitors ---------------------------------------------------------------------
_MODULES = {}
_TORCH_DEFAULT_THREADS = []


def optional_module(name):
    """The module for 'torch', 'scipy' or 'numexpr', or None if it is not installed or broken."""
    if name not in _MODULES:
        try:
            if name == "scipy":
                importlib.import_module("scipy.special")
            module = importlib.import_module(name)
            if name == "torch":
                importlib.import_module("torch.nn.functional")
                _TORCH_DEFAULT_THREADS.append(module.get_num_threads())
                # One small elementwise op first: in a fresh process PyTorch's float64 GELU
                # (into out=) took 23-27 ms for 1 Mi, and 6.6-7.7 ms after any such op
                # (torch.ones(16).abs(), x + 1, ...), as in every program that has run one;
                # its other activations time the same either way (AMD EPYC Zen 4, torch 2.13;
                # the cause was not identified)
                module.ones(16).abs()
        except Exception:  # noqa: BLE001 - any failure means "not available"
            module = None
        _MODULES[name] = module
    return _MODULES[name]


def torch_default_threads():
    """torch's thread count when fastact first imported it (its default), or None."""
    torch = optional_module("torch")
    return None if torch is None else _TORCH_DEFAULT_THREADS[0]


# --- inputs -----------------------------------------------------------------------------------
class Inputs:
    """The arrays of one (dtype, size): allocated once, shared by every case and competitor."""

    def __init__(self, dtype, n, seed=0):
        self.dtype = np.dtype(dtype)
        self.n = n
        rng = np.random.default_rng(seed)
        self.x = (4 * rng.standard_normal(n)).astype(self.dtype)
        self.g = rng.standard_normal(n).astype(self.dtype)
        self.o = np.empty(n, self.dtype)  # the preallocated output every out= call writes to
        self._o2 = None
        self._y = {}
        self._t = {}
        block = ROW if n % ROW == 0 else n
        self.layout_ok = layout_ok(n)
        if self.layout_ok:
            self.channel_shape = (n // block, CHANNELS, block // CHANNELS)
            self.weight = np.linspace(0.05, 0.3, CHANNELS).astype(self.dtype)
            self.axis_shape = {-1: (n // block, block), 0: (block, n // block)}

    @property
    def o2(self):
        """A second output (gated_backward's grad_gate), allocated when first needed."""
        if self._o2 is None:
            self._o2 = np.empty(self.n, self.dtype)
        return self._o2

    def shaped(self, case, a):
        kind = case.row.kind
        if kind == "per_channel":
            return a.reshape(self.channel_shape)
        if kind == "axis" or case.row.halves:
            return a.reshape(self.axis_shape[case.axis])
        return a

    def halved(self, case, a):
        """The first half of a's memory in the shape of a glu output (x's layout, its axis
        halved)."""
        rows, length = self.axis_shape[case.axis]
        return a[:self.n // 2].reshape(rows, length // 2)

    def y(self, case):
        """The forward output for case's function (reference formula), in case's layout."""
        key = (case.function, case.axis, case.choice)
        if key not in self._y:
            x = self.shaped(case, self.x)
            forward = getattr(ref, case.row.name)
            if case.row.kind == "per_channel":
                y = forward(x, self.weight)
            elif case.axis is not None:
                y = forward(x, axis=case.axis)
            else:
                y = forward(x, **case.row.required_params())
            self._y[key] = np.ascontiguousarray(y, dtype=self.dtype)
        return self._y[key]

    def tensor(self, a):
        """torch.from_numpy(a), cached: the tensor shares a's memory."""
        key = (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)
        if key not in self._t:
            self._t[key] = (optional_module("torch").from_numpy(a), a)  # keep a alive
        return self._t[key][0]


# --- the namespace and expressions of the benchmark data ---------------------------------------
TENSORS = {"x": "tx", "g": "tg", "y": "ty", "o": "to", "w": "tw", "o2": "to2"}


def make_namespace(row, dtype, arrays, competitor, axis=None, tensor=None):
    """The names an expression of row's benchmark data sees (fastact._catalogue.BENCH_KEYS).

    arrays: {"x": ..., "g": ..., "o": ..., and "y", "w" where the pass has them};
    competitor: "numpy", "scipy", "numexpr" or "torch" (the modules and the type of the
    parameters depend on it); tensor: array -> torch tensor (default torch.from_numpy)."""
    dtype = np.dtype(dtype)
    ns = {"np": np, "dtype": dtype, "axis": axis}
    ns.update(arrays)
    as_value = (lambda v: np.asarray(v, dtype)) if competitor == "numexpr" else dtype.type
    # (a choice parameter stays its str)
    ns.update({k: v if isinstance(v, str) else as_value(v) for k, v in constants(row).items()})
    if competitor == "scipy":
        ns["special"] = importlib.import_module("scipy.special")
    elif competitor == "numexpr":
        ns["ne"] = optional_module("numexpr")
    elif competitor in ("torch", "torch_out"):
        torch = optional_module("torch")
        tensor = tensor or torch.from_numpy
        ns.update(torch=torch, F=importlib.import_module("torch.nn.functional"),
                  A=torch.ops.aten)
        ns.update({t: tensor(arrays[a]) for a, t in TENSORS.items() if a in arrays})
        ns["tdtype"] = ns["tx"].dtype
        if "tw" in ns:
            ns["tw_col"] = ns["tw"].reshape(-1, 1)
    return ns


def compile_entry(entry, ns, competitor):
    """(label, fn) for one entry (label, expression[, errstate]) of the benchmark data."""
    label, expr = entry[0], entry[1]
    errstate = entry[2] if len(entry) > 2 else None
    if competitor == "numexpr":
        ne, o = ns["ne"], ns["o"]
        names = {k: v for k, v in ns.items()
                 if k != "o" and isinstance(v, np.ndarray) and re.search(r"\b%s\b" % k, expr)}
        label = label or "numexpr.evaluate(%r, out=o)" % expr
        fn = lambda: ne.evaluate(expr, local_dict=names, out=o)  # noqa: E731
    else:
        fn = eval("lambda: " + expr, ns)  # noqa: S307 - the package's own benchmark data
        label = label or expr
    if errstate:
        inner = fn

        def fn():
            with np.errstate(**errstate):
                return inner()
    if ns.get("axis") is not None:
        label = label.replace("{axis}", str(ns["axis"]))
    return label, fn


def namespace(case, inp, competitor):
    """make_namespace for a case on inp (its arrays in the case's layout)."""
    return make_namespace(case.row, inp.dtype, _arrays(case, inp), competitor, case.axis,
                          inp.tensor)


# --- the callables of one case ----------------------------------------------------------------
def calls(case, inp, competitors=COMPETITORS):
    """[Call(competitor, label, fn)] for case on inp, in COMPETITORS order; competitors that do
    not cover the case (or are not installed) are left out."""
    wanted = set(competitors)
    result = []
    for competitor in COMPETITORS:
        if competitor not in wanted:
            continue
        if competitor in OPTIONAL and optional_module(competitor) is None:
            continue
        made = _MAKERS[competitor](case, inp)
        if made is not None:
            label, fn = made
            result.append(Call(competitor, label, fn))
    return result


def public_call(case, module, prefix, arrays, out=False, keyword_dict=False):
    """(label, fn): the public function of case's pass in module (fastact or fastact.reference)
    called on arrays ({"x", "g", "o", "y", "w"} as the pass needs them), the label the call as
    text: f(x), f_derivative(x), f_backward(g, x), f_backward(g, y=y), plus the weight w of a
    'per_channel' row, axis= of an 'axis' row and out=o when out.

    keyword_dict: pass axis= and out= through a dict, f(x, **kw), as the benchmarks always
    have (at 16 elements that costs about 100 ns more than f(x, out=o): kept, so that results
    stay comparable with earlier runs)."""
    row, p = case.row, case.pass_
    name = row.name if p == "forward" else "%s_%s" % (row.name, p.split("(")[0])
    assert name in row.public_names(), (name, row)
    args = (["g"] if p.startswith("backward") else []) + ([] if p == "backward(y)" else ["x"])
    if row.kind == "gate" and not row.halves:  # gated(value, gate): value = g, gate = x
        args.insert(0, "g")
    if row.kind == "per_channel":
        args.append("w")
    if p == "backward(y)":
        args.append("y=y")
    kw = dict(row.required_params())  # (a required parameter at its first sample)
    if case.axis is not None:
        kw["axis"] = case.axis
    two = "o2" in arrays  # (gated_backward: out=(grad_value, grad_gate))
    if out:
        kw["out"] = (arrays["o"], arrays["o2"]) if two else arrays["o"]
    shown = args + ["%s=%s" % (k, ("(o, o2)" if two else "o") if k == "out"
                               else repr(v) if isinstance(v, str) else v)
                     for k, v in kw.items()]
    label = "%s.%s(%s)" % (prefix, name, ", ".join(shown))
    ns = dict(arrays, f=getattr(module, name), kw=kw)
    code = "f(%s)" % ", ".join(args + ["**kw"]) if keyword_dict else "f(%s)" % ", ".join(shown)
    return label, eval("lambda: " + code, ns)  # noqa: S307 - built above


def _arrays(case, inp):
    row = case.row
    if row.kind == "gate" and row.halves:  # glu: grad and the forward output are halves
        arrays = {"x": inp.shaped(case, inp.x), "g": inp.halved(case, inp.g),
                  "o": inp.halved(case, inp.o) if case.pass_ == "forward"
                  else inp.shaped(case, inp.o)}
        return arrays
    arrays = {k: inp.shaped(case, getattr(inp, k)) for k in ("x", "g", "o")}
    if row.kind == "gate" and case.pass_ != "forward":
        arrays["o2"] = inp.o2
    if case.pass_ == "backward(y)":
        arrays["y"] = inp.y(case)
    if case.row.kind == "per_channel":
        arrays["w"] = inp.weight
    return arrays


def _fastact(case, inp, out):
    return public_call(case, fastact, "fastact", _arrays(case, inp), out, keyword_dict=True)


def _reference(case, inp):
    return public_call(case, ref, "reference", _arrays(case, inp))


def _from_data(competitor):
    """The maker of a competitor whose calls are the rows' benchmark data."""
    def make(case, inp):
        entry = bench_data(case.row).get((competitor, case.pass_))
        if entry is None:
            return None
        return compile_entry(entry, namespace(case, inp, competitor), competitor)
    return make


_MAKERS = {
    "fastact_out": lambda case, inp: _fastact(case, inp, out=True),
    "fastact": lambda case, inp: _fastact(case, inp, out=False),
    "reference": _reference,
}
_MAKERS.update({c: _from_data(c) for c in DATA_COMPETITORS})


def baselines(inp):
    """The memory baselines of one (dtype, size): copy (one read, one write) and multiply (two
    reads, one write, like a backward pass)."""
    x, g, o = inp.x, inp.g, inp.o
    return [
        Call("copy", "np.copyto(o, x)", lambda: (np.copyto(o, x), o)[1]),
        Call("multiply", "np.multiply(g, x, out=o)", lambda: np.multiply(g, x, out=o)),
    ]


# --- checking results -------------------------------------------------------------------------
def as_arrays(result):
    """A call's result as a tuple of NumPy arrays (torch tensors converted, tuples kept)."""
    items = result if isinstance(result, tuple) else (result,)
    out = []
    for r in items:
        if hasattr(r, "detach"):
            r = r.detach().numpy()
        out.append(np.asarray(r))
    return tuple(out)


def mismatch(got, want, dtype):
    """None if got matches want (loose tolerances: this catches a broken benchmark, the test
    suite checks accuracy), else a short description of the difference."""
    dtype = np.dtype(dtype)
    rtol, atol = (1e-3, 1e-5) if dtype == np.float32 else (1e-7, 1e-10)
    got, want = as_arrays(got), as_arrays(want)
    if len(got) != len(want):
        return "returned %d arrays, expected %d" % (len(got), len(want))
    for i, (a, b) in enumerate(zip(got, want)):
        if a.shape != b.shape:
            return "result %d has shape %s, expected %s" % (i, a.shape, b.shape)
        scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=1.0))
        close = np.isclose(a, b, rtol=rtol, atol=atol * max(1.0, scale), equal_nan=True)
        if not close.all():
            k = int(np.argmin(close.ravel()))
            return "result %d differs at %d of %d places; first at flat index %d: got %r, " \
                "expected %r" % (i, close.size - int(close.sum()), close.size, k,
                                 a.ravel()[k].item(), b.ravel()[k].item())
    return None


# --- timing -----------------------------------------------------------------------------------
MIN_BATCH_NS = 50_000  # calls shorter than this are timed in batches (timer resolution)
# Calls at least this long skip the untimed call before each sample (measure): what a cold
# start costs them, refilling the caches from memory (16 MiB in about 1 ms on AMD EPYC Zen 2),
# is then a few per cent of a sample, and the untimed calls of the slow NumPy references had
# taken most of `fastact bench`'s time.
WARM_MAX_NS = 20_000_000


def measure(calls_, target_ns, min_samples=3, max_samples=2000, on_warmup=None, on_error=None):
    """Median time per call of each fn in calls_ ([(key, fn)]).

    Each fn gets one warm-up call, whose result goes to on_warmup(key, result), and one
    calibration call; then the fns are timed in turn, round-robin, so that machine noise hits
    all of them alike. A sample is one batch of calls (enough to last MIN_BATCH_NS) divided by
    the batch size, taken right after one untimed call of the same fn: each fn is timed from
    the caches its own calls leave, as in a loop that calls it again and again, not from what
    the fn timed before it left there (round-robin alone favoured whichever fn ran second on
    the same arrays: fastact's glu, timed after a cost model that streamed 12 MiB of its own,
    took 1.0 ms there and 0.72-0.76 ms warm, float32 1024 x 2000 on AMD EPYC Zen 2); a fn whose
    calibration call took WARM_MAX_NS or more is timed without it. A fn stops after target_ns
    of samples and at least min_samples samples.
    If a warm-up call raises and on_error(key, exc) returns True, that fn is left out;
    otherwise the exception propagates. Returns {key: Timing}.
    """
    clock = time.perf_counter_ns
    state = {}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for key, fn in calls_:
            try:
                result = fn()
            except Exception as exc:  # noqa: BLE001 - the caller decides
                if on_error is not None and on_error(key, exc):
                    continue
                raise
            if on_warmup is not None:
                on_warmup(key, result)
            del result
            t0 = clock()
            fn()
            once = max(clock() - t0, 1)
            batch = max(1, min(10_000, -(-MIN_BATCH_NS // once)))
            state[key] = (fn, batch, [], [0], once < WARM_MAX_NS)
        pending = list(state)
        while pending:
            for key in list(pending):
                fn, batch, samples, total, warm = state[key]
                if warm:
                    fn()  # (untimed: its own cache state, see above)
                t0 = clock()
                for _ in range(batch):
                    fn()
                dt = clock() - t0
                samples.append(dt / batch)
                total[0] += dt
                if (total[0] >= target_ns and len(samples) >= min_samples) or (
                    len(samples) >= max_samples
                ):
                    pending.remove(key)
    finally:
        if enabled:
            gc.enable()
    return {
        key: Timing(statistics.median(samples), len(samples), batch)
        for key, (fn, batch, samples, *_) in state.items()
    }


# --- machine and library description ----------------------------------------------------------
def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cpu_simd_flags():
    """The SIMD extensions the CPU reports (x86: from /proc/cpuinfo), most relevant first."""
    wanted = ("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma", "avx", "sse4_2",
              "asimd", "sve", "sve2")
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key = line.split(":", 1)[0].strip().lower()
                if key in ("flags", "features"):
                    have = set(line.split(":", 1)[1].split())
                    return [w for w in wanted if w in have]
    except OSError:
        pass
    return []


def fastact_config():
    """fastact.config() if this build has it, else a fallback with the same keys."""
    config = getattr(fastact, "config", None)
    if callable(config):
        try:
            info = dict(config())
            info.setdefault("isa", "n/a")
            return info
        except Exception as exc:  # noqa: BLE001 - report, don't crash a benchmark
            return {"isa": "n/a", "error": repr(exc)}
    return {"isa": "n/a", "isa_compiled": [], "openmp": False, "num_threads": 1,
            "note": "this fastact has no config(): one portable build, single-threaded"}


def fastact_threads():
    get = getattr(fastact, "get_num_threads", None)
    if callable(get):
        try:
            return int(get())
        except Exception:  # noqa: BLE001
            pass
    return 1


def set_fastact_threads(n):
    """Set fastact's thread count; returns the previous one. Raises ValueError if this build
    cannot (it has no set_num_threads) and n != 1."""
    setter = getattr(fastact, "set_num_threads", None)
    if not callable(setter):
        if n != 1:
            raise ValueError(
                "threads: this fastact build has no set_num_threads() (its kernels are "
                "single-threaded), so only 1 thread can be benchmarked, got %d" % n
            )
        return 1
    old = fastact_threads()
    setter(n)
    return old


def numpy_simd():
    """NumPy's SIMD baseline and the dispatch targets this CPU enables."""
    try:
        try:
            from numpy._core import _multiarray_umath as mu
        except ImportError:  # NumPy < 2
            from numpy.core import _multiarray_umath as mu
        features = mu.__cpu_features__
        return {
            "baseline": list(mu.__cpu_baseline__),
            "dispatch_enabled": [t for t in mu.__cpu_dispatch__ if features.get(t)],
        }
    except Exception:  # noqa: BLE001
        return {}


def versions():
    out = {"fastact": fastact.__version__, "numpy": np.__version__,
           "python": platform.python_version()}
    for name in OPTIONAL:
        module = optional_module(name)
        out[name] = None if module is None else getattr(module, "__version__", "?")
    return out


def torch_capability():
    torch = optional_module("torch")
    try:
        return torch.backends.cpu.get_cpu_capability()
    except Exception:  # noqa: BLE001
        return None


def load_average():
    """The 1-minute load average (other work on the machine skews timings), or None."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def machine():
    return {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_simd_flags": cpu_simd_flags(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "load_average_start": load_average(),
    }


def gelem_per_s(n, timing):
    """Throughput in G elements/s from a median time in ns."""
    return n / timing.median_ns if timing and timing.median_ns > 0 else math.nan
