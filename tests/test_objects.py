"""Activation objects: fastact.get, fastact.available, the classes, name/params/repr, and that
every object method gives bit-for-bit the result of the corresponding function.

Covered: available() list; get() for every name and the alias 'linear'; parameters through
get() and the constructors; unknown names (ValueError listing the available names) and
unknown parameters (TypeError); get(obj) is obj; forward/__call__/derivative/backward (from
x and y; PReLU's (grad_x, grad_weight); Softmax/LogSoftmax's backward(grad, y)) equal the
functions, including out=; Softmax/LogSoftmax have no `derivative`; reprs.
"""
import inspect
import math
import re

import numpy as np
import pytest

import fastact
from _oracle import grads, mixed_values, needed_params, param_sets, passes_of

from fastact import _catalogue as catalogue

NAMES = [r.name for r in catalogue.ROWS]
CLASSES = {r.name: r.cls for r in catalogue.ROWS}
ELEMENTWISE = [r.name for r in catalogue.rows("elementwise")]


def test_available():
    av = fastact.available()
    assert av == NAMES
    assert isinstance(av, list)
    av.append("mutated")  # a copy: the package's list is not shared
    assert fastact.available() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_get_returns_the_class(name):
    params = {"weight": 0.25} if name == "prelu" else needed_params(name)
    obj = fastact.get(name, **params)
    cls = getattr(fastact, CLASSES[name])
    assert type(obj) is cls
    assert obj.name == name
    assert isinstance(obj.params, dict)


def test_linear_alias():
    obj = fastact.get("linear")
    assert type(obj) is fastact.Identity
    assert obj.name == "identity"
    assert obj.params == {}


def test_params_and_repr():
    assert fastact.get("leaky_relu").params == {"alpha": 0.01}
    assert repr(fastact.get("leaky_relu")) == "LeakyReLU(alpha=0.01)"
    lr = fastact.get("leaky_relu", alpha=0.2)
    assert lr.params == {"alpha": 0.2} and repr(lr) == "LeakyReLU(alpha=0.2)"
    assert fastact.LeakyReLU(alpha=0.3).params == {"alpha": 0.3}
    assert fastact.LeakyReLU().params == {"alpha": 0.01}
    assert fastact.ELU().params == {"alpha": 1.0}
    assert repr(fastact.ELU()) == "ELU(alpha=1.0)"
    assert fastact.get("elu", alpha=2.0).params == {"alpha": 2.0}
    for name in ("identity", "relu", "selu", "sigmoid", "tanh"):
        obj = fastact.get(name)
        assert obj.params == {}
        assert repr(obj) == CLASSES[name] + "()"
    assert fastact.Softmax().params == {"axis": -1}
    assert fastact.LogSoftmax(axis=0).params == {"axis": 0}
    assert fastact.get("softmax", axis=1).params == {"axis": 1}
    assert repr(fastact.Softmax(axis=1)) == "Softmax(axis=1)"
    assert repr(fastact.LogSoftmax()) == "LogSoftmax(axis=-1)"
    p = fastact.PReLU(0.25)
    assert p.params == {"weight": 0.25, "axis": 1}
    assert repr(p).startswith("PReLU(") and "weight=0.25" in repr(p) and "axis=1" in repr(p)
    p2 = fastact.get("prelu", weight=[0.1, 0.2], axis=0)
    assert p2.params["axis"] == 0 and list(np.asarray(p2.params["weight"])) == [0.1, 0.2]


def test_unknown_name_lists_available():
    with pytest.raises(ValueError) as info:
        fastact.get("not_an_activation")
    msg = str(info.value)
    assert "not_an_activation" in msg
    for name in NAMES:
        assert re.search(r"(?<![A-Za-z_])%s(?![A-Za-z_])" % name, msg), name


@pytest.mark.parametrize("name,params", [
    ("relu", {"alpha": 0.1}), ("identity", {"alpha": 1.0}), ("leaky_relu", {"beta": 1.0}),
    ("elu", {"slope": 1.0}), ("sigmoid", {"axis": 1}), ("softmax", {"alpha": 1.0}),
    ("selu", {"scale": 1.0}), ("prelu", {"weight": 0.2, "alpha": 1.0}),
])
def test_unknown_parameter(name, params):
    with pytest.raises(TypeError):
        fastact.get(name, **params)


