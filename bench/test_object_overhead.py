"""bench/object_overhead.py times each object call next to the function call it wraps: every
pair must compute the same thing (the same bits), or the table compares different work."""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import object_overhead  # noqa: E402


def test_each_object_call_computes_what_its_function_call_does():
    x = np.random.default_rng(0).standard_normal(16).astype(np.float32)
    g = np.random.default_rng(1).standard_normal(16).astype(np.float32)
    for name in object_overhead.names():
        for label, fn, ob in object_overhead.cases(name, x, g, np.empty_like(x)):
            want, got = fn(), ob()
            if not isinstance(want, tuple):  # (gated_backward: a pair)
                want, got = (want,), (got,)
            assert len(got) == len(want), label
            for w, o in zip(want, got):
                assert o.dtype == w.dtype and o.tobytes() == w.tobytes(), label


def test_the_script_runs():
    out = subprocess.run([sys.executable, object_overhead.__file__, "--number", "5",
                          "--functions", "relu,softmax,glu"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == 1 + 4 + 3 + 2 and all(line.endswith(" ns") for line in out[1:])
