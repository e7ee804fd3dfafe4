"""THE table of fastact's functions: every layer is generated from it.

Plain Python data (no NumPy, no compiled code), so setup.py, the package, the tests and the
benchmarks all import it. From each row come:

* setup.py: the kernels (``_kernels.pyx.tp`` loops over the rows, calling the formula blocks
  of ``_math.pxd.tp`` named after the row and pass), the dispatch tables, the public
  functions with their signatures, parameter checks and docstrings (``_dispatch.pyx.tp``);
* the package: ``fastact.<name>``, ``<name>_derivative``, ``<name>_backward``, the objects
  and ``get()`` / ``available()`` (``_objects.py``), the reference registry;
* the tests (parametrized over ``ROWS``) and the benchmarks (``fastact bench``, pytest-bench,
  ``bench/targets.py``, ``bench/accuracy.py``, ``bench/fingerprint.py``);
* README's API and accuracy tables (``python fastact/_catalogue.py README.md`` rewrites them;
  tests/test_catalogue.py fails while they are out of date).

Adding a function: docs/adding-a-function.md.
"""

import copy

__all__ = ["Param", "Rule", "Row", "ROWS", "BY_NAME", "ALIASES", "PRESETS", "row", "rows",
           "resolve", "resolve_preset", "kernel_rows", "kernel_row", "kernel_call", "PASSES",
           "api_table", "LINEAR_LAYERS", "gate_activations"]

# The passes of an elementwise function, in kernel-table order:
#   forward      f(x)
#   derivative   f'(x)
#   backward_x   grad * f'(x)            f_backward(grad, x)
#   backward_y   grad * f'(x) from y     f_backward(grad, y=y)
PASSES = ("forward", "derivative", "backward_x", "backward_y")

F32_MAX = 3.4028234663852886e38  # the largest finite float32


class Param:
    """A parameter of a function: keyword-only.

    A real parameter (choices None) is used in the data's dtype by the kernel. default: None
    for a required parameter. samples: values the tests and the fingerprint use (the default
    among them). Every real parameter must be finite, and finite in float32 when the data are
    float32 (the kernel computes with it in the data's dtype); further constraints are Rules
    of the row.

    A choice parameter (choices: a tuple of strings) selects one of several formulas, e.g.
    gelu's approximate='none' | 'tanh' (PyTorch's). It never reaches a kernel as a value: the
    row is compiled as one kernel per choice (kernel_rows()), so the formulas stay branch-free,
    and the public function turns the keyword into the kernel's index. Its default is one of
    the choices, its samples are the choices; matching is exact (case-sensitive, as PyTorch's).
    A row has at most one, and no Rule names it.
    """

    def __init__(self, name, default, doc, samples=(), choices=None):
        self.name = name
        self.default = default
        self.doc = doc
        self.choices = None if choices is None else tuple(choices)
        if self.choices is not None:
            assert self.choices and all(isinstance(c, str) for c in self.choices), name
            assert len(set(self.choices)) == len(self.choices), name
            assert default in self.choices and not samples, name
            samples = self.choices
        self.samples = tuple(samples) or ((default,) if default is not None else ())

    @property
    def required(self):
        return self.default is None

    @property
    def is_choice(self):
        return self.choices is not None

    def __repr__(self):
        return "Param(%r, %r)" % (self.name, self.default)


class Rule:
    """A constraint between a parameter and a number or another parameter.

    `lhs op rhs` must hold (op one of '<', '<=', '>', '>=', '!='); rhs is a number or the name
    of another parameter. when: 'always', or 'y' (only for the backward pass from y: a
    parameter for which y does not determine f'(x)). The error is a ValueError whose message
    is `message` % the parameter values (by name).
    """

    OPS = ("<", "<=", ">", ">=", "!=")

    def __init__(self, lhs, op, rhs, message, when="always"):
        assert op in self.OPS and when in ("always", "y")
        self.lhs, self.op, self.rhs, self.message, self.when = lhs, op, rhs, message, when

    def holds(self, values):
        a = values[self.lhs]
        b = values[self.rhs] if isinstance(self.rhs, str) else self.rhs
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "!=": a != b}[self.op]


class Row:
    """One function of the catalogue.

    name            the public name (elementwise: also f_derivative and f_backward)
    kind            'elementwise' | 'per_channel' (prelu) | 'axis' (softmax family) |
                    'gate' (value * act(gate): gated, glu; fastact._gates)
    summary         one line: the formula as text
    derivative      one line: f'(x) as text, kinks included (elementwise)
    backward_y      how f'(x) follows from y (elementwise functions that take y=), or None
    params          (Param, ...), keyword-only, in signature order
    rules           (Rule, ...)
    cost            'memory' (a few operations per element: runs at memory speed), 'arith'
                    (a division or a square root per element, no exp: compute-bound) or
                    'exp' (an exp per element: compute-bound); chooses the thread threshold,
                    the narrow copy (memory only) and the benchmarks' targets
    memory_passes   passes that are memory-bound even in an 'exp' function (from y)
    wide            memory-bound passes whose formula does enough arithmetic per element
                    (compensated sums, a square root, a division) that 256-bit vectors make
                    it compute-bound: no narrow copy (see FASTACT_NARROW in _kernels.pyx.tp)
    tail            passes whose formula has an exp tail (blocks checked, fast/exact path;
                    see _math.pxd.tp: exp_tail, scale)
    own_backward    the formula block has f_backward(g, x); else the kernel computes
                    grad * f_derivative(x)
    prepare         the formula block prepares its own kernel parameters (a struct and a
                    prepare function, e.g. elu's alpha = am 2^ae); else every parameter is
                    passed to the formulas as a value in the data's dtype
    bounds          {pass: ULP bound} of the float32 and float64 results against the exact
                    value ('backward' covers both backward passes)
    torch           the PyTorch equivalent, as text (torch.nn.functional as F)
    bench           the benchmarks' competitors and targets of the row (see BENCH_KEYS below);
                    a row without them is still benchmarked against fastact.reference
    cls             the class name of the activation object
    aliases         other names get() and the module accept
    log_domain      'axis' rows: the output is a log-probability (the log-domain kernels)
    simplex         'axis' rows: the output is the Euclidean projection onto the probability
                    simplex (sparsemax; the kernels' bisection for its threshold)
    negate          'axis' rows: the kernels read -x (softmin = softmax(-x), negation exact:
                    the same bits as softmax of -x; the VJP is softmax's, negated)
    activation      'gate' rows: the default of their ``activation=`` keyword (any
                    parameter-free elementwise row: gate_activations())
    halves          'gate' rows: value and gate are the halves of x along ``axis`` (glu);
                    else two arrays of one shape (gated)
    same_as         (row name, {parameter: value}), one parameter: where it has that value
                    (in the data's dtype) the function is that row's, which has the same real
                    parameters (celu at alpha = 1 is elu at alpha = 1): the calls run that
                    row's kernels, its bits and speed (the general formula of x / alpha costs
                    celu 1.6x elu's time, float32)
    gain            the recommended initialisation gain of ``torch.nn.init.calculate_gain``
                    (fastact.init): a number, or a function of the parameter (None: the
                    default) for a row whose gain depends on it (leaky_relu); None: PyTorch
                    has no gain for the function (fastact.init refuses it)

    A row with a choice parameter (Param(..., choices=...)) is compiled as one kernel per
    choice: kernel_rows() gives those copies (``variant_of`` the row, ``choice`` the value).
    """

    # set on the per-choice copies of kernel_rows(): the public row and the choice they compile
    variant_of = None
    choice = None
    # set on the per-choice copies of bench_rows(): {choice parameter: value}, passed by every
    # call the benchmarks make (required_params, base_params)
    bound_params = None

    def __init__(self, name, kind, summary, *, cls, torch, derivative=None, backward_y=None,
                 params=(), rules=(), cost="memory", memory_passes=("backward_y",), tail=(),
                 wide=(), own_backward=True, prepare=False, bounds=None, bench=None, aliases=(),
                 passes=PASSES, log_domain=False, negate=False, simplex=False, gain=None,
                 activation=None, halves=False, same_as=None):
        self.name, self.kind, self.summary, self.cls, self.torch = name, kind, summary, cls, torch
        self.derivative, self.backward_y = derivative, backward_y
        self.params, self.rules = tuple(params), tuple(rules)
        self.cost, self.memory_passes, self.tail = cost, tuple(memory_passes), tuple(tail)
        self.wide = tuple(wide)
        self.own_backward, self.prepare = own_backward, prepare
        self.bounds = dict(bounds or {})
        self.bench = dict(bench or {})
        self.log_domain = log_domain
        self.negate = negate
        self.simplex = simplex
        assert not (simplex and (negate or log_domain))
        assert not (negate and log_domain), "no log-domain negated kernels"
        self.gain = gain
        assert (kind == "gate") == (activation is not None) and (not halves or kind == "gate")
        self.activation, self.halves = activation, halves
        self.same_as = same_as
        assert same_as is None or set(same_as[1]) <= set(self.param_names), name
        self.aliases = tuple(aliases)
        self.passes = tuple(passes) if kind == "elementwise" else ()
        assert cost in ("memory", "arith", "exp")
        assert set(self.tail) <= set(self.passes)
        assert all(self.memory_bound(p) for p in self.wide), (name, "wide: memory-bound passes")
        choices = [p for p in self.params if p.is_choice]
        assert len(choices) <= 1, (name, "at most one choice parameter")
        assert not choices or kind == "elementwise", name
        assert not any(p.name in (r.lhs, r.rhs) for p in choices for r in self.rules), name
        for key in self.bench:  # a 3-tuple key: an entry for one choice (bench_for)
            assert len(key) == 2 or (choices and key[2] in choices[0].choices), (name, key)

    def __repr__(self):
        return "Row(%r)" % self.name

    # --- derived flags (the templates and the tests read these) -----------------------------
    @property
    def param_names(self):
        return tuple(p.name for p in self.params)

    @property
    def choice_param(self):
        """The choice parameter (Param with choices), or None."""
        return next((p for p in self.params if p.is_choice), None)

    @property
    def real_params(self):
        """The real parameters: those a kernel receives (every one but the choice)."""
        return tuple(p for p in self.params if not p.is_choice)

    def kernel_name(self, choice):
        """The kernel of a choice: the row's name for the default, else <row>_<choice>."""
        p = self.choice_param
        return self.name if choice == p.default else "%s_%s" % (self.name, choice)

    def kernels(self):
        """The kernel rows of this row: itself, or one copy per choice (kernel_rows())."""
        p = self.choice_param
        if p is None:
            return (self,)
        out = []
        for c in p.choices:
            k = copy.copy(self)
            k.name = self.kernel_name(c)
            k.params = self.real_params
            k.aliases = ()
            k.bench = self.bench_for(c)
            k.variant_of, k.choice = self, c
            out.append(k)
        return tuple(out)

    def bench_rows(self):
        """The row as the benchmarks run it: itself, or (a choice parameter) one copy per
        choice, named as the row, with ``choice`` and ``bound_params`` set and the bench
        entries of that choice (bench_for): a case per choice."""
        p = self.choice_param
        if p is None:
            return (self,)
        out = []
        for c in p.choices:
            b = copy.copy(self)
            b.bench = self.bench_for(c)
            b.choice, b.bound_params = c, {p.name: c}
            out.append(b)
        return tuple(out)

    def bench_for(self, choice=None):
        """The bench entries of one choice: the general (competitor, pass) entries, replaced
        by the (competitor, pass, choice) entries of that choice (e.g. a speed target or an
        exact formula that differs per choice)."""
        out = {k: v for k, v in self.bench.items() if len(k) == 2}
        out.update({k[:2]: v for k, v in self.bench.items() if len(k) == 3 and k[2] == choice})
        return out

    @property
    def takes_y(self):
        return "backward_y" in self.passes

    def y_rules(self):
        return tuple(r for r in self.rules if r.when == "y")

    def nonzero_params(self):
        """The real parameters a rule refuses at 0 (alpha != 0, b > 0; the y rules too): a
        float32 call refuses a value that rounds to 0 in float32, where its kernels use it."""
        return tuple(p.name for p in self.real_params
                     if any(r.lhs == p.name and not isinstance(r.rhs, str) and r.rhs == 0
                            and not r.holds({p.name: 0.0}) for r in self.rules))

    def memory_bound(self, pass_):
        """Whether a pass runs at memory speed."""
        return self.cost == "memory" or pass_ in self.memory_passes

    @property
    def compute_bound(self):
        """Cost class 'exp' or 'arith': the compute-bound thread threshold, and the rows the
        benchmarks compare with PyTorch rather than with a copy."""
        return self.cost != "memory"

    def narrow(self, pass_):
        """Whether a pass has a 256-bit copy at the AVX-512 level (for data from L3 or memory):
        memory-bound passes but those marked wide."""
        return self.memory_bound(pass_) and pass_ not in self.wide

    def has_tail(self, pass_):
        return pass_ in self.tail

    def bound(self, pass_):
        """The promised bound in ULPs of a pass ('backward' for both backward passes)."""
        if pass_.startswith("backward"):
            pass_ = "backward"
        return self.bounds[pass_]

    def defaults(self):
        return {p.name: p.default for p in self.params}

    def base_params(self):
        """The defaults, a required parameter at its first sample: the one parameter set the
        benchmarks and the accuracy script use."""
        return dict({p.name: p.samples[0] if p.required else p.default for p in self.params},
                    **(self.bound_params or {}))

    def required_params(self):
        """The required parameters at their first samples: what every call must pass (and
        the choice of a bench_rows() copy)."""
        return dict({p.name: p.samples[0] for p in self.params if p.required},
                    **(self.bound_params or {}))

    def sample_params(self):
        """Parameter sets for tests and the fingerprint: every sample of every parameter, in
        order, with the others at their defaults (a required one at its first sample), those
        the rules allow; the defaults first where they are not among the samples."""
        base = {p.name: p.default if not p.required else p.samples[0] for p in self.params}
        sets = []
        for p in self.params:
            for v in p.samples:
                s = dict(base, **{p.name: v})
                if s not in sets and all(r.holds(s) for r in self.rules if r.when == "always"):
                    sets.append(s)
        if all(not p.required for p in self.params) and base not in sets:
            sets.insert(0, base)
        return sets

    def example_params(self):
        """One set of non-default parameter values (the tests' representative call)."""
        sets = [s for s in self.sample_params() if s != self.defaults()]
        return sets[0] if sets else self.sample_params()[0]

    def signature(self, pass_="forward"):
        """The Python signature of the public function of a pass, as text."""
        kw = ", ".join("%s=%r" % (p.name, p.default) if not p.required else p.name
                       for p in self.params)
        kw = (kw + ", ") if kw else ""
        if self.kind == "elementwise":
            if pass_ == "backward":
                if not self.takes_y:  # x is required
                    return "(grad, x, *, %sout=None)" % kw
                return "(grad, x=None, *, y=None, %sout=None)" % kw
            return "(x, *, %sout=None)" % kw
        if self.kind == "per_channel":
            first = "(grad, x, weight" if pass_ == "backward" else "(x, weight"
            return first + ", *, axis=1, out=None)"
        if self.kind == "gate":
            kw = "%sactivation=%r, out=None)" % ("axis=-1, " if self.halves else "",
                                                 self.activation)
            first = "(x" if self.halves else "(value, gate"
            if pass_ == "backward":
                first = "(grad, x" if self.halves else "(grad, value, gate"
            return first + ", *, " + kw
        if pass_ == "backward":
            return "(grad, *, y, axis=-1, out=None)"
        return "(x, *, axis=-1, out=None)"

    def public_names(self):
        """Every public function name the row defines."""
        if self.kind == "elementwise" or self.kind == "per_channel":
            return (self.name, self.name + "_derivative", self.name + "_backward")
        return (self.name, self.name + "_backward")


