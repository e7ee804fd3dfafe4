"""bench/targets.py runs end to end (tiny sizes and budgets: a smoke test, not a measurement)."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import targets  # noqa: E402  (bench/targets.py)


def test_targets_table_and_json(tmp_path, capsys):
    path = tmp_path / "t.json"
    assert targets.main(["--no-threads", "--target-ms", "0.2", "--size", "4096", "--calls", "50",
                         "--markdown", "--json", str(path), "--model"]) == 0
    out = capsys.readouterr().out
    assert "| target | function | dtype |" in out and "targets met" in out
    assert "(--model: the models time 1 Mi elements (--size 4096))" in out
    rows = json.loads(path.read_text())["rows"]
    groups = {r["group"] for r in rows}
    assert any(g.startswith("memory-bound") for g in groups)
    assert any(g.startswith("16 elements") for g in groups)
    assert any(g.startswith("in place") for g in groups)
    # the in-place rows: forward and backward from x of the elementwise exp rows, 2 dtypes
    inplace = sum(1 + targets.has_pass(r, "backward(x)") for r in targets.elementwise("exp"))
    assert sum(1 for r in rows if not r["issue_target"]) == 2 * inplace
    assert all(r["ratio"] > 0 and r["met"] in (True, False) for r in rows)


def test_the_models_are_timed_with_their_rows(monkeypatch):
    """--model loads bench/c_model.c, built at the active level, as a library (model_lib)
    that finds and runs every loop the catalogue's ("model", pass) entries name (a renamed
    loop would otherwise lose its rows' models silently; the entries are of passes timed
    against PyTorch, variants "plain" and "formula"), and _measured times a row's models in
    the rounds of its own calls: r.model_speeds, G elements/s of each loop (a loop it does not
    know is left out)."""
    lib, why_not = targets.model_lib(targets.fastact.config()["isa"])
    assert why_not is None, why_not
    named = 0
    for row in [b for r in targets.cat.ROWS for b in r.bench_rows()]:
        for pass_ in targets._bench.PASSES:
            for dt in ("float32", "float64"):
                models = targets.cost_models(row, pass_, dt)
                if models:
                    assert targets.vs_torch(row, pass_) or targets._bench.memory_bound(
                        row, pass_), (row.name, pass_)
                    assert set(models) <= {"plain", "formula"}, (row.name, pass_, models)
                    for loop in models.values():
                        i = lib.c_model_find(loop.encode())
                        assert i >= 0 and lib.c_model_run(i) > 0, (row.name, pass_, dt, loop)
                        named += 1
    assert named >= 40
    for inputs in (1, 2):  # the memory-bound rows' traffic loops, also on a row's arrays
        for dt in ("float32", "float64"):
            loop = targets.traffic_model(inputs, dt)["traffic"]
            i = lib.c_model_find(loop.encode())
            assert lib.c_model_run(i) == 1 << 20, loop
            u, x = np.arange(-5, 6, dtype=dt), np.full(11, -2, dt)
            o = np.zeros_like(x)
            assert lib.c_model_run_on(i, u.ctypes.data, x.ctypes.data, o.ctypes.data, 11) == 11
            assert (o == (2 if inputs == 1 else -2 * u)).all(), (loop, o)
    assert lib.c_model_run_on(lib.c_model_find(b"softmax_rows64"), 0, 0, 0, 8) == 0
    assert lib.c_model_find(b"no such loop") == -1 and lib.c_model_run(-1) == 0
    assert lib.c_model_run(lib.c_model_find(b"softmax_fastact_rows64")) == 1024 * 1000
    monkeypatch.setattr(targets, "MODEL_LIB", lib)
    r = targets.Row("g", "w", "float32", lambda: None, lambda: None, 1.0)
    r.models = {"plain": "l_exp32", "formula": "not a loop"}
    targets._measured([r], 2_000_000)
    assert set(r.model_speeds) == {"l_exp32"} and r.model_speeds["l_exp32"] > 0
    assert r.values[0] > 0 and r.values[1] > 0
    # a memory-bound row's traffic loop runs on the row's arrays (r.arrays: g, x, o)
    g, x, o = np.ones(4096, np.float32), np.full(4096, 3, np.float32), np.zeros(4096, np.float32)
    r = targets.Row("g", "w", "float32", lambda: None, lambda: None, 0.95)
    r.models, r.arrays = targets.traffic_model(2, "float32"), (g, x, o)
    targets._measured([r], 2_000_000)
    assert r.model_speeds["l_mul32"] > 0 and (o == 3).all()


def memory_models():
    """(row, pass, dtype, models) of each memory-bound pass with catalogue models."""
    for row in [b for r in targets.cat.ROWS for b in r.bench_rows()]:
        for pass_ in targets._bench.PASSES:
            for dt in ("float32", "float64"):
                models = targets.cost_models(row, pass_, dt)
                if models and targets._bench.memory_bound(row, pass_):
                    yield row, pass_, dt, models


def test_the_formula_models_are_the_kernels_formulas():
    """A memory-bound pass's "formula" loop (bench/c_model.c, run on the row's arrays) computes
    what the kernel computes, bit for bit (NaN as NaN), on values across the kinks, the
    extremes and the zeros, at the row's default parameters (a per-channel row in
    bench/targets.py's layout and weights): the model times the kernel's own formula, not a
    cheaper one. Its "plain" loop runs too (n elements)."""
    lib, why_not = targets.model_lib(targets.fastact.config()["isa"])
    assert why_not is None, why_not
    checked = 0
    for row, pass_, dt, models in memory_models():
        assert set(models) <= {"plain", "formula"}, (row.name, pass_, models)
        info = np.finfo(dt)
        x = np.concatenate([np.linspace(-7, 7, 561), [0.0, -0.0, np.inf, -np.inf, np.nan,
                            info.max, -info.max, info.tiny, -info.tiny, 1e-30, 3e19]]).astype(dt)
        with np.errstate(over="ignore"):  # (the neighbours of the largest values: inf)
            x = np.concatenate([x, np.nextafter(x, np.inf), np.nextafter(x, -np.inf)])
        g = np.resize(np.array([1.0, -2.5, 0.0, -0.0, 3e-30, 1e30, np.inf, np.nan], dt), x.size)
        if row.kind == "per_channel":  # (targets' layout and weights; the loops take w as u)
            x = v = np.resize(x, 2 * targets._bench.ROW)
            o = np.empty_like(x)
            u = np.linspace(0.05, 0.3, targets._bench.CHANNELS).astype(dt)
            shape = (2, targets._bench.CHANNELS, targets._bench.ROW // targets._bench.CHANNELS)
            targets.ours(row, pass_, {"x": x.reshape(shape), "w": u, "o": o.reshape(shape)})()
        else:
            o = np.empty_like(x)
            y = getattr(targets.fastact, row.name)(x, **row.required_params())
            u, v = g, (y if pass_ == "backward(y)" else x)
            targets.ours(row, pass_, {"x": x, "g": g, "y": y, "o": o})()
        for variant, loop in models.items():
            got = np.full_like(x, 7.0)
            i = lib.c_model_find(loop.encode())
            assert lib.c_model_run_on(i, u.ctypes.data, v.ctypes.data, got.ctypes.data,
                                      x.size) == x.size, loop
            if variant == "formula":
                same = ((got == o) & (np.signbit(got) == np.signbit(o))
                        | np.isnan(got) & np.isnan(o))
                assert same.all(), (row.name, pass_, dt, loop, x[~same], got[~same], o[~same])
                checked += 1
    # (the fourteen passes of session 16 in both dtypes: an entry lost from the catalogue fails)
    assert checked == 28


def test_explain_verdicts():
    """explain(): a target not met is explained where a model runs below the speed it needs,
    open where the models reach it; met rows, rows not against PyTorch and rows whose loops
    were not timed get none or "no model"."""
    def row(ours_ns, theirs_ns, target, models=None):
        r = targets.Row("g", "w", "float32", None, None, target)
        r.values, r.ratio = (ours_ns, theirs_ns), theirs_ns / ours_ns
        r.models, r.elements = {"plain": "p", "formula": "f"} if models is None else models, 1000
        return r
    # PyTorch 1 G/s (1000 elements in 1000 ns), target 2x: needs 2 G/s; we run 0.5 G/s
    slow = row(2000.0, 1000.0, 2.0)
    assert targets.explain(slow, {})[0] == "no model"
    assert targets.explain(row(2000.0, 1000.0, 2.0, {}), {"p": 1.0})[0] == "no model"
    assert targets.explain(slow, {"p": 1.5})[0] == "explained"
    assert targets.explain(slow, {"p": 3.0, "f": 1.0})[0] == "explained"
    verdict, text = targets.explain(slow, {"p": 3.0, "f": 2.5})
    assert verdict == "open" and "(20 %)" in text  # (0.5 of the formula's 2.5)
    assert targets.explain(slow, {"p": 2.5})[0] == "open"
    assert targets.explain(row(400.0, 1000.0, 2.0), {"p": 1.0}) is None  # met
    no_torch = row(2000.0, 1000.0, 2.0)
    no_torch.models = None
    assert targets.explain(no_torch, {"p": 1.0}) is None


def test_traffic_verdicts():
    """A memory-bound row not met is explained by the plain loop of its traffic only where
    that loop runs below the speed the target needs and the kernel keeps up with the loop, by
    its catalogue models where the plain formula runs below that speed, or the formula at its
    bounds does and the kernel keeps up with it; else explain() leaves it to in_cache_verdict
    (None)."""
    def row(ours_ns):
        # NumPy: 1000 elements in 1000 ns (1 G/s); target 0.95: needs 0.95 G/s
        r = targets.Row("memory-bound", "w", "float32", None, None, 0.95)
        r.values, r.ratio, r.elements = (ours_ns, 1000.0), 1000.0 / ours_ns, 1000
        r.models = targets.traffic_model(2, "float32")
        return r
    loop = targets.traffic_model(2, "float32")["traffic"]
    verdict, text = targets.explain(row(1111.0), {loop: 0.92})  # we run 0.9 G/s
    assert verdict == "explained" and "runs 0.92" in text and "the kernel 0.9" in text
    assert targets.explain(row(1111.0), {loop: 0.99}) is None  # the loop would meet it
    assert targets.explain(row(2000.0), {loop: 0.92}) is None  # we run 0.5: not the traffic
    assert targets.explain(row(1111.0), {}) is None  # not timed
    assert targets.explain(row(1000.0), {loop: 0.5}) is None  # met
    # a row with the catalogue's models too: explained where the plain formula runs below
    # 0.95 G/s, or the formula at its bounds does and the kernel keeps up with it
    slow = row(1250.0)  # we run 0.8 G/s
    slow.models = dict(slow.models, plain="p", formula="f")
    verdict, text = targets.explain(slow, {loop: 1.2, "p": 0.9, "f": 0.82})
    assert verdict == "explained" and "plain formula (GCC) runs 0.9," in text
    assert targets.explain(slow, {loop: 1.2, "p": 0.9, "f": 0.85}) is None  # 0.8 < 0.95 x 0.85
    verdict, text = targets.explain(slow, {loop: 1.2, "p": 1.1, "f": 0.82})
    assert verdict == "explained" and "bounds (GCC) runs 0.82 (plain 1.1)" in text
    assert targets.explain(slow, {loop: 1.2, "p": 1.1, "f": 0.9}) is None  # 0.8 < 0.95 x 0.9
    assert targets.explain(slow, {loop: 1.2, "p": 1.1, "f": 1.0}) is None  # the formula does
    assert targets.explain(slow, {loop: 1.2}) is None  # not timed


def test_in_cache_verdicts(monkeypatch):
    """in_cache_verdict(): a memory-bound row not met is compute-bound where its marginal speed
    in cache stays below the speed its target needs, memory-bound where it exceeds it; met
    rows and rows without the in-cache calls get none."""
    lo, hi = targets.IN_CACHE
    times = {}
    monkeypatch.setattr(targets, "measure_pair", lambda a, b, ns: (times[a], times[b]))

    def row(ours_per_element_ns):
        # at the row's size: the copy runs 2 G/s (1000 elements in 500 ns), we 1 G/s; the
        # target 0.95 needs 1.9 G/s
        r = targets.Row("memory-bound", "w", "float32", None, None, 0.95)
        r.values, r.ratio, r.elements = (1000.0, 500.0), 0.5, 1000
        calls = ["o1", "o2"], ["t1", "t2"]
        times.update(o1=100.0, o2=100.0 + (hi - lo) * ours_per_element_ns,
                     t1=50.0, t2=50.0 + (hi - lo) * 0.1)
        r.in_cache = calls
        return r
    verdict, text = targets.in_cache_verdict(row(1.0), 1)  # 1 G/s in cache
    assert verdict == "compute-bound" and "needs 1.9 G/s" in text and "runs 1 " in text
    assert targets.in_cache_verdict(row(0.25), 1)[0] == "memory-bound"  # 4 G/s
    met = row(0.25)
    met.ratio = 1.0
    assert targets.in_cache_verdict(met, 1) is None
    bare = row(1.0)
    bare.in_cache = None
    assert targets.in_cache_verdict(bare, 1) is None


def test_the_1_mi_arrays_start_at_one_offset_in_their_pages():
    # (no 4K aliasing between out and an input: targets._placed)
    for dt in (np.float32, np.float64):
        values = np.arange(1000, dtype=dt)
        a = targets._placed(values)
        assert a.ctypes.data % 4096 == targets.PAGE_OFFSET and np.array_equal(a, values)
        assert a.dtype == dt and a.flags.c_contiguous and a.flags.writeable
