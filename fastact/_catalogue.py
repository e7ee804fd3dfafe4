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
* README's API table (``python -m fastact._catalogue``).

Adding a function: docs/adding-a-function.md.
"""

__all__ = ["Param", "Rule", "Row", "ROWS", "BY_NAME", "ALIASES", "row", "rows", "resolve",
           "PASSES", "api_table"]

# The passes of an elementwise function, in kernel-table order:
#   forward      f(x)
#   derivative   f'(x)
#   backward_x   grad * f'(x)            f_backward(grad, x)
#   backward_y   grad * f'(x) from y     f_backward(grad, y=y)
PASSES = ("forward", "derivative", "backward_x", "backward_y")

F32_MAX = 3.4028234663852886e38  # the largest finite float32


class Param:
    """A real parameter of a function: keyword-only, used in the data's dtype by the kernel.

    default: None for a required parameter. samples: values the tests and the fingerprint
    use (the default among them). Every parameter must be finite, and finite in float32 when
    the data are float32 (the kernel computes with it in the data's dtype); further
    constraints are Rules of the row.
    """

    def __init__(self, name, default, doc, samples=()):
        self.name = name
        self.default = default
        self.doc = doc
        self.samples = tuple(samples) or ((default,) if default is not None else ())

    @property
    def required(self):
        return self.default is None

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
    kind            'elementwise' | 'per_channel' (prelu) | 'axis' (softmax family)
    summary         one line: the formula as text
    derivative      one line: f'(x) as text, kinks included (elementwise)
    backward_y      how f'(x) follows from y (elementwise functions that take y=), or None
    params          (Param, ...), keyword-only, in signature order
    rules           (Rule, ...)
    cost            'memory' (a few operations per element: runs at memory speed) or 'exp'
                    (an exp per element: compute-bound); chooses the thread threshold
    memory_passes   passes that are memory-bound even in an 'exp' function (from y)
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
    torch_call      (F name, {our param: torch keyword or positional index}) for the oracle
                    tests and benchmarks, or None
    cls             the class name of the activation object
    aliases         other names get() and the module accept
    """

    def __init__(self, name, kind, summary, *, cls, torch, derivative=None, backward_y=None,
                 params=(), rules=(), cost="memory", memory_passes=("backward_y",), tail=(),
                 own_backward=True, prepare=False, bounds=None, torch_call=None, aliases=(),
                 passes=PASSES):
        self.name, self.kind, self.summary, self.cls, self.torch = name, kind, summary, cls, torch
        self.derivative, self.backward_y = derivative, backward_y
        self.params, self.rules = tuple(params), tuple(rules)
        self.cost, self.memory_passes, self.tail = cost, tuple(memory_passes), tuple(tail)
        self.own_backward, self.prepare = own_backward, prepare
        self.bounds = dict(bounds or {})
        self.torch_call = torch_call
        self.aliases = tuple(aliases)
        self.passes = tuple(passes) if kind == "elementwise" else ()
        assert cost in ("memory", "exp")
        assert set(self.tail) <= set(self.passes)

    def __repr__(self):
        return "Row(%r)" % self.name

    # --- derived flags (the templates and the tests read these) -----------------------------
    @property
    def param_names(self):
        return tuple(p.name for p in self.params)

    @property
    def takes_y(self):
        return "backward_y" in self.passes

    def y_rules(self):
        return tuple(r for r in self.rules if r.when == "y")

    def memory_bound(self, pass_):
        """Whether a pass runs at memory speed (the 256-bit copy at the AVX-512 level)."""
        return self.cost == "memory" or pass_ in self.memory_passes

    def has_tail(self, pass_):
        return pass_ in self.tail

    def bound(self, pass_):
        """The promised bound in ULPs of a pass ('backward' for both backward passes)."""
        if pass_.startswith("backward"):
            pass_ = "backward"
        return self.bounds[pass_]

    def defaults(self):
        return {p.name: p.default for p in self.params}

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
                ys = "y=None, " if self.takes_y else ""
                return "(grad, x=None, *, %s%sout=None)" % (ys, kw)
            return "(x, *, %sout=None)" % kw
        if self.kind == "per_channel":
            first = "(grad, x, weight" if pass_ == "backward" else "(x, weight"
            return first + ", *, axis=1, out=None)"
        if pass_ == "backward":
            return "(grad, *, y, axis=-1, out=None)"
        return "(x, *, axis=-1, out=None)"

    def public_names(self):
        """Every public function name the row defines."""
        if self.kind == "elementwise" or self.kind == "per_channel":
            return (self.name, self.name + "_derivative", self.name + "_backward")
        return (self.name, self.name + "_backward")


def _alpha_y_rule(fn):
    return Rule("alpha", ">=", 0.0,
                "alpha: backward from y= needs alpha >= 0 (got %(alpha)r): with a negative "
                "alpha the output y does not determine the input's sign; pass x= instead",
                when="y")


EXACT_BOUNDS = {"forward": 0, "derivative": 0, "backward": 0}
SMOOTH_BOUNDS = {"forward": 2, "derivative": 4, "backward": 4}

ROWS = (
    Row("identity", "elementwise", "x",
        derivative="1 (NaN where x is NaN)", backward_y="1",
        cls="Identity", torch="x (torch.nn.Identity)", aliases=("linear",),
        bounds=EXACT_BOUNDS),
    Row("relu", "elementwise", "max(x, 0); NaN stays NaN",
        derivative="1 if x > 0 else 0 (0 at x = 0, the left branch)",
        backward_y="1 where y > 0",
        cls="ReLU", torch="F.relu(x)", torch_call=("relu", {}), bounds=EXACT_BOUNDS),
    Row("leaky_relu", "elementwise", "x if x >= 0 else alpha * x",
        derivative="1 if x > 0 else alpha (alpha at x = 0)",
        backward_y="y has the sign of x (alpha >= 0)",
        params=(Param("alpha", 0.01, "the slope for x < 0",
                      samples=(0.01, 0.3, 1.0, 1000.0, 2.0 ** -30, -0.5)),),
        rules=(_alpha_y_rule("leaky_relu"),),
        cls="LeakyReLU", torch="F.leaky_relu(x, negative_slope=alpha)",
        torch_call=("leaky_relu", {"alpha": "negative_slope"}),
        bounds={"forward": 1, "derivative": 0, "backward": 1}),
    Row("elu", "elementwise", "x if x > 0 else alpha * expm1(x)",
        derivative="1 if x > 0 else alpha * exp(x) (alpha at x = 0)",
        backward_y="elu'(x) = y + alpha for y <= 0 (alpha >= 0)",
        params=(Param("alpha", 1.0, "the saturation value for x -> -inf is -alpha",
                      samples=(0.01, 0.3, 1.0, 1000.0, 2.0 ** -30, -0.5)),),
        rules=(_alpha_y_rule("elu"),),
        cost="exp", tail=("derivative", "backward_x"), prepare=True,
        cls="ELU", torch="F.elu(x, alpha=alpha)", torch_call=("elu", {"alpha": "alpha"}),
        bounds=SMOOTH_BOUNDS),
    Row("selu", "elementwise",
        "scale * (x if x > 0 else alpha * expm1(x)), scale = 1.0507009873554805, "
        "alpha = 1.6732632423543772",
        derivative="scale if x > 0 else scale * alpha * exp(x)",
        backward_y="selu'(x) = y + scale * alpha for y <= 0",
        cost="exp", tail=("derivative", "backward_x"),
        cls="SELU", torch="F.selu(x)", torch_call=("selu", {}), bounds=SMOOTH_BOUNDS),
    Row("sigmoid", "elementwise", "1 / (1 + exp(-x)), overflow-free for every x",
        derivative="sigmoid(x) * sigmoid(-x), accurate for every x",
        backward_y="sigmoid'(x) = y * (1 - y)",
        cost="exp", tail=("forward", "derivative", "backward_x"),
        cls="Sigmoid", torch="torch.sigmoid(x)", torch_call=("sigmoid", {}),
        bounds=SMOOTH_BOUNDS),
    Row("tanh", "elementwise", "tanh(x)",
        derivative="1 - tanh(x)^2 = sech(x)^2, accurate for every x",
        backward_y="tanh'(x) = 1 - y^2",
        cost="exp", tail=("derivative", "backward_x"),
        cls="Tanh", torch="torch.tanh(x)", torch_call=("tanh", {}), bounds=SMOOTH_BOUNDS),
    Row("prelu", "per_channel", "x if x >= 0 else weight[c] * x, c the index along `axis`",
        derivative="1 if x > 0 else weight[c]",
        cls="PReLU", torch="F.prelu(x, weight)", bounds={"forward": 1, "derivative": 0}),
    Row("softmax", "axis", "exp(x - max) / sum(exp(x - max)) along `axis`",
        derivative="vector-Jacobian product y * (grad - sum(grad * y))",
        cls="Softmax", torch="F.softmax(x, dim=axis)", cost="exp"),
    Row("log_softmax", "axis", "x - max - log(sum(exp(x - max))) along `axis`",
        derivative="vector-Jacobian product grad - exp(y) * sum(grad)",
        cls="LogSoftmax", torch="F.log_softmax(x, dim=axis)", cost="exp"),
)

BY_NAME = {r.name: r for r in ROWS}
ALIASES = {a: r.name for r in ROWS for a in r.aliases}


def resolve(name):
    """The row name for a name or alias (case and surrounding spaces ignored), or None."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    return key if key in BY_NAME else None


def row(name):
    return BY_NAME[ALIASES.get(name, name)]


def rows(kind=None):
    return tuple(r for r in ROWS if kind is None or r.kind == kind)


def api_table():
    """README's API table (markdown), one line per function family."""
    lines = ["| function | parameters | forward | derivative | PyTorch |",
             "|---|---|---|---|---|"]
    for r in ROWS:
        params = ", ".join("`%s=%r`" % (p.name, p.default) if not p.required else "`%s`" % p.name
                           for p in r.params)
        names = ", ".join("`%s`" % n for n in r.public_names())
        if r.aliases:
            names += " (alias: %s)" % ", ".join("`%s`" % a for a in r.aliases)
        lines.append("| %s | %s | %s | %s | `%s` |" % (
            names, params or "", r.summary.replace("|", "\\|"),
            (r.derivative or "").replace("|", "\\|"), r.torch))
    return "\n".join(lines)


if __name__ == "__main__":  # python -m fastact._catalogue: README's API table
    print(api_table())
