"""Types: fastact ships py.typed and stubs generated from the catalogue, and mypy --strict
accepts a program that uses every public function and class (and rejects a wrong call)."""
import os
import subprocess
import sys

import pytest

import fastact
from fastact import _catalogue as cat

PKG = os.path.dirname(os.path.abspath(fastact.__file__))


def test_the_optional_modules_have_stubs():
    """fastact.torch and fastact.dask ship stubs that import neither torch nor dask (a program
    that uses them type-checks where those are not installed)."""
    for mod in ("torch", "dask"):
        with open(os.path.join(PKG, mod + ".pyi"), encoding="utf-8") as f:
            text = f.read()
        assert "import torch" not in text and "import dask" not in text
        assert "def __getattr__(name: str) -> Any" in text and "def available()" in text


def test_the_stubs_are_the_catalogues():
    with open(os.path.join(PKG, "__init__.pyi"), encoding="utf-8") as f:
        assert f.read() == cat.stubs() + "\n", (
            "fastact/__init__.pyi is out of date: run python fastact/_catalogue.py README.md")
    assert os.path.exists(os.path.join(PKG, "py.typed"))


def _usage():
    """A program that calls every public function and class of the catalogue, typed."""
    lines = ["from typing import Any, Tuple", "import numpy as np", "from numpy.typing import NDArray",
             "import fastact", "",
             "x: NDArray[Any] = np.linspace(-1.0, 1.0, 8).reshape(2, 4)",
             "g: NDArray[Any] = np.ones((2, 4))", "r: NDArray[Any]", "t: Tuple[NDArray[Any], NDArray[Any]]",
             "a: fastact.Activation"]
    for row in cat.ROWS:
        for name in (row.name,) + row.aliases:
            kw = ", ".join("%s=%r" % kv for kv in row.example_params().items())
            kw = (", " + kw) if kw else ""
            if row.kind == "elementwise":
                lines += ["r = fastact.%s(x%s)" % (name, kw),
                          "r = fastact.%s_derivative(x%s, out=r)" % (name, kw),
                          "r = fastact.%s_backward(g, x%s)" % (name, kw)]
                if row.takes_y:
                    lines.append("r = fastact.%s_backward(g, y=r%s)" % (name, kw))
            elif row.kind == "per_channel":
                lines += ["r = fastact.%s(x, 0.25, axis=1)" % name,
                          "r = fastact.%s_derivative(x, np.ones(4), axis=1)" % name,
                          "t = fastact.%s_backward(g, x, 0.25)" % name]
            elif row.kind == "gate" and row.halves:
                lines += ["r = fastact.%s(x, axis=-1, activation='tanh')" % name,
                          "r = fastact.%s_backward(g[:, :2], x, axis=-1, out=r)" % name]
            elif row.kind == "gate":
                lines += ["r = fastact.%s(x, g, activation='relu', out=r)" % name,
                          "t = fastact.%s_backward(g, x, g)" % name,
                          "t = fastact.%s_backward(g, x, g, out=t)" % name]
            else:
                lines += ["r = fastact.%s(x, axis=0)" % name,
                          "r = fastact.%s_backward(g, y=r, axis=0)" % name]
        init = ", ".join("%s=%r" % kv for kv in row.example_params().items())
        if row.kind == "per_channel":
            init = "0.25"
        if row.kind == "gate" and not row.halves:
            lines += ["r = fastact.%s('silu')(x, g)" % row.cls,
                      "t = fastact.%s().backward(g, x, g)" % row.cls]
            continue
        lines += ["a = fastact.%s(%s)" % (row.cls, init), "r = a(x)"]
    lines += ["w: NDArray[Any] = fastact.init.kaiming_normal((4, 3), rng=0)",
              "w = fastact.init.orthogonal((4, 3), activation='tanh', rng=np.random.default_rng(0),"
              " dtype=np.float64)",
              "gain: float = fastact.init.calculate_gain('leaky_relu', 0.2)",
              "lab: NDArray[Any] = np.array([0, 3])",
              "loss: Any = fastact.softmax_cross_entropy(x, lab, reduction='sum')",
              "loss, r = fastact.softmax_cross_entropy(x, lab, return_grad=True)",
              "loss, r = fastact.sigmoid_binary_cross_entropy(x, g, return_grad=True)",
              "loss = fastact.loss.sigmoid_binary_cross_entropy(x, g, pos_weight=np.ones(4))",
              "fig: Any = fastact.plot(['relu'], range=(-2.0, 2.0))"]
    # fastact.torch and fastact.dask: their stubs type the helpers in full and the generated
    # functions and classes as Any (neither stub imports torch or dask)
    lines += ["import fastact.torch", "import fastact.dask",
              "m: Any = fastact.torch.get('relu')", "used: bool = fastact.torch.uses_kernels(m)",
              "tnames: list[str] = fastact.torch.available()",
              "dnames: list[str] = fastact.dask.available()",
              "dres: Any = fastact.dask.relu(x)", "tfun: Any = fastact.torch.relu"]
    lines += ["a = fastact.get('relu')", "n: int = fastact.get_num_threads()",
              "fastact.set_num_threads(n)", "names: list[str] = fastact.available()",
              "v: str = fastact.__version__"]
    return "\n".join(lines) + "\n"


def _mypy(tmp_path, text):
    pytest.importorskip("mypy")  # (in the test extra: CI has it)
    src = tmp_path / "usage.py"
    src.write_text(text)
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--cache-dir", str(tmp_path / ".mypy"), str(src)],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=300)


def test_mypy_strict_accepts_every_public_call(tmp_path):
    r = _mypy(tmp_path, _usage())
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_rejects_a_positional_y(tmp_path):
    r = _mypy(tmp_path, _usage() + "r = fastact.softmax_backward(g, r)\n"
                                   "r = fastact.relu(x, alpha=0.1)\n"
                                   "r = fastact.init.xavier_normal((2, 2), mode='fan_in')\n"
                                   "r = fastact.softmax_cross_entropy(x, lab, reduction='avg')\n"
                                   "m = fastact.torch.get(3)\n")
    assert r.returncode == 1, r.stdout
    assert "softmax_backward" in r.stdout and '"alpha"' in r.stdout, r.stdout
    assert '"mode"' in r.stdout and "reduction" in r.stdout, r.stdout
    assert 'Argument 1 to "get"' in r.stdout, r.stdout
