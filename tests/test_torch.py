"""fastact.torch: the autograd Functions and nn.Modules of every catalogue row (parametrized over
the rows): the same bits as the NumPy functions on float32/float64 CPU tensors, gradcheck in
float64 away from the kinks, agreement with PyTorch's own operation (the fallback of other
devices and dtypes), non-contiguous input, the learnable PReLU weight, double backward refused,
and the NumPy functions given tensors (an ndarray out; out= a tensor refused). Skipped as a
whole when PyTorch is absent (it is not in the test extra: too heavy)."""
import numpy as np
import pytest

import fastact
from fastact import _catalogue as cat

torch = pytest.importorskip("torch")
import fastact.torch as ft  # noqa: E402

ELEMENTWISE = cat.rows("elementwise")
PER_CHANNEL = cat.rows("per_channel")
AXIS = cat.rows("axis")
ids = lambda r: r.name  # noqa: E731
DTYPES = [torch.float32, torch.float64]


def _np(t):
    return t.detach().numpy()


def _x(shape, dtype=torch.float64, seed=0, scale=3.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=torch.float64).mul(scale).to(dtype)


def _param_sets(row):
    return [pytest.param(row, p, id="%s-%s" % (row.name, "-".join(
        "%s=%s" % kv for kv in p.items()) or "defaults")) for p in row.sample_params()]


ELEMENTWISE_PARAMS = [c for row in ELEMENTWISE for c in _param_sets(row)]


def _smooth_points(row, params, n=12, seed=0):
    """Points of [-4, 4] away from the kinks and jumps of f (found from the kernels: f is its
    own first-order Taylor polynomial over ±1e-3 there, and f' does not jump)."""
    f = getattr(fastact, row.name)
    df = getattr(fastact, row.name + "_derivative")
    x = np.random.default_rng(seed).uniform(-4, 4, 400)
    d = 1e-3
    taylor = np.abs(f(x + d, **params) - f(x - d, **params) - 2 * d * df(x, **params))
    jump = np.abs(df(x + d, **params) - df(x - d, **params))
    keep = x[(taylor < 1e-5) & (jump < 0.05)]
    assert keep.size >= n, (row.name, params, keep.size)
    return torch.tensor(keep[:n], dtype=torch.float64)


# --- the table: every row has its function, module, autograd Function ----------------------
def test_every_row_has_its_function_module_and_autograd_function():
    assert ft.available() == [r.name for r in cat.ROWS]
    for row in ft.ROWS:
        assert issubclass(getattr(ft, row.cls), torch.nn.Module)
        assert issubclass(getattr(ft, row.cls + "Function"), torch.autograd.Function)
        for name in (row.name,) + row.aliases:
            assert callable(getattr(ft, name)), name
            kw = row.required_params() if row.kind == "elementwise" else {}
            assert type(ft.get(name.upper(), **kw)) is getattr(ft, row.cls)
    assert set(ft.__all__) <= set(dir(ft))


def test_get_and_constructor_errors_name_the_argument():
    with pytest.raises(ValueError, match="name: unknown activation 'nope'"):
        ft.get("nope")
    with pytest.raises(TypeError, match="name: expected a str"):
        ft.get(3)
    row = next(r for r in ELEMENTWISE if any(not p.required for p in r.params))
    with pytest.raises(TypeError, match="takes %d positional" % len(row.params)):
        getattr(ft, row.cls)(*([0.5] * (len(row.params) + 1)))
    with pytest.raises(TypeError, match="x: expected a torch.Tensor.*fastact.relu"):
        ft.relu(np.ones(3))
    with pytest.raises(ValueError, match="weight: length 3 does not match"):
        ft.prelu(torch.ones(2, 4), torch.ones(3))
    with pytest.raises(ValueError, match="axis: 2 is out of range"):
        ft.softmax(torch.ones(2, 4), axis=2)
    with pytest.raises(TypeError, match="axis: expected an int"):
        ft.Softmax(axis=1.0)
    with pytest.raises(ValueError, match="num_parameters"):
        ft.PReLU(0)


@pytest.mark.parametrize("row", [r for r in ELEMENTWISE if r.rules], ids=ids)
def test_parameters_are_checked_by_the_rows_rules(row):
    rule = next(r for r in row.rules if r.when == "always") if any(
        r.when == "always" for r in row.rules) else None
    if rule is None:
        pytest.skip("no rule on every call")
    params = row.base_params()
    # a value that breaks the rule: the other side of the comparison
    rhs = params[rule.rhs] if isinstance(rule.rhs, str) else rule.rhs
    bad = {"<": rhs + 1, "<=": rhs + 1, ">": rhs - 1, ">=": rhs - 1, "!=": rhs}[rule.op]
    params[rule.lhs] = bad
    with pytest.raises(ValueError, match=rule.lhs):
        getattr(ft, row.cls)(**params)
    with pytest.raises(ValueError, match=rule.lhs):
        getattr(ft, row.name)(torch.ones(3), **params)


