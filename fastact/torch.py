"""PyTorch interop: fastact's kernels as autograd Functions and nn.Modules (optional).

``import fastact.torch`` needs PyTorch (``pip install torch``); ``import fastact`` never imports
it. Everything here is generated from the catalogue rows (fastact/_catalogue.py), one set per
row and alias:

* ``fastact.torch.<name>(t, **params)``: the function, differentiable (``silu(t)``,
  ``softshrink(t, lambd=0.3)`` with keyword parameters, ``prelu(t, weight, axis=1)``,
  ``softmax(t, axis=-1)``);
* ``fastact.torch.<Cls>``: the nn.Module (``SiLU()``, ``ELU(alpha=0.5)``, ``PReLU(num_parameters,
  init=0.25, axis=1)`` with a learnable ``weight``, ``Softmax(axis=-1)``);
* the gates: ``gated(value, gate, *, activation="silu")``, ``glu(x, *, axis=-1,
  activation="sigmoid")``, modules ``Gated(activation)`` and ``GLU(activation, axis=-1)``
  (fastact.gated / fastact.glu and their one-pass backward; other tensors: value * act(gate)
  with the one-input function of the activation);
* ``fastact.torch.<Cls>Function``: the torch.autograd.Function under both;
* ``fastact.torch.get(name, **params)`` (a Module) and ``available()``.

float32 and float64 CPU tensors run the fastact kernels without copies (``tensor.numpy()``
views, the result written into ``torch.empty_like`` through ``out=``); a non-contiguous one is
made contiguous first. The forward pass saves the output where the backward pass can start
from it (the rows with a ``y=`` form, softmax and log_softmax), else the input, and the
backward pass is fastact's ``_backward`` kernel. Anything else (another device, float16,
bfloat16, integer tensors, tensors of different dtypes) falls back to PyTorch's own operation
(the row's ``torch`` text), or, for a row PyTorch does not have, to the kernels on a float32 /
float64 CPU copy (autograd flows through the copies). Double backward is not supported:
``create_graph=True`` works, but differentiating a gradient that went through a fastact
kernel raises a RuntimeError saying so.
"""
try:
    import torch as _torch
except ImportError as _exc:  # pragma: no cover - tested in a subprocess without torch
    raise ImportError(
        "fastact.torch needs PyTorch, which is not installed (%s): pip install torch. "
        "The rest of fastact works without it." % _exc
    ) from _exc

import numpy as _np
from torch import nn as _nn

from . import _gates, _objects
from . import _catalogue
from ._kernels import _dispatch

__all__ = ["available", "get", "KERNEL_DTYPES", "uses_kernels"]

KERNEL_DTYPES = (_torch.float32, _torch.float64)
_F = _torch.nn.functional


def uses_kernels(*tensors):
    """Whether a call on these tensors runs the fastact kernels (CPU, strided, float32 or
    float64, one dtype); otherwise it falls back to PyTorch's operation."""
    dtype = tensors[0].dtype
    return all(
        isinstance(t, _torch.Tensor) and t.device.type == "cpu" and t.layout == _torch.strided
        and t.dtype == dtype and dtype in KERNEL_DTYPES for t in tensors)


def _np_view(t):
    """A NumPy view of a contiguous CPU tensor (no copy, no autograd)."""
    return t.detach().numpy()


def _contiguous(t):
    return t if t.is_contiguous() else t.contiguous()


def _check_tensor(fname, t):
    if not isinstance(t, _torch.Tensor):
        raise TypeError("x: expected a torch.Tensor, got %s (for NumPy arrays use fastact.%s)"
                        % (type(t).__name__, fname))


# --- the fallback: PyTorch's own operation, from the row's `torch` text ----------------------
def _torch_expression(row):
    """The row's PyTorch expression compiled (names: x, F, torch, the parameters; `axis` for
    the rows along an axis), or None when PyTorch has no such function ('none (...)')."""
    text = row.torch.split(" (")[0].strip()  # "x (torch.nn.Identity)" -> "x"
    if not text or text == "none":
        return None
    return compile(text, "<%s.torch>" % row.name, "eval")


