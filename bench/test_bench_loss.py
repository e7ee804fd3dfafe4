"""The fused losses: fastact.softmax_cross_entropy (class indices, mean) against NumPy's
stable log_softmax + np.take_along_axis (and PyTorch's F.cross_entropy when installed), the
loss alone and the loss with its gradient; fastact.sigmoid_binary_cross_entropy against NumPy's
logaddexp form. One benchmark group per (loss, pass, dtype, shape); every member's result is
checked against the NumPy one (loose tolerance), so ``--benchmark-disable`` makes this a test.
Nothing asserts speed.

    pytest bench/test_bench_loss.py                       the tables
    pytest bench/test_bench_loss.py --benchmark-disable   run each once as a test
"""
import importlib.util

import numpy as np
import pytest

import fastact

SHAPES = [(256, 1000), (4096, 10)]
DTYPES = [np.float32, np.float64]
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _inputs(shape, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    labels = rng.integers(0, shape[1], shape[0])
    return x, labels


def numpy_cross_entropy(x, labels, grad=False):
    """The NumPy way: log_softmax by max-subtraction and logsumexp, then take_along_axis."""
    z = x - x.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, labels[:, None], axis=-1)
    loss = -picked.mean()
    if not grad:
        return loss
    g = np.exp(logp)
    g[np.arange(x.shape[0]), labels] -= 1
    g /= x.shape[0]
    return loss, g


def numpy_bce(x, t):
    return np.mean(np.logaddexp(0, x) - t * x)  # log(1 + e^x) - t x


def _competitors(with_grad):
    comps = {
        "fastact": lambda x, lab: fastact.softmax_cross_entropy(x, lab, return_grad=with_grad),
        "numpy": lambda x, lab: numpy_cross_entropy(x, lab, grad=with_grad),
    }
    if HAS_TORCH:
        import torch

        F = torch.nn.functional
        torch.set_num_threads(1)

        def run_torch(x, lab):
            tx = torch.from_numpy(x)
            tl = torch.from_numpy(lab)
            if not with_grad:
                return F.cross_entropy(tx, tl).numpy()
            tx = tx.clone().requires_grad_(True)
            loss = F.cross_entropy(tx, tl)
            loss.backward()
            return loss.detach().numpy(), tx.grad.numpy()

        comps["torch"] = run_torch
    return comps


CASES = [pytest.param(shape, dtype, with_grad, name,
                      id="%s-%s-%s-%s" % ("x".join(map(str, shape)), np.dtype(dtype).name,
                                          "grad" if with_grad else "loss", name))
         for shape in SHAPES for dtype in DTYPES for with_grad in (False, True)
         for name in ("fastact", "numpy") + (("torch",) if HAS_TORCH else ())]


@pytest.mark.parametrize("shape,dtype,with_grad,name", CASES)
def test_softmax_cross_entropy(benchmark, shape, dtype, with_grad, name):
    x, labels = _inputs(shape, dtype)
    fn = _competitors(with_grad)[name]
    benchmark.group = "softmax_cross_entropy %s %s %s" % (
        "loss+grad" if with_grad else "loss", np.dtype(dtype).name, "x".join(map(str, shape)))
    got = benchmark(fn, x, labels)
    want = numpy_cross_entropy(x.astype(np.float64), labels, grad=with_grad)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    if with_grad:
        np.testing.assert_allclose(got[0], want[0], rtol=rtol)
        np.testing.assert_allclose(got[1], want[1], rtol=rtol, atol=rtol / x.size)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["fastact", "numpy"])
def test_sigmoid_binary_cross_entropy(benchmark, name, dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((1024, 256)) * 4).astype(dtype)
    t = (rng.random(x.shape) < 0.3).astype(dtype)
    fn = fastact.sigmoid_binary_cross_entropy if name == "fastact" else numpy_bce
    benchmark.group = "sigmoid_binary_cross_entropy loss %s 1024x256" % np.dtype(dtype).name
    got = benchmark(fn, x, t)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, numpy_bce(x.astype(np.float64), t), rtol=rtol)
