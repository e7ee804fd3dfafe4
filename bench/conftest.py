"""pytest configuration for the fastact benchmarks (pytest-benchmark).

    pytest bench                        time everything; tables grouped per case, side by side
    pytest bench --benchmark-disable    run every benchmark once as a test (CI does this)
    pytest bench --bench-large          also the 16 Mi element cases (or FASTACT_BENCH_LARGE=1)

* Each benchmark group is one case: (function, pass, dtype, size), e.g. "<function>
  backward(y) float32 64Ki", for every function of the catalogue (fastact._catalogue) and its
  passes. Its members compute that case on the same arrays: fastact (allocating and into a
  preallocated out=), fastact.reference (plain NumPy), and, where the row's benchmark data
  (the rows' bench data, fastact/_catalogue.py) has them, NumPy's direct ufunc expression and the installed
  optional competitors (SciPy, numexpr, PyTorch CPU with 1 thread and with its default
  threads); then the memory baselines np.copyto (every group) and np.multiply (backward
  groups). The "overhead" groups do the same on 16-element arrays.
* Every benchmark checks its result against the reference (loose tolerance), so with
  --benchmark-disable the suite is a plain test that a benchmark still computes the right thing.
  Nothing asserts speed.
* Unless given on the command line, pytest-benchmark's time per benchmark is shortened to
  --benchmark-max-time=0.1 (a few minutes for the whole suite on 2 cores), its columns to
  median/iqr/min/rounds/iterations and the sort to the median. After pytest-benchmark's tables,
  a summary prints every group on one line: G elements/s, and microseconds per call for the
  overhead groups.
* The session stops at once, with a clear message, if fastact cannot be imported or was
  imported from a source tree without compiled kernels (as tests/conftest.py does).
"""
import importlib.util
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from _installed import fastact_problem  # noqa: E402  (tests/_installed.py, shared)

DEFAULTS = (  # (option dest, command-line flag, value used when the flag is not given)
    ("benchmark_max_time", "--benchmark-max-time", "0.1"),
    ("benchmark_columns", "--benchmark-columns", ["median", "iqr", "min", "rounds", "iterations"]),
    ("benchmark_sort", "--benchmark-sort", "median"),
)


def pytest_addoption(parser):
    group = parser.getgroup("fastact benchmarks")
    group.addoption(
        "--bench-large", action="store_true", default=False,
        help="also benchmark 16 Mi elements (off by default to keep the run short; the "
             "environment variable FASTACT_BENCH_LARGE=1 does the same)",
    )


def bench_large(config):
    return config.getoption("bench_large") or os.environ.get("FASTACT_BENCH_LARGE", "") not in (
        "", "0")


def _given(config, flag):
    args = list(config.invocation_params.args) + os.environ.get("PYTEST_ADDOPTS", "").split()
    return any(str(a) == flag or str(a).startswith(flag + "=") for a in args)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if importlib.util.find_spec("pytest_benchmark") is None:
        raise pytest.UsageError(
            "the fastact benchmarks need pytest-benchmark: pip install '.[test]' (or '.[bench]')"
        )
    # pytest-benchmark reads these in its own (trylast) pytest_configure, after this one
    for dest, flag, value in DEFAULTS:
        if not _given(config, flag):
            setattr(config.option, dest, value)


