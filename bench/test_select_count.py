"""The narrow (256-bit) loops of the piecewise kernels take one comparison per condition of
their formula (bench/select_count.py; why: _math.pxd.tp, before relu, and the FASTACT_NARROW
comment in _kernels.pyx.tp). A derivative written as nested selects compiled to 4
comparisons and a mask negation per vector (relu6'), and ran at 0.4 of np.copyto."""
import importlib.util
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import select_count  # noqa: E402

from fastact import _catalogue as cat  # noqa: E402

HAVE_AVX512_MODULE = importlib.util.find_spec("fastact._kernels._kernels_avx512") is not None


@pytest.fixture(scope="module")
def loops():
    if not HAVE_AVX512_MODULE:
        pytest.skip("no AVX-512 kernel module on this platform")
    if select_count.tools() is None:
        pytest.skip("objdump and nm (binutils) are not installed")
    rows = select_count.loops()
    if rows is None:
        pytest.skip("the kernel module is stripped")
    return rows


def test_every_narrow_kernel_has_a_vector_loop(loops):
    expected = {(r.name, p, s) for r in cat.kernel_rows() if r.kind == "elementwise"
                for p in r.passes if r.narrow(p) for s in ("f32", "f64")}
    found = {(name, p, s) for name, p, s, reg, n, *_ in loops if n > 0}
    assert found == expected


def test_loops_take_one_comparison_per_condition(loops):
    # at most two bounds and the NaN test (relu6', hardsigmoid', sparse_sigmoid' and the clamp's)
    slow = [r for r in loops if r[5] > 3]
    assert not slow, slow


@pytest.fixture(scope="module")
def all_loops(loops):
    return select_count.loops(narrow_only=False)


def test_clamps_to_hidden_constants_are_max_and_min(all_loops):
    """Each clamp of a formula to K_f32 / K_f64 is one max or min instruction in the loops of
    both widths (_math.pxd.tp, before fabs: GCC 12 emits them only for a bound it cannot see;
    hardsigmoid took 11 instructions per vector with literal bounds, 6 with K's). Fails when
    a compiler sees through K: the clamps become compares and blends again."""
    clamped = [r for r in all_loops if r[7] > 0]
    assert {r[0] for r in clamped} >= {"hardsigmoid", "sparse_sigmoid"}  # (the parser works)
    slow = [r for r in clamped if r[4] > 0 and r[6] < r[7]]
    assert not slow, slow


def test_relu6_clamps_like_its_general_form(all_loops):
    """relu6 runs the formulas of the row with bounds min_val and max_val, its bounds 0 and 6
    read from K (relu6_bounds, _math.pxd.tp): its forward loops take as many max / min as
    that row's, whose bounds come at run time. Fails when a compiler sees through K and
    compiles relu6's clamp to compares and blends (as it did with the literals 0 and 6)."""
    general = next(r.name for r in cat.ROWS if "min_val" in [p.name for p in r.params])
    minmax = {(r[0], r[1], r[2], r[3]): r[6] for r in all_loops if r[4] > 0}
    pairs = [(k, v, minmax.get((general,) + k[1:])) for k, v in minmax.items()
             if k[0] == "relu6" and k[1] == "forward"]
    assert pairs, sorted(minmax)
    assert all(v == h and v >= 2 for _, v, h in pairs), pairs


def test_softshrink_is_x_minus_its_clamp(all_loops):
    """softshrink's forward pass is x minus x clamped to [-lambd, lambd] (_math.pxd.tp): a max,
    a min and a subtraction, no compare (it took a compare, a blend, abs and copysign
    before: 12 instructions a vector at avx2 against 8). Fails where a compiler turns the
    clamp back into compares."""
    rows = [r for r in all_loops if r[0] == "softshrink" and r[1] == "forward" and r[4] > 0]
    assert rows, "no softshrink forward loop"
    assert all(r[6] >= 2 and r[5] == 0 for r in rows), rows


def test_clamp_parser_counts_called_blocks():
    blocks = select_count.formula_blocks()
    row = cat.BY_NAME["sparse_plus"]
    # the derivative is sparse_sigmoid's clamp to [0, 1]; the forward clamps x to [-1, 1]
    assert select_count.clamps(row, "derivative", blocks) == 2
    assert select_count.clamps(row, "forward", blocks) == 2
    assert select_count.clamps(cat.BY_NAME["relu"], "forward", blocks) == 0


def test_placement_lists_every_vector_loop(loops):
    """--placement: every elementwise kernel pass and dtype has a loop at the avx512 level,
    of a plausible size (its placement in a 64-byte line decides a short loop's speed on
    AMD Zen 2: docs/performance.md, code placement)."""
    rows = select_count.placement("avx512")
    expected = {(r.name, p, s) for r in cat.kernel_rows() if r.kind == "elementwise"
                for p in r.passes for s in ("f32", "f64")}
    assert {(n, p, s) for n, p, s, *_ in rows} == expected
    assert all(8 <= size < 4096 and 0 <= off < 64 for *_, size, off in rows)