BENCH_KEYS = """The keys of Row.bench, read by fastact._bench (fastact bench, pytest bench,
bench/targets.py, bench/accuracy.py).


Keys and values
---------------
(competitor, pass): (label, expression) or (label, expression, errstate)
    competitor: "numpy", "scipy", "numexpr" or "torch" (a column of ``fastact bench`` and a
    member of the pytest-benchmark groups); pass: "forward", "derivative", "backward(x)" or
    "backward(y)" (the benchmark's pass names). The expression is evaluated once into a
    function (``eval("lambda: " + expression, namespace)``) that is then timed; it returns the
    result (a tuple of arrays for a pass with two results). Multi-step ufunc sequences are a
    tuple expression whose last item is the result: ``(np.negative(x, out=o), ...)[-1]``.
    errstate: a dict of ``np.errstate`` keywords the call runs under (e.g. {"over": "ignore"}).
    label: the text shown for the call; None: the expression itself. ``{axis}`` in a label is
    replaced by the axis of the case.
    numexpr: the expression is a numexpr string, run as ``ne.evaluate(expression,
    local_dict=<the namespace's arrays it names>, out=o)``; label None: "numexpr.evaluate(
    '<expression>', out=o)".
("torch_out", pass): (label, expression)
    PyTorch writing into the preallocated output ``to``, the competitor of bench/targets.py's
    rows against PyTorch (without it they use the ("torch", pass) entry, which allocates).
("target", pass): (float32 target, float64 target)
    the speed target of bench/targets.py: fastact at least this many times PyTorch's speed on
    the pass (1 thread). Only for passes that are not memory-bound (``row.memory_bound``): the
    memory-bound ones are held to np.copyto / np.multiply instead. Which passes of a row get a
    row against PyTorch follows from the table (an 'exp' row's pass that is not memory-bound,
    with a PyTorch entry); without a number here its target is 1.
("model", pass): (float32 models, float64 models)
    the cost models of the pass in bench/c_model.c (``bench/targets.py --model``), each None or
    {"plain": loop, "formula": loop}: the names of c_model's loops that model the plain formula
    (without the compensation the accuracy bounds need) and the kernel's formula (_models
    builds {variant: "l_<stem>32"} and {variant: "l_<stem>64"}). For passes with a row
    against PyTorch (bench/targets.py), and for memory-bound passes whose arithmetic keeps
    them below np.copyto / np.multiply: their loops run on the row's arrays, and a "formula"
    loop computes the kernel's values (bench/test_targets.py checks them against the kernel).
("overhead", pass): (label, expression)
    bench/targets.py's 16-element rows: the NumPy call (in place, evaluated by timeit with x, g,
    y2 and np) whose call time fastact's in-place call of that pass must not exceed (a row
    without such an entry has no 16-element row).
("mpmath", pass): (label, expression)
    the exact value at one point, for ``bench/accuracy.py --validate-reference``, evaluated
    with mpmath at 256 bits (forward and derivative).
(key..., choice): an entry for one choice of a row with a choice parameter
    any of the keys above with the choice as a third item, e.g. ("target", "forward", "tanh"):
    for that choice it replaces the two-item entry (Row.bench_for); the benchmarks run a case
    per choice, and an expression also sees the choice parameter by name (a str).
("constants", None): {name: decimal string}
    named constants of the formulas (those that are not parameters of the row), put into the
    namespace like the parameters.

The namespace of an expression
------------------------------
np, dtype (a NumPy dtype), axis (the axis of an 'axis' row's case, else None);
x, g, o: the input, the gradient and the preallocated output, in the case's layout (1-D for
    elementwise rows, (n/1024, 16, 64) for 'per_channel' rows, 2-D for 'axis' rows);
y: the forward output of x (only for backward(y)); w: the per-channel weights ('per_channel');
the row's parameters (at their defaults) and ("constants", None) by name: scalars of the data's
    dtype (numexpr: 0-d arrays of that dtype, so float32 stays float32; mpmath: mpf); a choice
    parameter: the case's choice, a str;
scipy: special = scipy.special;  numexpr: ne = numexpr;
torch: torch, F = torch.nn.functional, A = torch.ops.aten; tx, tg, ty, to, tw: torch tensors
    sharing the memory of x, g, y, o, w (torch.from_numpy); tw_col: tw as a column (channels, 1);
    tdtype: tx.dtype;
mpmath: mp (mpmath.mp), x (an mpf)."""


def _alpha_y_rule():
    return Rule("alpha", ">=", 0.0,
                "alpha: backward from y= needs alpha >= 0 (got %(alpha)r): with a negative "
                "alpha the output y does not determine the input's sign; pass x= instead",
                when="y")


def _leaky_relu_gain(slope=None):
    """torch.nn.init.calculate_gain('leaky_relu', slope): sqrt(2 / (1 + slope^2)), slope 0.01
    when None (PyTorch's default, the same as the row's alpha default)."""
    slope = 0.01 if slope is None else slope
    return (2.0 / (1.0 + slope * slope)) ** 0.5


