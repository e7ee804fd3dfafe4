"""fastact.plot: each activation and its derivative, as textbooks draw them, computed by the
fastact kernels themselves (``fastact plot`` on the command line).

The module imports matplotlib only inside ``plot()`` / ``save()``: ``import fastact`` never
imports it, and the numerical helpers (``curves``, ``kinks``, ``flat_regions``) need NumPy only.
It is private (``fastact._plot``) so that ``fastact.plot`` stays the function: a public
submodule of that name would replace the function on the package when imported.

What is drawn, per catalogue row (``fastact._catalogue.ROWS``, in table order):

* elementwise rows: f(x) and f'(x) (``f_derivative``) with the row's default parameters, or
  those given in ``params={name: {...}}``;
* prelu: with weight 0.25 (PyTorch's initial PReLU slope) unless ``params`` gives one;
* softmax and log_softmax (along an axis): the two-class curve, softmax([x, 0])[0] (which is
  sigmoid(x)) and log_softmax([x, 0])[0] (logsigmoid(x)), with d/dx of that component from
  the backward kernel (the vector-Jacobian product with grad = [1, 0]);
* kinks: the points where f' jumps, found numerically from the derivative kernel (a jump of
  the sampled f' that survives bisection down to a width of 1e-12), marked on f' (and on f);
* saturation: where |f'(x)| < ``saturation`` (0.01 by default; 0 draws none), shaded: the
  vanishing-gradient regions.
"""
import os

import numpy as np

from . import _catalogue as cat

PRELU_WEIGHT = 0.25  # torch.nn.PReLU's initial slope
SATURATION = 0.01
POINTS = 1201
SHADE = "0.86"
_irange = range  # plot() has a parameter named range
MISSING = "fastact.plot needs matplotlib, an optional dependency: pip install fastact[plot]"


# --- arguments ------------------------------------------------------------------------------
def _entry(name):
    """What a name draws: a row name, or a preset's name (a row with its choice parameter
    bound, such as gelu_tanh, as fastact.get takes it); None if unknown."""
    key = name.strip().lower()
    return key if key in cat.PRESETS else cat.resolve(key)


def resolve_names(names):
    """The names to draw: row names, and presets (gelu_tanh) by their own name (None: every
    row; a str: one, or several comma-separated)."""
    if names is None:
        return [r.name for r in cat.ROWS]
    if isinstance(names, str):
        names = [names]
    try:
        items = list(names)
    except TypeError:
        raise TypeError("names: expected None, a function name or a sequence of names, got %s"
                        % type(names).__name__) from None
    out, bad = [], []
    for item in items:
        if not isinstance(item, str):
            raise TypeError("names: expected function names (str), got %s"
                            % type(item).__name__)
        for part in (p for p in item.split(",") if p.strip()):
            name = _entry(part)
            if name is None:
                bad.append(part.strip())
            elif name not in out:
                out.append(name)
    if bad:
        raise ValueError("names: unknown %s; choose from %s" % (
            ", ".join(repr(b) for b in bad),
            ", ".join(sorted([r.name for r in cat.ROWS] + list(cat.ALIASES)
                             + list(cat.PRESETS)))))
    if not out:
        raise ValueError("names: give at least one function name (or None for all)")
    return out


