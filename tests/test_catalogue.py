"""The catalogue (fastact/_catalogue.py) drives every layer: each layer has exactly the rows.

A test fails when a layer lacks a function the table lists or has one it does not list: the
public functions and their signatures, the aliases, the classes, get() / available(), the
reference registry, the compiled kernel table of every level, the benchmark cases, the accuracy
script's functions, the test-case entries (tests/cases.py) and README's generated tables. The
exact values of tests/cases.py are checked here too.
"""
import importlib
import inspect
import os

import numpy as np
import pytest

import fastact
from fastact import _bench, _catalogue as cat, reference
from fastact._kernels import _dispatch

from cases import CONSTANTS, EXACT
import _accuracy
from _oracle import needed_params

ROWS = cat.ROWS
EW = cat.rows("elementwise")
KERNELS = cat.kernel_rows()  # (a row with a choice parameter: one kernel per choice)
NOT_FUNCTIONS = {"available", "get", "config", "get_num_threads", "set_num_threads",
                 "show_config", "plot", "softmax_cross_entropy", "sigmoid_binary_cross_entropy"}


def _public_names():
    names = set()
    for r in ROWS:
        names.update(r.public_names())
        for a in r.aliases:
            names.update(a + n[len(r.name):] for n in r.public_names())
    return names


def test_rows_are_consistent():
    names = [r.name for r in ROWS]
    assert len(set(names)) == len(names)
    assert not set(cat.ALIASES) & set(names)
    for r in ROWS:
        assert r.kind in ("elementwise", "per_channel", "axis", "gate"), r
        assert r.summary and r.cls and r.torch, r
        assert (r.kind == "gate") == (r.activation is not None), r
        if r.kind == "gate":  # the default activation is one the gates take
            assert r.activation in cat.gate_activations() and not r.params, r
            assert r.derivative and r.public_names() == (r.name, r.name + "_backward"), r
        if r.kind == "elementwise":
            assert r.derivative and set(r.bounds) == {"forward", "derivative", "backward"}, r
            assert (r.backward_y is not None) == r.takes_y, r
            for rule in r.rules:
                assert rule.lhs in r.param_names, (r, rule)
                assert not isinstance(rule.rhs, str) or rule.rhs in r.param_names, (r, rule)
            for s in r.sample_params():  # every sample set is a valid call
                assert set(s) == set(r.param_names), (r, s)
            p = r.choice_param
            if p is not None:  # every choice is a sample, the default among them
                assert [s[p.name] for s in r.sample_params()] == list(p.choices), r
                assert p.default in p.choices and r.real_params == tuple(
                    q for q in r.params if q is not p), r


def test_kernel_rows_and_presets():
    """kernel_rows(): the rows without a choice as they are, a row with one as one kernel per
    choice (the row's name for the default, <row>_<choice> otherwise), without the choice
    parameter; the presets are exactly the non-default kernels; the gates take every
    parameter-free kernel."""
    want = []
    for r in EW:
        p = r.choice_param
        if p is None:
            want.append((r.name, r, None))
        else:
            want += [(r.name if c == p.default else "%s_%s" % (r.name, c), r, c)
                     for c in p.choices]
    assert [(k.name, k.variant_of or k, k.choice) for k in KERNELS] == want
    for k in KERNELS:
        row = k.variant_of or k
        assert k.params == row.real_params and not any(p.is_choice for p in k.params)
        assert k.bounds == row.bounds and k.passes == row.passes and k.tail == row.tail
        assert cat.kernel_call(k.name) == (
            (row.name, {}) if k.variant_of is None else
            (row.name, {row.choice_param.name: k.choice}))
    assert cat.PRESETS == {k.name: cat.kernel_call(k.name) for k in KERNELS
                           if k.variant_of is not None and k.name != k.variant_of.name}
    assert not set(cat.PRESETS) & (set(cat.BY_NAME) | set(cat.ALIASES))
    assert cat.gate_activations() == tuple(k.name for k in KERNELS if not k.params)


