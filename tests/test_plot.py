"""fastact.plot / `fastact plot`: every catalogue function drawn (Agg backend) into PNG and SVG
files that are checked (PNG signature and size, SVG parses), the curves drawn are the kernels'
values, the kinks and flat regions found numerically are the documented ones, and bad input
(in Python and on the command line) gets a clear error and exit code.

matplotlib is in the test extra; only the tests that draw need it (the others run without)."""
import os
import subprocess
import tempfile
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import fastact
from fastact import _catalogue as cat, _plot
from fastact.__main__ import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The kinks of each row on [-6, 6] (where f' jumps), from the formulas in the catalogue's
# `derivative` texts; {params: kinks} per row. elu with alpha = 1 is C1 (1 = alpha e^0).
KINKS = {
    "identity": {(): []},
    "relu": {(): [0.0]},
    "relu6": {(): [0.0, 6.0]},
    "hardtanh": {(): [-1.0, 1.0], (("min_val", -2.5), ("max_val", 0.5)): [-2.5, 0.5]},
    "hardsigmoid": {(): [-3.0, 3.0]},
    "hardswish": {(): [-3.0, 3.0]},
    "softshrink": {(): [-0.5, 0.5], (("lambd", 2.0),): [-2.0, 2.0]},
    "hardshrink": {(): [-0.5, 0.5]},
    "threshold": {(): [0.0], (("threshold", 1.5), ("value", -1.0)): [1.5]},
    "rrelu": {(): [0.0]},
    "relu_squared": {(): []},
    "softsign": {(): []},
    "squareplus": {(): []},
    "sparse_plus": {(): []},
    "sparse_sigmoid": {(): [-1.0, 1.0]},
    "leaky_relu": {(): [0.0], (("alpha", 1.0),): []},
    "elu": {(): [], (("alpha", 0.5),): [0.0]},
    "selu": {(): [0.0]},
    "sigmoid": {(): []},
    "tanh": {(): []},
    "gelu": {(): [], (("approximate", "tanh"),): []},
    "silu": {(): []},
    "softplus": {(): [], (("threshold", 2.0),): [2.0]},
    "logsigmoid": {(): []},
    "mish": {(): []},
    "celu": {(): [], (("alpha", 0.5),): []},
    "tanhshrink": {(): []},
    "prelu": {(): [0.0], (("weight", 1.0),): []},
    "softmax": {(): []},
    "log_softmax": {(): []},
    "softmin": {(): []},
    "sparsemax": {(): [-1.0, 1.0]},
    "gated": {(): []},  # (value 1: silu, the default activation)
    "glu": {(): []},  # (value 1: sigmoid)
}


@pytest.fixture
def mpl():
    matplotlib = pytest.importorskip("matplotlib")  # in the test extra: CI has it
    matplotlib.use("Agg")
    return matplotlib


def _check_png(path):
    assert os.path.getsize(path) > 1000, path
    with open(path, "rb") as f:
        assert f.read(8) == PNG_SIGNATURE, path


def _check_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), root.tag
    assert len(list(root.iter())) > 50, path  # axes, ticks, curves


@pytest.mark.parametrize("row", cat.ROWS, ids=lambda r: r.name)
def test_every_function_renders_to_png_and_svg(row, mpl, tmp_path):
    png, svg = tmp_path / (row.name + ".png"), tmp_path / (row.name + ".svg")
    fig = fastact.plot(row.name, out=png, dpi=50)
    fastact.plot([row.name], derivative=False, range=(-3, 2), out=str(svg))
    _check_png(png)
    _check_svg(svg)
    ax = fig.axes[0]
    assert ax.get_title().startswith(row.name)
    # the first curve is f, the second f', both the kernels' values
    x = np.linspace(-6, 6, _plot.POINTS)
    f, d = _plot.curves(row.name, x)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == x.size]
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_ydata(), f)
    np.testing.assert_array_equal(lines[1].get_ydata(), d)