def _real(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError("%s: expected a real number, got %s" % (what, type(value).__name__))
    value = float(value)
    if not np.isfinite(value):
        raise ValueError("%s: must be finite, got %r" % (what, value))
    return value


def check_range(range_):
    try:
        lo, hi = range_
    except (TypeError, ValueError):
        raise TypeError("range: expected two numbers (lo, hi), got %r" % (range_,)) from None
    lo, hi = _real(lo, "range"), _real(hi, "range")
    if not lo < hi:
        raise ValueError("range: needs lo < hi, got (%r, %r)" % (lo, hi))
    return lo, hi


def _params(name, params):
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise TypeError("params: expected a dict {function name: {parameter: value}}, got %s"
                        % type(params).__name__)
    for key in params:
        if not isinstance(key, str) or _entry(key) is None:
            raise ValueError("params: unknown function %r" % (key,))
    for key, value in params.items():
        if _entry(key) == name:
            if not isinstance(value, dict):
                raise TypeError("params[%r]: expected a dict of parameters, got %s"
                                % (key, type(value).__name__))
            return dict(value)
    return {}


# --- numbers ----------------------------------------------------------------------------------
def curves(name, x, params=None):
    """(f(x), f'(x)) of a catalogue function in float64, from the fastact kernels.

    Axis rows give the two-class curve softmax([x, 0])[0] and its d/dx; prelu takes
    ``weight`` from params (default 0.25)."""
    import fastact

    r = cat.row(cat.resolve(name) or name)
    p = dict(params or {})
    if r.kind == "elementwise":  # (a required parameter at its first sample: threshold's)
        p = dict(r.required_params(), **p)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        if r.kind == "elementwise":
            return (getattr(fastact, r.name)(x, **p),
                    getattr(fastact, r.name + "_derivative")(x, **p))
        if r.kind == "gate":  # value 1: the curve of the default activation through the gate
            one = np.ones_like(x)
            if r.halves:
                pair = np.stack([one, x], axis=-1)
                return (fastact.glu(pair, axis=-1)[..., 0],
                        fastact.glu_backward(one[..., None], pair, axis=-1)[..., 1])
            return fastact.gated(one, x), fastact.gated_backward(one, one, x)[1]
        if r.kind == "per_channel":
            w = p.pop("weight", PRELU_WEIGHT)
            return (getattr(fastact, r.name)(x, w, axis=0, **p),
                    getattr(fastact, r.name + "_derivative")(x, w, axis=0, **p))
        pair = np.stack([x, np.zeros_like(x)], axis=-1)
        y = getattr(fastact, r.name)(pair, axis=-1)
        grad = np.zeros_like(pair)
        grad[..., 0] = 1.0
        d = getattr(fastact, r.name + "_backward")(grad, y=y, axis=-1)
        return y[..., 0].copy(), d[..., 0].copy()


def kinks(name, range_=(-6, 6), params=None, points=4001):
    """The points of [lo, hi] where the derivative kernel jumps, ascending.

    f' is sampled on `points` points; each step where it changes more than its neighbours
    (and more than 1e-6 of its scale) is bisected on the kernel down to adjacent floats or a
    width of 1e-12; it is a kink if f' still changes there by more than half the sampled step
    (a smooth steep f' does not). The kink is the last point with the left value (the kernels
    take the left branch at a kink), rounded to 9 decimals."""
    lo, hi = check_range(range_)

    def d(t):
        return float(curves(name, np.array([t]), params)[1][0])

    x = np.linspace(lo, hi, points)
    dx = curves(name, x, params)[1]
    step = np.abs(np.diff(dx))
    step = np.where(np.isfinite(step), step, 0.0)
    scale = max(1.0, float(np.nanmax(np.abs(dx))) if np.isfinite(dx).any() else 1.0)
    left = np.concatenate([[0.0], step[:-1]])
    right = np.concatenate([step[1:], [0.0]])
    found = []
    for i in np.flatnonzero((step > 1e-6 * scale) & (step >= left) & (step >= right)):
        a, b, da, db = x[i], x[i + 1], dx[i], dx[i + 1]
        for _ in range(80):
            m = 0.5 * (a + b)
            if m <= a or m >= b or b - a < 1e-12:
                break
            dm = d(m)
            if abs(dm - da) <= abs(dm - db):
                a = m
            else:
                b = m
        if abs(d(b) - d(a)) > 0.5 * step[i]:
            k = round(float(a), 9) + 0.0
            if not found or k != found[-1]:
                found.append(k)
    return found


def flat_regions(x, dfx, saturation=SATURATION):
    """[(x0, x1), ...]: the runs of x where |f'(x)| < saturation (the vanishing gradient)."""
    x = np.asarray(x)
    flat = np.abs(np.asarray(dfx)) < saturation
    if saturation <= 0 or not flat.any():
        return []
    edges = np.diff(np.concatenate([[0], flat.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(float(x[s]), float(x[e])) for s, e in zip(starts, ends)]


# --- drawing ----------------------------------------------------------------------------------
def _matplotlib():
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(MISSING) from exc
    return Figure


def _title(name, p):
    r = cat.row(name)
    if r.kind == "axis":
        return "%s([x, 0])[0]" % name
    if r.kind == "gate":
        return ("%s([1, x])" if r.halves else "%s(1, x)") % name
    if r.kind == "per_channel":
        p = dict({"weight": PRELU_WEIGHT}, **p)
    else:
        p = dict(r.base_params(), **p)
    return name + ("(%s)" % ", ".join(("%s=%r" if isinstance(kv[1], str) else "%s=%g") % kv
                                      for kv in p.items()) if p else "")


def _legend(fig, derivative, saturation):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color="C0", lw=1.8, label="f(x)")]
    if derivative:
        handles.append(Line2D([], [], color="C1", lw=1.4, ls="--", label="f'(x)"))
    handles.append(Line2D([], [], ls="", marker="o", ms=4, color="C3",
                          label="kink (f' jumps)"))
    if saturation > 0:
        handles.append(Patch(color=SHADE, label="|f'(x)| < %g (vanishing gradient)" % saturation))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8,
               frameon=False)