def _fallback(row):
    """fn(x, params) computing the row with PyTorch's own operation (differentiable by
    PyTorch's autograd), on any device and dtype PyTorch supports for it."""
    if row.kind == "per_channel":
        def per_channel(x, weight, axis):
            if weight.numel() == 1 or x.dim() == 0:
                w = weight.reshape(())
            else:
                shape = [1] * x.dim()
                shape[axis] = -1
                w = weight.reshape(shape)
            return _torch.where(x > 0, x, w * x)  # prelu'(0) = weight, as the kernels
        return per_channel
    code = _torch_expression(row)
    if code is None:  # no PyTorch equivalent: the kernels on a CPU float copy
        def on_a_copy(x, params):
            work = _torch.float64 if x.dtype in (_torch.float64,) or not x.is_floating_point() \
                else _torch.float32
            xc = x.to("cpu", work)
            y = (FUNCTIONS[row.name].apply(_contiguous(xc), params["axis"])
                 if row.kind == "axis" else _apply(row, xc, params))
            return y.to(x.device, x.dtype if x.is_floating_point() else work)
        return on_a_copy

    def torch_op(x, params):
        return eval(code, {"F": _F, "torch": _torch, "x": x}, dict(params))
    return torch_op


# --- the autograd Functions --------------------------------------------------------------------
class _NoDoubleBackward(_torch.autograd.Function):
    """Passes a gradient computed by a kernel through; differentiating it again raises."""

    @staticmethod
    def forward(ctx, gx, name, *anchors):
        ctx.name = name
        return gx.clone()

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            "fastact.torch.%s: double backward (differentiating a gradient computed with "
            "create_graph=True) is not supported: the backward pass is a fastact kernel, not "
            "differentiable by autograd; use PyTorch's own operation for higher derivatives"
            % ctx.name)


def _once(name, ctx, *grads):
    """The gradients of a backward pass; under create_graph=True, tied to _NoDoubleBackward so
    that a second differentiation raises a clear error instead of silently giving zeros."""
    if not _torch.is_grad_enabled():
        return grads
    anchors = [t for t in ctx.saved_tensors if t.requires_grad]
    if not anchors:
        return grads
    return tuple(None if g is None else _NoDoubleBackward.apply(g, name, *anchors)
                 for g in grads)


def _elementwise_function(row):
    fwd, bwd = (getattr(_dispatch, row.name + s) for s in ("", "_backward"))

    def forward(ctx, x, params):
        y = _torch.empty_like(x, memory_format=_torch.contiguous_format)
        fwd(_np_view(x), out=_np_view(y), **params)
        from_y = row.takes_y and all(r.holds(params) for r in row.y_rules())
        ctx.from_y, ctx.params = from_y, params
        ctx.save_for_backward(y if from_y else x)
        return y

    def backward(ctx, grad):
        (saved,) = ctx.saved_tensors
        g = _contiguous(grad.to(saved.dtype))
        gx = _torch.empty_like(saved, memory_format=_torch.contiguous_format)
        if ctx.from_y:
            bwd(_np_view(g), y=_np_view(saved), out=_np_view(gx), **ctx.params)
        else:
            bwd(_np_view(g), _np_view(saved), out=_np_view(gx), **ctx.params)
        return _once(row.name, ctx, gx) + (None,)

    return forward, backward


def _per_channel_function(row):
    fwd, bwd = getattr(_dispatch, row.name), getattr(_dispatch, row.name + "_backward")

    def forward(ctx, x, weight, axis):
        y = _torch.empty_like(x, memory_format=_torch.contiguous_format)
        fwd(_np_view(x), _np_view(weight), axis=axis, out=_np_view(y))
        ctx.axis = axis
        ctx.save_for_backward(x, weight)
        return y

    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        g = _contiguous(grad.to(x.dtype))
        gx = _torch.empty_like(x, memory_format=_torch.contiguous_format)
        _, gw = bwd(_np_view(g), _np_view(x), _np_view(weight), axis=ctx.axis, out=_np_view(gx))
        gw = _torch.from_numpy(_np.ascontiguousarray(gw)).reshape(weight.shape)
        return _once(row.name, ctx, gx, gw) + (None,)

    return forward, backward