# Names torch.nn.init.calculate_gain accepts for layers without a nonlinearity (gain 1); not
# functions of fastact, so not rows: fastact.init accepts them with the rows' names.
LINEAR_LAYERS = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d")

# constants of the formulas, for the benchmark expressions (Row.bench)
_SELU = {"scale": "1.0507009873554804934193349852946",
         "alpha": "1.6732632423543772848170429916717"}
_SELU_ALPHA, _SELU_SCALE = "1.6732632423543772", "1.0507009873554805"

def _models(**stems):
    """A ("model", pass) entry whose loops exist in both dtypes: {variant: stem} ->
    ({variant: "l_<stem>32"}, {variant: "l_<stem>64"}) (bench/c_model.c's names)."""
    return tuple({v: "l_%s%d" % (stem, bits) for v, stem in stems.items()} for bits in (32, 64))


EXACT_BOUNDS = {"forward": 0, "derivative": 0, "backward": 0}
SMOOTH_BOUNDS = {"forward": 2, "derivative": 4, "backward": 4}

ROWS = (
    Row("identity", "elementwise", "x",
        derivative="1 (NaN where x is NaN)", backward_y="1",
        cls="Identity", gain=1.0, torch="x (torch.nn.Identity)", aliases=("linear",),
        bounds=EXACT_BOUNDS,
        bench={
            ("numpy", "forward"): ("np.copyto(o, x)", "(np.copyto(o, x), o)[1]"),
            ("torch", "forward"): ("x.clone()", "tx.clone()"),
        }),
    Row("relu", "elementwise", "max(x, 0); -0 and NaN stay (as PyTorch)",
        derivative="1 if x > 0 else 0 (0 at x = 0, the left branch)",
        backward_y="1 where y > 0",
        cls="ReLU", gain=2.0 ** 0.5, torch="F.relu(x)", bounds=EXACT_BOUNDS,
        bench={
            ("numpy", "forward"): (None, "np.maximum(x, 0, out=o)"),
            # differ from fastact only for NaN input (x > 0 is False for NaN)
            ("numpy", "derivative"): (None, "np.greater(x, 0, out=o)"),
            ("numpy", "backward(x)"): (None, "np.multiply(g, x > 0, out=o)"),
            ("numpy", "backward(y)"): (None, "np.multiply(g, y > 0, out=o)"),
            ("numexpr", "forward"): (None, "where(x > 0, x, 0)"),
            ("numexpr", "backward(x)"): (None, "where(x > 0, g, 0)"),
            ("numexpr", "backward(y)"): (None, "where(y > 0, g, 0)"),
            ("torch", "forward"): ("F.relu(x)", "F.relu(tx)"),
            ("torch", "backward(x)"): ("aten.threshold_backward(g, x, 0)",
                                       "A.threshold_backward(tg, tx, 0)"),
            ("torch", "backward(y)"): ("aten.threshold_backward(g, y, 0)",
                                       "A.threshold_backward(tg, ty, 0)"),
            ("overhead", "forward"): (None, "np.maximum(x, 0, out=x)"),
        }),
    Row("relu6", "elementwise", "min(max(x, 0), 6); -0 stays",
        derivative="1 on (0, 6), 0 elsewhere (0 at the kinks 0 and 6)",
        backward_y="1 where 0 < y < 6",
        own_backward=False, cls="ReLU6", torch="F.relu6(x)", bounds=EXACT_BOUNDS,
        bench={
            ("model", "derivative"): _models(formula="band06_d"),
            ("numpy", "forward"): (None, "np.clip(x, 0, 6, out=o)"),
            ("torch", "forward"): ("F.relu6(x)", "F.relu6(tx)"),
            ("torch", "backward(x)"): ("aten.hardtanh_backward(g, x, 0, 6)",
                                       "A.hardtanh_backward(tg, tx, 0.0, 6.0)"),
        }),
    Row("hardtanh", "elementwise", "min(max(x, min_val), max_val); x itself unless beyond a bound",
        derivative="1 on (min_val, max_val), 0 elsewhere (0 at the kinks)",
        backward_y="1 where min_val < y < max_val",
        params=(Param("min_val", -1.0, "the lower bound", samples=(-1.0, -2.5, 0.0, 0.5)),
                Param("max_val", 1.0, "the upper bound", samples=(1.0, 0.25, 6.0, 1e30))),
        # (min_val == max_val is PyTorch's too: a constant, derivative 0 everywhere)
        rules=(Rule("min_val", "<=", "max_val", "min_val: must not exceed max_val (got "
                    "min_val=%(min_val)r, max_val=%(max_val)r)"),),
        own_backward=False, cls="Hardtanh",
        torch="F.hardtanh(x, min_val=min_val, max_val=max_val)", bounds=EXACT_BOUNDS,
        bench={
            ("model", "derivative"): _models(formula="band_d"),
            ("numpy", "forward"): (None, "np.clip(x, min_val, max_val, out=o)"),
            ("torch", "forward"): ("F.hardtanh(x)", "F.hardtanh(tx)"),
            ("torch", "backward(x)"): ("aten.hardtanh_backward(g, x, -1, 1)",
                                       "A.hardtanh_backward(tg, tx, -1.0, 1.0)"),
        }),
    Row("hardsigmoid", "elementwise", "relu6(x + 3) / 6: 0 for x <= -3, 1 for x >= 3",
        derivative="1/6 on (-3, 3), 0 elsewhere (0 at the kinks -3 and 3)",
        backward_y="1/6 where 0 < y < 1",
        own_backward=False, cls="Hardsigmoid", torch="F.hardsigmoid(x)",
        bounds={"forward": 2, "derivative": 0, "backward": 1},
        bench={
            ("model", "forward"): _models(plain="hsg_plain", formula="hsg_fastact"),
            ("numpy", "forward"): (
                "np.clip(x + 3, 0, 6) / 6, ufuncs into o",
                "(np.add(x, 3, out=o), np.clip(o, 0, 6, out=o), np.divide(o, 6, out=o))[-1]"),
            ("torch", "forward"): ("F.hardsigmoid(x)", "F.hardsigmoid(tx)"),
            ("torch", "backward(x)"): ("aten.hardsigmoid_backward(g, x)",
                                       "A.hardsigmoid_backward(tg, tx)"),
        }),
    Row("hardswish", "elementwise", "x * relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3",
        derivative="0 for x <= -3, x/3 + 1/2 on (-3, 3), 1 for x >= 3",
        own_backward=False, cls="Hardswish", torch="F.hardswish(x)",
        wide=("forward", "derivative", "backward_x"),
        bounds={"forward": 2, "derivative": 1, "backward": 2}, passes=PASSES[:3],
        bench={
            ("model", "forward"): _models(plain="hsw_plain", formula="hsw_fastact"),
            ("model", "derivative"): _models(plain="hswd_plain", formula="hswd_fastact"),
            ("model", "backward(x)"): _models(plain="hswb_plain", formula="hswb_fastact"),
            ("numpy", "forward"): (
                "x * np.clip(x + 3, 0, 6) / 6, ufuncs into o",
                "(np.add(x, 3, out=o), np.clip(o, 0, 6, out=o), np.multiply(o, x, out=o),"
                " np.divide(o, 6, out=o))[-1]"),
            ("torch", "forward"): ("F.hardswish(x)", "F.hardswish(tx)"),
            ("torch", "backward(x)"): ("aten.hardswish_backward(g, x)",
                                       "A.hardswish_backward(tg, tx)"),
        }),
    Row("softshrink", "elementwise", "x - lambd for x > lambd, x + lambd for x < -lambd, else 0",
        derivative="1 outside [-lambd, lambd], 0 on it (0 at the kinks)",
        backward_y="1 where y != 0",
        params=(Param("lambd", 0.5, "the half-width of the band [-lambd, lambd] that maps to 0",
                      samples=(0.5, 0.0, 1.0, 2.5, 1e30)),),
        rules=(Rule("lambd", ">=", 0.0, "lambd: must be >= 0 (got %(lambd)r)"),),
        own_backward=False, cls="Softshrink", torch="F.softshrink(x, lambd)",
        bounds=EXACT_BOUNDS,
        bench={
            ("numpy", "forward"): (
                "np.copysign(np.maximum(np.abs(x) - lambd, 0), x), ufuncs into o",
                "(np.abs(x, out=o), np.subtract(o, lambd, out=o), np.maximum(o, 0, out=o),"
                " np.copysign(o, x, out=o))[-1]"),
            ("torch", "forward"): ("F.softshrink(x, 0.5)", "F.softshrink(tx, 0.5)"),
            ("torch", "backward(x)"): ("aten.softshrink_backward(g, x, 0.5)",
                                       "A.softshrink_backward(tg, tx, 0.5)"),
        }),
    Row("hardshrink", "elementwise", "x outside [-lambd, lambd], else 0",
        derivative="1 outside [-lambd, lambd], 0 on it (0 at the kinks)",
        backward_y="1 where |y| > lambd (y != 0)",
        params=(Param("lambd", 0.5, "the half-width of the band [-lambd, lambd] that maps to 0",
                      samples=(0.5, 0.0, 1.0, 2.5, 1e30)),),
        rules=(Rule("lambd", ">=", 0.0, "lambd: must be >= 0 (got %(lambd)r)"),),
        own_backward=False, cls="Hardshrink", torch="F.hardshrink(x, lambd)",
        bounds=EXACT_BOUNDS,
        bench={
            ("numpy", "forward"): (
                "x * (np.abs(x) > lambd), ufuncs into o",
                "(np.abs(x, out=o), np.multiply(x, np.greater(o, lambd), out=o))[-1]"),
            ("torch", "forward"): ("F.hardshrink(x, 0.5)", "F.hardshrink(tx, 0.5)"),
            ("torch", "backward(x)"): ("aten.hardshrink_backward(g, x, 0.5)",
                                       "A.hardshrink_backward(tg, tx, 0.5)"),
        }),
    Row("threshold", "elementwise", "x if x > threshold else value",
        derivative="1 where x > threshold, else 0 (0 at x = threshold)",
        backward_y="1 where y > threshold (value <= threshold)",
        params=(Param("threshold", None, "x passes where x > threshold",
                      samples=(0.0, 1.0, -2.5, 0.5, 1e30)),
                Param("value", None, "the result where x <= threshold",
                      samples=(0.0, -1.0, 20.0, -1e30))),
        rules=(Rule("value", "<=", "threshold",
                    "value: backward from y= needs value <= threshold (got value=%(value)r, "
                    "threshold=%(threshold)r): otherwise an output y = value does not tell "
                    "x <= threshold from x = value; pass x= instead", when="y"),),
        own_backward=False, cls="Threshold", torch="F.threshold(x, threshold, value)",
        bounds=EXACT_BOUNDS,
        bench={
            ("numpy", "forward"): (None, "np.where(x > threshold, x, value)"),
            ("torch", "forward"): ("F.threshold(x, 0, 0)", "F.threshold(tx, 0.0, 0.0)"),
            ("torch", "backward(x)"): ("aten.threshold_backward(g, x, 0)",
                                       "A.threshold_backward(tg, tx, 0.0)"),
            ("torch", "backward(y)"): ("aten.threshold_backward(g, y, 0)",
                                       "A.threshold_backward(tg, ty, 0.0)"),
        }),
    Row("rrelu", "elementwise",
        "evaluation mode: x if x >= 0 else slope * x, slope = (lower + upper) / 2",
        derivative="1 if x > 0 else slope (slope at x = 0)",
        params=(Param("lower", 0.125, "the lower bound of the slope for x < 0",
                      samples=(0.125, 0.0, 0.3, -0.5, 2.0 ** -30)),
                Param("upper", 1.0 / 3.0, "the upper bound of the slope for x < 0",
                      samples=(1.0 / 3.0, 0.125, 1.0, 1000.0))),
        rules=(Rule("lower", "<=", "upper", "lower: must be <= upper (got lower=%(lower)r, "
                    "upper=%(upper)r)"),),
        cls="RReLU", torch="F.rrelu(x, lower, upper, training=False)",
        bounds={"forward": 1, "derivative": 0, "backward": 1}, passes=PASSES[:3],
        bench={
            ("numpy", "forward"): (
                None, "np.maximum(x, np.multiply(x, (lower + upper) / 2, out=o), out=o)"),
            ("torch", "forward"): ("F.rrelu(x)", "F.rrelu(tx)"),
            ("torch", "backward(x)"): (
                "aten.leaky_relu_backward(g, x, (lower + upper) / 2, False)",
                "A.leaky_relu_backward(tg, tx, (1 / 8 + 1 / 3) / 2, False)"),
        }),
    Row("relu_squared", "elementwise", "relu(x)^2",
        derivative="2 relu(x) (0 at x = 0)",
        backward_y="relu_squared'(x) = 2 sqrt(y)",
        cls="ReLUSquared", torch="torch.square(F.relu(x))", wide=("backward_y",),
        bounds={"forward": 0, "derivative": 0, "backward": 1},
        bench={
            ("model", "backward(y)"): _models(formula="rsqby"),
            ("numpy", "forward"): ("np.square(np.maximum(x, 0)), ufuncs into o",
                                   "(np.maximum(x, 0, out=o), np.square(o, out=o))[-1]"),
            ("torch", "forward"): ("torch.square(F.relu(x))", "torch.square(F.relu(tx))"),
        }),
    Row("softsign", "elementwise", "x / (1 + |x|)",
        derivative="1 / (1 + |x|)^2",
        backward_y="softsign'(x) = (1 - |y|)^2",
        cls="Softsign", torch="F.softsign(x)", bounds=SMOOTH_BOUNDS, cost="arith",
        wide=("backward_y",),
        bench={
            ("model", "backward(y)"): _models(plain="ssby_plain", formula="ssby_fastact"),
            ("model", "forward"): ({"plain": "l_softsign32"}, {"plain": "l_softsign64"}),
            ("numpy", "forward"): (
                "x / (1 + np.abs(x)), ufuncs into o",
                "(np.abs(x, out=o), np.add(o, 1, out=o), np.divide(x, o, out=o))[-1]"),
            ("numexpr", "forward"): (None, "x / (1 + abs(x))"),
            ("torch", "forward"): ("F.softsign(x)", "F.softsign(tx)"),
            ("target", "forward"): (4.0, 4.0),
        }),
    Row("squareplus", "elementwise",
        "(x + sqrt(x^2 + b)) / 2, overflow-free, no cancellation for x < 0",
        derivative="(1 + x / sqrt(x^2 + b)) / 2, no cancellation for x < 0",
        params=(Param("b", 4.0, "the smoothness: squareplus(0) = sqrt(b) / 2",
                      samples=(4.0, 1.0, 0.25, 1e-6, 1e6, 1e30)),),
        rules=(Rule("b", ">", 0.0, "b: must be > 0 (got %(b)r)"),), prepare=True,
        cls="Squareplus", torch="none (jax.nn.squareplus(x, b))", bounds=SMOOTH_BOUNDS,
        passes=PASSES[:3], cost="arith",
        bench={
            ("numpy", "forward"): (
                "(x + np.sqrt(x * x + b)) / 2, ufuncs into o",
                "(np.multiply(x, x, out=o), np.add(o, b, out=o), np.sqrt(o, out=o),"
                " np.add(o, x, out=o), np.multiply(o, 0.5, out=o))[-1]", {"over": "ignore"}),
        }),
    Row("sparse_plus", "elementwise", "0 for x <= -1, (x + 1)^2 / 4 on (-1, 1), x for x >= 1",
        derivative="0 for x <= -1, (x + 1) / 2 on (-1, 1), 1 for x >= 1",
        cls="SparsePlus", torch="none (jax.nn.sparse_plus(x))",
        wide=("forward", "derivative", "backward_x"),
        bounds={"forward": 2, "derivative": 0, "backward": 2}, passes=PASSES[:3],
        bench={
            ("model", "forward"): _models(plain="spl_plain", formula="spl_fastact"),
            ("model", "backward(x)"): _models(formula="splb"),
            ("numpy", "forward"): (
                "np.where(x >= 1, x, np.clip(x + 1, 0, 2) ** 2 / 4)",
                "np.where(x >= 1, x, np.square(np.clip(x + 1, 0, 2)) * 0.25)"),
        }),
    Row("sparse_sigmoid", "elementwise", "0 for x <= -1, (x + 1) / 2 on (-1, 1), 1 for x >= 1",
        derivative="1/2 on (-1, 1), 0 elsewhere (0 at the kinks -1 and 1)",
        own_backward=False, cls="SparseSigmoid", torch="none (jax.nn.sparse_sigmoid(x))",
        bounds=EXACT_BOUNDS, passes=PASSES[:3],
        bench={
            ("model", "derivative"): _models(formula="band_half_d"),
            ("numpy", "forward"): (
                "np.clip(x + 1, 0, 2) / 2, ufuncs into o",
                "(np.add(x, 1, out=o), np.clip(o, 0, 2, out=o), np.multiply(o, 0.5, out=o))[-1]"),
        }),
    Row("leaky_relu", "elementwise", "x if x >= 0 else alpha * x",
        derivative="1 if x > 0 else alpha (alpha at x = 0)",
        backward_y="y has the sign of x (alpha >= 0)",
        params=(Param("alpha", 0.01, "the slope for x < 0",
                      samples=(0.01, 0.3, 1.0, 1000.0, 2.0 ** -30, -0.5)),),
        rules=(_alpha_y_rule(),),
        cls="LeakyReLU", gain=_leaky_relu_gain,
        torch="F.leaky_relu(x, negative_slope=alpha)",
        bounds={"forward": 1, "derivative": 0, "backward": 1},
        bench={
            ("numpy", "forward"): ("np.maximum(x, np.multiply(x, 0.01, out=o), out=o)",
                                   "np.maximum(x, np.multiply(x, alpha, out=o), out=o)"),
            ("numexpr", "forward"): (None, "where(x >= 0, x, alpha * x)"),
            ("torch", "forward"): ("F.leaky_relu(x, 0.01)", "F.leaky_relu(tx, 0.01)"),
            ("torch", "backward(x)"): ("aten.leaky_relu_backward(g, x, 0.01, False)",
                                       "A.leaky_relu_backward(tg, tx, 0.01, False)"),
            ("torch", "backward(y)"): ("aten.leaky_relu_backward(g, y, 0.01, True)",
                                       "A.leaky_relu_backward(tg, ty, 0.01, True)"),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
        }),
    Row("elu", "elementwise", "x if x > 0 else alpha * expm1(x)",
        derivative="1 if x > 0 else alpha * exp(x) (alpha at x = 0)",
        backward_y="elu'(x) = y + alpha for y <= 0 (alpha >= 0)",
        params=(Param("alpha", 1.0, "the saturation value for x -> -inf is -alpha",
                      samples=(0.01, 0.3, 1.0, 1000.0, 2.0 ** -30, -0.5)),),
        rules=(_alpha_y_rule(),),
        cost="exp", tail=("derivative", "backward_x"), prepare=True,
        cls="ELU", torch="F.elu(x, alpha=alpha)",
        bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_elu32"}, {"plain": "l_elu64"}),
            ("model", "backward(x)"): ({"plain": "l_elub32"}, {"plain": "l_elub64"}),
            ("numexpr", "forward"): (None, "where(x > 0, x, expm1(x))"),
            ("numexpr", "derivative"): (None, "where(x > 0, 1, exp(x))"),
            ("numexpr", "backward(y)"): (None, "where(y > 0, g, g * (y + 1))"),
            ("torch", "forward"): ("F.elu(x)", "F.elu(tx)"),
            ("torch", "backward(x)"): ("aten.elu_backward(g, 1, 1, 1, False, x)",
                                       "A.elu_backward(tg, 1.0, 1.0, 1.0, False, tx)"),
            ("torch", "backward(y)"): ("aten.elu_backward(g, 1, 1, 1, True, y)",
                                       "A.elu_backward(tg, 1.0, 1.0, 1.0, True, ty)"),
            ("torch_out", "forward"): ("aten.elu.out(x, 1, 1, 1, out=o)",
                                       "A.elu.out(tx, 1.0, 1, 1, out=to)"),
            ("torch_out", "backward(x)"): (
                "aten.elu_backward.grad_input(g, 1, 1, 1, False, x, grad_input=o)",
                "A.elu_backward.grad_input(tg, 1.0, 1, 1, False, tx, grad_input=to)"),
            ("target", "forward"): (5.0, 3.0),
            ("target", "backward(x)"): (2.5, 2.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("mpmath", "forward"): (None, "x if x > 0 else alpha * mp.expm1(x)"),
            ("mpmath", "derivative"): (None, "mp.mpf(1) if x > 0 else alpha * mp.exp(x)"),
        }),
    Row("selu", "elementwise",
        "scale * (x if x > 0 else alpha * expm1(x)), scale = 1.0507009873554805, "
        "alpha = 1.6732632423543772",
        derivative="scale if x > 0 else scale * alpha * exp(x)",
        backward_y="selu'(x) = y + scale * alpha for y <= 0 (0 at y = -scale * alpha, selu(-inf))",
        cost="exp", tail=("derivative", "backward_x"),
        cls="SELU", gain=0.75, torch="F.selu(x)", bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "backward(y)"): _models(plain="sby_plain", formula="sby_fastact"),
            ("model", "forward"): ({"plain": "l_elu32"}, {"plain": "l_elu64"}),
            ("model", "backward(x)"): ({"plain": "l_elub32"}, {"plain": "l_elub64"}),
            ("constants", None): _SELU,
            ("numexpr", "forward"): (None, "scale * where(x > 0, x, alpha * expm1(x))"),
            ("torch", "forward"): ("F.selu(x)", "F.selu(tx)"),
            ("torch", "backward(x)"): (
                "aten.elu_backward(g, alpha, scale, 1, False, x)",
                "A.elu_backward(tg, %s, %s, 1.0, False, tx)" % (_SELU_ALPHA, _SELU_SCALE)),
            ("torch", "backward(y)"): (
                "aten.elu_backward(g, alpha, scale, 1, True, y)",
                "A.elu_backward(tg, %s, %s, 1.0, True, ty)" % (_SELU_ALPHA, _SELU_SCALE)),
            ("torch_out", "forward"): (
                "aten.elu.out(x, alpha, scale, 1, out=o)",
                "A.elu.out(tx, %s, %s, 1, out=to)" % (_SELU_ALPHA, _SELU_SCALE)),
            ("torch_out", "backward(x)"): (
                "aten.elu_backward.grad_input(g, alpha, scale, 1, False, x, grad_input=o)",
                "A.elu_backward.grad_input(tg, %s, %s, 1, False, tx, grad_input=to)"
                % (_SELU_ALPHA, _SELU_SCALE)),
            ("target", "forward"): (5.0, 3.0),
            ("target", "backward(x)"): (2.5, 2.0),
            ("overhead", "derivative"): (None, "np.tanh(x, out=x)"),
            ("mpmath", "forward"): (None, "scale * (x if x > 0 else alpha * mp.expm1(x))"),
            ("mpmath", "derivative"): (None, "scale * (1 if x > 0 else alpha * mp.exp(x))"),
        }),
    Row("sigmoid", "elementwise", "1 / (1 + exp(-x)), overflow-free for every x",
        derivative="sigmoid(x) * sigmoid(-x), accurate for every x",
        backward_y="sigmoid'(x) = y * (1 - y)",
        cost="exp", tail=("forward", "derivative", "backward_x"),
        cls="Sigmoid", gain=1.0, torch="torch.sigmoid(x)",
        bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_sig32"},
                                   {"plain": "l_sigp64", "formula": "l_sig64"}),
            ("numpy", "forward"): (
                "1 / (1 + np.exp(-x)), ufuncs into o",
                "(np.negative(x, out=o), np.exp(o, out=o), np.add(o, 1, out=o),"
                " np.reciprocal(o, out=o))[-1]",
                {"over": "ignore"}),
            ("numpy", "backward(y)"): (
                "g * y * (1 - y), ufuncs into o",
                "(np.subtract(1, y, out=o), np.multiply(o, y, out=o), np.multiply(o, g, out=o))[-1]"),
            ("scipy", "forward"): ("scipy.special.expit(x, out=o)", "special.expit(x, out=o)"),
            ("numexpr", "forward"): (None, "1 / (1 + exp(-x))"),
            ("numexpr", "backward(y)"): (None, "g * y * (1 - y)"),
            ("torch", "forward"): ("torch.sigmoid(x)", "torch.sigmoid(tx)"),
            ("torch", "backward(y)"): ("aten.sigmoid_backward(g, y)", "A.sigmoid_backward(tg, ty)"),
            ("torch_out", "forward"): ("torch.sigmoid(x, out=o)", "torch.sigmoid(tx, out=to)"),
            ("target", "forward"): (2.5, 2.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("overhead", "backward(y)"): (None, "np.multiply(g, x, out=x)"),
            ("mpmath", "forward"): (None, "1 / (1 + mp.exp(-x))"),
            ("mpmath", "derivative"): (None, "mp.exp(-x) / (1 + mp.exp(-x)) ** 2"),
        }),
    Row("tanh", "elementwise", "tanh(x)",
        derivative="1 - tanh(x)^2 = sech(x)^2, accurate for every x",
        backward_y="tanh'(x) = 1 - y^2",
        cost="exp", tail=("derivative", "backward_x"),
        cls="Tanh", gain=5.0 / 3.0, torch="torch.tanh(x)", bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_tanh_div32"},
                                   {"plain": "l_tanh64", "formula": "l_tanh_fastact64"}),
            ("numpy", "forward"): (None, "np.tanh(x, out=o)"),
            ("numpy", "derivative"): (
                "1 - np.tanh(x)**2, ufuncs into o",
                "(np.tanh(x, out=o), np.square(o, out=o), np.subtract(1, o, out=o))[-1]"),
            ("numpy", "backward(x)"): (
                "g * (1 - np.tanh(x)**2), ufuncs into o",
                "(np.tanh(x, out=o), np.square(o, out=o), np.subtract(1, o, out=o),"
                " np.multiply(o, g, out=o))[-1]"),
            ("numpy", "backward(y)"): (
                "g * (1 - y * y), ufuncs into o",
                "(np.square(y, out=o), np.subtract(1, o, out=o), np.multiply(o, g, out=o))[-1]"),
            ("numexpr", "forward"): (None, "tanh(x)"),
            ("numexpr", "derivative"): (None, "1 - tanh(x)**2"),
            ("numexpr", "backward(y)"): (None, "g * (1 - y * y)"),
            ("torch", "forward"): ("torch.tanh(x)", "torch.tanh(tx)"),
            ("torch", "backward(y)"): ("aten.tanh_backward(g, y)", "A.tanh_backward(tg, ty)"),
            ("torch_out", "forward"): ("torch.tanh(x, out=o)", "torch.tanh(tx, out=to)"),
            ("target", "forward"): (5.0, 3.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("overhead", "backward(x)"): (None, "np.multiply(g, x, out=x)"),
            ("mpmath", "forward"): (None, "mp.tanh(x)"),
            ("mpmath", "derivative"): (None, "mp.sech(x) ** 2"),
        }),
    Row("gelu", "elementwise",
        "x * Phi(x), Phi the standard normal CDF; approximate='tanh': "
        "x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))",
        derivative="Phi(x) + x * phi(x); the tanh form by the chain rule",
        params=(Param("approximate", "none", "'none': the exact x Phi(x); 'tanh': PyTorch's "
                      "tanh approximation", choices=("none", "tanh")),),
        passes=("forward", "derivative", "backward_x"),
        cost="exp", tail=("forward", "derivative", "backward_x"),
        cls="GELU", torch="F.gelu(x, approximate=approximate)", bounds=SMOOTH_BOUNDS, gain=None,
        bench={
            ("model", "forward", "none"): (
                {"plain": "l_gelu_floor32", "formula": "l_gelu_f32"},
                {"plain": "l_gelu64", "formula": "l_gelu_fastact64"}),
            ("model", "backward(x)", "none"): (
                {"plain": "l_gelu_floor32"},
                {"plain": "l_gelud64", "formula": "l_gelud_fastact64"}),
            ("model", "forward", "tanh"): ({"plain": "l_gt32"}, {"plain": "l_gt64"}),
            ("model", "backward(x)", "tanh"): (
                {"plain": "l_gtd32", "formula": "l_gtdc32"}, {"plain": "l_gtd64"}),
            # (NumPy has no erf: the reference formula is NumPy's competitor)
            ("torch", "forward"): ("F.gelu(x, approximate=approximate)",
                                   "F.gelu(tx, approximate=approximate)"),
            ("torch", "backward(x)"): ("aten.gelu_backward(g, x, approximate=approximate)",
                                       "A.gelu_backward(tg, tx, approximate=approximate)"),
            ("torch_out", "forward"): ("aten.gelu.out(x, approximate=approximate, out=o)",
                                       "A.gelu.out(tx, approximate=approximate, out=to)"),
            ("torch_out", "backward(x)"): (
                "aten.gelu_backward.grad_input(g, x, approximate=approximate, grad_input=o)",
                "A.gelu_backward.grad_input(tg, tx, approximate=approximate, grad_input=to)"),
            ("target", "forward"): (2.0, 3.0),
            ("target", "backward(x)"): (2.0, 3.0),
            ("target", "forward", "tanh"): (4.0, 4.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            # (mpmath's erfc overflows for |x| beyond about 1e17: the limits there)
            ("mpmath", "forward", "none"): (
                None, "x * mp.ncdf(x) if abs(x) < 1e4 else (x if x > 0 else mp.mpf(0))"),
            ("mpmath", "derivative", "none"): (
                None, "mp.ncdf(x) + x * mp.npdf(x) if abs(x) < 1e4 else mp.mpf(x > 0)"),
            # (the sigmoid form of (1 + tanh(u)) / 2 = 1 / (1 + exp(-2u)): 1 + tanh(u) cancels
            # even at 256 bits for u below -90)
            ("mpmath", "forward", "tanh"): (
                None, "(lambda u: x / (1 + mp.exp(-2 * u)))"
                      "(mp.sqrt(2 / mp.pi) * (x + mp.mpf('0.044715') * x**3))"),
            ("mpmath", "derivative", "tanh"): (
                None, "(lambda s, e: s + x * mp.sqrt(2 / mp.pi)"
                      " * (1 + 3 * mp.mpf('0.044715') * x**2) * 2 * s * e * s)"
                      "(*(lambda u: (1 / (1 + mp.exp(-2 * u)), mp.exp(-2 * u)))"
                      "(mp.sqrt(2 / mp.pi) * (x + mp.mpf('0.044715') * x**3)))"),
        }),
    Row("silu", "elementwise", "x * sigmoid(x), overflow-free for every x",
        derivative="sigmoid(x) * (1 + x * sigmoid(-x)), accurate up to its zero at x = -1.2785",
        passes=("forward", "derivative", "backward_x"),
        cost="exp", tail=("forward", "derivative", "backward_x"), aliases=("swish",),
        cls="SiLU", torch="F.silu(x)", bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_silu_plain32", "formula": "l_silu_fastact32"},
                                   {"plain": "l_silu_plain64"}),
            ("model", "backward(x)"): ({"plain": "l_silub_plain32", "formula": "l_silub_fastact32"},
                                       {"plain": "l_silub_plain64"}),
            ("numpy", "forward"): (
                "x / (1 + np.exp(-x)), ufuncs into o",
                "(np.negative(x, out=o), np.exp(o, out=o), np.add(o, 1, out=o),"
                " np.divide(x, o, out=o))[-1]",
                {"over": "ignore"}),
            ("numexpr", "forward"): (None, "x / (1 + exp(-x))"),
            ("torch", "forward"): ("F.silu(x)", "F.silu(tx)"),
            ("torch", "backward(x)"): ("aten.silu_backward(g, x)", "A.silu_backward(tg, tx)"),
            ("torch_out", "forward"): ("aten.silu.out(x, out=o)", "A.silu.out(tx, out=to)"),
            ("torch_out", "backward(x)"): (
                "aten.silu_backward.grad_input(g, x, grad_input=o)",
                "A.silu_backward.grad_input(tg, tx, grad_input=to)"),
            ("target", "forward"): (2.0, 3.0),
            ("target", "backward(x)"): (2.0, 3.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("mpmath", "forward"): (None, "x / (1 + mp.exp(-x))"),
            ("mpmath", "derivative"): (
                None, "(1 + mp.exp(-x) * (1 + x)) / (1 + mp.exp(-x)) ** 2"),
        }),
    Row("softplus", "elementwise",
        "x where beta * x > threshold, else log1p(exp(beta * x)) / beta",
        derivative="1 where beta * x > threshold, else sigmoid(beta * x)",
        params=(Param("beta", 1.0, "the sharpness: softplus(beta x) / beta",
                      samples=(1.0, 0.5, 0.3, 2.0, 10.0, -1.0)),
                Param("threshold", 20.0, "above it (beta * x > threshold) the result is x",
                      samples=(20.0, 5.0, -3.0))),
        rules=(Rule("beta", "!=", 0.0, "beta: must not be 0 (got %(beta)r)"),),
        passes=("forward", "derivative", "backward_x"),
        cost="exp", tail=("forward", "derivative", "backward_x"), prepare=True,
        cls="Softplus", torch="F.softplus(x, beta=beta, threshold=threshold)",
        bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_sp32"}, {"plain": "l_sp64"}),
            ("model", "backward(x)"): ({"plain": "l_spb_plain32", "formula": "l_spb_fastact32"},
                                       {"plain": "l_spb_plain64"}),
            ("numpy", "forward"): (
                "np.logaddexp(0, x) (threshold ignored)", "np.logaddexp(0, x, out=o)"),
            ("torch", "forward"): ("F.softplus(x)", "F.softplus(tx)"),
            ("torch", "backward(x)"): ("aten.softplus_backward(g, x, 1, 20)",
                                       "A.softplus_backward(tg, tx, 1.0, 20.0)"),
            ("torch_out", "forward"): ("aten.softplus.out(x, 1, 20, out=o)",
                                       "A.softplus.out(tx, 1.0, 20.0, out=to)"),
            ("torch_out", "backward(x)"): (
                "aten.softplus_backward.grad_input(g, x, 1, 20, grad_input=o)",
                "A.softplus_backward.grad_input(tg, tx, 1.0, 20.0, grad_input=to)"),
            ("target", "forward"): (4.0, 4.0),
            ("target", "backward(x)"): (2.0, 3.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("mpmath", "forward"): (
                None, "x if beta * x > threshold else mp.log1p(mp.exp(beta * x)) / beta"),
            ("mpmath", "derivative"): (
                None, "mp.mpf(1) if beta * x > threshold else 1 / (1 + mp.exp(-beta * x))"),
        }),
    Row("logsigmoid", "elementwise", "log(sigmoid(x)) = -softplus(-x), overflow-free",
        derivative="sigmoid(-x)",
        passes=("forward", "derivative", "backward_x"),
        cost="exp", tail=("forward", "derivative", "backward_x"), aliases=("log_sigmoid",),
        cls="LogSigmoid", torch="F.logsigmoid(x)", bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_sp32"}, {"plain": "l_sp64"}),
            ("numpy", "forward"): (
                "-np.logaddexp(0, -x), ufuncs into o",
                "(np.negative(x, out=o), np.logaddexp(0, o, out=o), np.negative(o, out=o))[-1]"),
            ("torch", "forward"): ("F.logsigmoid(x)", "F.logsigmoid(tx)"),
            ("target", "forward"): (4.0, 4.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("mpmath", "forward"): (None, "-mp.log1p(mp.exp(-x))"),
            ("mpmath", "derivative"): (None, "1 / (1 + mp.exp(x))"),
        }),
    Row("mish", "elementwise", "x * tanh(softplus(x)), overflow-free; mish(-inf) = -0",
        derivative="tanh(softplus(x)) + x * sigmoid(x) * (1 - tanh(softplus(x))^2), accurate "
                   "up to its zero at x = -1.1924",
        passes=("forward", "derivative", "backward_x"),
        cost="exp", tail=("forward", "derivative", "backward_x"),
        cls="Mish", torch="F.mish(x)", bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_mish32", "formula": "l_mish_fastact32"},
                                   {"plain": "l_mish64", "formula": "l_mish_fastact64"}),
            ("model", "backward(x)"): ({"plain": "l_mishd32"},
                                       {"plain": "l_mishd64", "formula": "l_mishd_fastact64"}),
            ("numpy", "forward"): (
                "x * np.tanh(np.logaddexp(0, x)), ufuncs into o",
                "(np.logaddexp(0, x, out=o), np.tanh(o, out=o), np.multiply(o, x, out=o))[-1]"),
            ("numexpr", "forward"): (None, "x * tanh(log1p(exp(x)))"),
            ("torch", "forward"): ("F.mish(x)", "F.mish(tx)"),
            ("torch", "backward(x)"): ("aten.mish_backward(g, x)", "A.mish_backward(tg, tx)"),
            ("torch_out", "forward"): ("aten.mish.out(x, out=o)", "A.mish.out(tx, out=to)"),
            ("target", "forward"): (4.0, 4.0),
            ("target", "backward(x)"): (2.0, 3.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("mpmath", "forward"): (None, "x * mp.tanh(mp.log1p(mp.exp(x)))"),
            ("mpmath", "derivative"): (
                None, "mp.tanh(mp.log1p(mp.exp(x))) + x / (1 + mp.exp(-x))"
                      " * mp.sech(mp.log1p(mp.exp(x))) ** 2"),
        }),
    Row("celu", "elementwise", "x if x > 0 else alpha * expm1(x / alpha)",
        derivative="1 if x > 0 else exp(x / alpha) (1 at x = 0)",
        backward_y="celu'(x) = 1 + y / alpha for y <= 0 (alpha > 0)",
        params=(Param("alpha", 1.0, "the saturation value for x -> -inf is -alpha (alpha > 0)",
                      samples=(1.0, 0.3, 0.01, 2.5, 1000.0, 2.0 ** -30, -0.5)),),
        rules=(Rule("alpha", "!=", 0.0, "alpha: must not be 0 (got %(alpha)r)"),
               _alpha_y_rule()),
        cost="exp", tail=("forward", "derivative", "backward_x"), prepare=True,
        same_as=("elu", {"alpha": 1.0}),
        cls="CELU", torch="F.celu(x, alpha=alpha)", bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_elu32"}, {"plain": "l_elu64"}),
            ("model", "backward(x)"): ({"plain": "l_elub32"}, {"plain": "l_elub64"}),
            ("numexpr", "forward"): (None, "where(x > 0, x, alpha * expm1(x / alpha))"),
            ("torch", "forward"): ("F.celu(x)", "F.celu(tx)"),
            ("torch", "backward(x)"): ("aten.elu_backward(g, 1, 1, 1, False, x)",
                                       "A.elu_backward(tg, 1.0, 1.0, 1.0, False, tx)"),
            ("torch", "backward(y)"): ("aten.elu_backward(g, 1, 1, 1, True, y)",
                                       "A.elu_backward(tg, 1.0, 1.0, 1.0, True, ty)"),
            ("target", "forward"): (4.0, 4.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            ("mpmath", "forward"): (None, "x if x > 0 else alpha * mp.expm1(x / alpha)"),
            ("mpmath", "derivative"): (None, "mp.mpf(1) if x > 0 else mp.exp(x / alpha)"),
        }),
    Row("tanhshrink", "elementwise", "x - tanh(x), accurate near 0 (x^3/3 there)",
        derivative="tanh(x)^2",
        passes=("forward", "derivative", "backward_x"),
        cost="exp", cls="Tanhshrink", torch="F.tanhshrink(x)", bounds=SMOOTH_BOUNDS,
        bench={
            ("model", "forward"): ({"plain": "l_tsh32", "formula": "l_tsh_fastact32"},
                                   {"plain": "l_tsh64"}),
            ("numpy", "forward"): ("x - np.tanh(x), ufuncs into o",
                                   "(np.tanh(x, out=o), np.subtract(x, o, out=o))[-1]"),
            ("numexpr", "forward"): (None, "x - tanh(x)"),
            ("torch", "forward"): ("F.tanhshrink(x)", "F.tanhshrink(tx)"),
            ("torch", "backward(x)"): ("g * torch.tanh(x) ** 2",
                                       "tg * torch.tanh(tx).square()"),
            ("target", "forward"): (4.0, 4.0),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
            # (x - tanh(x) cancels to x^3/3: 2600 bits keep every digit down to 2^-1074)
            ("mpmath", "forward"): (None, "mp.workprec(2600)(lambda: x - mp.tanh(x))()"),
            ("mpmath", "derivative"): (None, "mp.tanh(x) ** 2"),
        }),
    Row("prelu", "per_channel", "x if x >= 0 else weight[c] * x, c the index along `axis`",
        derivative="1 if x > 0 else weight[c]",
        cls="PReLU", torch="F.prelu(x, weight)",
        bounds={"forward": 1, "derivative": 0, "backward": 1},
        bench={
            ("model", "forward"): _models(formula="pcf"),
            ("model", "derivative"): _models(formula="pcd"),
            ("torch", "forward"): ("F.prelu(x, w)", "F.prelu(tx, tw)"),
            ("torch", "backward(x)"): (
                "aten._prelu_kernel_backward(g, x, w) + sum for grad_w",
                "((r := A._prelu_kernel_backward(tg, tx, tw_col))[0], r[1].sum((0, 2)))"),
            ("overhead", "forward"): (None, "np.tanh(x, out=x)"),
        }),
    Row("softmax", "axis", "exp(x - max) / sum(exp(x - max)) along `axis`",
        derivative="vector-Jacobian product y * (grad - sum(grad * y))",
        cls="Softmax", torch="F.softmax(x, dim=axis)", cost="exp",
        bench={
            ("model", "forward"): ({"formula": "softmax_rows"},
                                   {"plain": "softmax_rows64", "formula": "softmax_fastact_rows64"}),
            ("numpy", "forward"): (
                "e = np.exp(x - x.max(axis)); e / e.sum(axis), into o",
                "(np.subtract(x, x.max(axis=axis, keepdims=True), out=o), np.exp(o, out=o),"
                " np.divide(o, o.sum(axis=axis, keepdims=True), out=o))[-1]"),
            ("numpy", "backward(y)"): (
                "y * (g - (g * y).sum(axis)), into o",
                "(np.multiply(g, y, out=o), np.subtract(g, o.sum(axis=axis, keepdims=True), out=o),"
                " np.multiply(o, y, out=o))[-1]"),
            ("scipy", "forward"): ("scipy.special.softmax(x, axis={axis})",
                                   "special.softmax(x, axis=axis)"),
            ("torch", "forward"): ("F.softmax(x, dim={axis})", "F.softmax(tx, dim=axis)"),
            ("torch", "backward(y)"): ("aten._softmax_backward_data(g, y, {axis})",
                                       "A._softmax_backward_data(tg, ty, axis, tdtype)"),
            ("torch_out", "forward"): ("aten._softmax.out(x, {axis}, False, out=o)",
                                       "A._softmax.out(tx, axis, False, out=to)"),
            ("target", "forward"): (2.0, 2.0),
            ("overhead", "forward"): (None, "np.exp(x, out=x)"),
            ("overhead", "backward(y)"): (None, "np.multiply(g, x, out=x)"),
        }),
    Row("softmin", "axis", "softmax(-x) = exp(min - x) / sum(exp(min - x)) along `axis`",
        derivative="vector-Jacobian product y * (sum(grad * y) - grad)",
        cls="Softmin", torch="F.softmin(x, dim=axis)", cost="exp", negate=True,
        bench={
            # (softmax's kernels with x negated as it is read: softmax's models)
            ("model", "forward"): ({"formula": "softmax_rows"},
                                   {"plain": "softmax_rows64", "formula": "softmax_fastact_rows64"}),
            ("numpy", "forward"): (
                "e = np.exp(x.min(axis) - x); e / e.sum(axis), into o",
                "(np.subtract(x.min(axis=axis, keepdims=True), x, out=o), np.exp(o, out=o),"
                " np.divide(o, o.sum(axis=axis, keepdims=True), out=o))[-1]"),
            ("numpy", "backward(y)"): (
                "y * ((g * y).sum(axis) - g), into o",
                "(np.multiply(g, y, out=o), np.subtract(o.sum(axis=axis, keepdims=True), g, out=o),"
                " np.multiply(o, y, out=o))[-1]"),
            ("torch", "forward"): ("F.softmin(x, dim={axis})", "F.softmin(tx, dim=axis)"),
            ("torch", "backward(y)"): ("-aten._softmax_backward_data(g, y, {axis})",
                                       "torch.neg(A._softmax_backward_data(tg, ty, axis, tdtype))"),
            ("target", "forward"): (1.5, 1.5),
        }),
    Row("sparsemax", "axis",
        "max(x - tau, 0) along `axis`, tau such that the slice sums to 1: the Euclidean "
        "projection onto the simplex (Martins and Astudillo, 2016)",
        derivative="vector-Jacobian product grad - mean(grad over y > 0) where y > 0, else 0",
        cls="Sparsemax", torch="none (not in torch.nn.functional)", cost="exp", simplex=True,
        bench={},  # (the reference is the NumPy formula; PyTorch has no sparsemax)
    ),
    Row("log_softmax", "axis", "x - max - log(sum(exp(x - max))) along `axis`",
        derivative="vector-Jacobian product grad - exp(y) * sum(grad)",
        cls="LogSoftmax", torch="F.log_softmax(x, dim=axis)", cost="exp", log_domain=True,
        bench={
            ("numpy", "forward"): (
                "s = x - x.max(axis); s - np.log(np.exp(s).sum(axis)), into o",
                "(np.subtract(x, x.max(axis=axis, keepdims=True), out=o),"
                " np.subtract(o, np.log(np.exp(o).sum(axis=axis, keepdims=True)), out=o))[-1]"),
            ("numpy", "backward(y)"): (
                "g - np.exp(y) * g.sum(axis), into o",
                "(np.exp(y, out=o), np.multiply(o, g.sum(axis=axis, keepdims=True), out=o),"
                " np.subtract(g, o, out=o))[-1]"),
            ("scipy", "forward"): ("scipy.special.log_softmax(x, axis={axis})",
                                   "special.log_softmax(x, axis=axis)"),
            ("torch", "forward"): ("F.log_softmax(x, dim={axis})", "F.log_softmax(tx, dim=axis)"),
            ("torch", "backward(y)"): ("aten._log_softmax_backward_data(g, y, {axis})",
                                       "A._log_softmax_backward_data(tg, ty, axis, tdtype)"),
            ("torch_out", "forward"): ("aten._log_softmax.out(x, {axis}, False, out=o)",
                                       "A._log_softmax.out(tx, axis, False, out=to)"),
            ("model", "forward"): (
                {"plain": "log_softmax_rows32", "formula": "log_softmax_fastact_rows32"},
                {"plain": "log_softmax_rows64", "formula": "log_softmax_fastact_rows64"}),
            ("target", "forward"): (2.0, 2.0),
            ("overhead", "forward"): (None, "np.exp(x, out=x)"),
            ("overhead", "backward(y)"): (None, "np.multiply(g, x, out=x)"),
        }),
)

