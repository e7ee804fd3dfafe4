"""Reliability: no hang, no crash, no silently wrong number, for any input (issue 11).

* every array argument follows one rule: numbers, bool, or arrays of them; anything else
  (None, strings, objects, ragged lists, masked arrays) is a TypeError naming the argument,
  before anything is written;
* fork: a child forked after threaded calls, from a multiprocessing fork pool, or while
  another thread is inside a kernel, runs threaded calls correctly (each case in a
  subprocess with a timeout: a hang fails, it does not block the suite);
* absurd thread counts are refused with a clear message, never a crash;
* environment variables: any value warns (at the user's import line) or works;
* a hypothesis fuzz calls every public function with arbitrary Python objects in every
  argument slot: a result, a TypeError or a ValueError, nothing else;
* a thread hammer: 8 Python threads on shared inputs, each with its own outputs,
  set_num_threads flipping, every result bitwise equal to the single-threaded one.
"""
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import fastact
from fastact import _catalogue as cat
from fastact._kernels import _dispatch

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 120


def _run(code, env=None, timeout=TIMEOUT):
    """Run code in a fresh interpreter (from the tests' directory: the installed fastact)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=HERE,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


# --- 1. every array argument: numbers or arrays of numbers ---------------------------------------
X = np.linspace(-2, 2, 4)
GARBAGE = {
    "None": None, "str": "0.5", "list of None": [None] * 4, "list of str": ["1", "2", "3", "4"],
    "object": object(), "dict": {"a": 1}, "ragged": [[1.0], [1.0, 2.0]], "complex": 1j,
    "bytes": b"\x00\x00\x80?", "set": {1.0}, "generator": (v for v in range(4)),
}


def _slots():
    """(label, call(bad), argument name) for every array slot of every function kind."""
    g, y, w = np.ones(4), fastact.sigmoid(X), np.float64(0.25)
    out = []
    for row in cat.ROWS:
        n = row.name
        if row.kind == "elementwise":
            k = {p.name: p.samples[0] for p in row.params if p.required}  # (threshold's)
            out += [
                (n + " x", lambda b, n=n, k=k: getattr(fastact, n)(b, **k), "x"),
                (n + "' x", lambda b, n=n, k=k: getattr(fastact, n + "_derivative")(b, **k), "x"),
                (n + "_backward grad",
                 lambda b, n=n, k=k: getattr(fastact, n + "_backward")(b, X, **k), "grad"),
                (n + "_backward x",
                 lambda b, n=n, k=k: getattr(fastact, n + "_backward")(g, b, **k), "x"),
            ]
            if row.takes_y:
                out.append((n + "_backward y",
                            lambda b, n=n, k=k: getattr(fastact, n + "_backward")(g, y=b, **k),
                            "y"))
        elif row.kind == "per_channel":
            out += [
                (n + " x", lambda b, n=n: getattr(fastact, n)(b, w), "x"),
                (n + " weight", lambda b, n=n: getattr(fastact, n)(X, b), "weight"),
                (n + "_backward grad", lambda b, n=n: getattr(fastact, n + "_backward")(b, X, w),
                 "grad"),
                (n + "_backward weight",
                 lambda b, n=n: getattr(fastact, n + "_backward")(g, X, b), "weight"),
            ]
        elif row.kind == "gate" and row.halves:
            out += [
                (n + " x", lambda b, n=n: getattr(fastact, n)(b), "x"),
                (n + "_backward grad",
                 lambda b, n=n: getattr(fastact, n + "_backward")(b, X), "grad"),
                (n + "_backward x", lambda b, n=n: getattr(fastact, n + "_backward")(g, b), "x"),
            ]
        elif row.kind == "gate":
            f, fb = getattr(fastact, n), getattr(fastact, n + "_backward")
            out += [
                (n + " value", lambda b, f=f: f(b, X), "value"),
                (n + " gate", lambda b, f=f: f(X, b), "gate"),
                (n + "_backward grad", lambda b, fb=fb: fb(b, X, X), "grad"),
                (n + "_backward value", lambda b, fb=fb: fb(X, b, X), "value"),
                (n + "_backward gate", lambda b, fb=fb: fb(X, X, b), "gate"),
            ]
        else:
            out += [
                (n + " x", lambda b, n=n: getattr(fastact, n)(b), "x"),
                (n + "_backward grad", lambda b, n=n: getattr(fastact, n + "_backward")(b, y=y),
                 "grad"),
                (n + "_backward y", lambda b, n=n: getattr(fastact, n + "_backward")(g, y=b),
                 "y"),
            ]
    return out


SLOTS = _slots()


@pytest.mark.parametrize("label,call,arg", SLOTS, ids=[s[0] for s in SLOTS])
def test_garbage_in_any_array_slot_is_a_type_error_naming_it(label, call, arg):
    for what, bad in GARBAGE.items():
        if what == "generator":
            bad = (v for v in range(4))
        if bad is None and label.endswith(("_backward x", "_backward y")):
            # (None is the default of x= and y=: "give exactly one of x= or y=", or "missing
            # y=" where y is required; a row without y= requires x: "x: expected numbers")
            with pytest.raises((TypeError, ValueError),
                               match=r"exactly one of x=|missing y=|^x: expected"):
                call(bad)
            continue
        with pytest.raises(TypeError, match=r"\b%s\b" % arg):
            call(bad)


def test_the_issue_reproducers():
    x = X.copy()
    out = np.full(4, 7.25)
    for call, arg in [
        (lambda: fastact.relu_backward(x, [None] * 4, out=out), "x"),
        (lambda: fastact.sigmoid_backward(None, x, out=out), "grad"),
        (lambda: fastact.prelu(-x, "0.5", out=out), "weight"),
        (lambda: fastact.sigmoid_backward(["1", "2"], x[:2]), "grad"),
        (lambda: fastact.prelu(x, 1j, out=out), "weight"),
        (lambda: fastact.sigmoid_backward(None, x.reshape(2, 2)), "grad"),
    ]:
        with pytest.raises(TypeError, match=r"^%s: " % arg):
            call()
    assert np.all(out == 7.25) and np.array_equal(x, X)


def test_numbers_of_every_kind_are_still_accepted():
    want = fastact.relu(np.array([1.0, -2.0, 3.0]))
    for v in ([1, -2, 3], [True, False, True], (1.0, -2.0, 3.0), np.array([1, -2, 3], np.int8),
              memoryview(np.array([1.0, -2.0, 3.0]))):
        r = fastact.relu(v)
        assert r.dtype == np.float64
    assert np.array_equal(fastact.relu([1, -2, 3]), want)
    assert fastact.relu(2.5) == 2.5 and fastact.relu(True) == 1.0


@pytest.mark.parametrize("where", ["x", "grad", "y", "out", "weight"])
def test_masked_arrays_are_refused_not_unmasked(where):
    x = np.linspace(-1, 1, 6)
    m = np.ma.masked_array(x.copy(), mask=[0, 1, 0, 0, 1, 0])
    out = np.full(6, 7.25)
    calls = {
        "x": lambda: fastact.tanh(m, out=out),
        "grad": lambda: fastact.tanh_backward(m, x, out=out),
        "y": lambda: fastact.softmax_backward(x, y=m, out=out),
        "out": lambda: fastact.tanh(x, out=m),
        "weight": lambda: fastact.prelu(x.reshape(1, 6), np.ma.masked_array(np.ones(6), mask=1)),
    }
    before = m.data.copy()
    with pytest.raises(TypeError, match=r"\b%s\b.*masked" % where):
        calls[where]()
    assert np.all(out == 7.25) and np.array_equal(m.data, before)


# --- 2. fork ---------------------------------------------------------------------------------------
FORK = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
_FORK_PRELUDE = """
import os, sys, threading, numpy as np, fastact
fastact.set_num_threads(2)
x = np.linspace(-30, 30, 1 << 21).astype(np.float32)
want = fastact.sigmoid(x)
def check():
    fastact.set_num_threads(2)
    ok = all(fastact.sigmoid(x).tobytes() == want.tobytes() for _ in range(20))
    return ok and fastact.get_num_threads() == 2
