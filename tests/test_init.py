"""fastact.init: calculate_gain against hard formulas and against torch.nn.init.calculate_gain
(when PyTorch is installed: only those comparisons skip without it), the initialisers'
distributions (sample mean and variance of a large draw with a fixed seed within a few standard
errors of the target, uniform bounds, orthogonality), PyTorch's fans, and validation."""
import math

import numpy as np
import pytest

import fastact
from fastact import _catalogue as cat
from fastact import init

# The gains of the rows that have one (torch.nn.init.calculate_gain's documentation), as
# functions of the parameter.
FORMULAS = {
    "identity": lambda a: 1.0,
    "relu": lambda a: math.sqrt(2.0),
    "leaky_relu": lambda a: math.sqrt(2.0 / (1.0 + (0.01 if a is None else a) ** 2)),
    "selu": lambda a: 0.75,
    "sigmoid": lambda a: 1.0,
    "tanh": lambda a: 5.0 / 3.0,
}
SLOPES = (None, 0.0, 0.01, 0.2, 1.0, -0.5, 3, 5.5)
GAIN_ROWS = [r for r in cat.ROWS if r.gain is not None]


def _torch():
    return pytest.importorskip("torch")  # only the comparisons with PyTorch need it


def test_formulas_cover_the_rows_with_a_gain():
    assert set(FORMULAS) == {r.name for r in GAIN_ROWS}


@pytest.mark.parametrize("row", GAIN_ROWS, ids=lambda r: r.name)
def test_gain_formulas(row):
    for name in (row.name,) + row.aliases + (row.name.upper(),):
        for a in SLOPES:
            assert init.calculate_gain(name, a) == pytest.approx(FORMULAS[row.name](a),
                                                                 rel=1e-15)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / 1.0001)


@pytest.mark.parametrize("name", cat.LINEAR_LAYERS)
def test_linear_layer_gains(name):
    assert init.calculate_gain(name) == 1.0


def _torch_names():
    return [n for n in init.gain_names() if n != "identity"]  # torch has 'linear', not 'identity'


@pytest.mark.parametrize("name", _torch_names())
def test_gains_match_torch(name):
    torch = _torch()
    for a in SLOPES:
        assert init.calculate_gain(name, a) == pytest.approx(
            torch.nn.init.calculate_gain(name, a), rel=1e-15), (name, a)


@pytest.mark.parametrize("row", [r for r in cat.ROWS if r.gain is None], ids=lambda r: r.name)
def test_rows_without_a_gain_are_refused_as_torch_does(row):
    with pytest.raises(ValueError, match=r"name: PyTorch has no gain for '%s'; accepted: .*"
                                         r"leaky_relu" % row.name):
        init.calculate_gain(row.name)
    torch = _torch()
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(row.name)


@pytest.mark.parametrize("args,exc,match", [
    (("nosuch",), ValueError, r"name: unknown nonlinearity 'nosuch'; accepted: identity, linear"),
    ((3,), TypeError, r"name: expected a function name"),
    (("leaky_relu", "0.1"), ValueError, r"param: .*real number"),
    (("leaky_relu", True), ValueError, r"param: .*real number"),
    (("leaky_relu", float("nan")), ValueError, r"param: .*finite"),
])
def test_calculate_gain_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        init.calculate_gain(*args)


# --- the initialisers --------------------------------------------------------------------------
def _fans(shape):
    rf = int(np.prod(shape[2:]))
    return shape[1] * rf, shape[0] * rf


def _target(kind, shape, gain, mode):
    """(distribution, std or bound)."""
    fan_in, fan_out = _fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return {
        "kaiming_normal": ("normal", gain / math.sqrt(fan)),
        "kaiming_uniform": ("uniform", gain * math.sqrt(3.0 / fan)),
        "xavier_normal": ("normal", gain * math.sqrt(2.0 / (fan_in + fan_out))),
        "xavier_uniform": ("uniform", gain * math.sqrt(6.0 / (fan_in + fan_out))),
        "lecun_normal": ("normal", gain / math.sqrt(fan)),
    }[kind]


DEFAULT_ACTIVATION = {"kaiming_normal": "relu", "kaiming_uniform": "relu",
                      "xavier_normal": "linear", "xavier_uniform": "linear",
                      "lecun_normal": "linear", "orthogonal": "linear"}
WITH_MODE = ("kaiming_normal", "kaiming_uniform", "lecun_normal")
SHAPES = [(400, 300), (64, 32, 3, 3), (300, 500)]