ROWS = ROWS + (
    Row("gated", "gate",
        "value * act(gate) in one pass (act: `activation`, a parameter-free elementwise "
        "function; the bits of value * act(gate))",
        derivative="(grad * act(gate), grad * value * act'(gate)), one pass",
        cls="Gated", torch="value * F.silu(gate)", cost="exp", activation="silu",
        bench={  # (value = g, gate = x: _bench's gate cases; targets: bench/targets.py)
            ("torch", "forward"): ("g * F.silu(x)", "tg * F.silu(tx)"),
            ("model", "forward"): ({"plain": "l_gated_plain32", "formula": "l_gated_fastact32"},
                                   {"plain": "l_gated_plain64"}),
            ("torch", "backward(x)"): ("(g * F.silu(x), aten.silu_backward(g * g, x))",
                                       "(tg * F.silu(tx), A.silu_backward(tg * tg, tx))"),
        }),
    Row("glu", "gate",
        "a * act(b), a and b the first and second halves of x along `axis` (odd length: "
        "ValueError)",
        derivative="[grad * act(b), grad * a * act'(b)] along `axis`",
        cls="GLU", torch="F.glu(x, dim=axis)", cost="exp", activation="sigmoid", halves=True,
        bench={
            ("torch", "forward"): ("F.glu(x, dim={axis})", "F.glu(tx, dim=axis)"),
            ("model", "forward"): ({"plain": "l_glu_plain32"},
                                   {"plain": "l_glu_plain64", "formula": "l_glu_fastact64"}),
            ("torch", "backward(x)"): ("aten.glu_backward(g, x, {axis})",
                                       "A.glu_backward(tg, tx, axis)"),
        }),
)

