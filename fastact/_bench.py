"""Benchmark catalogue and timing shared by ``fastact bench`` and the pytest-benchmark suite.

Nothing here is part of the public API. One *case* is a (function, pass) pair such as
``sigmoid backward(y)``; for a dtype and a size, :func:`calls` gives the callables that compute
that case: fastact (allocating and into a preallocated ``out``), ``fastact.reference`` (the
plain-NumPy textbook formula), NumPy's direct ufunc expression where one exists, and the
optional competitors (PyTorch CPU, SciPy, numexpr) where installed. Every callable of a case
reads the same input arrays, so their numbers can be compared side by side.

Layouts, for n elements (n a multiple of 1024, or 16..1024 and a multiple of 16):
  elementwise functions   1-D, n elements
  prelu                   (n/1024, 16, 64), one slope per channel on axis 1 (16 channels)
  softmax, log_softmax    (n/1024, 1024) along the last axis, and (1024, n/1024) along axis 0
Inputs: x = 4 * N(0, 1), grad = N(0, 1), y = the reference forward output of x.
"""
import gc
import importlib
import math
import os
import platform
import re
import statistics
import sys
import time
from collections import namedtuple

import numpy as np

import fastact
from fastact import reference as ref

ELEMENTWISE = ("identity", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh")
FUNCTIONS = ELEMENTWISE + ("prelu", "softmax", "log_softmax")
PASSES = ("forward", "derivative", "backward(x)", "backward(y)")
DTYPES = ("float32", "float64")
SIZES = {"1Ki": 1 << 10, "64Ki": 1 << 16, "1Mi": 1 << 20, "16Mi": 1 << 24}
DEFAULT_SIZES = (1 << 10, 1 << 16, 1 << 20)
OVERHEAD_SIZE = 16
ROW = 1024  # softmax row length and prelu block (16 channels x 64)
PRELU_CHANNELS = 16

# competitors, in display order
COMPETITORS = ("fastact_out", "fastact", "reference", "numpy", "scipy", "numexpr", "torch")
OPTIONAL = ("scipy", "numexpr", "torch")

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717



class Case(namedtuple("Case", "function pass_ axis")):
    """One (function, pass); axis is the softmax axis (None for the other functions)."""

    __slots__ = ()

    @property
    def name(self):
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


def layout_ok(n):
    """prelu and softmax need n = k * 1024, or 16 <= n <= 1024 with n % 16 == 0."""
    return n % ROW == 0 or (PRELU_CHANNELS <= n <= ROW and n % PRELU_CHANNELS == 0)


# --- cases ------------------------------------------------------------------------------------
def cases(functions=None, passes=None):
    """Every (function, pass) case, optionally filtered by function names and pass names
    ('backward' selects both backward(x) and backward(y))."""
    out = []
    for f in FUNCTIONS:
        if f in ELEMENTWISE:
            todo = [Case(f, p, None) for p in PASSES]
        elif f == "prelu":
            todo = [Case(f, p, None) for p in ("forward", "derivative", "backward(x)")]
        else:
            todo = [Case(f, p, a) for a in (-1, 0) for p in ("forward", "backward(y)")]
        out += todo
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
        self._y = {}
        self._t = {}
        block = ROW if n % ROW == 0 else n
        self.layout_ok = layout_ok(n)
        if self.layout_ok:
            self.prelu_shape = (n // block, PRELU_CHANNELS, block // PRELU_CHANNELS)
            self.weight = np.linspace(0.05, 0.3, PRELU_CHANNELS).astype(self.dtype)
            self.softmax_shape = {-1: (n // block, block), 0: (block, n // block)}

    def shaped(self, case, a):
        if case.function == "prelu":
            return a.reshape(self.prelu_shape)
        if case.function in ("softmax", "log_softmax"):
            return a.reshape(self.softmax_shape[case.axis])
        return a

    def y(self, case):
        """The forward output for case's function (reference formula), in case's layout."""
        key = (case.function, case.axis)
        if key not in self._y:
            x = self.shaped(case, self.x)
            if case.axis is not None:
                y = getattr(ref, case.function)(x, axis=case.axis)
            else:
                y = getattr(ref, case.function)(x)
            self._y[key] = np.ascontiguousarray(y, dtype=self.dtype)
        return self._y[key]

    def tensor(self, a):
        """torch.from_numpy(a), cached: the tensor shares a's memory."""
        key = (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)
        if key not in self._t:
            self._t[key] = (optional_module("torch").from_numpy(a), a)  # keep a alive
        return self._t[key][0]


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


def _fastact(case, inp, out):
    f, p = case.function, case.pass_
    x, g, o = inp.shaped(case, inp.x), inp.shaped(case, inp.g), inp.shaped(case, inp.o)
    kw = {"out": o} if out else {}
    tail = ", out=o)" if out else ")"
    if f == "prelu":
        w = inp.weight
        if p == "backward(x)":
            return "fastact.prelu_backward(g, x, w%s" % tail, lambda: fastact.prelu_backward(g, x, w, **kw)
        fn = getattr(fastact, "prelu" if p == "forward" else "prelu_derivative")
        return "fastact.%s(x, w%s" % (fn.__name__, tail), lambda: fn(x, w, **kw)
    if case.axis is not None:
        kw["axis"] = case.axis
        if p == "forward":
            fn = getattr(fastact, f)
            return "fastact.%s(x, axis=%d%s" % (f, case.axis, tail), lambda: fn(x, **kw)
        fn, y = getattr(fastact, f + "_backward"), inp.y(case)
        return "fastact.%s_backward(g, y, axis=%d%s" % (f, case.axis, tail), lambda: fn(g, y, **kw)
    if p == "forward":
        fn = getattr(fastact, f)
        return "fastact.%s(x%s" % (f, tail), lambda: fn(x, **kw)
    if p == "derivative":
        fn = getattr(fastact, f + "_derivative")
        return "fastact.%s_derivative(x%s" % (f, tail), lambda: fn(x, **kw)
    fn = getattr(fastact, f + "_backward")
    if p == "backward(x)":
        return "fastact.%s_backward(g, x%s" % (f, tail), lambda: fn(g, x, **kw)
    y = inp.y(case)
    return "fastact.%s_backward(g, y=y%s" % (f, tail), lambda: fn(g, y=y, **kw)


def _reference(case, inp):
    f, p = case.function, case.pass_
    x, g = inp.shaped(case, inp.x), inp.shaped(case, inp.g)
    if f == "prelu":
        w = inp.weight
        if p == "backward(x)":
            return "reference.prelu_backward(g, x, w)", lambda: ref.prelu_backward(g, x, w)
        fn = getattr(ref, "prelu" if p == "forward" else "prelu_derivative")
        return "reference.%s(x, w)" % fn.__name__, lambda: fn(x, w)
    if case.axis is not None:
        if p == "forward":
            fn = getattr(ref, f)
            return "reference.%s(x, axis=%d)" % (f, case.axis), lambda: fn(x, axis=case.axis)
        fn, y = getattr(ref, f + "_backward"), inp.y(case)
        return ("reference.%s_backward(g, y, axis=%d)" % (f, case.axis),
                lambda: fn(g, y, axis=case.axis))
    if p == "forward":
        fn = getattr(ref, f)
        return "reference.%s(x)" % f, lambda: fn(x)
    if p == "derivative":
        fn = getattr(ref, f + "_derivative")
        return "reference.%s_derivative(x)" % f, lambda: fn(x)
    fn = getattr(ref, f + "_backward")
    if p == "backward(x)":
        return "reference.%s_backward(g, x)" % f, lambda: fn(g, x)
    y = inp.y(case)
    return "reference.%s_backward(g, y=y)" % f, lambda: fn(g, y=y)


def _numpy(case, inp):
    """NumPy's direct expression (ufuncs into the preallocated o where they can), only where
    it is shorter than the reference formula. relu's derivative and backward differ from
    fastact's only for NaN input (x > 0 is False for NaN)."""
    f, p = case.function, case.pass_
    x, g, o = inp.shaped(case, inp.x), inp.shaped(case, inp.g), inp.shaped(case, inp.o)
    key = (f, p)
    if key == ("identity", "forward"):
        return "np.copyto(o, x)", lambda: (np.copyto(o, x), o)[1]
    if key == ("relu", "forward"):
        return "np.maximum(x, 0, out=o)", lambda: np.maximum(x, 0, out=o)
    if key == ("relu", "derivative"):
        return "np.greater(x, 0, out=o)", lambda: np.greater(x, 0, out=o)
    if f == "relu" and p.startswith("backward"):
        a = x if p == "backward(x)" else inp.y(case)
        name = p[-2]
        return "np.multiply(g, %s > 0, out=o)" % name, lambda: np.multiply(g, a > 0, out=o)
    if key == ("leaky_relu", "forward"):
        alpha = inp.dtype.type(0.01)
        return ("np.maximum(x, np.multiply(x, 0.01, out=o), out=o)",
                lambda: np.maximum(x, np.multiply(x, alpha, out=o), out=o))
    if key == ("sigmoid", "forward"):
        def sigmoid():
            with np.errstate(over="ignore"):
                np.negative(x, out=o)
                np.exp(o, out=o)
                np.add(o, 1, out=o)
                return np.reciprocal(o, out=o)
        return "1 / (1 + np.exp(-x)), ufuncs into o", sigmoid
    if key == ("sigmoid", "backward(y)"):
        y = inp.y(case)

        def sigmoid_backward():
            np.subtract(1, y, out=o)
            np.multiply(o, y, out=o)
            return np.multiply(o, g, out=o)
        return "g * y * (1 - y), ufuncs into o", sigmoid_backward
    if key == ("tanh", "forward"):
        return "np.tanh(x, out=o)", lambda: np.tanh(x, out=o)
    if f == "tanh":
        a = inp.y(case) if p == "backward(y)" else x

        def tanh_pass():
            if p == "backward(y)":
                np.square(a, out=o)
            else:
                np.tanh(a, out=o)
                np.square(o, out=o)
            np.subtract(1, o, out=o)
            return o if p == "derivative" else np.multiply(o, g, out=o)
        return {
            "derivative": "1 - np.tanh(x)**2, ufuncs into o",
            "backward(x)": "g * (1 - np.tanh(x)**2), ufuncs into o",
            "backward(y)": "g * (1 - y * y), ufuncs into o",
        }[p], tanh_pass
    if f in ("softmax", "log_softmax"):
        ax = case.axis
        if key == ("softmax", "forward"):
            def softmax():
                np.subtract(x, x.max(axis=ax, keepdims=True), out=o)
                np.exp(o, out=o)
                return np.divide(o, o.sum(axis=ax, keepdims=True), out=o)
            return "e = np.exp(x - x.max(axis)); e / e.sum(axis), into o", softmax
        if key == ("log_softmax", "forward"):
            def log_softmax():
                np.subtract(x, x.max(axis=ax, keepdims=True), out=o)
                return np.subtract(o, np.log(np.exp(o).sum(axis=ax, keepdims=True)), out=o)
            return "s = x - x.max(axis); s - np.log(np.exp(s).sum(axis)), into o", log_softmax
        y = inp.y(case)
        if f == "softmax":
            def softmax_backward():
                np.multiply(g, y, out=o)
                s = o.sum(axis=ax, keepdims=True)
                np.subtract(g, s, out=o)
                return np.multiply(o, y, out=o)
            return "y * (g - (g * y).sum(axis)), into o", softmax_backward

        def log_softmax_backward():
            np.exp(y, out=o)
            np.multiply(o, g.sum(axis=ax, keepdims=True), out=o)
            return np.subtract(g, o, out=o)
        return "g - np.exp(y) * g.sum(axis), into o", log_softmax_backward
    return None


def _scipy(case, inp):
    special = sys.modules["scipy.special"]
    x, o = inp.shaped(case, inp.x), inp.shaped(case, inp.o)
    if (case.function, case.pass_) == ("sigmoid", "forward"):
        return "scipy.special.expit(x, out=o)", lambda: special.expit(x, out=o)
    if case.function in ("softmax", "log_softmax") and case.pass_ == "forward":
        fn = getattr(special, case.function)
        return ("scipy.special.%s(x, axis=%d)" % (case.function, case.axis),
                lambda: fn(x, axis=case.axis))
    return None


_NUMEXPR = {
    ("relu", "forward"): "where(x > 0, x, 0)",
    ("relu", "backward(x)"): "where(x > 0, g, 0)",
    ("relu", "backward(y)"): "where(y > 0, g, 0)",
    ("leaky_relu", "forward"): "where(x >= 0, x, alpha * x)",
    ("elu", "forward"): "where(x > 0, x, expm1(x))",
    ("elu", "derivative"): "where(x > 0, 1, exp(x))",
    ("elu", "backward(y)"): "where(y > 0, g, g * (y + 1))",
    ("selu", "forward"): "scale * where(x > 0, x, alpha * expm1(x))",
    ("sigmoid", "forward"): "1 / (1 + exp(-x))",
    ("sigmoid", "backward(y)"): "g * y * (1 - y)",
    ("tanh", "forward"): "tanh(x)",
    ("tanh", "derivative"): "1 - tanh(x)**2",
    ("tanh", "backward(y)"): "g * (1 - y * y)",
}


def _numexpr(case, inp):
    expr = _NUMEXPR.get((case.function, case.pass_))
    if expr is None:
        return None
    ne = optional_module("numexpr")
    # 0-d arrays keep float32 expressions in float32 (Python floats would upcast to float64)
    alpha = 0.01 if case.function == "leaky_relu" else SELU_ALPHA
    names = {"x": inp.x, "g": inp.g, "alpha": np.asarray(alpha, inp.dtype),
             "scale": np.asarray(SELU_SCALE, inp.dtype)}
    if "y" in expr:
        names["y"] = inp.y(case)
    names = {k: v for k, v in names.items() if re.search(r"\b%s\b" % k, expr)}
    o = inp.o
    return ("numexpr.evaluate(%r, out=o)" % expr,
            lambda: ne.evaluate(expr, local_dict=names, out=o))


def _torch(case, inp):
    """PyTorch CPU on the same memory (torch.from_numpy), autograd-free kernels. Allocates."""
    torch = optional_module("torch")
    F = sys.modules["torch.nn.functional"]
    A = torch.ops.aten
    f, p = case.function, case.pass_
    x, g = inp.shaped(case, inp.x), inp.shaped(case, inp.g)
    tx, tg = inp.tensor(x), inp.tensor(g)
    ty = inp.tensor(inp.y(case)) if p == "backward(y)" else None
    key = (f, p)
    if f == "prelu":
        tw = inp.tensor(inp.weight)
        if p == "forward":
            return "F.prelu(x, w)", lambda: F.prelu(tx, tw)
        if p == "backward(x)":
            tw_b = tw.reshape(PRELU_CHANNELS, 1)

            def prelu_backward():
                gx, gw = A._prelu_kernel_backward(tg, tx, tw_b)
                return gx, gw.sum((0, 2))
            return "aten._prelu_kernel_backward(g, x, w) + sum for grad_w", prelu_backward
        return None
    if f in ("softmax", "log_softmax"):
        dim = case.axis
        if p == "forward":
            fn = getattr(F, f)
            return "F.%s(x, dim=%d)" % (f, dim), lambda: fn(tx, dim=dim)
        op = getattr(A, "_%s_backward_data" % f)
        tdtype = tx.dtype
        return ("aten._%s_backward_data(g, y, %d)" % (f, dim),
                lambda: op(tg, ty, dim, tdtype))
    table = {
        ("identity", "forward"): ("x.clone()", lambda: tx.clone()),
        ("relu", "forward"): ("F.relu(x)", lambda: F.relu(tx)),
        ("relu", "backward(x)"): ("aten.threshold_backward(g, x, 0)",
                                  lambda: A.threshold_backward(tg, tx, 0)),
        ("relu", "backward(y)"): ("aten.threshold_backward(g, y, 0)",
                                  lambda: A.threshold_backward(tg, ty, 0)),
        ("leaky_relu", "forward"): ("F.leaky_relu(x, 0.01)", lambda: F.leaky_relu(tx, 0.01)),
        ("leaky_relu", "backward(x)"): ("aten.leaky_relu_backward(g, x, 0.01, False)",
                                        lambda: A.leaky_relu_backward(tg, tx, 0.01, False)),
        ("leaky_relu", "backward(y)"): ("aten.leaky_relu_backward(g, y, 0.01, True)",
                                        lambda: A.leaky_relu_backward(tg, ty, 0.01, True)),
        ("elu", "forward"): ("F.elu(x)", lambda: F.elu(tx)),
        ("elu", "backward(x)"): ("aten.elu_backward(g, 1, 1, 1, False, x)",
                                 lambda: A.elu_backward(tg, 1.0, 1.0, 1.0, False, tx)),
        ("elu", "backward(y)"): ("aten.elu_backward(g, 1, 1, 1, True, y)",
                                 lambda: A.elu_backward(tg, 1.0, 1.0, 1.0, True, ty)),
        ("selu", "forward"): ("F.selu(x)", lambda: F.selu(tx)),
        ("selu", "backward(x)"): (
            "aten.elu_backward(g, alpha, scale, 1, False, x)",
            lambda: A.elu_backward(tg, SELU_ALPHA, SELU_SCALE, 1.0, False, tx)),
        ("selu", "backward(y)"): (
            "aten.elu_backward(g, alpha, scale, 1, True, y)",
            lambda: A.elu_backward(tg, SELU_ALPHA, SELU_SCALE, 1.0, True, ty)),
        ("sigmoid", "forward"): ("torch.sigmoid(x)", lambda: torch.sigmoid(tx)),
        ("sigmoid", "backward(y)"): ("aten.sigmoid_backward(g, y)",
                                     lambda: A.sigmoid_backward(tg, ty)),
        ("tanh", "forward"): ("torch.tanh(x)", lambda: torch.tanh(tx)),
        ("tanh", "backward(y)"): ("aten.tanh_backward(g, y)", lambda: A.tanh_backward(tg, ty)),
    }
    return table.get(key)


_MAKERS = {
    "fastact_out": lambda case, inp: _fastact(case, inp, out=True),
    "fastact": lambda case, inp: _fastact(case, inp, out=False),
    "reference": _reference,
    "numpy": _numpy,
    "scipy": _scipy,
    "numexpr": _numexpr,
    "torch": _torch,
}


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


def measure(calls_, target_ns, min_samples=3, max_samples=2000, on_warmup=None, on_error=None):
    """Median time per call of each fn in calls_ ([(key, fn)]).

    Each fn gets one warm-up call, whose result goes to on_warmup(key, result), and one
    calibration call; then the fns are timed in turn, round-robin, so that machine noise hits
    all of them alike. A sample is one batch of calls (enough to last MIN_BATCH_NS) divided by
    the batch size; a fn stops after target_ns of samples and at least min_samples samples.
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
            state[key] = (fn, batch, [], [0])
        pending = list(state)
        while pending:
            for key in list(pending):
                fn, batch, samples, total = state[key]
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
        for key, (fn, batch, samples, _) in state.items()
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
