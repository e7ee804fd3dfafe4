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
    found = {(name, p, s) for name, p, s, reg, n, _ in loops if n > 0}
    assert found == expected


def test_loops_take_one_comparison_per_condition(loops):
    # at most two bounds and the NaN test (relu6', hardsigmoid', sparse_sigmoid' and the clamp's)
    slow = [r for r in loops if r[5] > 3]
    assert not slow, slow