def test_public_functions_are_the_rows():
    exported = {n for n in fastact.__all__ if callable(getattr(fastact, n))
                and not isinstance(getattr(fastact, n), type)}
    assert exported - NOT_FUNCTIONS == _public_names()
    from fastact import _gates
    for r in ROWS:
        for n in r.public_names():
            assert getattr(fastact, n) is getattr(_gates if r.kind == "gate" else _dispatch, n)
    # the gates take every parameter-free kernel row, and the kernels have them all
    assert cat.gate_activations() == tuple(k.name for k in KERNELS if not k.params)
    assert _gates.ACTIVATIONS == cat.gate_activations() == tuple(_dispatch.GATE_NAMES)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_signatures_follow_the_row(row):
    for name in row.public_names():
        pass_ = "backward" if name.endswith("_backward") else "forward"
        sig = inspect.signature(getattr(fastact, name))
        assert str(sig) == row.signature(pass_), name
        # the reference: the same signature without out=
        want = row.signature(pass_).replace(", out=None)", ")").replace(", *)", ")")
        assert str(inspect.signature(getattr(reference, name))) == want, name
        doc = getattr(fastact, name).__doc__
        assert row.cls in doc and "Parameters" in doc, name
        for p in row.params:
            kind = "{%s}" % ", ".join(repr(c) for c in p.choices) if p.is_choice else "float"
            assert "\n%s : %s" % (p.name, kind) in doc, (name, p.name)


def test_classes_get_and_available():
    assert fastact.available() == [r.name for r in ROWS]
    classes = {n for n in fastact.__all__ if isinstance(getattr(fastact, n), type)}
    assert classes - {"Activation"} == {r.cls for r in ROWS}
    for r in ROWS:
        cls = getattr(fastact, r.cls)
        assert cls.name == r.name and issubclass(cls, fastact.Activation)
        params = ({"weight": 0.25} if r.kind == "per_channel" else
                  {} if r.kind == "gate" else needed_params(r.name))
        assert type(fastact.get(r.name, **params)) is cls
        for a in r.aliases:
            assert type(fastact.get(a.upper(), **params)) is cls
    for r in EW:
        obj = fastact.get(r.name, **r.example_params())
        assert obj.params == {k: v if isinstance(v, str) else float(v)
                              for k, v in r.example_params().items()}
        assert [p.name for p in list(inspect.signature(type(obj)).parameters.values())] == \
            list(r.param_names)
    # a preset: the row's object with its choice bound (and available() lists the rows only)
    for name, (row_name, params) in cat.PRESETS.items():
        obj = fastact.get(name.upper())
        assert type(obj) is getattr(fastact, cat.row(row_name).cls)
        assert obj.params == dict(cat.row(row_name).defaults(), **params)
        assert name not in fastact.available()


def test_reference_registry():
    assert set(reference.__all__) == _public_names() | {"get"}
    for r in ROWS:
        for n in r.public_names():
            assert reference.get(n) is getattr(reference, n)
    with pytest.raises(ValueError, match="unknown"):
        reference.get("no_such_function")


def test_kernel_tables_of_every_level():
    passes = set(cat.PASSES)
    for level in _dispatch.LEVELS:
        mod = importlib.import_module("fastact._kernels._kernels_" + level) \
            if level in fastact.config()["isa_available"] else None
        if mod is None:  # (importing a level this CPU lacks may execute its instructions)
            continue
        table = mod.addresses()
        ew = {(k[1], k[2], k[3]) for k in table if k[0] == "elementwise"}
        assert ew == {(r.name, p, dt) for r in KERNELS for p in r.passes for dt in ("f32", "f64")}
        assert {k[1] for k in ew} <= passes
        prep = {k[1] for k in table if k[0] == "prepare"}
        assert prep == {r.name for r in KERNELS if r.params}
        others = {k[1] for k in table if k[0] not in ("elementwise", "prepare", "gate")}
        assert others == {r.name for r in ROWS if r.kind not in ("elementwise", "gate")}
        gates = {k[1:] for k in table if k[0] == "gate"}
        assert gates == {(a, p, dt) for a in cat.gate_activations()
                         for p in ("forward", "backward") for dt in ("f32", "f64")}
        assert mod.PARAM_BYTES <= 16 * 8


def test_benchmark_and_accuracy_cover_the_rows():
    assert {c.function for c in _bench.cases()} == {r.name for r in ROWS}
    # a row with a choice parameter: a case per choice (each with its choice's bench entries)
    for r in EW:
        choices = {c.choice for c in _bench.cases() if c.function == r.name}
        assert choices == (set(r.choice_param.choices) if r.choice_param else {None}), r
    assert set(_accuracy.FUNCTIONS) == {k.name for k in KERNELS}