BY_NAME = {r.name: r for r in ROWS}
ALIASES = {a: r.name for r in ROWS for a in r.aliases}


def kernel_rows():
    """The elementwise rows as the templates compile them: a row without a choice parameter as
    it is; a row with one as one copy per choice, in the order of its choices, named
    Row.kernel_name(choice) (the row's name for the default: gelu, gelu_tanh), without the
    choice parameter (its kernel takes only the real ones) and with ``variant_of`` (the row)
    and ``choice`` (the value) set. The kernel tables are indexed in this order."""
    return tuple(k for r in ROWS if r.kind == "elementwise" for k in r.kernels())


KERNEL_ROWS = {k.name: k for k in kernel_rows()}

# Presets: every kernel of a non-default choice is also a name get() (and fastact.torch's get)
# accepts, with the choice bound (get('gelu_tanh') is GELU(approximate='tanh')), and the name of
# that kernel as a gate activation: {name: (row name, {choice parameter: value})}.
PRESETS = {k.name: (k.variant_of.name, {k.variant_of.choice_param.name: k.choice})
           for k in kernel_rows() if k.variant_of is not None and k.name != k.variant_of.name}
assert not set(PRESETS) & (set(BY_NAME) | set(ALIASES)), "a preset shadows a row or alias"


def kernel_row(name):
    """The kernel row of a kernel name (a row's own name, or <row>_<choice>)."""
    return KERNEL_ROWS[name]


