"""Weight initialisers and the gains of ``torch.nn.init``, for NumPy arrays.

``calculate_gain(name, param=None)`` gives PyTorch's recommended gain of a nonlinearity, read
from the catalogue (``Row.gain`` in fastact/_catalogue.py; the convolution names of
``_catalogue.LINEAR_LAYERS``: 1). A row's gain is a number, or a function of ``param`` (the
leaky ReLU's slope, 0.01 when None, as in PyTorch). The rows without a gain in PyTorch are
refused with a ValueError naming the accepted names: choose the gain of the closest function
(relu's for the smooth ReLU-like rows) or pass the gain yourself by scaling the result.

The initialisers draw a new array of ``shape`` (an int or a tuple of ints), float32 by
default, with NumPy's Generator (``rng``: None, an int seed or a ``np.random.Generator``):

=================  ==========================================  ==================
function           distribution                                default activation
=================  ==========================================  ==================
kaiming_normal     N(0, std^2), std = gain / sqrt(fan)         relu (sqrt 2)
kaiming_uniform    U(-b, b), b = gain * sqrt(3 / fan)          relu (sqrt 2)
xavier_normal      std = gain * sqrt(2 / (fan_in + fan_out))   linear (1)
xavier_uniform     b = gain * sqrt(6 / (fan_in + fan_out))     linear (1)
lecun_normal       std = gain / sqrt(fan)                      linear (1)
orthogonal         gain * a (semi-)orthogonal matrix           linear (1)
=================  ==========================================  ==================

fan is fan_in (``mode="fan_in"``, the default) or fan_out, computed as PyTorch does:
fan_in = shape[1] * prod(shape[2:]), fan_out = shape[0] * prod(shape[2:]) (at least two
dimensions). The kaiming default, relu, is PyTorch's default too (its leaky ReLU
with a=0 gives the same gain sqrt(2)); pass the leaky ReLU's name and ``param=a`` for PyTorch's
``a``. lecun_normal is the plain (not truncated) normal with variance gain^2 / fan_in
(gain 1, for self-normalizing networks). orthogonal follows ``torch.nn.init.orthogonal_``: the Q of the QR
decomposition of a normal (rows, prod(shape[1:])) matrix (transposed when wider than tall),
its columns' signs fixed by R's diagonal, times the gain.
"""
import math
import numbers
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _catalogue as cat

Shape = Union[int, Sequence[int]]
RNG = Union[None, int, np.random.Generator]

__all__ = ["calculate_gain", "kaiming_normal", "kaiming_uniform", "xavier_normal",
           "xavier_uniform", "lecun_normal", "orthogonal"]

MODES = ("fan_in", "fan_out")
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def gain_names() -> List[str]:
    """Every name calculate_gain accepts: the rows with a gain, their aliases, the linear
    layers PyTorch names."""
    names = []
    for r in cat.ROWS:
        if r.gain is not None:
            names += [r.name] + list(r.aliases)
    return names + list(cat.LINEAR_LAYERS)


def calculate_gain(name: str, param: Optional[float] = None) -> float:
    """The recommended gain of a nonlinearity (torch.nn.init.calculate_gain).

    name: a catalogue function that has a gain in PyTorch (the rows with ``gain``; case and
    aliases as fastact.get takes them) or a PyTorch linear layer name (conv1d, ...,
    conv_transpose3d): gain 1. param: the parameter of a gain that depends on one (the leaky
    ReLU's negative slope; None: 0.01, PyTorch's default); ignored by the others, as in PyTorch.
    """
    if not isinstance(name, str):
        raise TypeError("name: expected a function name (str), got %s" % type(name).__name__)
    key = name.strip().lower()
    if key in cat.LINEAR_LAYERS:
        return 1.0
    row_name = cat.resolve(key)  # type: ignore[no-untyped-call]
    row = cat.BY_NAME.get(row_name) if row_name is not None else None
    if row is None or row.gain is None:
        why = ("PyTorch has no gain for %r" % name if row is not None
               else "unknown nonlinearity %r" % name)
        raise ValueError("name: %s; accepted: %s" % (why, ", ".join(gain_names())))
    if callable(row.gain):
        if param is not None and (isinstance(param, bool)
                                  or not isinstance(param, numbers.Real)):
            raise ValueError("param: the negative slope of %s must be a real number or None, "
                             "got %r" % (row.name, param))
        if param is not None and not math.isfinite(param):
            raise ValueError("param: the negative slope of %s must be finite, got %r"
                             % (row.name, param))
        return float(row.gain(None if param is None else float(param)))
    return float(row.gain)


# --- validation ---------------------------------------------------------------------------------
def _shape(shape: Any, min_dims: int) -> Tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError("shape: expected an int or a tuple of ints, got %s"
                        % type(shape).__name__) from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError("shape: expected a tuple of ints, got %r" % (shape,))
    dims = tuple(int(d) for d in dims)
    if len(dims) < min_dims:
        raise ValueError("shape: needs at least %d dimensions (fan_in = shape[1] * "
                         "prod(shape[2:]), fan_out = shape[0] * prod(shape[2:])), got %r"
                         % (min_dims, dims))
    if any(d < 1 for d in dims):
        raise ValueError("shape: every dimension must be >= 1, got %r" % (dims,))
    return dims


def _fans(dims: Tuple[int, ...]) -> Tuple[int, int]:
    receptive = math.prod(dims[2:])
    return dims[1] * receptive, dims[0] * receptive


