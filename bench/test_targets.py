"""bench/targets.py runs end to end (tiny sizes and budgets: a smoke test, not a measurement)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import targets  # noqa: E402  (bench/targets.py)


def test_targets_table_and_json(tmp_path, capsys):
    path = tmp_path / "t.json"
    assert targets.main(["--no-threads", "--target-ms", "0.2", "--size", "4096", "--calls", "50",
                         "--markdown", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "| target | function | dtype |" in out and "targets met" in out
    rows = json.loads(path.read_text())["rows"]
    groups = {r["group"] for r in rows}
    assert any(g.startswith("memory-bound") for g in groups)
    assert any(g.startswith("16 elements") for g in groups)
    assert any(g.startswith("in place") for g in groups)
    # the in-place rows: forward and backward from x of the elementwise exp rows, 2 dtypes
    inplace = sum(1 + targets.has_pass(r, "backward(x)") for r in targets.elementwise("exp"))
    assert sum(1 for r in rows if not r["issue_target"]) == 2 * inplace
    assert all(r["ratio"] > 0 and r["met"] in (True, False) for r in rows)
