"""Activation objects: a function family bound to its parameters, as returned by get()."""
import inspect

import numpy as np

from . import _catalogue
from ._kernels import _dispatch


def _check_axis_type(axis):
    """Objects check the axis type at construction; its range is checked against each x."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
    return int(axis)


def _bind(obj, args, params):
    """args and params of a constructor as {name: value}, the defaults filled in (the class's
    _defaults(), in order); the errors name the function, as the elementwise classes' do."""
    defaults = type(obj)._defaults()
    names = tuple(n for n, _ in defaults)
    if len(args) > len(names):
        raise TypeError("%s() takes at most %d positional arguments (%s) but %d were given"
                        % (type(obj).__name__, len(names), ", ".join(names), len(args)))
    for n, v in zip(names, args):
        if n in params:
            raise TypeError("%s() got multiple values for argument %r"
                            % (type(obj).__name__, n))
        params[n] = v
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise TypeError("%s: unexpected parameter %s; it takes %s"
                        % (obj.name, ", ".join(unknown), ", ".join(names)))
    return dict(defaults, **params)


class Activation:
    """Base class: `forward` (also `__call__`), `backward`, `name`, `params`, a readable repr."""

    name = None

    def __init__(self, **params):
        self.params = params

    def __call__(self, x, *, out=None):
        return self.forward(x, out=out)

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in self.params.items())
        return "%s(%s)" % (type(self).__name__, args)

    def __reduce__(self):
        # (pickle, copy: made again by the constructor, which checks the parameters and binds
        # the kernel of the compiled bases; a subclass comes back as itself)
        return _rebuild, (type(self), dict(self.params))

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return all(
            np.array_equal(self.params[k], other.params[k]) for k in self.params
        )

    __hash__ = None


class _Params(dict):
    """An elementwise, axis or gate object's parameters: read-only, as the object computes
    with the values checked when it was made (fastact._dispatch.Bound, BoundAxis,
    BoundGate)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("params: read-only (the parameters are checked once, when the object "
                        "is made); make a new object with the new values")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _refuse
    __ior__ = _refuse

    def copy(self):
        return dict(self)

    def __reduce__(self):
        return dict, (dict(self),)


class _Elementwise(_dispatch.Bound, Activation):
    """An elementwise activation: forward (also the call), derivative and backward (from x or
    from y), by the compiled base class (fastact._dispatch.Bound) with the parameters bound
    once."""

    _backward = None  # (the public backward function: _backward_slow)

    def __init__(self, **params):
        self.params = _Params(params)
        self._bind(self.name, self.params)

    def _backward_slow(self, grad, x, y, out):
        """The public backward function with the parameters (what Bound's fast path does not
        take: its checks and messages)."""
        # (y only when given: a function without a y form has no y= keyword)
        kw = {} if y is None else {"y": y}
        return type(self)._backward(grad, x, out=out, **kw, **self.params)


def _rebuild(cls, params):
    """An object from its class and parameters (Activation.__reduce__)."""
    return cls(**params)


def bind_params(row, args, params):
    """A row's parameters from a constructor's positional and keyword arguments (in the row's
    order), checked by the row's generated rules (fastact._dispatch.check_params)."""
    names = row.param_names
    if len(args) > len(names):
        raise TypeError("%s() takes %d positional argument%s (%s) but %d were given" % (
            row.cls, len(names), "" if len(names) == 1 else "s", ", ".join(names) or
            "none", len(args)))
    for n, v in zip(names, args):
        if n in params:
            raise TypeError("%s() got multiple values for argument %r" % (row.cls, n))
        params[n] = v
    return _dispatch.check_params(row.name, params)


def _elementwise_class(row):
    """The class of an elementwise catalogue row: __init__ takes the row's parameters
    (keyword or positional, defaults from the table), checked by the same generated rules
    as the function calls."""

    def __init__(self, *args, **params):
        _Elementwise.__init__(self, **bind_params(row, args, params))

    __init__.__qualname__ = row.cls + ".__init__"  # error messages name the class
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                             **({} if p.required else {"default": p.default}))
           for p in row.params])
    doc = "%s: %s.\n\nDerivative: %s." % (row.cls, row.summary, row.derivative)
    namespace = {
        "name": row.name,
        "__doc__": doc,
        "_backward": staticmethod(getattr(_dispatch, row.name + "_backward")),
        "__module__": "fastact",
        "__qualname__": row.cls,
        "__init__": __init__,
    }
    return type(row.cls, (_Elementwise,), namespace)


class _PerChannel(Activation):
    """A per-channel activation with a learnable weight: one slope, or one per channel along
    `axis`. `backward` returns (grad_x, grad_weight); update `weight` in place or reassign it.
    """

    _forward = _derivative = _backward = None

    @classmethod
    def _defaults(cls):
        return (("weight", 0.25), ("axis", 1))

    def __init__(self, *args, **params):
        params = _bind(self, args, params)
        from . import _api
        w = _api._numbers("weight", params["weight"])  # (TypeError as a call would give)
        if w.ndim > 1:
            raise ValueError("weight: must be a scalar or 1-D, got shape %s" % (w.shape,))
        super().__init__(weight=params["weight"], axis=_check_axis_type(params["axis"]))

    @property
    def weight(self):
        return self.params["weight"]

    @weight.setter
    def weight(self, value):
        self.params["weight"] = value

    def forward(self, x, *, out=None):
        p = self.params
        return type(self)._forward(x, p["weight"], axis=p["axis"], out=out)

    __call__ = forward  # (one Python frame, not two: the weight is read on each call)

    def derivative(self, x, *, out=None):
        return type(self)._derivative(x, self.weight, axis=self.params["axis"], out=out)

    def backward(self, grad, x, *, out=None):
        return type(self)._backward(grad, x, self.weight, axis=self.params["axis"], out=out)


