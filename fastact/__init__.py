"""fastact: fast, accurate activation functions and their derivatives for NumPy on the CPU.

Every elementwise function f in (identity, relu, leaky_relu, elu, selu, sigmoid, tanh) comes as
``f(x)``, ``f_derivative(x)`` and ``f_backward(grad, x=None, *, y=None)``; PReLU, softmax and
log_softmax have their own signatures. All take ``out=`` (``out=x`` is in place) and compute
float32 and float64 natively in compiled kernels that release the GIL.
"""
from ._api import (
    elu, elu_backward, elu_derivative,
    identity, identity_backward, identity_derivative,
    leaky_relu, leaky_relu_backward, leaky_relu_derivative,
    linear, linear_backward, linear_derivative,
    log_softmax, log_softmax_backward,
    prelu, prelu_backward, prelu_derivative,
    relu, relu_backward, relu_derivative,
    selu, selu_backward, selu_derivative,
    sigmoid, sigmoid_backward, sigmoid_derivative,
    softmax, softmax_backward,
    tanh, tanh_backward, tanh_derivative,
)
from ._objects import (
    ELU, SELU, Activation, Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax,
    Tanh, available, get,
)
from . import reference

__version__ = "0.1.0"


def show_config():
    """Print how this fastact was built and what it runs on."""
    import platform
    import sys

    import numpy

    from ._kernels import _elementwise

    lines = [
        "fastact %s" % __version__,
        "python %s on %s (%s)" % (platform.python_version(), sys.platform, platform.machine()),
        "numpy %s" % numpy.__version__,
        "kernels: %s" % _elementwise.__file__,
        "instruction set: one portable build for the platform's baseline (no per-CPU dispatch yet)",
        "threads: 1 (kernels run single-threaded and release the GIL)",
    ]
    print("\n".join(lines))


__all__ = [
    name for name in dir()
    if not name.startswith("_") and name not in ("show_config",)
] + ["show_config"]
