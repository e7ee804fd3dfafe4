"""Sampled accuracy check: the default-run version of bench/accuracy.py.

float32: every 97th bit pattern (2^32 / 97 = 44 M inputs, every sign, binade and special value
class, NaN payloads included) plus the special values, through sigmoid, tanh, elu, selu forward
(bound 2 ULP) and derivative and backward from x (bound 4 ULP), against fastact.reference
evaluated in float64 and not rounded. float64: 2*10^5 inputs (edge values, the neighbourhoods
of every overflow/underflow/branch threshold, random values from several distributions)
against np.longdouble. Gradients are half N(0, 1), half log-uniform over a wide range.

Bounds are in ULPs from the correctly rounded result (see tests/_accuracy.py, which also
defines the unrounded error reported next to it); NaN inputs must give NaN, +-inf the limits,
and exact zeros the right sign. The exhaustive float32 run (all 2^32 patterns) and the 10^7
float64 run are `python bench/accuracy.py --dtype float32 --exhaustive` and
`--dtype float64 --n 10000000`.
"""
import numpy as np
import pytest

import fastact
from fastact import reference

import _accuracy as A

STRIDE = 97  # prime: the sample hits every residue of the low mantissa bits
F64_N = 200_000
SEED = 20240404
CASES = A.combos(A.MAIN_FUNCTIONS, A.PASSES)


def _run_float32():
    stats = A.new_stats(A.F32, CASES)
    count = ((1 << 32) + STRIDE - 1) // STRIDE
    rng = np.random.default_rng(SEED)
    block = 1 << 13  # NumPy temporaries stay in the cache and off mmap
    for s in range(0, count, block):
        e = min(count, s + block)
        x = A.float32_patterns(s, e, STRIDE)
        A.check_block(x, A.grads_for(x.size, A.F32, rng), stats)
    x = A.float32_edges()
    A.check_block(x, A.grads_for(x.size, A.F32, rng), stats)
    return stats


def _run_float64():
    stats = A.new_stats(A.F64, CASES)
    x = A.float64_inputs(F64_N, SEED, 0, F64_N)
    g = A.grads_for(x.size, A.F64, np.random.default_rng(SEED))
    for s in range(0, x.size, 1 << 13):
        A.check_block(x[s:s + (1 << 13)], g[s:s + (1 << 13)], stats)
    return stats


@pytest.fixture(scope="module")
def float32_stats():
    return _run_float32()


@pytest.fixture(scope="module")
def float64_stats():
    if not A.HAVE_WIDE_LONGDOUBLE:
        pytest.skip("np.longdouble is plain double on this platform (finfo(longdouble).nmant = "
                    "%d): there is no wider reference for float64" % np.finfo(np.longdouble).nmant)
    return _run_float64()


def _check(st):
    where = st.where or {}
    sw = st.steps_where or {}
    assert st.n_finite > 0 and st.n_special > 0, "the sample has no finite or no NaN/inf input"
    assert st.n_special_fail == 0, (
        "%s %s (%s): %d NaN/inf/signed-zero failures; first: %r"
        % (st.name, st.pass_, st.dtype, st.n_special_fail, st.special_example))
    assert st.n_over == 0, (
        "%s %s (%s): %d of %d results more than %d ULP from the correctly rounded result; "
        "max %d steps at %r; max unrounded error %.3f ULP at %r"
        % (st.name, st.pass_, st.dtype, st.n_over, st.n_finite, st.bound, st.max_steps, sw,
           st.max_err, where))
    assert st.max_steps <= st.bound
    # the unrounded error can exceed the step bound by at most half a step of the binade
    # (a power of two between got and ref can double it)
    assert st.max_err <= 2 * st.bound + 1, (st.max_err, where)


@pytest.mark.parametrize("name,pass_", CASES, ids=["%s-%s" % c for c in CASES])
def test_float32_sampled(float32_stats, name, pass_):
    _check(float32_stats[name, pass_])


@pytest.mark.parametrize("name,pass_", CASES, ids=["%s-%s" % c for c in CASES])
def test_float64_sampled(float64_stats, name, pass_):
    _check(float64_stats[name, pass_])