def test_the_grid_has_one_subplot_per_function(mpl):
    fig = fastact.plot(columns=5)
    drawn = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().split("(")[0].split("[")[0] for ax in drawn] == [
        r.name for r in cat.ROWS]
    assert len(fig.axes) == 5 * -(-len(cat.ROWS) // 5)
    assert fig.legends, "the figure has a legend"


def test_curves_of_the_axis_rows_are_the_two_class_curves():
    # (the backward kernels compute p (1 - p): accurate to 1e-16 absolute, not relative)
    x = np.linspace(-30, 30, 61)
    f, d = _plot.curves("softmax", x)
    np.testing.assert_allclose(f, fastact.sigmoid(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(d, fastact.sigmoid_derivative(x), rtol=1e-14, atol=1e-15)
    f, d = _plot.curves("log_softmax", x)
    np.testing.assert_allclose(f, fastact.logsigmoid(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(d, fastact.logsigmoid_derivative(x), rtol=1e-14, atol=1e-15)


def test_every_row_has_its_kinks_entry():
    assert set(KINKS) == {r.name for r in cat.ROWS}


@pytest.mark.parametrize("name,params,want", [
    pytest.param(name, dict(p), want, id="%s-%s" % (name, "-".join(
        ("%s%s" if isinstance(kv[1], str) else "%s%g") % kv for kv in p)))
    for name, cases in KINKS.items() for p, want in cases.items()])
def test_kinks_found_from_the_derivative_kernel(name, params, want):
    assert _plot.kinks(name, (-6, 6), params) == want


def test_flat_regions():
    x = np.linspace(-6, 6, 1201)
    _, d = _plot.curves("relu", x)
    assert _plot.flat_regions(x, d) == [(-6.0, 0.0)]
    _, d = _plot.curves("sigmoid", x)
    (a0, a1), (b0, b1) = _plot.flat_regions(x, d, 0.01)
    # sigmoid'(x) = 0.01 at |x| = log((1 + sqrt(1 - 0.04)) / (1 - sqrt(1 - 0.04)) / ...)
    edge = float(np.log((1 + np.sqrt(0.96)) / (1 - np.sqrt(0.96))))  # = 4.5951
    assert a0 == -6 and b1 == 6 and abs(a1 + edge) < 0.011 and abs(b0 - edge) < 0.011
    assert _plot.flat_regions(x, d, 0.0) == []
    _, d = _plot.curves("identity", x)
    assert _plot.flat_regions(x, d) == []


def test_import_fastact_does_not_import_matplotlib():
    code = "import sys, fastact; print('matplotlib' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, cwd=tempfile.gettempdir())  # (not the source tree)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(ImportError, match=r"pip install fastact\[plot\]"):
        fastact.plot("relu")
    assert main(["plot", "relu", "--out", "never-written.png"]) == 1


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"names": "nosuch"}, ValueError, r"names: unknown 'nosuch'; choose from .*relu"),
    ({"names": ["relu", "bogus"]}, ValueError, r"names: unknown 'bogus'"),
    ({"names": [1]}, TypeError, r"names: .*str"),
    ({"names": []}, ValueError, r"names: give at least one"),
    ({"range": (2, 1)}, ValueError, r"range: needs lo < hi"),
    ({"range": (0, float("inf"))}, ValueError, r"range: must be finite"),
    ({"range": 5}, TypeError, r"range: expected two numbers"),
    ({"saturation": -1}, ValueError, r"saturation: must be >= 0"),
    ({"columns": 0}, ValueError, r"columns: expected a positive integer"),
    ({"params": {"nosuch": {}}}, ValueError, r"params: unknown function 'nosuch'"),
    ({"out": "picture.jpg", "names": "relu"}, ValueError, r"out: .*\.png or \.svg"),
])
def test_bad_arguments(kwargs, exc, match, mpl, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(exc, match=match):
        fastact.plot(**kwargs)
    assert not os.listdir(tmp_path)


def test_aliases_and_parameters(mpl):
    fig = fastact.plot(["swish", " Leaky_ReLU", "linear"],
                       params={"leaky_relu": {"alpha": 0.2}})
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert titles == ["silu", "leaky_relu(alpha=0.2)", "identity"]


def test_presets_draw_their_row_with_the_choice(mpl, tmp_path):
    """A preset (a row with its choice parameter bound, as fastact.get takes it) draws that
    row's kernels with the choice: the same curves as the row with the parameter given."""
    assert cat.PRESETS
    for preset, (row_name, params) in cat.PRESETS.items():
        assert _plot.resolve_names(" %s , %s" % (preset.upper(), row_name)) == [preset, row_name]
        fig = fastact.plot(preset, range=(-4, 4), points=64)
        want = fastact.plot(row_name, range=(-4, 4), points=64, params={row_name: params})
        assert [a.get_title() for a in fig.axes] == [a.get_title() for a in want.axes]
        assert "=" in fig.axes[0].get_title()  # (the choice is in the title)
        got_lines = [ln.get_ydata() for ln in fig.axes[0].get_lines()]
        want_lines = [ln.get_ydata() for ln in want.axes[0].get_lines()]
        assert len(got_lines) == len(want_lines)
        for a, b in zip(got_lines, want_lines):
            np.testing.assert_array_equal(a, b)
        # params keyed by the preset's name reach it; an unknown key is still an error
        fastact.plot(preset, range=(-4, 4), points=64, params={preset: {}})
        with pytest.raises(ValueError, match="params: unknown function"):
            fastact.plot(preset, points=64, params={preset + "x": {}})
        out = tmp_path / "presets"
        assert main(["plot", preset, "--out", str(out) + os.sep, "--quiet"]) == 0
        assert os.listdir(out) == [preset + ".png"]
        _check_png(out / (preset + ".png"))


# --- the command line -------------------------------------------------------------------------
def test_cli_writes_one_file(mpl, tmp_path, capsys):
    out = tmp_path / "acts.png"
    assert main(["plot", "relu", "tanh,sigmoid", "--range", "-3", "3", "--out", str(out),
                 "--dpi", "40"]) == 0
    _check_png(out)
    assert "wrote %s" % out in capsys.readouterr().err
    svg = tmp_path / "acts.svg"
    assert main(["plot", "--no-derivative", "--out", str(svg), "--quiet"]) == 0
    _check_svg(svg)


def test_cli_writes_one_png_per_function_into_a_directory(mpl, tmp_path):
    out = tmp_path / "pictures"
    assert main(["plot", "relu", "softmax", "--out", str(out) + os.sep, "--quiet"]) == 0
    assert sorted(os.listdir(out)) == ["relu.png", "softmax.png"]
    for name in os.listdir(out):
        _check_png(out / name)


@pytest.mark.parametrize("argv,message", [
    (["plot", "nosuch"], "names: unknown 'nosuch'"),
    (["plot", "relu", "--range", "3", "-3"], "range: needs lo < hi"),
    (["plot", "relu", "--out", "x.jpg"], "--out: expected a directory or a file name"),
    (["plot", "relu", "--out", os.path.join("no", "such", "dir", "x.png")], "does not exist"),
])
def test_cli_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("fastact plot: error: ") and message in err, err
    assert not os.listdir(tmp_path)


def test_cli_usage_error_exit_code(capsys):
    assert main(["plot", "--range", "1"]) == 2
    assert "--range" in capsys.readouterr().err


def test_console_entry_point_exit_code(tmp_path):
    r = subprocess.run([sys.executable, "-m", "fastact", "plot", "relu", "nosuch"],
                       capture_output=True, text=True, cwd=str(tmp_path), timeout=120)
    assert r.returncode == 2
    assert "names: unknown 'nosuch'" in r.stderr
