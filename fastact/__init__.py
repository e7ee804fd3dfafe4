"""fastact: fast, accurate activation functions and their derivatives for NumPy on the CPU.

Every elementwise function f in (identity, relu, leaky_relu, elu, selu, sigmoid, tanh) comes as
``f(x)``, ``f_derivative(x)`` and ``f_backward(grad, x=None, *, y=None)``; PReLU, softmax and
log_softmax have their own signatures. All take ``out=`` (``out=x`` is in place) and compute
float32 and float64 natively in compiled kernels that release the GIL.
"""
from ._kernels._dispatch import (
    elu, elu_backward, elu_derivative,
    identity, identity_backward, identity_derivative,
    leaky_relu, leaky_relu_backward, leaky_relu_derivative,
    log_softmax, log_softmax_backward,
    prelu, prelu_backward, prelu_derivative,
    relu, relu_backward, relu_derivative,
    selu, selu_backward, selu_derivative,
    sigmoid, sigmoid_backward, sigmoid_derivative,
    softmax, softmax_backward,
    tanh, tanh_backward, tanh_derivative,
    config, get_num_threads, set_num_threads,
)
from ._objects import (
    ELU, SELU, Activation, Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax,
    Tanh, available, get,
)
from . import _api, reference

linear, linear_derivative, linear_backward = identity, identity_derivative, identity_backward

__version__ = "0.1.0"


def show_config():
    """Print how this fastact was built and what it runs on (see also `config()`)."""
    import platform
    import sys

    import numpy

    cfg = config()
    lines = [
        "fastact %s" % __version__,
        "python %s on %s (%s)" % (platform.python_version(), sys.platform, platform.machine()),
        "numpy %s" % numpy.__version__,
        "instruction-set levels compiled: %s" % ", ".join(cfg["isa_compiled"]),
        "levels this CPU runs: %s" % ", ".join(cfg["isa_available"]),
        "level in use: %s (FASTACT_CPU forces a lower one)" % cfg["isa"],
        "fused multiply-add: %s (written out in the formulas, never contracted: every level "
        "computes the same bits)" % cfg["fma"],
        "OpenMP: %s" % ("yes" if cfg["openmp"] else "no (single-threaded build)"),
        "threads: %d (set_num_threads / FASTACT_NUM_THREADS)" % cfg["num_threads"],
    ]
    print("\n".join(lines))


__all__ = [
    name for name in dir()
    if not name.startswith("_") and name not in ("show_config",)
] + ["show_config"]