class _Normalized(_dispatch.BoundAxis, Activation):
    """A function along an axis: forward (also the call) and the vector-Jacobian product from
    y, by the compiled base class (fastact._dispatch.BoundAxis) with the axis bound once."""

    @classmethod
    def _defaults(cls):
        return (("axis", -1),)

    def __init__(self, *args, **params):
        axis = _check_axis_type(_bind(self, args, params)["axis"])
        self.params = _Params(axis=axis)
        self._bind(self.name, axis)



class _Gate(_dispatch.BoundGate, Activation):
    """A gate: forward(value, gate) = value * act(gate) (gated), or forward(x) on the halves of
    x along `axis` (glu); backward returns the gradients of the inputs. `activation`: any
    parameter-free elementwise function (checked at construction; stored by its row name).
    The compiled base (fastact._dispatch.BoundGate) holds the activation's kernel."""

    _forward = _backward = None
    _halves = False
    _activation = None

    @classmethod
    def _defaults(cls):
        return ((("axis", -1),) if cls._halves else ()) + (("activation", cls._activation),)

    def __init__(self, *args, **params):
        params = _bind(self, args, params)
        from . import _gates
        values = {}
        if self._halves:
            values["axis"] = _check_axis_type(params["axis"])
        act = _gates.activation_index(params["activation"])
        values["activation"] = _gates.ACTIVATIONS[act]
        self.params = _Params(values)
        self._bind(act, self._halves, values.get("axis", -1))

    def _forward_slow(self, arrays, out):
        return type(self)._forward(*arrays, out=out, **self.params)

    def _backward_slow(self, grad, arrays, out):
        return type(self)._backward(grad, *arrays, out=out, **self.params)



def _class(row):
    """The class of a catalogue row: generated for elementwise rows, a subclass of the kind's
    base class (its methods) for the others."""
    if row.kind == "elementwise":
        return _elementwise_class(row)
    base = {"per_channel": _PerChannel, "axis": _Normalized, "gate": _Gate}[row.kind]
    if row.kind == "gate":
        from . import _gates
        fns = [getattr(_gates, n) for n in row.public_names()]
    else:
        fns = [getattr(_dispatch, n) for n in row.public_names()]
    namespace = {
        "name": row.name,
        "__doc__": "%s: %s.\n\n%s" % (row.cls, row.summary, base.__doc__.strip()),
        "__module__": "fastact",
        "__qualname__": row.cls,
    }
    if row.kind != "axis":  # (the axis objects call the kernels through BoundAxis)
        namespace["_forward"] = staticmethod(fns[0])
        namespace["_backward"] = staticmethod(fns[-1])
    if row.kind == "gate":
        namespace["_halves"] = row.halves
        namespace["_activation"] = row.activation
    if len(fns) == 3:
        namespace["_derivative"] = staticmethod(fns[1])
    cls = type(row.cls, (base,), namespace)

    def __init__(self, *args, **params):  # (the base's, with the class's signature for help())
        base.__init__(self, *args, **params)

    __init__.__qualname__ = row.cls + ".__init__"
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d)
           for n, d in cls._defaults()])
    cls.__init__ = __init__
    return cls


CLASSES = {row.name: _class(row) for row in _catalogue.ROWS}
ALIASES = dict(_catalogue.ALIASES)


def available():
    """The names `get` accepts, in catalogue order (besides the aliases and the presets)."""
    return list(CLASSES)


def resolve(name, params, who="get"):
    """(row name, params) for a name, alias or preset of get(): a preset (the catalogue's
    PRESETS: <row>_<choice>) binds its choice, which params may not give again."""
    key, preset = _catalogue.resolve_preset(name)
    if key is None:
        raise ValueError(
            "name: unknown activation %r; available: %s (aliases: %s; presets: %s)"
            % (name, ", ".join(CLASSES), ", ".join(sorted(ALIASES)),
               ", ".join(sorted(_catalogue.PRESETS)))
        )
    both = sorted(set(preset) & set(params))
    if both:
        raise TypeError("%s: %r is %s with %s; do not pass %s" % (
            who, name, key, ", ".join("%s=%r" % kv for kv in preset.items()), ", ".join(both)))
    return key, dict(preset, **params)


def get(name, **params):
    """The activation object for `name` with `params`, e.g. get('softmax', axis=0); `name`
    may be an alias or a preset (a function with a choice bound: get('<row>_<choice>') is
    the row's object with that choice, _catalogue.PRESETS).

    An Activation passed as `name` is returned as it is.
    """
    if isinstance(name, Activation):
        if params:
            raise TypeError("get: parameters given with an activation object %r" % (name,))
        return name
    if not isinstance(name, str):
        raise TypeError("name: expected a str, got %s" % type(name).__name__)
    key, params = resolve(name, params)
    return CLASSES[key](**params)