def test_the_defaults_are_documented():
    for kind, activation in DEFAULT_ACTIVATION.items():
        import inspect
        sig = inspect.signature(getattr(init, kind))
        assert sig.parameters["activation"].default == activation, kind
        assert sig.parameters["dtype"].default is np.float32
        assert ("mode" in sig.parameters) == (kind in WITH_MODE), kind
    assert init.calculate_gain("relu") == pytest.approx(  # torch's default: leaky_relu, a=0
        init.calculate_gain("leaky_relu", 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("kind", [k for k in DEFAULT_ACTIVATION if k != "orthogonal"])
def test_initialiser_statistics(kind, shape, dtype):
    fn = getattr(init, kind)
    cases = [(DEFAULT_ACTIVATION[kind], None, "fan_in"), ("tanh", None, "fan_in"),
             ("leaky_relu", 0.2, "fan_in")]
    if kind in WITH_MODE:
        cases.append((DEFAULT_ACTIVATION[kind], None, "fan_out"))
    for seed, (activation, param, mode) in enumerate(cases):
        kw = {"mode": mode} if kind in WITH_MODE else {}
        w = fn(shape, activation=activation, param=param, rng=seed, dtype=dtype, **kw)
        assert w.shape == shape and w.dtype == dtype
        dist, s = _target(kind, shape, init.calculate_gain(activation, param), mode)
        n = w.size
        v = w.astype(np.float64)
        var = s * s if dist == "normal" else s * s / 3
        # standard errors of the sample mean and variance (4th moment: 3 s^4 normal,
        # b^4 / 5 uniform)
        m4 = 3 * var * var if dist == "normal" else s ** 4 / 5
        se_mean, se_var = math.sqrt(var / n), math.sqrt((m4 - var * var) / n)
        assert abs(v.mean()) < 5 * se_mean, (activation, mode)
        assert abs(v.var() - var) < 5 * se_var, (activation, mode, v.var(), var)
        if dist == "uniform":
            assert np.abs(v).max() <= s and np.abs(v).max() > 0.999 * s


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (16, 4, 3, 3), (50, 50)],
                         ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_orthogonal(shape, dtype):
    for activation, param in (("linear", None), ("relu", None), ("leaky_relu", 0.3)):
        g = init.calculate_gain(activation, param)
        w = init.orthogonal(shape, activation=activation, param=param, rng=1, dtype=dtype)
        assert w.shape == shape and w.dtype == dtype
        m = w.reshape(shape[0], -1).astype(np.float64)
        gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(gram, g * g * np.eye(gram.shape[0]), atol=tol * g * g)


def test_fans_as_pytorch(monkeypatch):
    # kaiming_normal's std follows from the fan: sample a constant normal to read it back
    class One:
        def standard_normal(self, dims, dtype):
            return np.ones(dims, dtype)

    monkeypatch.setattr(init, "_rng", lambda rng: One())
    for shape in [(7, 5), (16, 8, 3, 3), (4, 6, 2), (3, 2, 2, 2, 5)]:
        fan_in, fan_out = _fans(shape)
        got_in = init.kaiming_normal(shape, activation="linear", dtype=np.float64).flat[0]
        got_out = init.kaiming_normal(shape, activation="linear", mode="fan_out",
                                      dtype=np.float64).flat[0]
        assert got_in == pytest.approx(1 / math.sqrt(fan_in), rel=1e-15)
        assert got_out == pytest.approx(1 / math.sqrt(fan_out), rel=1e-15)
        torch = pytest.importorskip("torch")
        want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert (fan_in, fan_out) == want


def test_rng_forms():
    a = init.xavier_uniform((20, 30), rng=42)
    assert np.array_equal(a, init.xavier_uniform((20, 30), rng=42))
    assert np.array_equal(a, init.xavier_uniform((20, 30), rng=np.random.default_rng(42)))
    assert not np.array_equal(init.xavier_uniform((20, 30)), init.xavier_uniform((20, 30)))
    gen = np.random.default_rng(5)
    b, c = init.lecun_normal((4, 4), rng=gen), init.lecun_normal((4, 4), rng=gen)
    assert not np.array_equal(b, c), "a Generator is used, not copied"


ALL = [getattr(init, k) for k in DEFAULT_ACTIVATION]


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kwargs,exc,match", [
    ({"shape": 5}, ValueError, r"shape: needs at least 2 dimensions"),
    ({"shape": (5,)}, ValueError, r"shape: needs at least 2 dimensions"),
    ({"shape": (3, 0)}, ValueError, r"shape: every dimension must be >= 1"),
    ({"shape": "ab"}, TypeError, r"shape: expected a tuple of ints"),
    ({"shape": None}, TypeError, r"shape: expected an int or a tuple of ints"),
    ({"shape": (3, 2.5)}, TypeError, r"shape: expected a tuple of ints"),
    ({"dtype": np.float16}, TypeError, r"dtype: expected float32 or float64"),
    ({"dtype": "int32"}, TypeError, r"dtype: expected float32 or float64"),
    ({"dtype": "nonsense"}, TypeError, r"dtype: expected float32 or float64"),
    ({"dtype": None}, TypeError, r"dtype: expected float32 or float64"),
    ({"rng": "seed"}, TypeError, r"rng: expected None, an int seed or a numpy.random.Generator"),
    ({"rng": True}, TypeError, r"rng: expected None"),
    ({"rng": -1}, ValueError, r"rng: a seed must be >= 0"),
    ({"activation": "elu"}, ValueError, r"activation: PyTorch has no gain for 'elu'; accepted"),
    ({"activation": "nosuch"}, ValueError, r"activation: unknown nonlinearity"),
    ({"activation": 3}, TypeError, r"activation: expected a function name"),
    ({"activation": "leaky_relu", "param": "a"}, ValueError, r"param: "),
])
def test_initialiser_errors(fn, kwargs, exc, match):
    kwargs = dict({"shape": (4, 3)}, **kwargs)
    shape = kwargs.pop("shape")
    with pytest.raises(exc, match=match):
        fn(shape, **kwargs)


@pytest.mark.parametrize("fn", [getattr(init, k) for k in WITH_MODE], ids=lambda f: f.__name__)
def test_mode_errors(fn):
    for bad in ("fan_avg", None, "FAN_IN"):
        with pytest.raises(ValueError, match=r"mode: expected 'fan_in' or 'fan_out'"):
            fn((4, 3), mode=bad)


def test_exported():
    assert fastact.init is init
    assert set(init.__all__) == {"calculate_gain"} | set(DEFAULT_ACTIVATION)
