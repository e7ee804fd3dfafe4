"""The `fastact bench` command line (fastact/__main__.py) on tiny configurations.

These are tests, not benchmarks: they check the table, the markdown, the JSON and the
errors, never a speed.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import fastact
from fastact import _bench as B
from fastact import _catalogue as cat
from fastact.__main__ import main

TINY = ["--quick", "--target-ms", "0.5", "--sizes", "1024"]
# functions of the catalogue, chosen by their properties: an elementwise row that runs at
# memory speed, an elementwise row with an exp that takes y= (four passes), the first
# 'per_channel' row and the first 'axis' row
MEMORY = next(r.name for r in cat.ROWS
              if r.kind == "elementwise" and r.cost == "memory" and r.takes_y)
EXP = next(r.name for r in cat.ROWS
           if r.kind == "elementwise" and r.cost == "exp" and r.takes_y)
PER_CHANNEL = next(r.name for r in cat.ROWS if r.kind == "per_channel")
AXIS = next(r.name for r in cat.ROWS if r.kind == "axis")
COLUMNS = ["function", "pass", "dtype", "size", "fastact out=", "fastact", "reference",
           "speedup", "numpy"]


def run(capsys, *args):
    code = main(["bench", *TINY, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_and_table(tmp_path, capsys):
    path = tmp_path / "bench.json"
    code, out, err = run(capsys, "--functions", "%s,%s" % (MEMORY, EXP), "--json", str(path))
    assert code == 0, err
    doc = json.loads(path.read_text())

    header = doc["header"]
    for key in ("date", "versions", "machine", "fastact_config", "isa", "threads", "timing",
                "command", "settings", "columns"):
        assert key in header, key
    assert header["versions"]["fastact"] == fastact.__version__
    assert header["versions"]["numpy"] == np.__version__
    assert header["machine"]["cpu_model"]
    assert header["threads"]["fastact"] == 1
    assert "isa" in header["fastact_config"]
    assert header["command"].startswith("fastact bench")
    assert header["settings"]["sizes"] == [1024]

    records = doc["records"]
    # two elementwise functions: forward, derivative, backward(x), backward(y); two dtypes;
    # one size
    assert len(records) == 16
    assert {(r["function"], r["pass"], r["dtype"]) for r in records} == {
        (f, p, d) for f in (MEMORY, EXP) for p in B.PASSES for d in B.DTYPES}
    for r in records:
        assert r["size"] == 1024 and r["shape"] == [1024]
        for key in ("fastact_out", "fastact", "reference"):
            res = r["results"][key]
            assert res["gelem_per_s"] > 0 and res["median_ns"] > 0 and res["samples"] >= 3
            assert res["check"] == "ok", (r["function"], r["pass"], key, res["check"])
        assert r["speedup_vs_reference"] == pytest.approx(
            r["results"]["fastact"]["gelem_per_s"] / r["results"]["reference"]["gelem_per_s"])
        assert r["baselines"]["copy"] > 0 and r["baselines"]["multiply"] > 0
    assert {(b["dtype"], b["size"]) for b in doc["baselines"]} == {
        ("float32", 1024), ("float64", 1024)}

    # the table: a heading line with every column, then one line per record
    lines = out.splitlines()
    (heading,) = [line for line in lines if line.startswith("function ")]
    for column in COLUMNS:
        assert column in heading
    rows = [line for line in lines if line.split()[:1] in ([MEMORY], [EXP])]
    assert len(rows) == 16
    assert "AMD" in out or header["machine"]["cpu_model"] in out
    assert "wrote" in err


def test_markdown(capsys):
    code, out, err = run(capsys, "--functions", EXP, "--passes", "forward,backward",
                         "--dtypes", "float32", "--markdown")
    assert code == 0, err
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert table[0].startswith("| function | pass | dtype | size | fastact out= |")
    assert set(table[1]) <= set("|-:")
    assert len(table) == 2 + 3  # forward, backward(x), backward(y)
    for line in table[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == EXP and cells[2] == "float32" and cells[3] == "1Ki"
        assert float(cells[4]) > 0 and cells[7].endswith("x")
    assert out.startswith("`fastact bench")


@pytest.mark.parametrize("extra", [[], ["--markdown"], ["--no-torch"]])
def test_description_lines(capsys, extra):
    """The lines above the table stay under 120 characters and name torch only when the table
    has a torch column."""
    code, out, err = run(capsys, "--functions", MEMORY, "--passes", "forward", "--dtypes",
                         "float32", *extra)
    assert code == 0, err
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(("function ", "| function")))
    assert head >= 3
    for line in lines[:head]:
        assert len(line) < 120, line
    text = " ".join(lines[:head]).replace("--no-torch", "")  # (the command line is quoted)
    has_torch_column = " torch " in lines[head]
    assert has_torch_column == ("torch" in text.lower())
    if "--no-torch" in extra:
        assert not has_torch_column


def test_prelu_and_softmax_layouts(tmp_path, capsys):
    path = tmp_path / "b.json"
    code, out, err = main(["bench", "--quick", "--target-ms", "0.5", "--sizes", "16,1000",
                           "--functions", ",".join((PER_CHANNEL, AXIS, MEMORY)),
                           "--dtypes", "float64",
                           "--no-torch", "--json", str(path)]), *capsys.readouterr()
    assert code == 0, err
    records = json.loads(path.read_text())["records"]
    shapes = {(r["name"], r["size"]): r["shape"] for r in records}
    assert shapes[(PER_CHANNEL, 16)] == [1, 16, 1]
    assert shapes[(AXIS + "[axis=-1]", 16)] == [1, 16]
    assert shapes[(AXIS + "[axis=0]", 16)] == [16, 1]
    # 1000 elements have no (., 16, 64) / (., 1024) layout: only the elementwise row runs
    assert {r["function"] for r in records if r["size"] == 1000} == {MEMORY}
    assert all("torch" not in r["results"] for r in records)
    for r in records:
        for res in r["results"].values():
            assert res.get("check") == "ok", (r["name"], r["pass"], res)


def test_a_wrong_result_is_flagged(tmp_path, capsys, monkeypatch):
    """The warm-up result of every competitor is compared with the reference."""
    def broken(case, inp):
        return "broken", lambda: inp.shaped(case, inp.x) + 1

    monkeypatch.setitem(B._MAKERS, "numpy", broken)
    path = tmp_path / "b.json"
    code, out, err = run(capsys, "--functions", MEMORY, "--passes", "forward", "--dtypes",
                         "float32", "--json", str(path))
    assert code == 0, err
    (record,) = json.loads(path.read_text())["records"]
    assert record["results"]["numpy"]["check"].startswith("MISMATCH")
    assert record["results"]["fastact"]["check"] == "ok"
    assert "!" in out and "differed from the reference" in out


@pytest.mark.parametrize("args, message", [
    (["--functions", MEMORY + ",nope"], "unknown 'nope'"),
    (["--dtypes", "float16"], "unknown 'float16'"),
    (["--sizes", "0"], "at least 1 element"),
    (["--sizes", "1Xi"], "expected a number of elements"),
    (["--passes", "sideways"], "unknown 'sideways'"),
    (["--threads", "0"], "at least 1"),
])
def test_bad_arguments(capsys, args, message):
    code = main(["bench", "--quick", *args])
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err and out == ""


def test_no_layout_for_the_size(capsys):
    code = main(["bench", *TINY[:-1], "1000", "--functions", AXIS, "--no-torch"])
    out, err = capsys.readouterr()
    assert code == 2 and "nothing to measure" in err and out == ""


def test_threads_without_thread_support(capsys):
    code = main(["bench", *TINY, "--functions", MEMORY, "--passes", "forward", "--dtypes",
                 "float32", "--no-torch", "--threads", "2"])
    out, err = capsys.readouterr()
    if callable(getattr(fastact, "set_num_threads", None)):
        assert code == 0, err
        assert "fastact 2" in out
    else:
        assert code == 2
        assert "set_num_threads" in err


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    out, _ = capsys.readouterr()
    assert "bench" in out and "usage" in out.lower()


def test_console_script_and_module(tmp_path):
    """`fastact` is installed as a console script; both entry points run from any directory."""
    script = shutil.which("fastact", path=os.path.dirname(sys.executable))
    assert script is not None, "the fastact console script is not installed next to %s" % (
        sys.executable)
    for cmd in ([script, "bench", "--help"], [sys.executable, "-m", "fastact", "bench", "--help"]):
        proc = subprocess.run(cmd, cwd=str(tmp_path), capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        for option in ("--functions", "--dtypes", "--sizes", "--threads", "--quick", "--json",
                       "--markdown"):
            assert option in proc.stdout


def test_version(capsys):
    from fastact.__main__ import main
    import fastact

    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fastact %s (" % fastact.__version__) and fastact.__version__