# --- the kernels: the same bits as the NumPy functions, zero-copy ----------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("row,params", ELEMENTWISE_PARAMS)
def test_elementwise_same_bits_as_numpy_forward_and_backward(row, params, dtype):
    x = _x((3, 7), dtype).requires_grad_()
    g = _x((3, 7), dtype, seed=1)
    y = getattr(ft, row.name)(x, **params)
    assert type(y.grad_fn).__name__.startswith(row.cls + "Function")  # the kernel path
    assert y.dtype == dtype and y.shape == x.shape
    want = getattr(fastact, row.name)(_np(x), **params)
    np.testing.assert_array_equal(_np(y), want)
    y.backward(g)
    from_y = row.takes_y and all(r.holds(dict(row.defaults(), **params)) for r in row.y_rules())
    bwd = getattr(fastact, row.name + "_backward")
    want_g = (bwd(_np(g), y=want, **params) if from_y else bwd(_np(g), _np(x), **params))
    np.testing.assert_array_equal(_np(x.grad), want_g)
    # the module gives the same
    np.testing.assert_array_equal(_np(getattr(ft, row.cls)(**params)(x)), want)


def test_the_output_is_written_by_the_kernel_into_a_new_tensor_and_x_is_not_copied():
    x = _x((64,), torch.float32)
    before = x.clone()
    view = x.numpy()  # shares x's memory
    y = ft.tanh(x)
    assert y.data_ptr() != x.data_ptr()
    np.testing.assert_array_equal(y.numpy(), fastact.tanh(view))
    assert torch.equal(x, before)


@pytest.mark.parametrize("row,params", ELEMENTWISE_PARAMS)
def test_elementwise_gradcheck(row, params):
    fn = getattr(ft, row.name)
    if fn(torch.linspace(-4, 4, 9, dtype=torch.float64), **params).abs().max() > 1e6:
        pytest.skip("|f| too large for finite differences with eps 1e-6 to resolve f' "
                    "(squareplus with b = 1e30: f ~ 5e14)")
    x = _smooth_points(row, params).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: fn(t, **params), (x,))


@pytest.mark.parametrize("row", PER_CHANNEL, ids=ids)
@pytest.mark.parametrize("axis", [1, -1, 0])
def test_per_channel_gradcheck_of_x_and_weight(row, axis):
    x = _x((3, 4, 5))
    x = torch.where(x.abs() < 0.1, x.sign() * 0.5 + 0.25, x).requires_grad_()  # off the kink
    w = torch.tensor(np.linspace(-0.5, 0.8, x.shape[axis]), requires_grad=True)
    fn = getattr(ft, row.name)
    assert torch.autograd.gradcheck(lambda a, b: fn(a, b, axis=axis), (x, w))
    # and one shared slope
    w1 = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: fn(a, b, axis=axis), (x, w1))


@pytest.mark.parametrize("row", AXIS, ids=ids)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_axis_rows_gradcheck(row, axis):
    x = _x((3, 4, 5), scale=1.0).requires_grad_()
    fn = getattr(ft, row.name)
    assert torch.autograd.gradcheck(lambda a: fn(a, axis=axis), (x,))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("row", AXIS, ids=ids)
def test_axis_rows_same_bits_as_numpy(row, dtype):
    x = _x((4, 6), dtype).requires_grad_()
    g = _x((4, 6), dtype, seed=2)
    y = getattr(ft, row.name)(x, axis=0)
    want = getattr(fastact, row.name)(_np(x), axis=0)
    np.testing.assert_array_equal(_np(y), want)
    y.backward(g)
    np.testing.assert_array_equal(_np(x.grad), getattr(fastact, row.name + "_backward")(
        _np(g), y=want, axis=0))
    np.testing.assert_array_equal(_np(getattr(ft, row.cls)(axis=0)(x)), want)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("row", PER_CHANNEL, ids=ids)
