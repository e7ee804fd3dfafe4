"""bench/aliasing.py: its arrays sit at the offsets its table names, and it runs."""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import aliasing  # noqa: E402


def test_placed_arrays_sit_at_the_offsets():
    for dtype in ("float32", "float64"):
        x = aliasing.placed(1000, dtype, 64)
        for d in aliasing.OFFSETS:
            o = aliasing.placed(1000, dtype, 64 + d)
            assert (o.ctypes.data - x.ctypes.data) % 4096 == d and o.size == 1000


def test_the_script_runs():
    out = subprocess.run([sys.executable, aliasing.__file__, "--n", "4096", "--reps", "2"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == 1 + len(aliasing.OFFSETS)
    assert all(np.isfinite(float(c)) for line in out[1:] for c in line.split()[3:])
