"""Activation objects: a function family bound to its parameters, as returned by get()."""
import numpy as np

from . import _api
from ._kernels import _dispatch


def _check_axis_type(axis):
    """Objects check the axis type at construction; its range is checked against each x."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
    return int(axis)


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

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return all(
            np.array_equal(self.params[k], other.params[k]) for k in self.params
        )

    __hash__ = None


class _Elementwise(Activation):
    """An elementwise activation: forward, derivative and backward (from x or from y)."""

    _forward = _derivative = _backward = None

    def forward(self, x, *, out=None):
        return type(self)._forward(x, out=out, **self.params)

    def derivative(self, x, *, out=None):
        return type(self)._derivative(x, out=out, **self.params)

    def backward(self, grad, x=None, *, y=None, out=None):
        return type(self)._backward(grad, x, y=y, out=out, **self.params)


def _elementwise_class(cls_name, name, doc, alpha=None):
    fns = [getattr(_dispatch, name + suffix) for suffix in ("", "_derivative", "_backward")]
    namespace = {
        "name": name,
        "__doc__": doc,
        "_forward": staticmethod(fns[0]),
        "_derivative": staticmethod(fns[1]),
        "_backward": staticmethod(fns[2]),
        "__module__": "fastact",
        "__qualname__": cls_name,
    }
    if alpha is not None:
        def __init__(self, alpha=alpha):
            Activation.__init__(self, alpha=_api.check_param("alpha", alpha))
    else:
        def __init__(self):
            Activation.__init__(self)
    __init__.__qualname__ = cls_name + ".__init__"  # error messages name the class
    namespace["__init__"] = __init__
    return type(cls_name, (_Elementwise,), namespace)


Identity = _elementwise_class("Identity", "identity", "Identity (linear) activation: x.")
ReLU = _elementwise_class("ReLU", "relu", "ReLU: max(0, x).")
LeakyReLU = _elementwise_class(
    "LeakyReLU", "leaky_relu", "Leaky ReLU: x if x >= 0 else alpha * x.", alpha=0.01
)
ELU = _elementwise_class("ELU", "elu", "ELU: x if x > 0 else alpha * expm1(x).", alpha=1.0)
SELU = _elementwise_class("SELU", "selu", "SELU with the fixed self-normalizing constants.")
Sigmoid = _elementwise_class("Sigmoid", "sigmoid", "Logistic sigmoid 1 / (1 + exp(-x)).")
Tanh = _elementwise_class("Tanh", "tanh", "Hyperbolic tangent.")


class PReLU(Activation):
    """PReLU with a learnable weight: one slope, or one per channel along `axis`.

    `backward` returns (grad_x, grad_weight); update `weight` in place or reassign it.
    """

    name = "prelu"

    def __init__(self, weight=0.25, axis=1):
        if np.ndim(weight) > 1:
            raise ValueError("weight: must be a scalar or 1-D, got shape %s" % (np.shape(weight),))
        super().__init__(weight=weight, axis=_check_axis_type(axis))

    @property
    def weight(self):
        return self.params["weight"]

    @weight.setter
    def weight(self, value):
        self.params["weight"] = value

    def forward(self, x, *, out=None):
        return _dispatch.prelu(x, self.weight, axis=self.params["axis"], out=out)

    def derivative(self, x, *, out=None):
        return _dispatch.prelu_derivative(x, self.weight, axis=self.params["axis"], out=out)

    def backward(self, grad, x, *, out=None):
        return _dispatch.prelu_backward(grad, x, self.weight, axis=self.params["axis"], out=out)


class _Normalized(Activation):
    """softmax / log_softmax along an axis: forward and the vector-Jacobian product from y."""

    _forward = _backward = None

    def __init__(self, axis=-1):
        super().__init__(axis=_check_axis_type(axis))

    def forward(self, x, *, out=None):
        return type(self)._forward(x, axis=self.params["axis"], out=out)

    def backward(self, grad, y, *, out=None):
        return type(self)._backward(grad, y, axis=self.params["axis"], out=out)


class Softmax(_Normalized):
    """Softmax along `axis`; `backward(grad, y)` is the vector-Jacobian product."""

    name = "softmax"
    _forward = staticmethod(_dispatch.softmax)
    _backward = staticmethod(_dispatch.softmax_backward)


class LogSoftmax(_Normalized):
    """Log-softmax along `axis`; `backward(grad, y)` is the vector-Jacobian product."""

    name = "log_softmax"
    _forward = staticmethod(_dispatch.log_softmax)
    _backward = staticmethod(_dispatch.log_softmax_backward)


CLASSES = {
    cls.name: cls
    for cls in (Identity, ReLU, LeakyReLU, ELU, SELU, Sigmoid, Tanh, PReLU, Softmax, LogSoftmax)
}
ALIASES = {"linear": "identity"}


def available():
    """The names `get` accepts (besides the alias 'linear' for 'identity')."""
    return list(CLASSES)


def get(name, **params):
    """The activation object for `name` with `params`, e.g. get('leaky_relu', alpha=0.2).

    An Activation passed as `name` is returned as it is.
    """
    if isinstance(name, Activation):
        if params:
            raise TypeError("get: parameters given with an activation object %r" % (name,))
        return name
    if not isinstance(name, str):
        raise TypeError("name: expected a str, got %s" % type(name).__name__)
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in CLASSES:
        raise ValueError(
            "name: unknown activation %r; available: %s (alias: linear)"
            % (name, ", ".join(CLASSES))
        )
    return CLASSES[key](**params)
