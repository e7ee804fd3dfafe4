"""The harness itself: a benchmark whose result is wrong fails (so a broken benchmark is a red
CI under --benchmark-disable), and the correctness check has teeth."""
import numpy as np
import pytest

from fastact import _bench as B


def test_run_case_fails_on_a_wrong_result(run_case, monkeypatch):
    def broken(case, inp):
        return "broken", lambda: inp.shaped(case, inp.x) * 2

    monkeypatch.setitem(B._MAKERS, "numpy", broken)
    with pytest.raises(AssertionError, match="differs"):
        run_case(B.cases()[0], "float32", 1024, "numpy",
                 group="selfcheck: a wrong result must fail")


@pytest.mark.parametrize("dtype", B.DTYPES)
def test_mismatch(dtype):
    rng = np.random.default_rng(1)
    want = rng.standard_normal(1000).astype(dtype)
    eps = np.finfo(dtype).eps
    assert B.mismatch(want.copy(), want, dtype) is None
    assert B.mismatch(want * (1 + 4 * eps), want, dtype) is None  # a few ULPs are fine
    assert B.mismatch(want + 0.01, want, dtype) is not None
    bad = want.copy()
    bad[17] = np.nan
    assert "index 17" in B.mismatch(bad, want, dtype)
    assert B.mismatch((want, want[:3]), (want, want[:3]), dtype) is None
    assert B.mismatch((want, want[:3] + 1), (want, want[:3]), dtype) is not None
    assert B.mismatch(want[:10], want, dtype) is not None  # shape
    assert B.mismatch((want,), (want, want), dtype) is not None  # arity


def test_every_case_has_fastact_reference_and_a_baseline():
    inp = B.Inputs("float32", 1024)
    for case in B.cases():
        names = [c.competitor for c in B.calls(case, inp)]
        assert names[:3] == ["fastact_out", "fastact", "reference"], case
    assert [c.competitor for c in B.baselines(inp)] == ["copy", "multiply"]


def test_bench_data_names_rows_competitors_and_passes():
    """Every key of the benchmark data names a catalogue row, and a competitor (or one of the
    other documented keys) and a pass that row has (and a choice of its choice parameter, for
    a key of one choice: each choice's data checked on its own)."""
    from fastact import _catalogue as cat

    kinds = B.DATA_COMPETITORS + ("torch_out", "target", "overhead", "mpmath", "model")
    for r in cat.ROWS:
        for key in r.bench:
            assert len(key) == 2 or (r.choice_param and key[2] in r.choice_param.choices), (
                r, key)
    for row in [b for r in cat.ROWS for b in r.bench_rows()]:
        for key, value in B.bench_data(row).items():
            if key == ("constants", None):
                assert all(float(v) for v in value.values()), (row, key)
                continue
            what, pass_ = key
            assert what in kinds and pass_ in B.row_passes(row), (row, key)
            if what == "target":
                assert len(value) == 2 and not B.memory_bound(row, pass_), (row, key)
            elif what == "model":  # (memory-bound passes too: bench/test_targets.py)
                assert len(value) == 2, (row, key)
                assert all(v is None or (v and set(v) <= {"plain", "formula"}
                                         and all(isinstance(n, str) for n in v.values()))
                           for v in value), (row, key)
            else:
                assert isinstance(value[1], str) and value[0] is None or isinstance(
                    value[0], str), (row, key)


def test_sizes():
    assert [B.parse_size(s) for s in ("1024", "1Ki", "1k", "64K", "1Mi", "16M", "16")] == [
        1024, 1024, 1024, 65536, 1 << 20, 1 << 24, 16]
    assert [B.size_label(n) for n in (16, 1000, 1024, 65536, 1 << 20, 1 << 24)] == [
        "16", "1000", "1Ki", "64Ki", "1Mi", "16Mi"]
    for bad in ("0", "-1", "1.5Mi", "1Xi", ""):
        with pytest.raises(ValueError):
            B.parse_size(bad)


def test_measure_times_each_fn_after_its_own_call():
    """Every timed batch follows an untimed call of the same fn, so a fn is never timed from
    the caches the fn before it in the round left (the round-robin order favoured the second
    fn on shared arrays). Fails if the sequence ever switches fn straight into a timed batch."""
    seq = []
    calls = [(k, lambda k=k: seq.append(k)) for k in "abc"]
    t = B.measure(calls, target_ns=0, min_samples=4)
    assert set(t) == set("abc") and all(v.samples >= 4 for v in t.values())
    # warm-up and calibration calls: a a b b c c; then per sample: one untimed call + a batch
    rounds = seq[6:]
    runs, i = [], 0
    while i < len(rounds):
        j = i
        while j < len(rounds) and rounds[j] == rounds[i]:
            j += 1
        runs.append((rounds[i], j - i))
        i = j
    assert [k for k, _ in runs[:3]] == list("abc")
    for key, length in runs:
        assert length == 1 + t[key].batch, (key, length, t[key].batch)


def test_measure_times_long_calls_without_the_untimed_call(monkeypatch):
    """A fn whose calibration call took WARM_MAX_NS or more gets no untimed call before its
    samples (a cold start is a small share of such a call): every visit is its batch alone."""
    monkeypatch.setattr(B, "WARM_MAX_NS", 0)
    seq = []
    t = B.measure([(k, lambda k=k: seq.append(k)) for k in "ab"], target_ns=0, min_samples=3)
    assert seq[4:] == [k for _ in range(3) for k in "ab" for _ in range(t[k].batch)]