# --- the measure itself ---------------------------------------------------------------------------
def test_ulp_convention():
    ulp = A.ulp(np.array([1.0, 0.75, np.nextafter(1.0, 0.0), 0.0, 1e-40, 2.0 ** -126, -3.0]),
                np.float32)
    assert list(ulp) == [2.0 ** -23, 2.0 ** -24, 2.0 ** -24, 2.0 ** -149, 2.0 ** -149,
                         2.0 ** -149, 2.0 ** -22]
    ld = np.array([1.0, 0.0, 1e-310, 2.0 ** 1023], dtype=np.longdouble)
    assert list(A.ulp(ld, np.float64)) == [2.0 ** -52, 2.0 ** -1074, 2.0 ** -1074, 2.0 ** 971]


def test_measure_sees_errors():
    """Perturbed results are reported: the measure can fail."""
    x = A.float32_patterns(0, 1 << 16, 65521, 7)
    x = x[np.isfinite(x)]
    ref = A.reference_values("sigmoid", "forward", x.astype(np.float64), None, {})
    good = ref.astype(np.float32)
    assert A.ulp_errors(good, ref).max() <= 0.5 + A.CR_MARGIN[A.F32]
    bad = good.copy()
    i = int(np.argmax(np.abs(good) > 0.1))
    bad[i] = np.nextafter(np.nextafter(np.nextafter(good[i], np.float32(2)), np.float32(2)),
                          np.float32(2))
    err = A.ulp_errors(bad, ref)
    assert 2.5 <= err[i] <= 3.5
    assert A.steps_from_cr(bad[i:i + 1], ref[i:i + 1], A.F32)[0] == 3
    bad[i + 1] = np.nan
    assert np.isinf(A.ulp_errors(bad, ref)[i + 1])
    st = A.Stats("sigmoid", "forward", A.F32)
    st.update(A.ulp_errors(bad, ref), x, x, bad, ref)
    assert not st.passed and st.n_over == 2 and st.n_special_fail == 1 and st.max_steps == 3
    # a zero of the wrong sign
    z = np.array([0.0, -0.0], dtype=np.float32)
    assert A.signed_zero_mismatch(np.float32([0.0, 0.0]), z.astype(np.float64)).tolist() == [
        False, True]
    # infinity is right exactly when the reference rounds to it
    big = np.array([3.5e38, 3.4e38, -np.inf])
    got = np.float32([np.inf, np.inf, -np.inf])
    assert A.ulp_errors(got, big).tolist() == [0.0, np.inf, 0.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,alpha", [("sigmoid", None), ("tanh", None), ("selu", None),
                                        ("elu", 1.0), ("elu", 3.0), ("elu", 1000.0),
                                        ("elu", 2e7), ("elu", 1e-30)])
def test_backward_with_tiny_grads(name, alpha, dtype):
    """grad * f'(x) where grad is subnormal or nearly so and f'(x) is near its largest, with
    alphas far from 1: the product must be rounded once (within 4 ULP), not rounded into the
    subnormal range first and then scaled up by a power of two. Also: exp(x) for x = -1e30
    times the largest grad and alpha is still 0."""
    if dtype == np.float64 and not A.HAVE_WIDE_LONGDOUBLE:
        pytest.skip("no wider reference than float64 on this platform")
    rng = np.random.default_rng(17)
    n = 60_000
    info = np.finfo(dtype)
    x = rng.uniform(-3.0, 0.5, n).astype(dtype)
    x[:1000] = rng.uniform(-0.01, 0.01, 1000)  # f' at its largest
    g = (rng.integers(1, 1 << 20, n) * info.smallest_subnormal).astype(dtype)  # subnormal
    g[::3] = (rng.standard_normal(g[::3].size)
              * np.exp2(rng.uniform(-160 if dtype == np.float32 else -1080,
                                    -90 if dtype == np.float32 else -990, g[::3].size)))
    kw = {} if alpha is None else {"alpha": alpha}
    got = getattr(fastact, name + "_backward")(g, x, **kw)
    wide = np.float64 if dtype == np.float32 else np.longdouble  # (as tests/_accuracy.py)
    xw, gw = x.astype(wide), g.astype(wide)
    ref_kw = {} if alpha is None else {"alpha": float(dtype(alpha))}  # alpha as the kernel sees it
    with np.errstate(all="ignore"):
        d = getattr(reference, name + "_derivative")(xw, **ref_kw)
    steps = A.steps_from_cr(got, gw * d, dtype)
    worst = int(np.argmax(steps))
    assert steps.max() <= 4, (x[worst], g[worst], got[worst], (gw * d)[worst])
    if name == "elu" and alpha >= 1:
        big = fastact.elu_backward(np.array([info.max], dtype), np.array([-1e30], dtype),
                                   alpha=float(min(alpha, info.max)))
        assert big[0] == 0 and not np.signbit(big[0])