def _fan(dims: Tuple[int, ...], mode: Any) -> int:
    if mode not in MODES:
        raise ValueError("mode: expected 'fan_in' or 'fan_out', got %r" % (mode,))
    fan_in, fan_out = _fans(dims)
    return fan_in if mode == "fan_in" else fan_out


def _dtype(dtype: Any) -> Any:
    dt = None
    if dtype is not None:  # (np.dtype(None) would be float64)
        try:
            dt = np.dtype(dtype)
        except TypeError:
            pass
    if dt is None or dt not in DTYPES:
        raise TypeError("dtype: expected float32 or float64, got %r" % (dtype,))
    return dt


def _rng(rng: Any) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError("rng: a seed must be >= 0, got %d" % rng)
        return np.random.default_rng(int(rng))
    raise TypeError("rng: expected None, an int seed or a numpy.random.Generator, got %s"
                    % type(rng).__name__)


def _gain(activation: Any, param: Optional[float]) -> float:
    if not isinstance(activation, str):
        raise TypeError("activation: expected a function name (str), got %s"
                        % type(activation).__name__)
    try:
        return calculate_gain(activation, param)
    except ValueError as exc:
        text = str(exc)
        if text.startswith("name: "):  # the argument is called activation here
            raise ValueError("activation: " + text[len("name: "):]) from None
        raise


def _normal(rng: np.random.Generator, dims: Tuple[int, ...], std: float, dtype: Any
            ) -> NDArray[Any]:
    out = rng.standard_normal(dims, dtype=dtype)
    out *= dtype.type(std)
    return out


def _uniform(rng: np.random.Generator, dims: Tuple[int, ...], bound: float, dtype: Any
             ) -> NDArray[Any]:
    out = rng.random(dims, dtype=dtype)  # [0, 1)
    out *= dtype.type(2 * bound)
    out -= dtype.type(bound)
    return out


# --- initialisers -------------------------------------------------------------------------------
def kaiming_normal(shape: Shape, *, activation: str = "relu", param: Optional[float] = None,
                   mode: str = "fan_in", rng: RNG = None, dtype: DTypeLike = np.float32
                   ) -> NDArray[Any]:
    """He et al. (2015): N(0, std^2), std = gain(activation, param) / sqrt(fan)."""
    dims, dt, g = _shape(shape, 2), _dtype(dtype), _gain(activation, param)
    fan = _fan(dims, mode)
    return _normal(_rng(rng), dims, g / math.sqrt(fan), dt)


def kaiming_uniform(shape: Shape, *, activation: str = "relu", param: Optional[float] = None,
                    mode: str = "fan_in", rng: RNG = None, dtype: DTypeLike = np.float32
                    ) -> NDArray[Any]:
    """He et al. (2015): U(-b, b), b = gain(activation, param) * sqrt(3 / fan)."""
    dims, dt, g = _shape(shape, 2), _dtype(dtype), _gain(activation, param)
    fan = _fan(dims, mode)
    return _uniform(_rng(rng), dims, g * math.sqrt(3.0 / fan), dt)


def xavier_normal(shape: Shape, *, activation: str = "linear", param: Optional[float] = None,
                  rng: RNG = None, dtype: DTypeLike = np.float32) -> NDArray[Any]:
    """Glorot & Bengio (2010): N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    dims, dt, g = _shape(shape, 2), _dtype(dtype), _gain(activation, param)
    fan_in, fan_out = _fans(dims)
    return _normal(_rng(rng), dims, g * math.sqrt(2.0 / (fan_in + fan_out)), dt)


def xavier_uniform(shape: Shape, *, activation: str = "linear", param: Optional[float] = None,
                   rng: RNG = None, dtype: DTypeLike = np.float32) -> NDArray[Any]:
    """Glorot & Bengio (2010): U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))."""
    dims, dt, g = _shape(shape, 2), _dtype(dtype), _gain(activation, param)
    fan_in, fan_out = _fans(dims)
    return _uniform(_rng(rng), dims, g * math.sqrt(6.0 / (fan_in + fan_out)), dt)


def lecun_normal(shape: Shape, *, activation: str = "linear", param: Optional[float] = None,
                 mode: str = "fan_in", rng: RNG = None, dtype: DTypeLike = np.float32
                 ) -> NDArray[Any]:
    """LeCun et al. (1998): N(0, std^2), std = gain / sqrt(fan) (plain, not truncated): the
    normal Kaiming initialiser with the linear gain by default."""
    return kaiming_normal(shape, activation=activation, param=param, mode=mode, rng=rng,
                          dtype=dtype)


def orthogonal(shape: Shape, *, activation: str = "linear", param: Optional[float] = None,
               rng: RNG = None, dtype: DTypeLike = np.float32) -> NDArray[Any]:
    """Saxe et al. (2014), as torch.nn.init.orthogonal_: gain times a matrix with orthonormal
    rows or columns (whichever are fewer), reshaped to shape[0] x prod(shape[1:])."""
    dims, dt, g = _shape(shape, 2), _dtype(dtype), _gain(activation, param)
    rows, cols = dims[0], math.prod(dims[1:])
    a = _rng(rng).standard_normal((rows, cols))  # float64: the QR in double precision
    if rows < cols:
        a = a.T
    q, r = np.linalg.qr(a)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)  # the signs of torch's q * sign(diag(r))
    if rows < cols:
        q = q.T
    return (q * g).astype(dt).reshape(dims)