def kernel_call(name):
    """(public row name, {choice parameter: value}): how a kernel is called through the public
    functions (the parameters empty for a row without a choice parameter)."""
    k = KERNEL_ROWS[name]
    if k.variant_of is None:
        return k.name, {}
    return k.variant_of.name, {k.variant_of.choice_param.name: k.choice}


def resolve_preset(name):
    """(row name, preset parameters) for a name, alias or preset (case and surrounding spaces
    ignored), or (None, None)."""
    key = name.strip().lower()
    if key in PRESETS:
        row_name, params = PRESETS[key]
        return row_name, dict(params)
    key = resolve(key)
    return (key, {}) if key is not None else (None, None)


def resolve(name):
    """The row name for a name or alias (case and surrounding spaces ignored), or None."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    return key if key in BY_NAME else None


def row(name):
    return BY_NAME[ALIASES.get(name, name)]


def rows(kind=None):
    return tuple(r for r in ROWS if kind is None or r.kind == kind)


def gate_activations():
    """The activations the gate rows take: every parameter-free kernel row (kernel_rows():
    the parameter-free elementwise rows, and each choice of a row whose only parameter is a
    choice, by its kernel name, e.g. gelu and gelu_tanh)."""
    return tuple(k.name for k in kernel_rows() if not k.params)


def _md(text):
    return (text or "").replace("|", "\\|")


def api_table():
    """README's API table (markdown), one line per function."""
    lines = ["| function | parameters | forward | derivative | backward from `y=` | PyTorch |",
             "|---|---|---|---|---|---|"]
    for r in ROWS:
        params = ", ".join("`%s=%r`" % (p.name, p.default) if not p.required else "`%s`" % p.name
                           for p in r.params)
        if r.choice_param is not None:
            params += " (%s)" % " \\| ".join("`%r`" % c for c in r.choice_param.choices)
        name = "`%s`" % r.name + (" (alias %s)" % ", ".join("`%s`" % a for a in r.aliases)
                                  if r.aliases else "")
        if r.kind == "per_channel":
            params = "`weight`, `axis=1`"
        elif r.kind == "axis":
            params = "`axis=-1`"
        elif r.kind == "gate":
            params = ("`axis=-1`, " if r.halves else "") + "`activation=%r`" % r.activation
        y = _md(r.backward_y) if r.takes_y else ("always (`y=` keyword-only)"
                                                 if r.kind == "axis" else "")
        lines.append("| %s | %s | %s | %s | %s | `%s` |" % (
            name, params, _md(r.summary), _md(r.derivative), y, r.torch))
    return "\n".join(lines)


