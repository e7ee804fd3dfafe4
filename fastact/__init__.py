"""fastact: fast, accurate activation functions and their derivatives for NumPy on the CPU.

Every elementwise function f of the catalogue comes as ``f(x)``, ``f_derivative(x)`` and
``f_backward(grad, x=None, *, y=None)``; per-channel functions (prelu) and functions along an
axis (softmax, log_softmax) have their own signatures. All take ``out=`` (``out=x`` is in
place) and compute float32 and float64 natively in compiled kernels that release the GIL.
``available()`` lists the functions, ``get(name, **params)`` gives an activation object.
Also: ``fastact.init`` (weight initialisers and gains), ``softmax_cross_entropy`` and
``sigmoid_binary_cross_entropy`` (fused losses with their gradient), ``plot()`` (each
function and its derivative as a matplotlib figure; needs ``fastact[plot]``).
"""
import os as _os

try:
    from ._kernels import _dispatch
except ImportError as _exc:  # a source tree without built kernels (or a broken install)
    _where = _os.path.dirname(_os.path.abspath(__file__))
    raise ImportError(
        "fastact's compiled kernels are missing from %s (%s).\n"
        "If this is the source tree (a clone of the repository), install the package with "
        "`pip install .` and import it from another directory: Python puts the current "
        "directory first on sys.path, so the source tree shadows the installed package. "
        "For development in place: `python setup.py build_ext --inplace`." % (_where, _exc)
    ) from _exc
from ._kernels._dispatch import config, get_num_threads, set_num_threads
from . import _catalogue
from ._objects import CLASSES as _CLASSES, Activation, available, get
from . import _api, reference
# beyond the catalogue's functions: initialisers, fused losses, pictures (fastact._plot imports
# matplotlib only when plot() is called: `import fastact` never imports it)
from . import init, loss
from .loss import sigmoid_binary_cross_entropy, softmax_cross_entropy
from ._plot import plot

# the public functions and classes of every catalogue row, and the aliases
from . import _gates
for _row in _catalogue.ROWS:
    _module = _gates if _row.kind == "gate" else _dispatch
    for _name in _row.public_names():
        globals()[_name] = getattr(_module, _name)
    globals()[_row.cls] = _CLASSES[_row.name]
    for _alias in _row.aliases:
        for _name in _row.public_names():
            globals()[_alias + _name[len(_row.name):]] = getattr(_module, _name)
del _row, _name, _module

__version__ = "0.1.0"

from . import _threadpool

_threadpool.register()  # threadpoolctl's threadpool_limits() / threadpool_info(), if installed


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
        "threads: %d per call (set_num_threads / FASTACT_NUM_THREADS), run by the %s"
        % (cfg["num_threads"], cfg["threads"]),
    ]
    print("\n".join(lines))


__all__ = sorted(
    name for name in dir()
    if not name.startswith("_") and name not in ("show_config", "reference")
) + ["show_config", "reference"]
