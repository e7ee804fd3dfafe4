"""The examples (examples/ at the repository root) run as subprocesses with their --quick sizes,
and their output says what they show: the digits MLP learns (test accuracy above 0.85; a
wrong backward pass or gradient stays near chance, 0.1), the deep sigmoid network's
first-layer gradient is smaller than the ReLU network's. Skipped where the examples are not
next to the tests (an installed copy of the tests without the repository)."""
import os
import re
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def _run(script, *args):
    path = os.path.join(EXAMPLES, script)
    if not os.path.exists(path):
        pytest.skip("%s is not here (the tests without the repository)" % path)
    r = subprocess.run([sys.executable, path, *args], capture_output=True, text=True,
                       timeout=600, cwd=os.path.dirname(path))
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.mark.parametrize("activation", ["relu", "silu"])
def test_mlp_digits_learns(activation):
    out = _run("mlp_digits.py", "--quick", "--activation", activation)
    accuracy = float(re.search(r"^test accuracy: ([0-9.]+)$", out, re.M).group(1))
    assert accuracy > 0.85, out
    losses = [float(v) for v in re.findall(r"loss ([0-9.]+)", out)]
    assert losses[-1] < losses[0] / 3, out


def test_mlp_digits_refuses_an_unknown_activation():
    path = os.path.join(EXAMPLES, "mlp_digits.py")
    if not os.path.exists(path):
        pytest.skip("no examples here")
    r = subprocess.run([sys.executable, path, "--quick", "--activation", "nope"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "name: unknown activation 'nope'" in r.stderr


def test_vanishing_gradients(tmp_path):
    png = tmp_path / "vg.png"
    out = _run("vanishing_gradients.py", "--quick", "--plot", str(png))
    norms = {m.group(1): float(m.group(2))
             for m in re.finditer(r"^first_layer_grad_norm (\w+) (\S+)$", out, re.M)}
    assert set(norms) == {"sigmoid", "tanh", "relu", "selu"}, out
    assert norms["sigmoid"] < 1e-2 * norms["relu"], out  # vanished by orders of magnitude
    dead = {m.group(1): float(m.group(2))
            for m in re.finditer(r"^dead_fraction (\w+) (\S+)$", out, re.M)}
    assert set(dead) == {"relu", "leaky_relu"} and all(0 <= v <= 1 for v in dead.values())
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no plot" in out
    else:
        assert png.stat().st_size > 1000