def _axis_function(row):
    fwd, bwd = getattr(_dispatch, row.name), getattr(_dispatch, row.name + "_backward")

    def forward(ctx, x, axis):
        y = _torch.empty_like(x, memory_format=_torch.contiguous_format)
        fwd(_np_view(x), axis=axis, out=_np_view(y))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        g = _contiguous(grad.to(y.dtype))
        gx = _torch.empty_like(y, memory_format=_torch.contiguous_format)
        bwd(_np_view(g), y=_np_view(y), axis=ctx.axis, out=_np_view(gx))
        return _once(row.name, ctx, gx) + (None,)

    return forward, backward


def _gate_function(row):
    """gated (value, gate) or, for a row of halves, glu (x, axis): the NumPy gate functions of
    fastact (one kernel pass each way), their results taken over without a copy."""
    fwd, bwd = getattr(_gates, row.name), getattr(_gates, row.name + "_backward")
    t = _torch.from_numpy

    if row.halves:
        def forward(ctx, x, axis, activation):
            ctx.axis, ctx.activation = axis, activation
            ctx.save_for_backward(x)
            return t(fwd(_np_view(x), axis=axis, activation=activation))

        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            g = _contiguous(grad.to(x.dtype))
            gx = bwd(_np_view(g), _np_view(x), axis=ctx.axis, activation=ctx.activation)
            return _once(row.name, ctx, t(gx)) + (None, None)
    else:
        def forward(ctx, value, gate, activation):
            ctx.activation = activation
            ctx.save_for_backward(value, gate)
            return t(fwd(_np_view(value), _np_view(gate), activation=activation))

        def backward(ctx, grad):
            value, gate = ctx.saved_tensors
            g = _contiguous(grad.to(value.dtype))
            gv, gg = bwd(_np_view(g), _np_view(value), _np_view(gate),
                         activation=ctx.activation)
            return _once(row.name, ctx, t(gv), t(gg)) + (None,)

    return forward, backward