def plot(names=None, *, derivative=True, range=(-6, 6), params=None, saturation=SATURATION,
         points=POINTS, columns=None, out=None, dpi=100):
    """A matplotlib Figure: each function (and its derivative) in a grid of subplots.

    names       None (every function of the catalogue), a name, or a sequence of names
                (aliases and presets such as gelu_tanh accepted, as fastact.get takes them)
    derivative  also draw f' (dashed); kinks and flat regions are drawn either way
    range       (lo, hi) of x
    params      {name: {parameter: value}} for non-default parameters (prelu: weight)
    saturation  shade where |f'| < saturation (the vanishing-gradient regions); 0: none
    points      samples of x per curve
    columns     subplots per row of the grid (default: up to 4)
    out         also save the figure there (.png or .svg)
    dpi         of a saved PNG

    softmax and log_softmax are drawn as the two-class curve softmax([x, 0])[0]. Needs
    matplotlib (``pip install fastact[plot]``); uses no pyplot state or GUI backend.
    """
    Figure = _matplotlib()
    names = resolve_names(names)
    lo, hi = check_range(range)
    saturation = _real(saturation, "saturation")
    if saturation < 0:
        raise ValueError("saturation: must be >= 0, got %r" % saturation)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 16:
        raise ValueError("points: expected an integer >= 16, got %r" % (points,))
    n = len(names)
    if columns is None:
        columns = min(4, n)
    if isinstance(columns, bool) or not isinstance(columns, (int, np.integer)) or columns < 1:
        raise ValueError("columns: expected a positive integer, got %r" % (columns,))
    columns = min(int(columns), n)
    rows_ = -(-n // columns)
    fig = Figure(figsize=(3.3 * columns, 2.5 * rows_), layout="constrained")
    axes = fig.subplots(rows_, columns, squeeze=False)
    x = np.linspace(lo, hi, int(points))
    for i, entry in enumerate(names):
        ax = axes[i // columns][i % columns]
        name, preset = cat.resolve_preset(entry)
        p = dict(preset, **_params(entry, params))
        f, d = curves(name, x, p)
        for a, b in flat_regions(x, d, saturation):
            ax.axvspan(a, b, color=SHADE, lw=0)
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.plot(x, f, color="C0", lw=1.8)
        if derivative:
            ax.plot(x, d, color="C1", lw=1.4, ls="--")
        ks = kinks(name, (lo, hi), p)
        if ks:
            kx = np.array(ks)
            kf, kd = curves(name, kx, p)
            ax.plot(kx, kf, "o", ms=4, color="C3")
            if derivative:
                ax.plot(kx, kd, "o", ms=4, mfc="white", color="C3")
        ax.set_title(_title(name, p), fontsize=9)
        ax.set_xlim(lo, hi)
        ax.tick_params(labelsize=7)
        ax.grid(True, lw=0.3, alpha=0.5)
    for j in _irange(n, rows_ * columns):
        axes[j // columns][j % columns].set_axis_off()
    _legend(fig, derivative, saturation)
    if out is not None:
        save(fig, out, dpi=dpi)
    return fig


def save(fig, path, dpi=100):
    """Write fig to path: PNG or SVG by the file name's extension."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".png", ".svg"):
        raise ValueError("out: expected a file name ending in .png or .svg, got %r" % path)
    fig.savefig(path, format=ext[1:], dpi=dpi)
    return path