def test_per_channel_module_weight_is_learnable(row, dtype):
    m = getattr(ft, row.cls)(4, init=0.25, dtype=dtype)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    x = _x((5, 4, 3), dtype)
    g = _x((5, 4, 3), dtype, seed=3)
    y = m(x)
    np.testing.assert_array_equal(_np(y), fastact.prelu(_np(x), _np(m.weight), axis=1))
    y.backward(g)
    gx, gw = fastact.prelu_backward(_np(g), _np(x), _np(m.weight), axis=1)
    np.testing.assert_array_equal(_np(m.weight.grad), gw)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    before = m.weight.detach().clone()
    opt.step()
    assert torch.equal(m.weight.detach(), before - 0.1 * torch.from_numpy(gw))


# --- against PyTorch's own operation (the fallback) ----------------------------------------
def _has_torch_op(row):
    return ft._torch_expression(row) is not None


@pytest.mark.parametrize("row,params", [c for c in ELEMENTWISE_PARAMS
                                        if _has_torch_op(c.values[0])])
def test_elementwise_matches_pytorchs_own_operation(row, params):
    x = _smooth_points(row, params, n=12, seed=1).requires_grad_()
    x_ref = x.detach().clone().requires_grad_()
    y = getattr(ft, row.name)(x, **params)
    y_ref = ft._FALLBACKS[row.name](x_ref, dict(row.defaults(), **params))
    assert y_ref.grad_fn is None or "Function" not in type(y_ref.grad_fn).__name__
    torch.testing.assert_close(y, y_ref, rtol=1e-12, atol=1e-12)
    y.sum().backward()
    y_ref.sum().backward()
    # (PyTorch's float64 hardsigmoid backward multiplies by a float32 1/6: 3e-8 off; its celu
    # backward at alpha = 0.3 is 4e-8 off the long-double reference, where fastact's is 2e-18)
    torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("row", [r for r in AXIS + PER_CHANNEL  # (those PyTorch has)
                                 if ft._torch_expression(r) is not None], ids=ids)
def test_softmax_and_prelu_match_pytorch(row):
    F = torch.nn.functional
    x = _x((3, 5)).requires_grad_()
    if row.kind == "axis":
        y = getattr(ft, row.name)(x, axis=1)
        y_ref = eval(row.torch, {"F": F, "x": x, "axis": 1})
    else:
        w = torch.tensor(np.linspace(-0.5, 0.8, 5))
        y = getattr(ft, row.name)(x, w)
        y_ref = eval(row.torch, {"F": F, "x": x, "weight": w})
    torch.testing.assert_close(y, y_ref, rtol=1e-12, atol=1e-13)
    g = _x((3, 5), seed=5)
    (gx,) = torch.autograd.grad(y, x, g)
    (gx_ref,) = torch.autograd.grad(y_ref, x, g)
    torch.testing.assert_close(gx, gx_ref, rtol=1e-12, atol=1e-13)


# --- other dtypes and layouts ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("row", ELEMENTWISE + AXIS, ids=ids)
def test_half_precision_falls_back_with_the_dtype_kept(row, dtype):
    x32 = _x((2, 9), torch.float32, scale=2.0)
    x = x32.to(dtype).requires_grad_()
    kw = row.required_params() if row.kind == "elementwise" else {"axis": -1}
    y = getattr(ft, row.name)(x, **kw)
    assert y.dtype == dtype and not type(y.grad_fn).__name__.startswith(row.cls + "Function")
    want = getattr(fastact, row.name)(_np(x.float()), **kw)
    tol = 2e-2 if dtype == torch.float16 else 1e-1
    np.testing.assert_allclose(_np(y.float()), want, rtol=tol, atol=tol)
    y.float().sum().backward()
    assert x.grad is not None and x.grad.dtype == dtype


@pytest.mark.parametrize("row", [r for r in ELEMENTWISE if _has_torch_op(r)], ids=ids)
def test_integer_tensors_follow_pytorch(row):
    x = torch.arange(-3, 4)
    kw = row.required_params()
    try:
        want = ft._FALLBACKS[row.name](x, dict(row.defaults(), **kw))
    except RuntimeError:  # PyTorch has no integer kernel for it: nor has fastact.torch
        with pytest.raises(RuntimeError):
            getattr(ft, row.name)(x, **kw)
        return
    got = getattr(ft, row.name)(x, **kw)
    assert got.dtype == want.dtype and torch.equal(got, want)


@pytest.mark.parametrize("row", ELEMENTWISE + AXIS, ids=ids)
def test_non_contiguous_input_gives_the_contiguous_result(row):
    x = _x((6, 8)).t().requires_grad_()
    assert not x.is_contiguous()
    kw = row.required_params() if row.kind == "elementwise" else {"axis": 0}
    y = getattr(ft, row.name)(x, **kw)
    np.testing.assert_array_equal(_np(y), getattr(fastact, row.name)(_np(x.contiguous()), **kw))
    g = _x((8, 6), seed=4)
    y.backward(g)
    xc = x.detach().contiguous().requires_grad_()
    getattr(ft, row.name)(xc, **kw).backward(g)
    torch.testing.assert_close(x.grad, xc.grad, rtol=0, atol=0)