def pytest_sessionstart(session):
    problem = fastact_problem("pytest bench")
    if problem:
        pytest.exit("fastact benchmarks: " + problem, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_report_header(config):
    try:
        import fastact
        from fastact import _bench as B
    except ImportError as exc:
        return ["fastact: NOT IMPORTABLE (%s)" % exc]
    m = B.machine()
    lines = [
        "fastact %s from %s" % (fastact.__version__, fastact.__file__),
        "fastact instruction set: %s, threads: %d; CPU: %s (%s logical CPUs; %s)" % (
            B.fastact_config().get("isa", "n/a"), B.fastact_threads(), m["cpu_model"],
            m["cpu_count"], " ".join(m["cpu_simd_flags"]) or "?"),
    ]
    competitors = []
    for name in B.OPTIONAL:
        module = B.optional_module(name)
        if module is None:
            competitors.append("%s: not installed" % name)
        elif name == "torch":
            competitors.append("torch %s (torch-1thread: 1 thread, torch-default: %d threads)"
                               % (module.__version__, B.torch_default_threads()))
        elif name == "numexpr":
            competitors.append("numexpr %s (%d threads)" % (module.__version__,
                                                            module.get_num_threads()))
        else:
            competitors.append("%s %s" % (name, module.__version__))
    lines.append("competitors: " + "; ".join(competitors))
    lines.append("sizes: %s%s" % (", ".join(B.size_label(n) for n in sizes(config)),
                                  "" if bench_large(config) else " (16Mi: --bench-large)"))
    return lines


def pytest_benchmark_update_machine_info(config, machine_info):
    """Saved pytest-benchmark JSON (--benchmark-json, --benchmark-autosave) names the build."""
    import fastact
    from fastact import _bench as B

    machine_info["fastact"] = {
        "version": fastact.__version__, "file": fastact.__file__,
        "config": B.fastact_config(), "threads": B.fastact_threads(),
        "cpu_model": B.cpu_model(), "cpu_simd_flags": B.cpu_simd_flags(),
        "versions": B.versions(), "torch_default_threads": B.torch_default_threads(),
    }


# --- parametrization -------------------------------------------------------------------------
# A test asks for one of these fixture names and gets one parameter per (case, dtype, size,
# competitor) of the catalogue rows of one kind, ordered by size, dtype, case, competitor (so
# consecutive tests share arrays). (The fixture names keep the test ids of saved runs.)
FAMILIES = {
    "elementwise_case": "elementwise",
    "prelu_case": "per_channel",
    "softmax_case": "axis",
    "gate_case": "gate",
}


def pytest_generate_tests(metafunc):
    from fastact import _bench as B

    for fixture, kind in FAMILIES.items():
        if fixture in metafunc.fixturenames:
            params = [
                (case, dtype, n, competitor)
                for n in sizes(metafunc.config)
                for dtype in B.DTYPES
                for case in B.cases() if case.row.kind == kind
                for competitor in competitors_for(case, dtype)
            ]
            metafunc.parametrize(fixture, params, ids=[case_id(*p) for p in params])
    if "overhead_case" in metafunc.fixturenames:
        params = [
            (case, "float32", B.OVERHEAD_SIZE, competitor)
            for case in B.cases()
            for competitor in competitors_for(case, "float32", overhead=True)
        ]
        metafunc.parametrize("overhead_case", params, ids=[case_id(*p) for p in params])


def sizes(config):
    from fastact import _bench as B

    return list(B.DEFAULT_SIZES) + ([B.SIZES["16Mi"]] if bench_large(config) else [])


def competitors_for(case, dtype, overhead=False):
    """The competitors benchmarked for case: those fastact._bench can build, torch split into
    torch-1thread and torch-default, plus the memory baselines. The overhead groups leave out
    SciPy, numexpr, torch-default and the baselines. An optional competitor whose call raises
    on a small probe (say, a PyTorch without that op) is left out."""
    from fastact import _bench as B

    probe = _probe_inputs(dtype)
    names = []
    for call in B.calls(case, probe):
        if call.competitor in B.OPTIONAL:
            try:  # e.g. a PyTorch without this aten op: leave it out rather than fail
                call.fn()
            except Exception:  # noqa: BLE001
                continue
        if call.competitor == "torch":
            names += ["torch-1thread"] if overhead else ["torch-1thread", "torch-default"]
        elif not (overhead and call.competitor in ("scipy", "numexpr")):
            names.append(call.competitor)
    if not overhead:
        names.append("copy")
        if case.pass_.startswith("backward"):
            names.append("multiply")
    return names


_PROBES = {}


def _probe_inputs(dtype):
    from fastact import _bench as B

    if dtype not in _PROBES:
        _PROBES[dtype] = B.Inputs(dtype, 1024)
    return _PROBES[dtype]


def case_id(case, dtype, n, competitor):
    from fastact import _bench as B

    name = case.function if case.axis is None else "%s-axis%d" % (case.function, case.axis)
    if case.choice is not None:  # (a row with a choice parameter: a case per choice)
        name = "%s-%s" % (name, case.choice)
    return "-".join((name, case.pass_, dtype, B.size_label(n), competitor))


# --- running one benchmark ------------------------------------------------------------------
_INPUTS = {}
_REFERENCE = {}
_SUMMARY = {}  # group -> {"n": elements, "order": sort key, competitor: median seconds}


def _inputs(dtype, n):
    from fastact import _bench as B

    key = (dtype, n)
    if key not in _INPUTS:
        _INPUTS.clear()  # tests run in (size, dtype) order: keep one set of arrays alive
        _REFERENCE.clear()
        _INPUTS[key] = B.Inputs(dtype, n)
    return _INPUTS[key]


def _reference_result(case, inp):
    from fastact import _bench as B

    key = (case, inp.dtype.name, inp.n)
    if key not in _REFERENCE:
        _REFERENCE.clear()
        (call,) = B.calls(case, inp, ["reference"])
        _REFERENCE[key] = B.as_arrays(call.fn())
    return _REFERENCE[key]


@pytest.fixture
def run_case(benchmark):
    """run_case(case, dtype, n, competitor, group=None): benchmark one competitor on one case,
    then check its result against the reference."""
    from fastact import _bench as B

    def run(case, dtype, n, competitor, group=None):
        overhead = group is not None
        inp = _inputs(dtype, n)
        benchmark.group = group or "%s %s %s" % (case.label, dtype, B.size_label(n))
        if competitor in ("copy", "multiply"):
            (call,) = [c for c in B.baselines(inp) if c.competitor == competitor]
            want = (inp.x,) if competitor == "copy" else (inp.g * inp.x,)
        else:
            base = "torch" if competitor.startswith("torch") else competitor
            calls = B.calls(case, inp, [base])
            assert calls, "%s cannot compute %s" % (competitor, case.label)
            call = calls[0]
            want = _reference_result(case, inp)
        benchmark.extra_info.update(call=call.label, elements=n, competitor=competitor)
        torch = B.optional_module("torch") if competitor.startswith("torch") else None
        if torch is not None:
            threads = 1 if competitor == "torch-1thread" else B.torch_default_threads()
            old = torch.get_num_threads()
            torch.set_num_threads(threads)
            benchmark.extra_info["torch_threads"] = threads
        try:
            result = benchmark(call.fn)
        finally:
            if torch is not None:
                torch.set_num_threads(old)
        problem = B.mismatch(result, want, dtype)
        assert problem is None, "%s: %s: %s" % (benchmark.group, call.label, problem)
        stats = getattr(benchmark, "stats", None)
        if stats is not None and stats.stats.rounds:
            order = (overhead, B.cases().index(case), B.DTYPES.index(dtype), n)
            _SUMMARY.setdefault(benchmark.group, {"n": n, "order": order})[competitor] = (
                stats.stats.median)

    return run


# --- summary in G elements/s ------------------------------------------------------------------
SUMMARY_COLUMNS = (
    "fastact_out", "fastact", "reference", "numpy", "scipy", "numexpr", "torch-1thread",
    "torch-default", "copy", "multiply",
)


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's tables
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _SUMMARY:
        return
    tr = terminalreporter
    groups = sorted(_SUMMARY, key=lambda g: _SUMMARY[g]["order"])
    sizes_ = [g for g in groups if not _SUMMARY[g]["order"][0]]
    overhead = [g for g in groups if _SUMMARY[g]["order"][0]]
    if sizes_:
        tr.write_sep("-", "fastact benchmark summary: G elements/s from the median (higher is "
                          "better); fastact/ref = fastact / reference, both allocating")
        _summary_table(tr, sizes_, lambda n, seconds: "%.3g" % (n / seconds / 1e9))
    if overhead:
        tr.write_sep("-", "fastact small-call overhead: microseconds per call from the median "
                          "(lower is better)")
        _summary_table(tr, overhead, lambda n, seconds: "%.3g" % (seconds * 1e6))


def _summary_table(tr, groups, fmt):
    present = [c for c in SUMMARY_COLUMNS if any(c in _SUMMARY[g] for g in groups)]
    heads = [c.replace("torch-1thread", "torch 1T").replace("torch-default", "torch nT")
             for c in present] + ["fastact/ref"]
    width = max(len(g) for g in groups)
    tr.write_line(" ".join([" " * width] + ["%11s" % h for h in heads]))
    for group in groups:
        row = _SUMMARY[group]
        cells = ["%11s" % (fmt(row["n"], row[c]) if c in row else "") for c in present]
        ratio = ""
        if "fastact" in row and "reference" in row:
            ratio = "%.3gx" % (row["reference"] / row["fastact"])
        tr.write_line(" ".join([group.ljust(width)] + cells + ["%11s" % ratio]))
