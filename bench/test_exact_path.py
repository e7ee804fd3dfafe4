"""bench/exact_path.py runs end to end (a tiny size: a smoke test, not a measurement)."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exact_path  # noqa: E402  (bench/exact_path.py)

import fastact  # noqa: E402


def test_every_tail_kernel_is_a_kernel_with_both_passes():
    names = exact_path.tail_kernels()
    assert names and len(set(names)) == len(names)
    for name in names:
        fname, params = fastact._catalogue.kernel_call(name)
        assert callable(getattr(fastact, fname)) and callable(getattr(fastact, fname + "_backward"))


def test_the_tail_input_is_past_the_normal_range_of_exp():
    """exp(-|tail|) is below the dtype's smallest normal number, where every exp tail begins
    (else the script would compare the fast path with itself)."""
    for dt, x in exact_path.TAIL.items():
        with np.errstate(under="ignore"):
            assert np.exp(np.asarray(-abs(x), dt)) < np.finfo(dt).tiny


def test_table(capsys):
    names = exact_path.tail_kernels()[:2]
    threads = fastact.get_num_threads()
    try:
        assert exact_path.main(["--sizes", "600", "--functions", ",".join(names), "--markdown",
                                "--threads", "1"]) == 0
    finally:
        fastact.set_num_threads(threads)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(lines) == 1 + 2 * len(names)  # header, then each kernel in 2 dtypes
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] in names and float(cells[3]) > 0 and float(cells[4]) > 0


def test_unknown_kernel_is_an_error(capsys):
    with pytest.raises(SystemExit):
        exact_path.main(["--functions", "no_such_kernel"])
    assert "not an exp-tail kernel: no_such_kernel" in capsys.readouterr().err
