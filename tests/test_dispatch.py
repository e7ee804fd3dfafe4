"""Instruction-set dispatch, threads and build configuration.

* Every level this CPU runs (fastact.config()["isa_available"]) computes bitwise the same
  results as the portable baseline, for every function and pass, both dtypes, over random,
  huge, tiny, subnormal and special inputs. (A NaN result is NaN at the same place; the sign
  and payload bits of a NaN, which IEEE 754 leaves to the hardware, are not compared.) Since the rest of the suite checks the default
  (best) level against the oracle, this puts every level under the same bounds.
* Results do not depend on the number of threads (bitwise), for sizes that do use threads.
* set_num_threads / get_num_threads / FASTACT_NUM_THREADS / FASTACT_CPU behave as documented.
* The GIL is released: kernels running in several Python threads give correct results.
"""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import fastact
from fastact._kernels import _dispatch

from _oracle import ELEMENTWISE, catalogue, params_for, passes_of
LEVELS = fastact.config()["isa_available"]


def _inputs(dtype, n, seed):
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, info.tiny, -info.tiny,
                        info.smallest_subnormal, -info.smallest_subnormal, info.max, -info.max,
                        1e4, -1e4, 88.7, -87.3, -103.9, 709.7, -745.1, 0.5, -0.5], dtype=np.float64)
    itype = np.uint32 if dtype == np.float32 else np.uint64
    bits = rng.integers(0, np.iinfo(itype).max, n // 4, dtype=itype, endpoint=True).view(dtype)
    with np.errstate(all="ignore"):
        x = np.concatenate([
            rng.standard_normal(n // 4) * 4, rng.standard_normal(n // 4) * 60,
            rng.uniform(-800, 100, n // 4), bits.astype(np.float64), special,
        ]).astype(dtype)
    g = (rng.standard_normal(x.size) * rng.choice([1e-30, 1.0, 1e30], x.size)).astype(dtype)
    return x, g


def _bits(a):
    """The bytes of a with every NaN made the same NaN."""
    return np.where(np.isnan(a), np.array(np.nan, a.dtype), a).tobytes()


def _battery(dtype, n=6000, seed=0):
    """{case: result} for every public function and pass on one fixed input."""
    x, g = _inputs(dtype, n, seed)
    out = {}
    with np.errstate(all="ignore"):
        for name in ELEMENTWISE:
            kw = params_for(name)
            y = getattr(fastact, name)(x, **kw)
            out[name] = y
            out[name + "'"] = getattr(fastact, name + "_derivative")(x, **kw)
            out[name + " bx"] = getattr(fastact, name + "_backward")(g, x, **kw)
            if "backward_y" in passes_of(name):
                out[name + " by"] = getattr(fastact, name + "_backward")(g, y=y, **kw)
        m = x.size // 30 * 30
        xs = np.where(np.isfinite(x[:m]), x[:m], 0).astype(dtype).reshape(-1, 30)
        gs = g[:m].reshape(xs.shape)
        for axis in (0, 1):
            for fam in ("softmax", "log_softmax"):
                y = getattr(fastact, fam)(xs, axis=axis)
                out["%s %d" % (fam, axis)] = y
                out["%s_backward %d" % (fam, axis)] = getattr(fastact, fam + "_backward")(
                    gs, y=y, axis=axis)
        w = np.linspace(-1, 1, 30).astype(dtype)
        out["prelu"] = fastact.prelu(xs, w, axis=1)
        out["prelu'"] = fastact.prelu_derivative(xs, w, axis=1)
        gx, gw = fastact.prelu_backward(gs, xs, w, axis=1)
        out["prelu bx"], out["prelu gw"] = gx, gw
        # NCHW with short runs (16 channels of 8: the float32 kernels' weight pattern), chunks
        # that start and stop inside a (channels, inner) block
        m = x.size // 128 * 128
        x4 = np.where(np.isfinite(x[:m]), x[:m], 0).astype(dtype).reshape(-1, 16, 8)
        w16 = np.linspace(-1, 1, 16).astype(dtype)
        out["prelu nchw"] = fastact.prelu(x4, w16, axis=1)
        out["prelu' nchw"] = fastact.prelu_derivative(x4, w16, axis=1)
    return out


@pytest.fixture
def restore_isa():
    level = fastact.config()["isa"]
    yield
    _dispatch.select_isa(level)


def test_config_keys_and_show_config(capsys):
    cfg = fastact.config()
    assert cfg["isa"] in cfg["isa_available"]
    assert set(cfg["isa_available"]) <= set(cfg["isa_compiled"])
    assert cfg["isa_compiled"][0] == "baseline" and "baseline" in cfg["isa_available"]
    assert isinstance(cfg["openmp"], bool) and cfg["num_threads"] >= 1
    fastact.show_config()
    text = capsys.readouterr().out
    assert "level in use: %s" % cfg["isa"] in text and "threads: %d" % cfg["num_threads"] in text


def test_default_level_is_the_best_available():
    if os.environ.get("FASTACT_CPU"):
        pytest.skip("FASTACT_CPU is set in this environment")
    assert fastact.config()["isa"] == LEVELS[-1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_every_level_is_bitwise_identical(dtype, restore_isa):
    results = {}
    for level in LEVELS:
        _dispatch.select_isa(level)
        assert fastact.config()["isa"] == level
        results[level] = _battery(dtype)
    base = results["baseline"]
    for level, res in results.items():
        differ = [k for k in base if _bits(res[k]) != _bits(base[k])]
        assert not differ, "level %s differs from baseline in %s" % (level, differ)


def test_select_isa_rejects_unknown_levels(restore_isa):
    with pytest.raises(ValueError, match="not available"):
        _dispatch.select_isa("avx1024")


@pytest.mark.parametrize("level", LEVELS)
def test_fastact_cpu_environment_variable(level):
    code = "import fastact; print(fastact.config()['isa'])"
    env = dict(os.environ, FASTACT_CPU=level)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=os.path.dirname(__file__), check=True)
    assert out.stdout.strip() == level


def test_fastact_cpu_unknown_value_warns_and_falls_back():
    code = "import fastact; print(fastact.config()['isa'])"
    env = dict(os.environ, FASTACT_CPU="sse9")
    out = subprocess.run([sys.executable, "-W", "always", "-c", code], env=env,
                         capture_output=True, text=True, cwd=os.path.dirname(__file__),
                         check=True)
    assert out.stdout.strip() == LEVELS[-1]
    assert "FASTACT_CPU=sse9 ignored" in out.stderr


def test_fastact_num_threads_environment_variable():
    code = "import fastact; print(fastact.get_num_threads())"
    env = dict(os.environ, FASTACT_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=os.path.dirname(__file__), check=True)
    assert int(out.stdout) == 3
    env["FASTACT_NUM_THREADS"] = "many"
    out = subprocess.run([sys.executable, "-W", "always", "-c", code], env=env,
                         capture_output=True, text=True, cwd=os.path.dirname(__file__),
                         check=True)
    assert "FASTACT_NUM_THREADS='many' ignored" in out.stderr


@pytest.mark.parametrize("bad,exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                     ("2", TypeError), (True, TypeError), (None, TypeError)])
def test_set_num_threads_rejects_bad_values(bad, exc, restore_threads):
    before = fastact.get_num_threads()
    with pytest.raises(exc, match="n: expected an int >= 1"):
        fastact.set_num_threads(bad)
    assert fastact.get_num_threads() == before


def test_set_num_threads_roundtrip(restore_threads):
    fastact.set_num_threads(np.int64(2))
    assert fastact.get_num_threads() == 2
    fastact.set_num_threads(1)
    assert fastact.get_num_threads() == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_results_do_not_depend_on_thread_count(dtype, restore_threads):
    """Large enough for every kernel to split its work (elementwise, prelu chunks, softmax
    rows and column blocks), with sizes that do not divide evenly."""
    fastact.set_num_threads(1)
    one = _battery(dtype, n=400_003, seed=3)
    for n in (2, 3, 7):
        fastact.set_num_threads(n)
        many = _battery(dtype, n=400_003, seed=3)
        differ = [k for k in one if many[k].tobytes() != one[k].tobytes()]  # (NaNs too)
        assert not differ, "%d threads differ from 1 in %s" % (n, differ)


def test_kernels_release_the_gil_and_are_thread_safe(restore_threads):
    """Several Python threads calling kernels at once (the GIL is released inside) all get the
    results a single call gives."""
    fastact.set_num_threads(1)
    rng = np.random.default_rng(7)
    xs = [rng.standard_normal(300_000).astype(np.float32) for _ in range(4)]
    want = [fastact.tanh(x) for x in xs]
    got = [None] * len(xs)
    errors = []

    def work(i):
        try:
            for _ in range(5):
                got[i] = fastact.tanh(xs[i])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for g, w in zip(got, want):
        assert g.tobytes() == w.tobytes()


@pytest.mark.parametrize("call", ["tanh", "softmax", "prelu", "tanh_backward"])
def test_the_gil_is_released_inside_large_calls(call, restore_threads):
    """Another Python thread runs while a large kernel call is in progress. With a switch
    interval of 100 s the interpreter never takes the GIL from the calling thread on its own,
    so the other thread's counter can move between the two reads around the call only if the
    call itself releases the GIL: without the release it stays exactly where it was."""
    fastact.set_num_threads(1)
    x = np.random.default_rng(3).standard_normal(1 << 21)
    out = np.empty_like(x)
    run = {
        "tanh": lambda: fastact.tanh(x, out=out),
        "softmax": lambda: fastact.softmax(x.reshape(-1, 1024), out=out.reshape(-1, 1024)),
        "prelu": lambda: fastact.prelu(x.reshape(64, 16, -1), np.ones(16), out=out.reshape(64, 16, -1)),
        "tanh_backward": lambda: fastact.tanh_backward(x, x, out=out),
    }[call]
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)  # gives the GIL back at once, asks for it again

    old = sys.getswitchinterval()
    t = threading.Thread(target=spin)
    t.start()
    try:
        while counter[0] == 0:  # the spinner is running
            time.sleep(0.001)
        sys.setswitchinterval(100.0)
        moved = 0
        for _ in range(20):  # (one call is enough when the GIL is released)
            before = counter[0]
            run()
            moved += counter[0] - before
            if moved:
                break
    finally:
        sys.setswitchinterval(old)
        stop.set()
        t.join()
    assert moved > 0, "no other thread ran during %s: the GIL was held" % call


def _kernels_module(level):
    import importlib
    return importlib.import_module("fastact._kernels._kernels_" + level)


def _elementwise_call(name, pass_, kw):
    """call(out, grad, v) for one elementwise case: v is x (forward, derivative, backward) or
    y (backward_y; any values are valid there)."""
    if pass_ in ("forward", "derivative"):
        fn = getattr(fastact, name if pass_ == "forward" else name + "_derivative")
        return lambda o, a, b: fn(b, out=o, **kw)
    fn = getattr(fastact, name + "_backward")
    if pass_ == "backward":
        return lambda o, a, b: fn(a, b, out=o, **kw)
    return lambda o, a, b: fn(a, y=b, out=o, **kw)


def _compare_with_pieces(cases, g, x, out, piece):
    """Every (name, pass, kw) case on the whole of g and x, into out and in place on each
    input, on 1 and 2 threads, gives the bits of the same call on pieces of `piece` elements
    (one thread)."""
    n = x.size
    with np.errstate(all="ignore"):
        for name, pass_, kw in cases:
            call = _elementwise_call(name, pass_, kw)
            want = np.empty(n, x.dtype)
            fastact.set_num_threads(1)
            for i in range(0, n, piece):
                call(want[i:i + piece], g[i:i + piece], x[i:i + piece])
            for threads in (1, 2):
                fastact.set_num_threads(threads)
                out[...] = 0
                call(out, g, x)
                assert _bits(out) == _bits(want), (name, pass_, threads)
                # in place: a kernel reads each element before writing it
                out[...] = x
                call(out, g, out)
                assert _bits(out) == _bits(want), (name, pass_, "out=x", threads)
                if pass_.startswith("backward"):
                    out[...] = g
                    call(out, out, x)
                    assert _bits(out) == _bits(want), (name, pass_, "out=grad", threads)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_streaming_stores_give_the_same_bits(level, dtype, restore_isa, restore_threads,
                                               request):
    """Ranges whose footprint (the output and the inputs that are not the output) is
    STREAM_MIN_BYTES or more (lowered here) write their output with non-temporal stores through
    a block buffer, after a head that aligns the output to 64 bytes: the same bits as the plain path
    (the same call on pieces below the threshold), for unaligned starts, in place (on every
    input: a backward pass in place still streams, a forward pass in place, one array, does
    not) and on 1 and 2 threads (each thread's range streamed; a compute-bound pass streams
    on two threads only, its exp-based blocks in the look-ahead loop). Every function and pass at
    the best level; at the others (the baseline is slow without an FMA instruction) one pass
    of each kernel shape. The streamed blocks of the memory-bound kernels run their narrow
    copies at the AVX-512 level, the 1 MiB pieces their wide ones (below streaming, the narrow
    copies have their own test)."""
    _dispatch.select_isa(level)
    kmod = _kernels_module(level)
    itemsize = np.dtype(dtype).itemsize
    # The threshold lowered for the test (through the modules' hook; the default needs 20 MiB
    # arrays, 80 s a level) to 1.5 times a half's bytes: each of two threads' ranges is above it
    # for two arrays and below it for one. The elementwise kernels run on two threads from
    # 1 Mi elements. Odd tail.
    n = (1 << 20) + 10007
    thr = (n // 2) * itemsize * 3 // 2
    rng = np.random.default_rng(11)
    store = np.empty(n + 16, dtype)
    # start 3 elements past 64-byte alignment, so the head before the streamed part is non-empty
    off = (-(store.ctypes.data // itemsize) + 3) % (64 // itemsize)
    out = store[off:off + n]
    old = kmod.set_stream_min_bytes(thr)
    request.addfinalizer(lambda: kmod.set_stream_min_bytes(old))
    assert old == kmod.STREAM_MIN_BYTES
    plan = kmod.stream_plan(out.ctypes.data, 0, n, itemsize, 2)
    assert plan[0] and 0 < plan[1] < 64 // itemsize
    for arrays in (2, 3):  # (the 2-thread halves, forward and backward)
        assert kmod.stream_plan(out.ctypes.data, 0, n // 2, itemsize, arrays)[0]
        assert kmod.stream_plan(out.ctypes.data, n // 2, n, itemsize, arrays)[0]
    below = thr // (2 * itemsize) - 1
    assert not kmod.stream_plan(out.ctypes.data, 0, below, itemsize, 2)[0]
    assert kmod.stream_plan(out.ctypes.data, 0, below, itemsize, 3)[0]
    assert not kmod.stream_plan(out.ctypes.data, 0, thr // (3 * itemsize) - 1,
                                itemsize, 3)[0]
    assert not kmod.stream_plan(out.ctypes.data, 0, n // 2, itemsize, 1)[0]  # (forward in place)
    x = (rng.standard_normal(n) * 30).astype(dtype)
    x[::997] = np.array([np.nan, np.inf, -np.inf, -0.0, -1000.0], dtype)[np.arange(x[::997].size) % 5]
    g = rng.standard_normal(n).astype(dtype)
    piece = 1 << 16  # (3 arrays of it: at most 1.5 MiB, never streamed)
    cases = []
    for name in ELEMENTWISE:
        kw = params_for(name)
        cases += [(name, "forward", kw), (name, "derivative", kw), (name, "backward", kw)]
        cases += [(name, "backward_y", kw)] if "backward_y" in passes_of(name) else []
    if level != LEVELS[-1]:
        cases = [c for c in cases if (c[0], c[1]) in {("relu", "forward"), ("leaky_relu", "backward"),
                                                        ("elu", "derivative"), ("tanh", "forward"),
                                                        ("sigmoid", "backward_y"),
                                                        ("sigmoid", "backward")}]
    _compare_with_pieces(cases, g, x, out, piece)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_a_streamed_range_shorter_than_its_head_stays_inside(level, dtype, restore_isa,
                                                             restore_threads, request):
    """A streamed range ends before the output's next 64-byte line: its head (the elements up
    to that line) is cut at the range's end, and nothing past the output is written (with the
    threshold at 0 through the test hook, a 10-element float32 output 4 elements past a line
    once had its head run to the line: 2 elements of the neighbouring memory overwritten)."""
    _dispatch.select_isa(level)
    fastact.set_num_threads(1)
    kmod = _kernels_module(level)
    old = kmod.set_stream_min_bytes(0)
    request.addfinalizer(lambda: kmod.set_stream_min_bytes(old))
    itemsize = np.dtype(dtype).itemsize
    line = 64 // itemsize
    store = np.zeros(4 * line, dtype)
    off = (-(store.ctypes.data // itemsize) + 1) % line  # (line - 1 elements to the next line)
    n = line - 3
    for m in (0, 1, n):
        out = store[off:off + m]
        assert kmod.stream_plan(out.ctypes.data, 0, m, itemsize, 2) == (True, m)
    x = np.linspace(-2, 2, n).astype(dtype)
    out = store[off:off + n]
    for name in ELEMENTWISE:  # (the memory-bound passes stream on one thread)
        kw = params_for(name)
        store[off + n:] = 7
        assert getattr(fastact, name)(x, out=out, **kw) is out
        assert getattr(fastact, name + "_backward")(x, x, out=out, **kw) is out
        assert (store[off + n:] == 7).all(), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_stores_follow_the_threads_that_run_the_call(dtype, restore_isa, restore_threads,
                                                      request):
    """The entry's choice of stores, counted (the module's streamed_ranges; the threshold
    lowered through the hook so that 2 Mi elements stream): a memory-bound pass streams on any
    thread count, a compute-bound pass only where two threads or more run it (on one its
    arithmetic limits it, and the block buffer costs time). A threaded call that the pool
    cannot help (backing off, as after a sign of contention; or another thread's call holding
    the pool) runs as on one thread: one range, no helper chunk, a compute-bound pass not
    streamed. It once ran its chunks alone with the two-thread choice: streamed, 1.03-1.20x the
    time of the same call on one thread (AMD Zen 3)."""
    level = LEVELS[-1]
    _dispatch.select_isa(level)
    kmod = _kernels_module(level)
    old = kmod.set_stream_min_bytes(1 << 20)
    request.addfinalizer(lambda: kmod.set_stream_min_bytes(old))
    request.addfinalizer(lambda: _dispatch.pool_back_off(0))
    n = 1 << 21  # (2 threads: 8 chunks of n / 8; each thread's share, n / 2, above 1 MiB)
    chunks = 8
    rng = np.random.default_rng(5)
    x = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    out = np.empty(n, dtype)
    seen = set()
    with np.errstate(all="ignore"):
        for name in ELEMENTWISE:
            kw = params_for(name)
            row = catalogue.row(name)
            for pass_ in passes_of(name):
                call = _elementwise_call(name, "backward" if pass_ == "backward_x" else pass_, kw)
                memory = row.memory_bound(pass_)
                for threads, back_off, want in ((1, 0, int(memory)),
                                                (2, 0, chunks),
                                                (2, 60, int(memory))):
                    fastact.set_num_threads(threads)
                    _dispatch.pool_back_off(back_off)
                    before, helped = kmod.streamed_ranges(), _dispatch.pool_stats()[1]
                    call(out, g, x)
                    got = kmod.streamed_ranges() - before
                    assert got == want, (name, pass_, threads, back_off, got, want)
                    if back_off:
                        assert _dispatch.pool_stats()[1] == helped, (name, pass_)
                    seen.add((memory, threads, back_off))
    assert len(seen) == 6  # (both kinds of pass met each case)
    with pytest.raises(ValueError, match="seconds"):
        _dispatch.pool_back_off(-1)


def test_calls_the_pool_cannot_help_run_as_on_one_thread(restore_threads, request):
    """While the pool backs off, a two-thread softmax (units), PReLU forward and elementwise
    call runs on the calling thread alone, in its one-thread form (no helper takes a chunk),
    with the bits of the call on one thread; PReLU's backward pass (per-chunk partial sums of
    the weight gradient) keeps its chunks."""
    request.addfinalizer(lambda: _dispatch.pool_back_off(0))
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2048, 1024))
    g = rng.standard_normal(x.shape)
    w = np.linspace(0.1, 0.3, x.shape[1])
    calls = [lambda: fastact.softmax(x, axis=-1), lambda: fastact.softmax(x, axis=0),
             lambda: fastact.prelu(x, w, axis=1), lambda: fastact.sigmoid(x),
             lambda: fastact.prelu_backward(g, x, w, axis=1)]
    for call in calls:
        fastact.set_num_threads(1)
        want = call()
        fastact.set_num_threads(2)
        _dispatch.pool_back_off(60)
        helped = _dispatch.pool_stats()[1]
        got = call()
        assert _dispatch.pool_stats()[1] == helped
        for a, b in zip(want if isinstance(want, tuple) else (want,),
                        got if isinstance(got, tuple) else (got,)):
            assert _bits(a) == _bits(b)
        _dispatch.pool_back_off(0)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_narrow_copies_give_the_same_bits(level, dtype, restore_isa, restore_threads):
    """At the AVX-512 level the memory-bound kernels (identity, relu, leaky_relu, every
    backward pass from y) have a second copy with 256-bit vectors, which ranges whose
    footprint is NARROW_MIN_BYTES or more run. Calls whose footprint lies between that and
    STREAM_MIN_BYTES (narrow, not streamed: the streaming test covers the streamed blocks)
    give the bits of the same call on 1000-element pieces (the level's own width), out of
    place and in place on each input, on 1 and 2 threads (each thread's share still narrow).
    At the other levels (no narrow copy) the same comparison holds trivially and is cheap."""
    _dispatch.select_isa(level)
    kmod = _kernels_module(level)
    itemsize = np.dtype(dtype).itemsize
    narrow = kmod.NARROW_MIN_BYTES or (4 << 20)
    n = narrow // itemsize + 777  # 2 arrays: 2 narrow; 3 arrays: 3 narrow; halves >= narrow
    assert 3 * n * itemsize < kmod.STREAM_MIN_BYTES, "the band below streaming is gone"
    assert 1000 * 3 * itemsize < narrow
    rng = np.random.default_rng(12)
    x = (rng.standard_normal(n) * 30).astype(dtype)
    x[::997] = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], dtype)[np.arange(x[::997].size) % 5]
    g = rng.standard_normal(n).astype(dtype)
    g[5::1009] = np.array([np.inf, -0.0, np.nan], dtype)[np.arange(g[5::1009].size) % 3]
    cases = []
    for name in ELEMENTWISE:
        kw = params_for(name)
        if name in ("identity", "relu", "leaky_relu"):
            cases += [(name, "forward", kw), (name, "derivative", kw), (name, "backward", kw)]
        if "backward_y" in passes_of(name):
            cases.append((name, "backward_y", kw))
    _compare_with_pieces(cases, g, x, np.empty(n, dtype), 1000)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_one_tail_sends_exactly_its_block_down_the_exact_path(level, dtype, restore_isa):
    """The exp-based kernels take a fast path over blocks of 512 elements without an exp tail
    (or a tiny grad), checking each block while the one before it is computed; ranges of 4096
    elements or more first run a head up to out's first 64-byte line, which shifts the blocks.
    One tail element, at the start, the end or inside a block, the last short block included,
    must come out as it does alone (a call of its own, which takes the exact path), and so must
    every element around it (each block takes one path or the other with the same bits), for
    a range shorter than the head's threshold and for a longer one starting off a line. A tail
    element on the fast path comes out wrong (2^k is out of range there)."""
    _dispatch.select_isa(level)
    f32 = dtype == np.float32
    itemsize = np.dtype(dtype).itemsize
    tail_x, tiny_g = (-200.0, 1e-35) if f32 else (-800.0, 1e-305)
    cases = [(name, params_for(name))
             for name in ("sigmoid", "tanh", "elu", "selu")]
    cases.append(("elu", {"alpha": 1e-12}))  # (every block exact: alpha's exponent < -20)
    # celu's own kernels (at alpha = 1 it runs elu's: the catalogue's same_as), whose fast
    # path skips clamps the exact path applies: 1000 (2^ae folded into one factor), 2.5
    cases += [("celu", {"alpha": 2.5}), ("celu", {"alpha": 1000.0})]

    def one_by_one(fn, args, kw, idx):
        with np.errstate(all="ignore"):
            return [fn(*(a[i:i + 1] for a in args), **kw)[0] for i in idx]

    for n in (6 * 512 + 37, 2 * 4096 + 1037):
        rng = np.random.default_rng(3)
        x0 = (rng.standard_normal(n) * 4).astype(dtype)
        g0 = rng.standard_normal(n).astype(dtype)
        x0[::97] = -65.0  # (no tail; with a tiny alpha, elu's 2^k is out of the fast range)
        calls = [(name, kw, getattr(fastact, name + suffix), grad)
                 for name, kw in cases for suffix, grad in
                 (("", False), ("_derivative", False), ("_backward", True))]
        # every element alone, on the unmodified inputs (then only the changed ones again)
        base = {id(fn) + hash(str(kw)): np.array(one_by_one(fn, (g0, x0) if grad else (x0,),
                                                            kw, range(n)), dtype)
                for name, kw, fn, grad in calls}
        # the calls' buffers start 3 elements past a 64-byte line: a head of 13 (float32)
        # or 5 (float64) elements where the range is long enough to get one
        bufs = []
        for _ in range(3):
            store = np.empty(n + 16, dtype)
            off = (-(store.ctypes.data // itemsize) + 3) % (64 // itemsize)
            bufs.append(store[off:off + n])
        assert all(b.ctypes.data % 64 == 3 * itemsize for b in bufs)
        o = bufs[2]
        for pos in (0, 12, 13, 511, 512, 525, 1000, 1023, 1536, 2559, 2560, 3071, 3072,
                    n // 2, n - 600, n - 1):
            x = x0.copy()
            x[pos] = tail_x
            gt = g0.copy()
            far = (pos + 700) % n
            gt[far] = tiny_g  # a tiny grad elsewhere, in another block
            for name, kw, fn, grad in calls:
                args = (gt, x) if grad else (x,)
                alone = base[id(fn) + hash(str(kw))].copy()
                for i in {pos, far} if grad else {pos}:
                    alone[i] = one_by_one(fn, args, kw, [i])[0]
                ins = bufs[:len(args)]
                for dst, src in zip(ins, args):
                    dst[...] = src
                with np.errstate(all="ignore"):
                    fn(*ins, out=o, **kw)
                assert _bits(o) == _bits(alone), (n, name, kw, fn.__name__, pos)
                # in place, on each input (the check reads ahead of the writes)
                for k in range(len(ins)):
                    for dst, src in zip(ins, args):
                        dst[...] = src
                    with np.errstate(all="ignore"):
                        fn(*ins, out=ins[k], **kw)
                    assert _bits(ins[k]) == _bits(alone), (n, name, kw, fn.__name__, pos, k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("fam", ["softmax", "log_softmax"])
def test_softmax_fast_rows_give_the_bits_of_the_general_path(fam, dtype):
    """A row whose entries all lie within 87 of its max takes a shorter exp (one power of two,
    no clamps); one more entry far below the max sends the same row down the general path.
    That entry adds exp(-300) (0 in float32, nothing visible next to a sum >= 1 in float64)
    to the sum, so the other entries must come out with the same bits either way."""
    rng = np.random.default_rng(5)
    row = (rng.standard_normal(1000) * 20).clip(-40, 40).astype(dtype)
    assert row.max() - row.min() < 87
    f = getattr(fastact, fam)
    fast = f(row)
    general = f(np.concatenate([row, [row.max() - 300]]).astype(dtype))
    assert fast.tobytes() == general[:-1].tobytes()
    assert np.isfinite(fast).all() and (fam == "log_softmax" or fast.min() > 0)
    # over axis 0 (column blocks): one far entry in one column sends its whole block down the
    # general path
    cols = np.stack([row, row[::-1], np.roll(row, 7)], axis=1)
    fast = f(cols, axis=0)
    far = np.concatenate([cols, [[row.max() - 300] * 3]]).astype(dtype)  # (every sum alike)
    general = f(far, axis=0)
    assert fast.tobytes() == np.ascontiguousarray(general[:-1]).tobytes()


def _nan_patterns(dtype):
    """Quiet and signalling NaNs of both signs and several payloads, as arrays of the dtype."""
    if dtype == np.float32:
        bits = (0x7fc52443, 0xffc52443, 0x7fd00001, 0xffffffff, 0x7f800001, 0xffa00005)
        return [np.array(b, np.uint32).view(np.float32) for b in bits]
    bits = (0x7ff8a48860000000, 0xfff8a48860000000, 0x7ffd000000000001, 0xffffffffffffffff,
            0x7ff0000000000001, 0xfff4000000000005)
    return [np.array(b, np.uint64).view(np.float64) for b in bits]


def _one_nan_calls(dtype, nan, n):
    """(label, function, args, kwargs) for every public pass where one input of each element
    is NaN (the same NaN in every element) and the others are finite or infinite."""
    full = lambda v: np.full(n, v, dtype=dtype)
    x, others = full(nan), [full(v) for v in (0.75, -2.5, 0.0, -0.0, 30.0, -30.0, np.inf, -np.inf)]
    g = full(0.75)
    calls = []
    for name in ELEMENTWISE:
        kw = params_for(name)
        f, d, b = (getattr(fastact, name + s) for s in ("", "_derivative", "_backward"))
        calls += [(name, f, (x,), kw), (name + "'", d, (x,), kw), (name + " bx", b, (g, x), kw)]
        calls += [("%s bx grad=NaN x=%r" % (name, o[0]), b, (x, o), kw) for o in others]
        if "backward_y" in passes_of(name):
            calls.append((name + " by y=NaN", b, (g,), dict(kw, y=x)))
            calls += [("%s by grad=NaN y=%r" % (name, o[0]), b, (x,), dict(kw, y=o))
                      for o in others]
    for act in catalogue.gate_activations():
        kw = {"activation": act}
        for o in others[:1] + others[4:6]:
            calls += [("gated %s value=NaN gate=%r" % (act, o[0]), fastact.gated, (x, o), kw),
                      ("gated %s gate=NaN value=%r" % (act, o[0]), fastact.gated, (o, x), kw),
                      ("glu %s first=NaN second=%r" % (act, o[0]), fastact.glu, (np.concatenate([x, o]),), kw),
                      ("glu %s second=NaN first=%r" % (act, o[0]), fastact.glu, (np.concatenate([o, x]),), kw)]
            calls += [("gated_backward %s NaN argument %d, others %r" % (act, k, o[0]), fastact.gated_backward,
                       args, kw) for k, args in enumerate([(x, o, o), (o, x, o), (o, o, x)])]
            calls += [("glu_backward %s NaN half %d, other %r" % (act, k, o[0]),
                       fastact.glu_backward, (g, half), kw)
                      for k, half in enumerate([np.concatenate([x, o]), np.concatenate([o, x])])]
            calls.append(("glu_backward %s NaN grad, halves %r" % (act, o[0]),
                          fastact.glu_backward, (x, np.concatenate([o, o])), kw))
    return calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_nan_bits_do_not_depend_on_position(dtype, restore_isa, restore_threads):
    """Where one input of an element is NaN (x, y, the grad, a gate's value or gate), the same
    NaN in every element gives the same bits in every element, whether the vector loop or its
    scalar remainder computes it, and so whatever split the threads make (squareplus once
    returned x + n for a NaN x, two NaNs whose sum kept one or the other by the operand order
    of the loop that computed it: its NaN's sign changed with the thread count), at every
    level. Across levels a NaN's sign may differ: it follows the compiler's operand order and
    the fma (the C library's at the baseline level): float32 squareplus' derivative in the
    release build, sigmoid and gelu in the sanitizer build of .ci/sanitize, gave NaNs of
    opposite signs at the baseline and avx2 levels (every_level_is_bitwise_identical compares
    NaNs as NaN). 1091 elements: the look-ahead loop, its rest, a vector remainder. Two different NaNs in one
    element (a NaN grad and a NaN x) give one of them, unspecified which: docs/accuracy.md."""
    fastact.set_num_threads(1)
    itype = np.uint32 if dtype == np.float32 else np.uint64
    bad = []
    with np.errstate(all="ignore"):
        for level in LEVELS:
            _dispatch.select_isa(level)
            for nan in _nan_patterns(dtype):
                for label, func, args, kw in _one_nan_calls(dtype, nan, 1091):
                    res = func(*args, **kw)
                    if func is fastact.glu_backward:  # (the halves' grads differ)
                        res = tuple(np.split(res, 2))
                    for k, out in enumerate(res if isinstance(res, tuple) else (res,)):
                        key = "%s [%d], NaN %#x" % (label, k, nan.view(itype))
                        got = np.unique(out.view(itype))
                        if got.size != 1:
                            bad.append("%s at %s: %s" % (key, level, [hex(v) for v in got[:4]]))
    assert not bad, "%d calls, first: %s" % (len(bad), bad[:10])