def test_every_elementwise_row_has_its_test_case_entry():
    assert set(EXACT) == {r.name for r in EW}
    for name, entries in EXACT.items():
        passes = {e[0] for e in entries}
        assert {"f", "d", "bx"} <= passes, name
        assert ("by" in passes) == cat.row(name).takes_y, name


@pytest.mark.parametrize("doc,blocks", [("README.md", ["api-table"]),
                                        ("docs/accuracy.md", ["bounds-table"])])
def test_readme_tables_are_generated_from_the_catalogue(doc, blocks):
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), doc)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for b in blocks:
        assert "<!-- %s:start -->" % b in text, (doc, b)
    assert cat.render_readme(text) == text, (
        "%s's generated tables are out of date: run python fastact/_catalogue.py README.md" % doc)


def _value(v, dtype):
    if isinstance(v, str):
        v = float(CONSTANTS[v])
    return np.array(v, dtype=dtype)


EXACT_CASES = [
    pytest.param(name, *e, id="%s-%s-%s-%s" % (name, e[0], e[1], "".join(
        ("%s%s" if isinstance(kv[1], str) else "%s%g") % kv for kv in e[3].items())))
    for name, entries in EXACT.items() for e in entries
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,pass_,value,expected,params", EXACT_CASES)
def test_exact_values(name, pass_, value, expected, params, dtype):
    v = _value(value, dtype)
    want = _value(expected, dtype)
    g = np.array(1.0, dtype=dtype)
    with np.errstate(all="ignore"):
        got = {
            "f": lambda: getattr(fastact, name)(v, **params),
            "d": lambda: getattr(fastact, name + "_derivative")(v, **params),
            "bx": lambda: getattr(fastact, name + "_backward")(g, v, **params),
            "by": lambda: getattr(fastact, name + "_backward")(g, y=v, **params),
        }[pass_]()
    assert got.dtype == dtype and got.shape == ()
    if np.isnan(want):
        assert np.isnan(got), (name, pass_, value, got)
    else:
        assert got == want and np.signbit(got) == np.signbit(want), (name, pass_, value, got, want)


# --- parameters: the generated rules refuse what the table refuses, with nothing written -------
# (the real parameters; a choice parameter's bad values: tests/test_errors.py)
PARAM_ROWS = [r for r in EW if r.real_params]


def _calls(name, params, x, g, out):
    """Every public call of an elementwise function that writes into out."""
    return [
        lambda: getattr(fastact, name)(x, out=out, **params),
        lambda: getattr(fastact, name + "_derivative")(x, out=out, **params),
        lambda: getattr(fastact, name + "_backward")(g, x, out=out, **params),
    ]


@pytest.mark.parametrize("row", PARAM_ROWS, ids=lambda r: r.name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_parameters_must_be_finite_real_numbers(row, dtype):
    x = np.linspace(-3, 3, 7).astype(dtype)
    g = np.ones_like(x)
    out = np.full_like(x, 7.25)
    base = row.sample_params()[0]
    for p in row.real_params:
        for bad, exc in (("1", TypeError), (None, TypeError), (1j, TypeError), ([1.0], TypeError),
                         (True, TypeError), (np.array([1.0, 2.0]), TypeError),
                         (float("inf"), ValueError), (float("nan"), ValueError)):
            params = dict(base, **{p.name: bad})
            for call in _calls(row.name, params, x, g, out):
                with pytest.raises(exc, match=r"\b%s\b" % p.name):
                    call()
            with pytest.raises(exc, match=r"\b%s\b" % p.name):
                fastact.get(row.name, **params)
        if dtype == np.float32:  # finite, but not as a float32: the kernel uses the dtype
            params = [dict(base, **{p.name: v}) for v in (1e39, -1e39)]
            params = [s for s in params if all(r.holds(s) for r in row.rules)][0]
            for call in _calls(row.name, params, x, g, out):
                with pytest.raises(ValueError, match=r"\b%s\b.*float32" % p.name):
                    call()
            # (nor 0 there where a rule refuses 0: celu's alpha = 1e-50 would pass alpha != 0
            # in double and compute with alpha = 0; elsewhere it is taken as the float32 0)
            params = [dict(base, **{p.name: v}) for v in (1e-50, -1e-50)]
            for params in [s for s in params if all(r.holds(s) for r in row.rules)][:1]:
                if p.name not in row.nonzero_params():
                    for call in _calls(row.name, params, x, g, np.empty_like(out)):
                        call()
                    continue
                for call in _calls(row.name, params, x, g, out):
                    with pytest.raises(ValueError, match=r"\b%s\b.*underflows.*float32"
                                       % p.name):
                        call()
        # numbers of other types are taken as their float value
        for good in (np.float32(base[p.name]), np.float64(base[p.name])):
            r = getattr(fastact, row.name)(x, **dict(base, **{p.name: good}))
            want = getattr(fastact, row.name)(x, **dict(base, **{p.name: float(good)}))
            assert r.tobytes() == want.tobytes()
    assert np.all(out == 7.25), "a refused call wrote into out"


@pytest.mark.parametrize("row", [r for r in EW if r.rules], ids=lambda r: r.name)
def test_rules_refuse_what_the_table_refuses(row):
    x = np.linspace(-3, 3, 7)
    g = np.ones_like(x)
    y = getattr(fastact, row.name)(x, **row.sample_params()[0])
    out = np.full_like(x, 7.25)
    for rule in row.rules:
        bad = dict(row.sample_params()[0])
        rhs = bad[rule.rhs] if isinstance(rule.rhs, str) else rule.rhs
        bad[rule.lhs] = {"<": rhs + 1, "<=": rhs + 1, ">": rhs - 1, ">=": rhs - 1,
                         "!=": rhs}[rule.op]
        assert not rule.holds(bad)
        calls = ([lambda: getattr(fastact, row.name + "_backward")(g, y=y, out=out, **bad)]
                 if row.takes_y else [])
        if rule.when == "always":
            calls += _calls(row.name, bad, x, g, out)
            calls.append(lambda: fastact.get(row.name, **bad))
        else:  # only the y form refuses it
            getattr(fastact, row.name + "_backward")(g, x, **bad)
        for call in calls:
            with pytest.raises(ValueError, match=r"\b%s\b" % rule.lhs):
                call()
    assert np.all(out == 7.25), "a refused call wrote into out"


def test_accuracy_script_runs_on_a_choice_kernel(tmp_path):
    """bench/accuracy.py measures a kernel of a choice row by its kernel name (gelu_tanh's
    bounds come from the kernel row): a tiny float64 run exits 0 and passes."""
    import subprocess
    import sys
    kernel = next(k.name for k in KERNELS if k.variant_of is not None and k.name != k.variant_of.name)
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench",
                          "accuracy.py")
    r = subprocess.run([sys.executable, script, "--dtype", "float64", "--n", "2000", "--functions",
                        kernel, "--quiet", "--jobs", "1"], cwd=str(tmp_path), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and "PASS" in r.stdout, r.stdout + r.stderr


def test_accuracy_script_takes_other_parameter_values(tmp_path):
    """bench/accuracy.py --params measures a function at other parameter values (celu at
    alpha = 2.5 runs celu's own kernels; at 1 it runs elu's: same_as), and refuses a parameter
    the function does not take or a value its rules refuse."""
    import subprocess
    import sys
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench",
                          "accuracy.py")

    def run(*args):
        return subprocess.run([sys.executable, script, "--dtype", "float64", "--n", "2000",
                               "--quiet", "--jobs", "1"] + list(args), cwd=str(tmp_path),
                              capture_output=True, text=True, timeout=300)
    r = run("--functions", "celu", "--params", "alpha=2.5")
    assert r.returncode == 0 and "PASS" in r.stdout, r.stdout + r.stderr
    assert "parameters: alpha=2.5" in r.stdout
    for bad, why in (("beta=2", "no parameter beta"), ("alpha=0", "refuses"),
                     ("alpha", "NAME=NUMBER"), ("alpha=nan", "finite")):
        r = run("--functions", "celu", "--params", bad)
        assert r.returncode == 2 and why in r.stderr, r.stdout + r.stderr


SAME_AS = [r for r in EW if r.same_as]


@pytest.mark.parametrize("row", SAME_AS, ids=lambda r: r.name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_same_as_is_the_other_function(row, dtype):
    """A row's same_as (celu at alpha = 1 runs elu's kernels) holds: at those parameter values
    the two functions agree bit for bit in every pass, on the exp tails, tiny grads, signed
    zeros, subnormals, infinities and NaN. (The row's own kernels are tested at its other
    sample values: tests/test_elementwise.py's accuracy sweep, and tests/test_dispatch.py's
    exact-path test for celu.)"""
    other, values = row.same_as
    assert set(cat.row(other).param_names) == set(row.param_names)
    rng = np.random.default_rng(11)
    info = np.finfo(dtype)
    x = np.concatenate([rng.uniform(-800, 5, 20000), rng.normal(0, 1, 20000),
                        -np.logspace(-45, 3, 4000), [0.0, -0.0, np.inf, -np.inf, np.nan,
                                                     info.tiny / 4, -info.tiny / 4]]).astype(dtype)
    # (grads of every scale, subnormal ones included: where a kernel's exact path rounds twice
    # in the subnormal range, two formulas of equal accuracy part in the last bit)
    g = (rng.uniform(-2, 2, x.size) * rng.choice([1.0, 1e-30, 1e-40, 1e-300, 1e30], x.size))
    with np.errstate(all="ignore"):
        g = g.astype(dtype)
    f, h = getattr(fastact, row.name), getattr(fastact, other)
    pairs = [(f(x, **values), h(x, **values)),
             (getattr(fastact, row.name + "_derivative")(x, **values),
              getattr(fastact, other + "_derivative")(x, **values)),
             (getattr(fastact, row.name + "_backward")(g, x, **values),
              getattr(fastact, other + "_backward")(g, x, **values))]
    if row.takes_y and cat.row(other).takes_y:
        y = h(x, **values)
        pairs.append((getattr(fastact, row.name + "_backward")(g, y=y, **values),
                      getattr(fastact, other + "_backward")(g, y=y, **values)))
    for i, (a, b) in enumerate(pairs):
        assert a.tobytes() == b.tobytes(), (row.name, other, i)
    # The values are compared in the data's dtype, as the kernels use them: a value that
    # rounds to them in float32 takes the other row's kernels too (the row's own differ in
    # the last bit of backward products that round twice in the subnormal range), one that
    # does not (float64) the row's own (a different function there).
    near = {k: v * (1 + 2.0 ** -40) for k, v in values.items()}
    back = getattr(fastact, row.name + "_backward")
    with np.errstate(all="ignore"):
        if dtype == np.float32:
            assert back(g, x, **near).tobytes() == pairs[2][0].tobytes()
        else:
            assert f(x, **near).tobytes() != h(x, **near).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_relu6_is_hardtanh_0_6(dtype):
    """relu6's formulas are hardtanh's with the bounds 0 and 6 from K (_math.pxd.tp): every
    pass gives hardtanh's bits at min_val=0, max_val=6, on signed zeros, the kinks,
    subnormals, infinities and NaN; the object and the gate kernels too (gated with value
    1: 1 * f(gate) is f(gate) exactly)."""
    rng = np.random.default_rng(12)
    info = np.finfo(dtype)
    kinks = [0.0, 6.0]
    x = np.concatenate([rng.normal(0, 4, 5000), kinks, np.nextafter(kinks, np.inf),
                        np.nextafter(kinks, -np.inf),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, info.tiny / 4,
                         -info.tiny / 4, info.max, -info.max]]).astype(dtype)
    g = rng.normal(0, 1, x.size).astype(dtype)
    values = {"min_val": 0.0, "max_val": 6.0}
    y = fastact.relu6(x)
    pairs = [(y, fastact.hardtanh(x, **values)),
             (fastact.relu6_derivative(x), fastact.hardtanh_derivative(x, **values)),
             (fastact.relu6_backward(g, x), fastact.hardtanh_backward(g, x, **values)),
             (fastact.relu6_backward(g, y=y), fastact.hardtanh_backward(g, y=y, **values)),
             (fastact.get("relu6")(x), y)]
    for i, (a, b) in enumerate(pairs):
        assert a.tobytes() == b.tobytes(), i
    gated = fastact.gated(np.ones_like(x), x, activation="relu6")
    assert np.array_equal(gated, y, equal_nan=True)
    assert np.array_equal(np.signbit(gated), np.signbit(y))