def _ulp(n):
    return "exact" if n == 0 else "≤ %g ULP" % n


def bounds_table():
    """README's accuracy table: the bounds the tests enforce, per function."""
    lines = ["| function | forward | derivative | backward |", "|---|---|---|---|"]
    for r in ROWS:
        if r.kind == "axis" and r.simplex:
            lines.append("| `%s` | `2·eps·max(1, max\\|x\\|)` absolute | | `2·eps·max(1, max\\|grad\\|)`"
                         " absolute (`tests/test_sparsemax.py`) |" % r.name)
            continue
        if r.kind == "axis":
            lines.append("| `%s` | 4 ULP plus the sum's `min(n, 64)·eps` | | as stated in "
                         "`tests/test_softmax.py` |" % r.name)
            continue
        if r.kind == "gate":
            lines.append("| `%s` | the activation's bound plus one rounding | | the "
                         "activation's bounds plus two roundings (`tests/test_gates.py`) |"
                         % r.name)
            continue
        b = r.bounds
        lines.append("| `%s` | %s | %s | %s |" % (
            r.name, _ulp(b["forward"]), _ulp(b["derivative"]),
            _ulp(b["backward"])))
    return "\n".join(lines)


BLOCKS = {"api-table": api_table, "bounds-table": bounds_table}