def _function_class(row):
    make = {"elementwise": _elementwise_function, "per_channel": _per_channel_function,
            "axis": _axis_function, "gate": _gate_function}[row.kind]
    forward, backward = make(row)
    doc = ("%s as a torch.autograd.Function on float32/float64 CPU tensors: %s; the backward "
           "pass is fastact.%s_backward (double backward raises RuntimeError)."
           % (row.name, row.summary, row.name))
    return type(row.cls + "Function", (_torch.autograd.Function,), {
        "__doc__": doc, "__module__": __name__, "__qualname__": row.cls + "Function",
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


ROWS = _catalogue.ROWS
FUNCTIONS = {row.name: _function_class(row) for row in ROWS}
_FALLBACKS = {row.name: _fallback(row) for row in ROWS if row.kind != "gate"}


def _apply(row, x, params):
    """An elementwise row on a tensor (params checked)."""
    if uses_kernels(x):
        return FUNCTIONS[row.name].apply(_contiguous(x), params)
    return _FALLBACKS[row.name](x, params)


def _axis_of(axis, x):
    if isinstance(axis, (bool, _np.bool_)) or not isinstance(axis, (int, _np.integer)):
        raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
    size = max(x.dim(), 1)
    if not -size <= axis < size:
        raise ValueError("axis: %d is out of range for a %d-d tensor" % (axis, x.dim()))
    return int(axis) % size


# --- the functions --------------------------------------------------------------------------------
def _elementwise_fn(row):
    def fn(x, **params):
        _check_tensor(row.name, x)
        return _apply(row, x, _dispatch.check_params(row.name, params))
    sig = ", ".join(("%s=%r" % (p.name, p.default)) if not p.required else p.name
                    for p in row.params)
    fn.__doc__ = ("%s(x%s): %s, differentiable (fastact kernels on float32/float64 CPU "
                  "tensors, PyTorch's %s otherwise)." % (
                      row.name, (", *, " + sig) if sig else "", row.summary, row.torch))
    return fn


def _per_channel_fn(row):
    def fn(x, weight, *, axis=1):
        _check_tensor(row.name, x)
        if not isinstance(weight, _torch.Tensor):
            weight = _torch.as_tensor(weight, dtype=x.dtype if x.is_floating_point() else None,
                                      device=x.device)
        if weight.dim() > 1:
            raise ValueError("weight: must be a scalar or 1-D, got shape %s"
                             % (tuple(weight.shape),))
        ax = _axis_of(axis, x) if weight.numel() != 1 else 0
        if weight.numel() != 1 and (x.dim() == 0 or x.shape[ax] != weight.numel()):
            raise ValueError("weight: length %d does not match x.shape[%d] = %s (the channel "
                             "axis); pass one weight to share one slope" % (
                                 weight.numel(), axis, x.shape[ax] if x.dim() else "none"))
        if uses_kernels(x, weight):
            return FUNCTIONS[row.name].apply(_contiguous(x), _contiguous(weight), ax)
        return _FALLBACKS[row.name](x, weight, ax)
    fn.__doc__ = ("%s(x, weight, *, axis=1): %s, differentiable in x and weight."
                  % (row.name, row.summary))
    return fn


def _axis_fn(row):
    def fn(x, *, axis=-1):
        _check_tensor(row.name, x)
        ax = _axis_of(axis, x)
        if uses_kernels(x):
            return FUNCTIONS[row.name].apply(_contiguous(x), ax)
        return _FALLBACKS[row.name](x, {"axis": ax if x.dim() else 0})
    fn.__doc__ = "%s(x, *, axis=-1): %s, differentiable." % (row.name, row.summary)
    return fn


def _act(activation, t):
    """act(t) of a gate's activation (name checked), differentiable: the kernels' Function or
    PyTorch's own operation, as the one-input functions choose."""
    name = _gates.ACTIVATIONS[_gates.activation_index(activation)]
    row_name, params = _catalogue.kernel_call(name)  # (a choice's kernel: its row and choice)
    return _apply(_catalogue.row(row_name), t, params)


def _gate_fn(row):
    if row.halves:
        def fn(x, *, axis=-1, activation=row.activation):
            _check_tensor(row.name, x)
            _gates.activation_index(activation)
            ax = _axis_of(axis, x)
            if x.dim() == 0 or x.shape[ax] % 2:
                raise ValueError("axis: %s needs an even length along axis %d, got shape %s"
                                 % (row.name, axis, tuple(x.shape)))
            if uses_kernels(x):
                return FUNCTIONS[row.name].apply(_contiguous(x), ax, activation)
            a, b = x.chunk(2, dim=ax)
            return a * _act(activation, b)
        fn.__doc__ = ("%s(x, *, axis=-1, activation=%r): %s, differentiable."
                      % (row.name, row.activation, row.summary))
    else:
        def fn(value, gate, *, activation=row.activation):
            _check_tensor(row.name, value)
            _check_tensor(row.name, gate)
            _gates.activation_index(activation)
            if value.shape != gate.shape:
                raise ValueError("gate: expected the shape of value %s, got %s"
                                 % (tuple(value.shape), tuple(gate.shape)))
            if uses_kernels(value, gate):
                return FUNCTIONS[row.name].apply(_contiguous(value), _contiguous(gate),
                                                 activation)
            return value * _act(activation, gate)
        fn.__doc__ = ("%s(value, gate, *, activation=%r): %s, differentiable."
                      % (row.name, row.activation, row.summary))
    return fn


def _function(row):
    fn = {"elementwise": _elementwise_fn, "per_channel": _per_channel_fn,
          "axis": _axis_fn, "gate": _gate_fn}[row.kind](row)
    fn.__name__ = fn.__qualname__ = row.name
    fn.__module__ = __name__
    return fn


# --- the modules -----------------------------------------------------------------------------------
def _elementwise_module(row, fn):
    def __init__(self, *args, **params):
        _nn.Module.__init__(self)
        self.params = _objects.bind_params(row, args, params)

    def forward(self, x):
        return fn(x, **self.params)

    def extra_repr(self):
        return ", ".join("%s=%r" % kv for kv in self.params.items())

    return {"__init__": __init__, "forward": forward, "extra_repr": extra_repr}


def _per_channel_module(row, fn):
    def __init__(self, num_parameters=1, init=0.25, axis=1, *, dtype=None, device=None):
        _nn.Module.__init__(self)
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) \
                or num_parameters < 1:
            raise ValueError("num_parameters: expected a positive int, got %r"
                             % (num_parameters,))
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
        self.num_parameters, self.axis = num_parameters, axis
        self.weight = _nn.Parameter(_torch.full((num_parameters,), float(init), dtype=dtype,
                                                device=device))

    def forward(self, x):
        return fn(x, self.weight, axis=self.axis)

    def extra_repr(self):
        return "num_parameters=%d, axis=%d" % (self.num_parameters, self.axis)

    return {"__init__": __init__, "forward": forward, "extra_repr": extra_repr}


def _axis_module(row, fn):
    def __init__(self, axis=-1):
        _nn.Module.__init__(self)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
        self.axis = axis

    def forward(self, x):
        return fn(x, axis=self.axis)

    def extra_repr(self):
        return "axis=%d" % self.axis

    return {"__init__": __init__, "forward": forward, "extra_repr": extra_repr}


def _gate_module(row, fn):
    def __init__(self, activation=row.activation, **kw):
        _nn.Module.__init__(self)
        _gates.activation_index(activation)
        if row.halves:
            axis = kw.pop("axis", -1)
            if isinstance(axis, bool) or not isinstance(axis, int):
                raise TypeError("axis: expected an int, got %s" % type(axis).__name__)
            self.axis = axis
        if kw:
            raise TypeError("%s() got an unexpected keyword argument %r" % (row.cls, next(iter(kw))))
        self.activation = activation

    def forward(self, *inputs):
        if row.halves:
            return fn(*inputs, axis=self.axis, activation=self.activation)
        return fn(*inputs, activation=self.activation)

    def extra_repr(self):
        return ("axis=%d, " % self.axis if row.halves else "") + "activation=%r" % self.activation

    return {"__init__": __init__, "forward": forward, "extra_repr": extra_repr}


def _module_class(row, fn):
    ns = {"elementwise": _elementwise_module, "per_channel": _per_channel_module,
          "axis": _axis_module, "gate": _gate_module}[row.kind](row, fn)
    ns.update({"__module__": __name__, "__qualname__": row.cls, "name": row.name,
               "__doc__": "%s as a torch.nn.Module (fastact kernels): %s." % (row.cls,
                                                                            row.summary)})
    return type(row.cls, (_nn.Module,), ns)


_FNS = {row.name: _function(row) for row in ROWS}
MODULES = {row.name: _module_class(row, _FNS[row.name]) for row in ROWS}

for _row in ROWS:
    for _name in (_row.name,) + _row.aliases:
        globals()[_name] = _FNS[_row.name]
        __all__.append(_name)
    globals()[_row.cls] = MODULES[_row.name]
    globals()[_row.cls + "Function"] = FUNCTIONS[_row.name]
    __all__ += [_row.cls, _row.cls + "Function"]
del _row, _name


def available():
    """The names get() accepts, in catalogue order (besides the aliases)."""
    return list(MODULES)


def get(name, **params):
    """The nn.Module of a catalogue function, e.g. get('softshrink', lambd=0.3), get('softmax',
    axis=1), get('prelu', num_parameters=16); an alias or a preset (a function with a choice
    bound, as fastact.get's) names one too."""
    if not isinstance(name, str):
        raise TypeError("name: expected a str, got %s" % type(name).__name__)
    key, params = _objects.resolve(name, params)  # (MODULES has the rows of fastact.get)
    return MODULES[key](**params)