def test_rows_without_a_pytorch_op_fall_back_to_the_kernels_on_a_float_copy():
    rows = [r for r in ELEMENTWISE if not _has_torch_op(r)]
    if not rows:
        pytest.skip("every row has a PyTorch equivalent")
    for row in rows:
        x = _x((5,), torch.float16).requires_grad_()
        y = getattr(ft, row.name)(x, **row.required_params())
        assert y.dtype == torch.float16
        np.testing.assert_array_equal(_np(y), getattr(fastact, row.name)(
            _np(x), **row.required_params()))  # float16 computed in float32, as NumPy's
        y.sum().backward()
        assert x.grad.dtype == torch.float16


def test_mixed_dtypes_fall_back_to_pytorch():
    x = _x((2, 3), torch.float32)
    w = torch.tensor([0.25, 0.5, 0.1], dtype=torch.float64)
    assert not ft.uses_kernels(x, w) and ft.uses_kernels(x, x.double()[0].float())
    y = ft.prelu(x, w)
    torch.testing.assert_close(y, torch.where(x > 0, x.double(), w * x))


def test_double_backward_is_refused_clearly():
    x = _x((4,)).requires_grad_()
    for make in (lambda t: ft.tanh(t), lambda t: ft.softmax(t, axis=0),
                 lambda t: ft.prelu(t, torch.tensor([0.25], dtype=t.dtype))):
        (g,) = torch.autograd.grad(make(x).sum(), x, create_graph=True)
        assert g.requires_grad  # create_graph=True itself works (other ops may need it)
        with pytest.raises(RuntimeError, match="double backward .* not supported"):
            g.sum().backward()
    # without create_graph, nothing changes
    (g,) = torch.autograd.grad(ft.tanh(x).sum(), x)
    assert not g.requires_grad


def test_an_mlp_trains_with_the_modules():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), ft.PReLU(16), torch.nn.Linear(16, 16),
                                ft.get("silu"), torch.nn.Linear(16, 3), ft.LogSoftmax(axis=1))
    x = torch.randn(64, 4)
    labels = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.nll_loss(model(x), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


# --- the NumPy functions given tensors: NumPy arrays out -------------------------------------
def test_top_level_functions_return_ndarrays_for_tensors():
    t = torch.linspace(-2, 2, 9)
    r = fastact.relu(t)
    assert isinstance(r, np.ndarray) and r.dtype == np.float32
    np.testing.assert_array_equal(r, np.maximum(t.numpy(), 0))
    with pytest.raises(TypeError, match="x: .*requires grad"):
        fastact.relu(t.clone().requires_grad_())


def test_out_a_tensor_is_refused_and_its_numpy_view_works():
    t = torch.empty(9)
    x = np.linspace(-2, 2, 9, dtype=np.float32)
    with pytest.raises(TypeError, match=r"out: expected a numpy.ndarray, got Tensor.*"
                                        r"out=t.numpy\(\).*fastact.torch"):
        fastact.relu(x, out=t)
    assert fastact.relu(x, out=t.numpy()).base is not None
    np.testing.assert_array_equal(t.numpy(), np.maximum(x, 0))


# --- the gates (gated, glu) -------------------------------------------------------------------
GATE_ACTS = ["sigmoid", "silu", "tanh", "softsign"]


@pytest.mark.parametrize("act", GATE_ACTS)
def test_gates_gradcheck_and_match_the_compositions(act):
    F = torch.nn.functional
    ref_act = getattr(ft, act)
    v, g = _x((4, 6), seed=11).requires_grad_(), _x((4, 6), seed=12).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: ft.gated(a, b, activation=act), (v, g))
    x = _x((4, 8, 2), seed=13).requires_grad_()
    for axis in (0, 1, -1):
        assert torch.autograd.gradcheck(lambda a: ft.glu(a, axis=axis, activation=act), (x,))
    # the same bits as the compositions of the one-input functions (forward and backward)
    y = ft.gated(v, g, activation=act)
    torch.testing.assert_close(y, v * ref_act(g), rtol=0, atol=0)
    if act == "sigmoid":
        torch.testing.assert_close(ft.glu(x, axis=1), F.glu(x, dim=1), rtol=1e-15, atol=1e-15)
    gy = _x((4, 6), seed=14)
    gv, gg = torch.autograd.grad(y, (v, g), gy)
    gv2, gg2 = torch.autograd.grad(v * ref_act(g), (v, g), gy)
    torch.testing.assert_close(gv, gv2, rtol=1e-15, atol=0)
    # (the composition's act' may come from y, the gate kernel's from x: a few ulp apart)
    torch.testing.assert_close(gg, gg2, rtol=1e-9, atol=1e-14)