def render_readme(text):
    """text with every generated block (<!-- NAME:start --> ... <!-- NAME:end -->) it has
    rewritten (README.md: the API table; docs/accuracy.md: the bounds table)."""
    for name, make in BLOCKS.items():
        start, end = "<!-- %s:start -->" % name, "<!-- %s:end -->" % name
        if start not in text:
            continue
        i, j = text.index(start) + len(start), text.index(end)
        text = text[:i] + "\n" + make() + "\n" + text[j:]
    return text


def stubs():
    """fastact/__init__.pyi: the type stubs of the public API, from the rows (setup.py writes
    them into the package; tests/test_types.py runs mypy --strict on a usage file)."""
    arr, opt = "NDArray[Any]", "Optional[NDArray[Any]]"
    lines = [
        '"""Type stubs of fastact, generated from fastact/_catalogue.py. Do not edit."""',
        "import os",
        "from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union",
        "",
        "from numpy.typing import ArrayLike, NDArray",
        "",
        "from . import init as init, loss as loss, reference as reference",
        "from .loss import sigmoid_binary_cross_entropy as sigmoid_binary_cross_entropy",
        "from .loss import softmax_cross_entropy as softmax_cross_entropy",
        "",
        "__version__: str",
        "",
        "def config() -> Dict[str, Any]: ...",
        "def show_config() -> None: ...",
        "def set_num_threads(n: int) -> None: ...",
        "def get_num_threads() -> int: ...",
        "def available() -> List[str]: ...",
        "def get(name: Union[str, Activation], **params: Any) -> Activation: ...",
        "def plot(names: Union[None, str, Sequence[str]] = ..., *, derivative: bool = ...,",
        "         range: Tuple[float, float] = ..., params: Optional[Dict[str, Dict[str, Any]]]"
        " = ...,",
        "         saturation: float = ..., points: int = ..., columns: Optional[int] = ...,",
        "         out: Union[None, str, 'os.PathLike[str]'] = ..., dpi: int = ...) -> Any: ...",
        "",
        "class Activation:",
        "    name: str",
        "    params: Dict[str, Any]",
        "    def __call__(self, x: ArrayLike, *, out: %s = ...) -> %s: ..." % (opt, arr),
        "    def forward(self, x: ArrayLike, *, out: %s = ...) -> %s: ..." % (opt, arr),
        "",
    ]

    def ptype(p):
        if p.is_choice:
            return "Literal[%s]" % ", ".join(repr(c) for c in p.choices)
        return "float"

    def kw(r):
        return "".join("%s: %s%s, " % (p.name, ptype(p), "" if p.required else " = ...")
                       for p in r.params)

    for r in ROWS:
        names = (r.name,) + r.aliases
        for n in names:
            if r.kind == "elementwise":
                ys = "y: Optional[ArrayLike] = ..., " if r.takes_y else ""
                xs = "x: Optional[ArrayLike] = ..." if r.takes_y else "x: ArrayLike"
                lines += [
                    "def %s(x: ArrayLike, *, %sout: %s = ...) -> %s: ..." % (n, kw(r), opt, arr),
                    "def %s_derivative(x: ArrayLike, *, %sout: %s = ...) -> %s: ..."
                    % (n, kw(r), opt, arr),
                    "def %s_backward(grad: ArrayLike, %s, *, %s%sout: %s = ...) -> %s: ..."
                    % (n, xs, ys, kw(r), opt, arr),
                ]
            elif r.kind == "per_channel":
                w = "weight: ArrayLike, *, axis: int = ..., out: %s = ..." % opt
                lines += [
                    "def %s(x: ArrayLike, %s) -> %s: ..." % (n, w, arr),
                    "def %s_derivative(x: ArrayLike, %s) -> %s: ..." % (n, w, arr),
                    "def %s_backward(grad: ArrayLike, x: ArrayLike, %s) -> Tuple[%s, %s]: ..."
                    % (n, w, arr, arr),
                ]
            elif r.kind == "gate":
                ax = "axis: int = ..., " if r.halves else ""
                first = "x: ArrayLike" if r.halves else "value: ArrayLike, gate: ArrayLike"
                bout = opt if r.halves else "Optional[Tuple[NDArray[Any], NDArray[Any]]]"
                bres = arr if r.halves else "Tuple[%s, %s]" % (arr, arr)
                lines += [
                    "def %s(%s, *, %sactivation: str = ..., out: %s = ...) -> %s: ..."
                    % (n, first, ax, opt, arr),
                    "def %s_backward(grad: ArrayLike, %s, *, %sactivation: str = ..., "
                    "out: %s = ...) -> %s: ..." % (n, first, ax, bout, bres),
                ]
            else:
                lines += [
                    "def %s(x: ArrayLike, *, axis: int = ..., out: %s = ...) -> %s: ..."
                    % (n, opt, arr),
                    "def %s_backward(grad: ArrayLike, *, y: ArrayLike, axis: int = ..., "
                    "out: %s = ...) -> %s: ..." % (n, opt, arr),
                ]
        lines.append("")
        if r.kind == "elementwise":
            init = ", ".join("%s: %s%s" % (p.name, ptype(p), "" if p.required else " = ...")
                             for p in r.params)
            lines += [
                "class %s(Activation):" % r.cls,
                "    def __init__(self%s) -> None: ..." % ((", " + init) if init else ""),
                "    def derivative(self, x: ArrayLike, *, out: %s = ...) -> %s: ..." % (opt, arr),
                "    def backward(self, grad: ArrayLike, x: Optional[ArrayLike] = ..., *, "
                "y: Optional[ArrayLike] = ..., out: %s = ...) -> %s: ..." % (opt, arr),
            ]
        elif r.kind == "per_channel":
            lines += [
                "class %s(Activation):" % r.cls,
                "    weight: Any",
                "    def __init__(self, weight: ArrayLike = ..., axis: int = ...) -> None: ...",
                "    def derivative(self, x: ArrayLike, *, out: %s = ...) -> %s: ..." % (opt, arr),
                "    def backward(self, grad: ArrayLike, x: ArrayLike, *, out: %s = ...) "
                "-> Tuple[%s, %s]: ..." % (opt, arr, arr),
            ]
        elif r.kind == "gate":
            ax = "axis: int = ..., " if r.halves else ""
            first = "x: ArrayLike" if r.halves else "value: ArrayLike, gate: ArrayLike"
            bout = opt if r.halves else "Optional[Tuple[NDArray[Any], NDArray[Any]]]"
            bres = arr if r.halves else "Tuple[%s, %s]" % (arr, arr)
            ign = "" if r.halves else "  # type: ignore[override]"
            lines += [
                "class %s(Activation):" % r.cls,
                "    def __init__(self, %sactivation: str = ...) -> None: ..." % ax,
                "    def __call__(self, %s, *, out: %s = ...) -> %s: ...%s"
                % (first, opt, arr, ign),
                "    def forward(self, %s, *, out: %s = ...) -> %s: ...%s"
                % (first, opt, arr, ign),
                "    def backward(self, grad: ArrayLike, %s, *, out: %s = ...) -> %s: ..."
                % (first, bout, bres),
            ]
        else:
            lines += [
                "class %s(Activation):" % r.cls,
                "    def __init__(self, axis: int = ...) -> None: ...",
                "    def backward(self, grad: ArrayLike, y: ArrayLike, *, out: %s = ...) -> %s: ..."
                % (opt, arr),
            ]
        lines.append("")
    return "\n".join(lines)


def _write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return "up to date"
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return "updated"


if __name__ == "__main__":
    # python fastact/_catalogue.py [README.md]: regenerate README's API table, the bounds table
    # of docs/accuracy.md (next to README) and the type stubs
    import os
    import sys

    readme = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    for path in (readme, os.path.join(os.path.dirname(readme), "docs", "accuracy.md")):
        with open(path, encoding="utf-8") as f:
            print("%s: %s" % (path, _write_if_changed(path, render_readme(f.read()))))
    stub = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__init__.pyi")
    print("%s: %s" % (stub, _write_if_changed(stub, stubs() + "\n")))