@pytest.mark.parametrize("name", fastact.available())
def test_unknown_parameter_names_the_function_and_its_parameters(name):
    """Every kind of object says which function and what it takes (never a private class)."""
    cls = type(fastact.get(name, **({"threshold": 0.0, "value": 0.0} if name == "threshold"
                                    else {})))
    takes = list(inspect.signature(cls).parameters) or ["no parameters"]
    with pytest.raises(TypeError, match=r"^%s: unexpected parameter bogus; it takes %s$"
                       % (name, ", ".join(takes))):
        fastact.get(name, bogus=1)


def test_per_channel_weight_is_checked_when_the_object_is_made():
    with pytest.raises(TypeError, match="weight"):
        fastact.get("prelu", weight="a")
    with pytest.raises(ValueError, match="weight"):
        fastact.PReLU([[0.1, 0.2]])
    with pytest.raises(TypeError, match="axis"):
        fastact.PReLU(0.1, 1.5)
    with pytest.raises(TypeError, match="at most 2 positional"):
        fastact.PReLU(0.1, 1, 2)
    assert fastact.PReLU(0.1, 0) == fastact.get("prelu", weight=0.1, axis=0)


def test_bad_parameter_values():
    x = np.array([-1.0, 1.0])
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="alpha"):
            fastact.get("leaky_relu", alpha=bad)(x)
        with pytest.raises(ValueError, match="alpha"):
            fastact.ELU(alpha=bad).forward(x)
    for bad in ("0.1", None, [0.1]):
        with pytest.raises(TypeError, match="alpha"):
            fastact.get("elu", alpha=bad).forward(x)
    with pytest.raises(TypeError, match="axis"):
        fastact.Softmax(axis=1.5).forward(np.ones((2, 2)))
    with pytest.raises(ValueError, match="axis"):
        fastact.Softmax(axis=3).forward(np.ones((2, 2)))