"""


@FORK
def test_fork_after_threaded_calls():
    r = _run(_FORK_PRELUDE + """
pid = os.fork()
if pid == 0:
    os._exit(0 if check() and fastact._dispatch.pool_stats()[0] >= 1 else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
""")
    assert r.returncode == 0, r.stderr


@FORK
def test_multiprocessing_fork_pool():
    r = _run(_FORK_PRELUDE + """
import multiprocessing as mp
def work(i):
    return check()
if __name__ == "__main__":
    with mp.get_context("fork").Pool(2) as pool:
        ok = all(pool.map(work, range(4)))
    sys.exit(0 if ok else 3)
""")
    assert r.returncode == 0, r.stderr


@FORK
def test_fork_while_another_thread_is_inside_a_kernel():
    r = _run(_FORK_PRELUDE + """
stop = False
def busy():
    while not stop:
        fastact.sigmoid(x)
t = threading.Thread(target=busy)
t.start()
codes = []
for _ in range(5):
    pid = os.fork()
    if pid == 0:
        os._exit(0 if check() else 3)
    _, status = os.waitpid(pid, 0)
    codes.append(os.waitstatus_to_exitcode(status))
stop = True
t.join()
sys.exit(max(codes))
""")
    assert r.returncode == 0, r.stderr


# --- 3. thread counts ------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [10 ** 9, 40000, 1 << 16, _dispatch.MAX_THREADS + 1])
def test_absurd_thread_counts_are_refused(n, restore_threads):
    before = fastact.get_num_threads()
    with pytest.raises(ValueError, match=r"^n: .*at most %d" % _dispatch.MAX_THREADS):
        fastact.set_num_threads(n)
    assert fastact.get_num_threads() == before


def test_the_most_threads_allowed_run_correctly(restore_threads):
    x = np.linspace(-30, 30, 1 << 20).astype(np.float32)
    fastact.set_num_threads(1)
    want = fastact.sigmoid(x)
    fastact.set_num_threads(_dispatch.MAX_THREADS)
    for _ in range(3):
        assert fastact.sigmoid(x).tobytes() == want.tobytes()


ENV_VALUES = ["99999999999999999999", "40000", "-1", "0", "1e3", "nan", " 2 ", "", "two",
              "\u0662", "2" * 400, "0x10", "1.5"]


@pytest.mark.parametrize("value", ENV_VALUES)
def test_environment_variables_never_crash(value):
    code = """
import numpy as np, fastact
x = np.linspace(-30, 30, 1 << 20).astype(np.float32)
r = fastact.sigmoid(x)
fastact.set_num_threads(1)
assert r.tobytes() == fastact.sigmoid(x).tobytes()
print(fastact.get_num_threads() >= 1, fastact.config()["isa"])
"""
    for env in ({"FASTACT_NUM_THREADS": value}, {"FASTACT_CPU": value}):
        r = _run(code, env=env)
        assert r.returncode == 0, (env, r.stderr)
        assert r.stdout.startswith("True"), (env, r.stdout)


def test_warnings_point_at_the_users_import_line(tmp_path):
    script = tmp_path / "user_script.py"
    script.write_text("import fastact\n")
    r = subprocess.run([sys.executable, "-W", "always", str(script)], cwd=HERE,
                       capture_output=True, text=True, timeout=TIMEOUT,
                       env=dict(os.environ, FASTACT_NUM_THREADS="lots", FASTACT_CPU="sse9"))
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(lines) == 2, r.stderr
    assert all(line.startswith(str(script) + ":1:") for line in lines), r.stderr


# --- 4. fuzz: any Python object in any argument slot -----------------------------------------------
ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.complex_numbers(), st.text(max_size=5),
    st.binary(max_size=8), st.lists(st.floats(), max_size=5),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=2)), max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.just(object()), st.just(np.float32(1.5)), st.just(np.int64(3)),
    hnp.arrays(st.sampled_from([np.float32, np.float64, np.int32, np.bool_, np.float16,
                                np.complex64, np.uint8]),
               hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
    hnp.arrays(np.float64, st.just((2, 3))).map(lambda a: a[:, ::2]),
    hnp.arrays(np.float64, st.just((2, 3))).map(lambda a: np.asfortranarray(a)),
    st.just(np.zeros((2, 3), np.float32)), st.just(np.zeros((2, 3))),
)


def _public():
    out = []
    for row in cat.ROWS:
        for name in row.public_names():
            out.append((name, row))
    return out


@pytest.mark.parametrize("name,row", _public(), ids=[n for n, _ in _public()])
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_fuzz_any_object_in_any_slot(name, row, data):
    fn = getattr(fastact, name)
    args = [data.draw(ANYTHING) for _ in range(data.draw(st.integers(0, 3)))]
    kwargs = {}
    for key in ("out", "y", "x", "axis") + row.param_names + (
            ("activation",) if row.kind == "gate" else ()):
        if data.draw(st.booleans()):
            kwargs[key] = data.draw(ANYTHING)
    with np.errstate(all="ignore"):
        try:
            fn(*args, **kwargs)
        except (TypeError, ValueError):
            pass


# --- 5. thread hammer --------------------------------------------------------------------------------
def test_thread_hammer(restore_threads):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(1 << 18) * 20).astype(np.float32)
    xd = x.astype(np.float64)
    g = rng.standard_normal(x.size).astype(np.float32)
    x2 = xd.reshape(256, -1)
    fastact.set_num_threads(1)
    cases = [
        ("sigmoid", lambda o: fastact.sigmoid(x, out=o), np.float32, x.shape),
        ("tanh_backward", lambda o: fastact.tanh_backward(g, x, out=o), np.float32, x.shape),
        ("relu", lambda o: fastact.relu(xd, out=o), np.float64, xd.shape),
        ("softmax", lambda o: fastact.softmax(x2, axis=0, out=o), np.float64, x2.shape),
        ("log_softmax", lambda o: fastact.log_softmax(x2, out=o), np.float64, x2.shape),
    ]
    want = {name: f(np.empty(shape, dt)).tobytes() for name, f, dt, shape in cases}
    fastact.set_num_threads(2)
    bad = []

    def worker(k):
        own = {name: np.empty(shape, dt) for name, f, dt, shape in cases}
        for i in range(12):
            name, f, dt, shape = cases[(k + i) % len(cases)]
            if k == 0 and i % 3 == 0:
                fastact.set_num_threads(1 + i % 4)
            r = f(own[name])  # (the inputs are shared by all threads, the outputs not:
            # two calls writing one output at once race, as NumPy's would)
            if r.tobytes() != want[name]:
                bad.append((k, i, name))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread hangs"
    assert not bad, bad


# --- 6. threadpoolctl ------------------------------------------------------------------------------
def test_threadpoolctl_lists_and_limits_the_pool(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")  # (in the test extra: CI has it)
    fastact.set_num_threads(2)
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "fastact"]
    assert len(info) == 1 and info[0]["num_threads"] == 2 and info[0]["version"]
    x = np.linspace(-30, 30, 1 << 20).astype(np.float32)
    want = fastact.sigmoid(x)
    with threadpoolctl.threadpool_limits(1):
        assert fastact.get_num_threads() == 1
        assert fastact.sigmoid(x).tobytes() == want.tobytes()
    assert fastact.get_num_threads() == 2
    with threadpoolctl.threadpool_limits(limits=1, user_api="fastact"):
        assert fastact.get_num_threads() == 1
    assert fastact.get_num_threads() == 2


# --- 7. a source tree without kernels --------------------------------------------------------------
def test_an_unbuilt_source_tree_says_what_to_do(tmp_path):
    import shutil

    src = os.path.dirname(os.path.abspath(fastact.__file__))
    dst = tmp_path / "fastact"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    r = subprocess.run([sys.executable, "-c", "import fastact"], cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=TIMEOUT,
                       env=dict(os.environ, PYTHONPATH=""))
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "pip install ." in r.stderr, r.stderr
    assert "shadows the installed package" in r.stderr, r.stderr


def test_compute_bound_rows_without_exp_take_the_compute_threshold():
    """The cost class 'arith' (a division or a square root per element: softsign,
    squareplus) is compute-bound: threads from 256 Ki elements as the exp kernels, not from
    1 Mi as the memory-bound ones."""
    rows = [r for r in cat.ROWS if r.kind == "elementwise" and r.cost == "arith"]
    assert all(r.compute_bound for r in rows)
    assert rows
    before = fastact.get_num_threads()
    try:
        fastact.set_num_threads(2)
        x = np.linspace(-3, 3, 1 << 19).astype(np.float32)  # 512 Ki
        for row in rows:
            f = getattr(fastact, row.name)
            chunks = fastact._dispatch.pool_stats()[1]
            for _ in range(300):  # (a helper may be late, or backed off for up to 0.5 s)
                f(x, **row.required_params())
                if fastact._dispatch.pool_stats()[1] > chunks:
                    break
                time.sleep(0.01)
            assert fastact._dispatch.pool_stats()[1] > chunks, row.name
    finally:
        fastact.set_num_threads(before)


def test_calls_below_the_thread_threshold_stay_on_the_caller():
    """Threads start at 256 Ki elements for exp-based kernels and 1 Mi for memory-bound ones
    (below that a second thread made calls slower on the development VM, idle and under
    contention: _dispatch.pyx.tp); above, helpers take chunks."""
    before = fastact.get_num_threads()
    try:
        fastact.set_num_threads(2)
        small = np.linspace(-3, 3, 1 << 16).astype(np.float32)   # 64 Ki
        mem = np.linspace(-3, 3, 1 << 19).astype(np.float32)     # 512 Ki, memory-bound
        big = np.linspace(-3, 3, 1 << 21).astype(np.float32)     # 2 Mi
        fastact.sigmoid(big)  # (starts the helper)
        chunks = fastact._dispatch.pool_stats()[1]
        for _ in range(20):
            fastact.sigmoid(small)
            fastact.relu(mem)
        assert fastact._dispatch.pool_stats()[1] == chunks
        for _ in range(300):  # (a helper may be late, or backed off for up to 0.5 s)
            fastact.sigmoid(big)
            if fastact._dispatch.pool_stats()[1] > chunks:
                break
            time.sleep(0.01)
        assert fastact._dispatch.pool_stats()[1] > chunks
    finally:
        fastact.set_num_threads(before)
