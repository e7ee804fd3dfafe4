"""bench/torch_mlp.py as a smoke test (--quick: tiny sizes): it runs and prints one line per
activation with both times and both losses, the same up to rounding. Never a speed check.
Skipped when PyTorch is absent (it is not in the test extra)."""
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_mlp.py")


def test_torch_mlp_quick():
    pytest.importorskip("torch")
    r = subprocess.run([sys.executable, SCRIPT, "--quick", "--activations", "relu,silu,tanh"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = {line.split()[0]: line.split() for line in r.stdout.splitlines() if line.strip()}
    for name in ("relu", "silu", "tanh"):
        fields = lines[name]
        t_ours, t_theirs, loss_ours, loss_theirs = (float(fields[i]) for i in (1, 2, 4, 5))
        assert t_ours > 0 and t_theirs > 0
        assert abs(loss_ours - loss_theirs) <= 1e-4 * max(1.0, abs(loss_theirs)), fields


def test_torch_mlp_refuses_an_unknown_activation():
    pytest.importorskip("torch")
    r = subprocess.run([sys.executable, SCRIPT, "--quick", "--activations", "nope"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "unknown activation 'nope'" in r.stderr