def test_get_of_an_object_returns_it():
    for name in NAMES:
        obj = fastact.get(name, **({"weight": 0.5} if name == "prelu" else needed_params(name)))
        assert fastact.get(obj) is obj
    lr = fastact.LeakyReLU(alpha=0.3)
    assert fastact.get(lr) is lr


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_methods_equal_functions(name, dtype):
    params = {"alpha": 0.3} if name in ("leaky_relu", "elu") else needed_params(name)
    obj = fastact.get(name, **params)
    x = mixed_values(64, dtype, seed=1).reshape(8, 8)
    g = grads((8, 8), dtype, seed=2)
    f = getattr(fastact, name)
    d = getattr(fastact, name + "_derivative")
    b = getattr(fastact, name + "_backward")
    y = f(x, **params)
    pairs = [
        (obj.forward(x), y),
        (obj(x), y),
        (obj.derivative(x), d(x, **params)),
        (obj.backward(g, x), b(g, x, **params)),
    ] + ([(obj.backward(g, y=y), b(g, y=y, **params))] if "backward_y" in passes_of(name) else [])
    for got, want in pairs:
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    out = np.empty_like(x)
    assert obj.forward(x, out=out) is out and out.tobytes() == y.tobytes()
    out = np.empty_like(x)
    assert obj(x, out=out) is out and out.tobytes() == y.tobytes()
    out = np.empty_like(x)
    assert obj.derivative(x, out=out) is out
    gg = g.copy()
    assert obj.backward(gg, x, out=gg) is gg and gg.tobytes() == b(g, x, **params).tobytes()
    # the object really applies its parameter (not the default)
    if name in ("leaky_relu", "elu"):
        assert not np.array_equal(obj(x), f(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prelu_methods_equal_functions(dtype):
    x = mixed_values(60, dtype, seed=3).reshape(3, 4, 5)
    g = grads((3, 4, 5), dtype, seed=4)
    for weight, axis in ((np.array([0.1, 0.2, -0.3, 2.0], dtype), 1), (0.25, 1),
                         (np.array([0.5, 0.25, 0.125], dtype), 0)):
        obj = fastact.PReLU(weight, axis=axis)
        assert obj.name == "prelu"
        np.testing.assert_array_equal(obj.forward(x), fastact.prelu(x, weight, axis=axis))
        np.testing.assert_array_equal(obj(x), fastact.prelu(x, weight, axis=axis))
        np.testing.assert_array_equal(obj.derivative(x), fastact.prelu_derivative(x, weight, axis=axis))
        gx, gw = obj.backward(g, x)
        gx2, gw2 = fastact.prelu_backward(g, x, weight, axis=axis)
        assert gx.tobytes() == gx2.tobytes() and np.array_equal(gw, gw2)
        assert np.shape(gw) == np.shape(weight)
        out = np.empty_like(x)
        assert obj.forward(x, out=out) is out
        out = np.empty_like(x)
        r = obj.backward(g, x, out=out)
        assert r[0] is out
    obj = fastact.get("prelu", weight=np.array([0.1, 0.2, 0.3, 0.4], dtype))
    assert obj.params["axis"] == 1
    np.testing.assert_array_equal(obj(x), fastact.prelu(x, np.array([0.1, 0.2, 0.3, 0.4], dtype)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls,fname", [("Softmax", "softmax"), ("LogSoftmax", "log_softmax")])
def test_softmax_objects(cls, fname, dtype):
    x = mixed_values(60, dtype, seed=5).reshape(3, 4, 5)
    g = grads((3, 4, 5), dtype, seed=6)
    for axis in (-1, 0, 1):
        obj = getattr(fastact, cls)(axis=axis)
        assert obj.name == fname
        assert not hasattr(obj, "derivative")
        f = getattr(fastact, fname)
        b = getattr(fastact, fname + "_backward")
        y = f(x, axis=axis)
        assert obj.forward(x).tobytes() == y.tobytes()
        assert obj(x).tobytes() == y.tobytes()
        assert obj.backward(g, y).tobytes() == b(g, y=y, axis=axis).tobytes()
        out = np.empty_like(x)
        assert obj(x, out=out) is out and out.tobytes() == y.tobytes()
        out = np.empty_like(x)
        assert obj.backward(g, y, out=out) is out
    assert not hasattr(fastact.get(fname), "derivative")
    assert obj.params == {"axis": 1}


def test_elementwise_objects_have_derivative_and_backward():
    for name in ELEMENTWISE + ["prelu"]:
        obj = fastact.get(name, **({"weight": 0.5} if name == "prelu" else needed_params(name)))
        assert callable(obj.derivative) and callable(obj.backward) and callable(obj.forward)


def test_leaky_relu_object_alpha_in_results():
    x = np.array([-2.0, -0.0, 3.0])
    np.testing.assert_array_equal(fastact.get("leaky_relu", alpha=0.5)(x), [-1.0, 0.0, 3.0])
    np.testing.assert_array_equal(fastact.LeakyReLU(0.5).derivative(x), [0.5, 0.5, 1.0])
    np.testing.assert_array_equal(fastact.ELU(2.0)(np.array([-np.inf])), [-2.0])
    s = fastact.SELU()(np.array([1.0]))
    assert math.isclose(s[0], 1.0507009873554805, rel_tol=1e-15)


# --- a choice parameter (a str among the row's choices, e.g. gelu's approximate) --------------
CHOICE_ROWS = [r for r in catalogue.rows("elementwise") if r.choice_param is not None]


@pytest.mark.parametrize("row", CHOICE_ROWS, ids=lambda r: r.name)
def test_choice_parameter_objects(row):
    import inspect

    p = row.choice_param
    cls = getattr(fastact, row.cls)
    assert cls().params == row.defaults()
    assert str(inspect.signature(cls)) == "(%s=%r)" % (p.name, p.default)
    x = np.linspace(-5, 5, 41)
    g = np.cos(x)
    for c in p.choices:
        kw = {p.name: c}
        obj = cls(**kw)
        assert obj.params == kw and obj == cls(c) == fastact.get(row.name.upper(), **kw)
        assert repr(obj) == "%s(%s=%r)" % (row.cls, p.name, c)
        f, d, b = (getattr(fastact, row.name + s) for s in ("", "_derivative", "_backward"))
        np.testing.assert_array_equal(obj(x), f(x, **kw))
        np.testing.assert_array_equal(obj.derivative(x), d(x, **kw))
        np.testing.assert_array_equal(obj.backward(g, x), b(g, x, **kw))
        out = np.empty_like(x)
        assert obj.forward(x, out=out) is out
    assert len({repr(cls(c)) for c in p.choices}) == len(p.choices)
    assert cls(p.choices[0]) != cls(p.choices[-1])


def test_presets():
    # every non-default kernel of a choice row is a name of get(): the row with its choice
    assert catalogue.PRESETS  # (gelu_tanh)
    for name, (row_name, params) in catalogue.PRESETS.items():
        obj = fastact.get(name)
        assert obj == fastact.get(row_name, **params) and obj.params == params
        assert fastact.get(" %s " % name.upper()) == obj
        (p,) = params
        with pytest.raises(TypeError, match=r"\b%s\b" % p):
            fastact.get(name, **{p: params[p]})
        assert name not in fastact.available()
    assert repr(fastact.get("gelu_tanh")) == "GELU(approximate='tanh')"
    assert fastact.GELU().params == {"approximate": "none"}
    with pytest.raises(ValueError, match="presets: gelu_tanh"):
        fastact.get("gelu_bogus")


def _outcome(call):
    """A call's result bytes and dtype, or its exception's type and message."""
    try:
        r = call()
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)
    if isinstance(r, tuple):  # (gated_backward's pair)
        return tuple((a.dtype, a.tobytes()) for a in r)
    return r.dtype, r.tobytes()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_bound_objects_equal_the_functions_for_every_parameter_set(name):
    # The objects bind their kernel and parameters once (fastact._dispatch.Bound): every
    # parameter set the tests sweep, in every pass and both dtypes, gives the function's bits;
    # backward from y= where the parameters rule it out, or the row has no y form, and a
    # backward with neither x nor y raise the function's error.
    f, d, b = (getattr(fastact, name + s) for s in ("", "_derivative", "_backward"))
    for params in param_sets(name):
        obj = fastact.get(name, **params)
        for dtype in (np.float32, np.float64):
            x = mixed_values(48, dtype, seed=3)
            g = grads(48, dtype, seed=4)
            y = f(x, **params)
            assert _outcome(lambda: obj(x)) == _outcome(lambda: f(x, **params))
            assert _outcome(lambda: obj.derivative(x)) == _outcome(lambda: d(x, **params))
            assert _outcome(lambda: obj.backward(g, x)) == _outcome(lambda: b(g, x, **params))
            assert _outcome(lambda: obj.backward(g, y=y)) == _outcome(
                lambda: b(g, y=y, **params))
            assert _outcome(lambda: obj.backward(g)) == _outcome(lambda: b(g, None, **params))
            assert _outcome(lambda: obj.backward(g, x, y=y)) == _outcome(
                lambda: b(g, x, y=y, **params))


BOUND = ELEMENTWISE + [r.name for r in catalogue.rows("axis") + catalogue.rows("gate")]


@pytest.mark.parametrize("name", BOUND)
def test_object_params_are_read_only(name):
    # the kernel and parameters are bound when the object is made: a changed params dict
    # would be silently ignored, so it refuses every change
    obj = fastact.get(name, **needed_params(name))
    before = dict(obj.params)
    key = next(iter(before), "alpha")
    for change in (lambda p: p.__setitem__(key, 0.5), lambda p: p.update({key: 0.5}),
                   lambda p: p.pop(key), lambda p: p.clear(), lambda p: p.popitem(),
                   lambda p: p.setdefault("z", 1), lambda p: p.__delitem__(key),
                   lambda p: p.__ior__({key: 0.5})):
        with pytest.raises(TypeError, match="params: read-only"):
            change(obj.params)
    assert obj.params == before and isinstance(obj.params, dict)
    assert obj.params.copy() == before and type(obj.params.copy()) is dict


@pytest.mark.parametrize("name", BOUND)
def test_objects_pickle_and_copy(name):
    import copy
    import pickle

    row = catalogue.row(name)
    sets = (param_sets(name) if name in ELEMENTWISE else
            [{"axis": 0, "activation": "tanh"} if row.halves else {"activation": "tanh"}]
            if row.kind == "gate" else [{"axis": 0}])
    x = mixed_values(24, np.float64, seed=5).reshape(4, 6)
    args = (x, x[::-1].copy()) if row.kind == "gate" and not row.halves else (x,)
    for params in sets:
        obj = fastact.get(name, **params)
        for twin in (pickle.loads(pickle.dumps(obj)), copy.copy(obj), copy.deepcopy(obj)):
            assert type(twin) is type(obj) and twin == obj and twin.params == obj.params
            assert twin(*args).tobytes() == obj(*args).tobytes()


def test_an_object_made_without_init_refuses_to_compute():
    x = np.ones(4)
    for name in ("relu", "gelu", "softmax", "glu", "gated"):
        cls = type(fastact.get(name))
        bare = cls.__new__(cls)
        args = (x, x) if name == "gated" else (x,)
        with pytest.raises(RuntimeError, match="not bound"):
            bare(*args)
        with pytest.raises(RuntimeError, match="not bound"):
            bare.forward(*args)
        with pytest.raises(RuntimeError, match="not bound"):
            bare.backward(x, *args)


@pytest.mark.parametrize("name", [r.name for r in catalogue.rows("gate")])
def test_bound_gate_objects_equal_the_functions(name):
    # The gate objects keep the activation's kernel (fastact._dispatch.BoundGate) and take the
    # compiled fast paths; what those decline (lists, a strided input, an out= that overlaps,
    # a wrong count of arrays) goes through fastact._gates: the same bits or the same error.
    from fastact import _gates

    row = catalogue.row(name)
    f, b = getattr(fastact, name), getattr(fastact, name + "_backward")
    for act in _gates.ACTIVATIONS:
        kw = {"activation": act, **({"axis": 0} if row.halves else {})}
        obj = fastact.get(name, **kw)
        for dtype in (np.float32, np.float64):
            x = mixed_values(48, dtype, seed=6).reshape(8, 6)
            u = mixed_values(48, dtype, seed=7).reshape(8, 6)
            ins = [(x,), (x[:, ::2],), (x.tolist(),)] if row.halves else [
                (x, u), (x[:, ::2], u[:, ::2]), (x.tolist(), u)]
            grad = np.ones_like(f(*ins[0], **kw))
            for a in ins + [(), (x, u, x)]:
                y = _outcome(lambda: f(*a, out=None, **kw))
                assert _outcome(lambda: obj(*a)) == y
                assert _outcome(lambda: obj.forward(*a)) == y
                assert _outcome(lambda: obj.backward(grad, *a)) == _outcome(
                    lambda: b(grad, *a, out=None, **kw))


class _MyGELU(fastact.GELU):
    """A user's subclass (module level: pickled by reference)."""


def test_a_subclass_pickles_as_itself():
    import pickle

    obj = _MyGELU(approximate="tanh")
    twin = pickle.loads(pickle.dumps(obj))
    x = np.linspace(-3, 3, 13)
    assert type(twin) is _MyGELU and twin.params == {"approximate": "tanh"}
    assert twin(x).tobytes() == fastact.gelu(x, approximate="tanh").tobytes()


def test_a_per_channel_object_pickles_with_its_weight():
    import copy
    import pickle

    obj = fastact.PReLU(weight=np.array([0.1, 0.2, 0.3]), axis=0)
    x = -np.ones((3, 4))
    for twin in (pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj)):
        assert type(twin) is fastact.PReLU and twin == obj
        assert twin(x).tobytes() == obj(x).tobytes()
    twin.weight = np.array([1.0, 2.0, 3.0])  # (its weight stays settable, apart from obj's)
    assert np.array_equal(obj.weight, [0.1, 0.2, 0.3])