def test_gates_fall_back_and_refuse_clearly():
    v = _x((4, 6), seed=1).to(torch.float16)
    g = _x((4, 6), seed=2).to(torch.float16)
    y = ft.gated(v, g)  # float16: PyTorch's operations, dtype kept
    assert y.dtype == torch.float16
    torch.testing.assert_close(y.double(), v.double() * torch.nn.functional.silu(g.double()),
                               rtol=2e-3, atol=2e-3)
    x = _x((2, 4), seed=3).to(torch.bfloat16)
    assert ft.glu(x).shape == (2, 2) and ft.glu(x).dtype == torch.bfloat16
    with pytest.raises(ValueError, match="axis"):
        ft.glu(_x((2, 3)))
    with pytest.raises(ValueError, match="activation"):
        ft.gated(_x((2, 3)), _x((2, 3)), activation="softmax")
    with pytest.raises(TypeError, match="activation"):
        ft.GLU(activation=1)
    with pytest.raises(ValueError, match="gate"):
        ft.gated(_x((2, 3)), _x((3, 2)))
    m = ft.get("glu", axis=0, activation="tanh")
    assert isinstance(m, ft.GLU) and "axis=0" in repr(m) and "tanh" in repr(m)
    x = _x((4, 3), seed=5)
    torch.testing.assert_close(m(x), x[:2] * torch.tanh(x[2:]), rtol=1e-15, atol=1e-15)
    gm = ft.Gated()
    torch.testing.assert_close(gm(x, x), x * torch.nn.functional.silu(x), rtol=1e-15, atol=0)


# --- a choice parameter: gelu's approximate ------------------------------------------------------
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16], ids=str)
def test_gelu_choices_against_pytorch(approximate, dtype):
    F = torch.nn.functional
    x = _x((4, 50), dtype, scale=4.0).requires_grad_()
    x_ref = x.detach().clone().requires_grad_()
    y = ft.gelu(x, approximate=approximate)
    kernels = dtype in ft.KERNEL_DTYPES
    assert type(y.grad_fn).__name__.startswith("GELUFunction") == kernels
    y_ref = F.gelu(x_ref, approximate=approximate)
    # (absolute: PyTorch's tanh form computes 1 + tanh(u), which cancels for x < 0, to an
    # absolute |x| eps; fastact's keeps its relative accuracy there)
    tol = {torch.float32: 1e-5, torch.float64: 1e-13, torch.float16: 1e-3}[dtype]
    torch.testing.assert_close(y, y_ref, rtol=tol, atol=tol)
    g = _x((4, 50), dtype, seed=3)
    (gx,) = torch.autograd.grad(y, x, g)
    (gx_ref,) = torch.autograd.grad(y_ref, x_ref, g)
    torch.testing.assert_close(gx, gx_ref, rtol=tol, atol=tol)
    m = ft.get("gelu", approximate=approximate)
    assert m.extra_repr() == "approximate=%r" % approximate
    torch.testing.assert_close(m(x), y, rtol=0, atol=0)
    with pytest.raises(ValueError, match="approximate: must be one of 'none', 'tanh'"):
        ft.gelu(x, approximate=approximate.upper())
    with pytest.raises(TypeError, match="approximate: expected a str"):
        ft.GELU(approximate=None)


def test_gelu_preset_and_gate_activation():
    x = _x((3, 8))
    assert ft.get("gelu_tanh").extra_repr() == "approximate='tanh'"
    torch.testing.assert_close(ft.get("gelu_tanh")(x), ft.gelu(x, approximate="tanh"),
                               rtol=0, atol=0)
    v, g = _x((3, 8), seed=1), _x((3, 8), seed=2)
    for act, kw in (("gelu", {}), ("gelu_tanh", {"approximate": "tanh"})):
        for dtype in (torch.float64, torch.float16):  # the kernels, and the fallback
            vv, gg = v.to(dtype), g.to(dtype)
            torch.testing.assert_close(ft.gated(vv, gg, activation=act),
                                       vv * ft.gelu(gg, **kw), rtol=1e-3, atol=1e-3)
