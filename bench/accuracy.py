#!/usr/bin/env python3
"""Accuracy of fastact's elementwise kernels in ULPs, against an unrounded wide reference.

    python bench/accuracy.py --dtype float32 --exhaustive      # all 2^32 float32 bit patterns
    python bench/accuracy.py --dtype float32 --stride 97       # every 97th bit pattern
    python bench/accuracy.py --dtype float64 --n 10000000      # 10^7 random + edge inputs
    python bench/accuracy.py --dtype float64 --level all       # once per instruction-set level
    python bench/accuracy.py --validate-reference 2000         # the references vs mpmath

Functions: the catalogue's elementwise rows (fastact._catalogue), at their default parameters
(--params alpha=2.5: other values);
passes: forward f(x), derivative f_derivative(x) and backward from x f_backward(grad, x), with fixed
pseudo-random gradients (half N(0,1), half sign * 2^U(lo, hi) so that large gradients meet
derivatives that underflow and subnormal gradients meet the largest derivatives). The reference is ``fastact.reference`` evaluated one precision up
(float32 -> float64, float64 -> np.longdouble) and NOT rounded: the error of a correctly
rounded result is <= 0.5 ULP. The error definition, the ULP convention and the handling of
NaN, infinities and signed zeros are those of tests/_accuracy.py (shared with the sampled test
tests/test_accuracy_sampled.py); read its docstring.

Bounds (exit code 1 if any is exceeded or any NaN/inf/signed-zero check fails): the catalogue's,
row.bound(pass) (row.bounds: 2 ULP forward and 4 ULP derivative and backward for the
exp-based rows, fewer for the others, 0 where f' is exactly 0 or 1). By default
(--criterion steps) a bound of N means "at most N floats away from the correctly rounded
result", the issue's wording and the rounded oracle of the other tests; --criterion unrounded
bounds the fractional error against the unrounded reference instead (stricter by about half a
ULP). Both maxima are printed either way: "max ULP" (unrounded) and "max steps".

Measured on the 2-core development machine (2 processes): --dtype float32 --exhaustive
~5 min (the float64 NumPy reference dominates), --dtype float64 --n 10000000 ~12 s.
bench/accuracy_baseline.md keeps the tables of the double-precision kernels of release 0.1.0.

Run it from outside the repository root (or the unbuilt source tree fastact/ can shadow the
installed package): ``cd /tmp && python /path/to/fastact/bench/accuracy.py ...``.
"""
import argparse
import os
import platform
import subprocess
import sys
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "tests"))  # the shared measure

try:
    import fastact
    from fastact._kernels import _dispatch  # noqa: F401  (compiled kernels present?)
except ImportError as exc:  # pragma: no cover
    sys.exit(
        "bench/accuracy.py: cannot import fastact's compiled kernels (%s). Install the package "
        "(pip install .) and run this script from a directory other than the repository root."
        % exc
    )

import _accuracy as A  # noqa: E402  (tests/_accuracy.py)
from fastact import _bench  # noqa: E402
from fastact import _catalogue as cat  # noqa: E402

F32, F64 = A.F32, A.F64
# the catalogue's elementwise rows; the exp-based ones (the 2 ULP / 4 ULP promise) get
# every pass by default, the others their forward pass (--all-passes: every pass)
# the kernels (cat.kernel_rows(): a row with a choice parameter is one kernel per choice)
FUNCTIONS = A.FUNCTIONS
MAIN_FUNCTIONS = A.MAIN_FUNCTIONS
OTHER_FUNCTIONS = tuple(f for f in FUNCTIONS if f not in MAIN_FUNCTIONS)
TOTAL32 = 1 << 32
CHUNK32 = 1 << 22  # patterns per task (the unit handed to a worker process)
CHUNK64 = 1 << 19  # float64 inputs per task
BLOCK = 1 << 16  # elements per NumPy pass
SEED = 20240404


def _tune_malloc():
    """glibc returns every freed block above 128 KiB to the system (mmap/trim), so each NumPy
    temporary of a block costs page faults; keep them on the heap (halves the run time)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 64 << 20)  # M_TOP_PAD
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


_tune_malloc()  # at import: also in the spawned workers


# --- work ---------------------------------------------------------------------------------------
def new_stats(dtype, cases, criterion):
    """A.new_stats with the catalogue's bounds: row.bound(pass)."""
    stats = A.new_stats(dtype, cases, criterion)
    for (name, pass_), st in stats.items():
        st.bound = cat.kernel_row(name).bound(pass_)
    return stats


def _set_params(cfg):
    """--params: the parameter values every function under test is called with, in place of
    their defaults (kernel and reference alike; tests/_accuracy.py's PARAMS)."""
    for f, _ in cfg["cases"]:
        A.PARAMS[f] = dict(A.PARAMS[f], **cfg.get("params", {}))


def _parse_params(text, functions, error):
    """'alpha=2.5,beta=2' -> {'alpha': 2.5, 'beta': 2.0}; each a real parameter of every
    function given."""
    out = {}
    for item in (t.strip() for t in text.split(",") if t.strip()):
        name, eq, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            eq = ""
        if not eq or not np.isfinite(out[name.strip()]):
            error("--params: expected NAME=NUMBER[,NAME=NUMBER...] with finite numbers, got %r"
                  % item)
    for f in functions:
        real = [q.name for q in cat.kernel_row(f).real_params]
        bad = sorted(set(out) - set(real))
        if bad:
            error("--params: %s has no parameter %s (it takes %s)"
                  % (f, ", ".join(bad), ", ".join(real) or "none"))
        row = cat.row(cat.kernel_call(f)[0])
        for r in row.rules:
            if r.when == "always" and not r.holds(dict(row.base_params(), **out)):
                error("--params: %s refuses %s" % (f, out))
    return out


def _float32_count(stride, offset):
    return (TOTAL32 - offset + stride - 1) // stride


def run_task(task):
    """One chunk of inputs through every (function, pass): (chunk, {key: stats dict})."""
    dtype, chunk, cfg = task
    dtype = np.dtype(dtype)
    # one kernel thread per worker process: the processes are the parallelism (two OpenMP
    # threads in each of two workers on two cores ran the whole job 2.5 times slower)
    fastact.set_num_threads(1)
    _set_params(cfg)
    stats = new_stats(dtype, cfg["cases"], cfg["criterion"])
    if dtype == F32:
        count = _float32_count(cfg["stride"], cfg["offset"])
        start, stop = chunk * CHUNK32, min(count, (chunk + 1) * CHUNK32)
        rng = np.random.default_rng([cfg["seed"], chunk])
        for s in range(start, stop, BLOCK):
            e = min(stop, s + BLOCK)
            x = A.float32_patterns(s, e, cfg["stride"], cfg["offset"])
            A.check_block(x, A.grads_for(e - s, F32, rng), stats)
    else:
        x = A.float64_inputs(cfg["n"], cfg["seed"], chunk, CHUNK64)
        g = A.grads_for(x.size, F64, np.random.default_rng([cfg["seed"], chunk, 1]))
        for s in range(0, x.size, BLOCK):
            A.check_block(x[s:s + BLOCK], g[s:s + BLOCK], stats)
    return chunk, {k: st.to_dict() for k, st in stats.items()}


def run(dtype, cfg, jobs, progress=True):
    """All chunks, in `jobs` processes; returns ({key: Stats}, wall seconds, n inputs)."""
    dtype = np.dtype(dtype)
    if dtype == F32:
        n = _float32_count(cfg["stride"], cfg["offset"])
        chunks = (n + CHUNK32 - 1) // CHUNK32
    else:
        n = cfg["n"]
        chunks = (n + CHUNK64 - 1) // CHUNK64
    tasks = [(dtype.name, c, cfg) for c in range(chunks)]
    total = new_stats(dtype, cfg["cases"], cfg["criterion"])
    t0 = time.perf_counter()
    done = 0
    last = t0

    def absorb(result):
        nonlocal done, last
        _, d = result
        for k, sd in d.items():
            total[k].merge(A.Stats.from_dict(sd))
        done += 1
        now = time.perf_counter()
        if progress and (now - last > 10 or done == chunks):
            last = now
            el = now - t0
            print("  %s: %d/%d chunks, %.0f s elapsed, ~%.0f s left"
                  % (dtype.name, done, chunks, el, el / done * (chunks - done)),
                  file=sys.stderr, flush=True)

    if jobs <= 1 or chunks == 1:
        for t in tasks:
            absorb(run_task(t))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: safe with threaded (OpenMP) kernels and any Python version
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as ex:
            for r in ex.map(run_task, tasks, chunksize=1):
                absorb(r)
    return total, time.perf_counter() - t0, n


# --- output -------------------------------------------------------------------------------------
def _fmt_value(v, dtype):
    if v is None:
        return ""
    dtype = np.dtype(dtype)
    a = np.array(v, dtype=dtype)
    bits = a.view(np.uint32 if dtype == F32 else np.uint64).item()
    width = 8 if dtype == F32 else 16
    return "%s [0x%0*x]" % (str(a[()]), width, bits)


def _where(st, w=None):
    w = w or st.where
    if not w:
        return "-"
    s = "x=" + _fmt_value(w["x"], st.dtype)
    if w["grad"] is not None:
        s += ", g=" + _fmt_value(w["grad"], st.dtype)
    return s


def _row(st):
    return [
        st.name, st.pass_, str(st.bound), "yes" if st.passed else "NO",
        "%.2f" % st.max_err if np.isfinite(st.max_err) else "inf", _where(st),
        str(st.max_steps), str(st.n_over), str(st.n_not_cr),
        "yes" if st.n_special_fail == 0 else "NO",
        "%.1f" % st.seconds,
    ]


HEAD = ["function", "pass", "bound", "pass?", "max ULP", "where (max ULP)", "max steps",
        "> bound",
        "not CR", "NaN/inf/±0 ok", "s"]


def print_table(stats, markdown, out=sys.stdout):
    rows = [_row(st) for st in stats.values()]
    if markdown:
        print("| " + " | ".join(HEAD) + " |", file=out)
        print("|" + "|".join("---:" if h in ("bound", "max ULP", "max steps", "> bound",
                                                    "not CR", "s")
                             else "---" for h in HEAD) + "|", file=out)
        for r in rows:
            r = list(r)
            r[0] = "`%s`" % r[0]
            print("| " + " | ".join(r) + " |", file=out)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEAD)]
    print("  ".join(h.ljust(w) for h, w in zip(HEAD, widths)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)), file=out)


def print_failures(stats, out=sys.stdout):
    for st in stats.values():
        if st.passed:
            continue
        w = st.where or {}
        print("FAIL %s %s (%s, bound %s ULP by criterion '%s'): %d results over the bound, "
              "%d NaN/inf/±0 failures" % (st.name, st.pass_, st.dtype, st.bound, st.criterion,
                                          st.n_over, st.n_special_fail), file=out)
        print("     max error %.4g ULP at %s: got %r, reference %r"
              % (st.max_err, _where(st), w.get("got"), w.get("ref")), file=out)
        sw = st.steps_where
        if sw:
            print("     max %d steps from the correctly rounded result at %s: got %r, "
                  "reference %r" % (st.max_steps, _where(st, sw), sw["got"], sw["ref"]),
                  file=out)
        ex = st.special_example
        if ex:
            print("     first NaN/inf/±0 failure (%s): x=%s%s: got %r, reference %r"
                  % (ex["why"], _fmt_value(ex["x"], st.dtype),
                     "" if ex["grad"] is None else ", g=" + _fmt_value(ex["grad"], st.dtype),
                     ex["got"], ex["ref"]), file=out)


def describe_build():
    cfg = getattr(fastact, "config", None)
    if cfg is None:
        return "single build (fastact.config() does not exist: no per-CPU dispatch)"
    try:
        c = cfg()
    except Exception as exc:  # pragma: no cover
        return "fastact.config() failed: %r" % exc
    keys = [k for k in c if "isa" in str(k).lower() or "cpu" in str(k).lower()]
    return "fastact.config(): " + ", ".join("%s=%s" % (k, c[k]) for k in keys or c)


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --- the reference vs mpmath --------------------------------------------------------------------
def _mp_exact(name, pass_, x, mp):
    """The exact value at x: the row's ("mpmath", pass) expression of its benchmark data
    (the row's bench data, fastact/_catalogue.py), with its parameters (defaults) and constants as mpf."""
    row = cat.kernel_row(name)  # (a choice's kernel: the bench entries of that choice)
    entry = _bench.bench_data(row).get(("mpmath", pass_))
    if entry is None:
        raise ValueError("%s %s: no ('mpmath', %r) entry in the benchmark data"
                         % (name, pass_, pass_))
    ns = {k: mp.mpf(v) for k, v in row.base_params().items()}
    ns.update(cat.kernel_call(name)[1])  # (the choice, a str)
    ns.update({k: mp.mpf(v) for k, v in
               _bench.bench_data(row).get(("constants", None), {}).items()})
    ns.update(mp=mp, x=mp.mpf(x))
    return eval(entry[1], ns)  # noqa: S307 - the package's own data


def _to_mpf(v, mp):
    """A float64 or long double value as an exact mpf."""
    v = np.asarray(v)
    if v.dtype == F64:
        return mp.mpf(float(v))
    m, e = np.frexp(v)
    return mp.mpf(int(np.ldexp(m, 64))) * mp.mpf(2) ** (int(e) - 64)


def validate_reference(n):
    """Max error of the wide reference (in ULPs of the data dtype) against mpmath."""
    try:
        import mpmath
    except ImportError:
        sys.exit("--validate-reference needs mpmath (pip install mpmath)")
    mp = mpmath.mp
    mp.prec = 256
    rng = np.random.default_rng(SEED)
    samples = {
        F32: np.concatenate([
            rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32).view(np.float32),
            (rng.standard_normal(n) * 10).astype(np.float32),
            A.float32_edges(),
            np.float32(-np.arange(80, 110, 0.25)),  # the float32 exp tails
        ]),
    }
    if A.HAVE_WIDE_LONGDOUBLE:
        samples[F64] = np.concatenate([A.float64_edges(), A.float64_random(2 * n, rng)])
    print("reference (fastact.reference one precision up) vs mpmath at %d bits; error in ULPs "
          "of the data dtype" % mp.prec)
    for dtype, x in samples.items():
        x = x[np.isfinite(x)]
        xw = x.astype(A.WIDE[dtype])
        for name in MAIN_FUNCTIONS:
            for pass_ in ("forward", "derivative"):
                ref = A.reference_values(name, pass_, xw, None, {})
                worst, at = 0.0, None
                for xi, ri in zip(x, ref):
                    exact = _mp_exact(name, pass_, float(xi), mp)
                    u = _mp_ulp(exact, dtype, mp)
                    e = float(abs(_to_mpf(ri, mp) - exact) / u)
                    if e > worst:
                        worst, at = e, xi
                print("  %-7s %-8s %-10s %d inputs: max %.3g ULP at x=%s"
                      % (dtype.name, name, pass_, x.size, worst, at), flush=True)


def _mp_ulp(v, dtype, mp):
    fi = np.finfo(dtype)
    p = fi.nmant + 1
    min_exp = int(fi.minexp) - fi.nmant
    if v == 0:
        return mp.mpf(2) ** min_exp
    _, e = mp.frexp(abs(v))  # |v| = m * 2^e, m in [0.5, 1)
    return mp.mpf(2) ** max(int(e) - p, min_exp)


# --- driver -------------------------------------------------------------------------------------
def run_levels(args, argv):
    """--level: one subprocess per instruction-set level with FASTACT_CPU set."""
    cfg = getattr(fastact, "config", None)
    if cfg is None:
        print("--level %s: fastact.config() does not exist (single build, no per-CPU "
              "dispatch): running once as is" % args.level, flush=True)
        return None
    available = list(cfg().get("isa_available", []))
    if args.level == "all":
        levels = available
    elif args.level in available:
        levels = [args.level]
    else:
        sys.exit("--level %s: not available on this CPU/build; fastact.config()"
                 "['isa_available'] = %s" % (args.level, available))
    child_argv = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--level":
            skip = True
            continue
        if a.startswith("--level="):
            continue
        child_argv.append(a)
    rc = 0
    summary = []
    for level in levels:
        print("\n=== FASTACT_CPU=%s ===" % level, flush=True)
        env = dict(os.environ, FASTACT_CPU=level)
        r = subprocess.run([sys.executable, os.path.abspath(__file__)] + child_argv, env=env)
        summary.append("%s: %s" % (level, "PASS" if r.returncode == 0 else
                                   "FAIL (exit code %d)" % r.returncode))
        rc = max(rc, 1 if r.returncode else 0)
    print("\nlevels: " + "; ".join(summary))
    return rc


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(
        description="Accuracy of fastact's elementwise kernels in ULPs against an unrounded "
        "reference one precision up (float32: NumPy float64, float64: np.longdouble). "
        "Exit code 1 if a bound is exceeded or a NaN/inf/signed-zero check fails.",
        epilog="Example: python bench/accuracy.py --dtype float32 --exhaustive; "
        "python bench/accuracy.py --dtype float64 --n 10000000 --markdown",
    )
    p.add_argument("--dtype", choices=("float32", "float64"), action="append",
                   help="data type (repeat for both; default: both)")
    p.add_argument("--exhaustive", action="store_true",
                   help="float32: every one of the 2^32 bit patterns (same as --stride 1)")
    p.add_argument("--stride", type=int, default=None,
                   help="float32: test bit patterns offset + k*stride (default 97, or 1 with "
                   "--exhaustive)")
    p.add_argument("--offset", type=int, default=0, help="float32: first bit pattern (default 0)")
    p.add_argument("--n", type=int, default=10_000_000,
                   help="float64: number of inputs, random and edge values (default 10^7)")
    p.add_argument("--functions", default=",".join(FUNCTIONS),
                   help="comma-separated subset of %s" % ",".join(FUNCTIONS))
    p.add_argument("--params", default="", metavar="NAME=VALUE[,...]",
                   help="call the functions with these parameter values instead of their "
                   "defaults, e.g. --params alpha=2.5 (every function given must take them)")
    p.add_argument("--all-passes", action="store_true",
                   help="also derivative and backward of %s (by default only their forward; "
                   "%s always get all three passes)" % (", ".join(OTHER_FUNCTIONS),
                                                        ", ".join(MAIN_FUNCTIONS)))
    p.add_argument("--seed", type=int, default=SEED, help="seed of inputs and gradients")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: all cores)")
    p.add_argument("--level", default=None,
                   help="instruction-set level(s) to test: a name such as baseline, avx2, "
                   "avx512 (sets FASTACT_CPU for a subprocess) or 'all' (every level in "
                   "fastact.config()['isa_available'])")
    p.add_argument("--criterion", choices=A.CRITERIA, default="steps",
                   help="what the bounds bound: 'steps' (default): a result is at most `bound` "
                   "floats away from the correctly rounded result (the issue's wording, and the "
                   "rounded oracle of the other tests); 'unrounded': its error against the "
                   "unrounded reference is at most `bound` ULPs (stricter: about bound - 0.5 "
                   "steps)")
    p.add_argument("--markdown", action="store_true", help="print GitHub tables (for README)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--validate-reference", type=int, metavar="N", default=None,
                   help="instead: check the wide references against mpmath on ~3N inputs")
    args = p.parse_args(argv)

    if args.validate_reference:
        validate_reference(args.validate_reference)
        return 0
    if args.level:
        rc = run_levels(args, argv)
        if rc is not None:
            return rc
    functions = tuple(f.strip() for f in args.functions.split(",") if f.strip())
    for f in functions:
        if f not in FUNCTIONS:
            p.error("--functions: unknown function %r (accepted: %s)" % (f, ", ".join(FUNCTIONS)))
    stride = 1 if args.exhaustive else (args.stride or 97)
    if args.exhaustive and args.stride not in (None, 1):
        p.error("--exhaustive tests every pattern: do not combine it with --stride")
    if stride < 1 or not 0 <= args.offset < TOTAL32:
        p.error("--stride must be >= 1 and --offset in [0, 2^32)")
    dtypes = args.dtype or ["float32", "float64"]
    cases = [(f, q) for f in functions for q in A.PASSES
             if args.all_passes or f in MAIN_FUNCTIONS or q == "forward"]
    params = _parse_params(args.params, functions, p.error)
    cfg = {"cases": cases, "stride": stride, "offset": args.offset, "n": args.n,
           "seed": args.seed, "criterion": args.criterion, "params": params}
    _set_params(cfg)  # (the single-process run, and the output's bounds)

    print("fastact %s (%s), numpy %s, python %s, %s; %s; FASTACT_CPU=%s; %d process(es)"
          % (fastact.__version__, os.path.dirname(fastact.__file__), np.__version__,
             platform.python_version(), _cpu_model(), describe_build(),
             os.environ.get("FASTACT_CPU", "(unset)"), max(args.jobs, 1)), flush=True)
    if params:
        print("parameters: %s" % ", ".join("%s=%r" % kv for kv in sorted(params.items())))
    rc = 0
    for dt in dtypes:
        dtype = np.dtype(dt)
        if dtype == F64 and not A.HAVE_WIDE_LONGDOUBLE:
            print("\nERROR float64: not checked - np.longdouble is plain double on this platform "
                  "(finfo(longdouble).nmant = %d), so there is no wider reference"
                  % np.finfo(np.longdouble).nmant)
            rc = 1
            continue
        stats, wall, n = run(dtype, cfg, args.jobs, progress=not args.quiet)
        if dtype == F32:
            what = ("all 2^32 bit patterns" if stride == 1 and args.offset == 0
                    else "%d bit patterns (offset %d + k*%d)" % (n, args.offset, stride))
            ref = "float64"
        else:
            what = "%d inputs (%d edge values + random; seed %d)" % (
                n, min(n, A.float64_edges().size), args.seed)
            ref = "np.longdouble (%d-bit mantissa)" % (np.finfo(np.longdouble).nmant + 1)
        any_st = next(iter(stats.values()))
        print("\n%s: %s = %d finite + %d NaN/inf inputs; reference %s, unrounded; "
              "wall %.1f s" % (dtype.name, what, any_st.n_finite, any_st.n_special, ref, wall))
        print("max ULP: |got - ref| / ulp(ref), unrounded ref; max steps: floats between got "
              "and the correctly rounded result; pass and '> bound' by criterion '%s'; not CR: "
              "error > 0.5 ULP (+%.2g); s: CPU seconds (kernel + reference + measure)"
              % (args.criterion, A.CR_MARGIN[dtype]))
        print("", flush=True)
        print_table(stats, args.markdown)
        print("")
        print_failures(stats)
        ok = all(st.passed for st in stats.values())
        print("%s: %s" % (dtype.name, "PASS: every bound holds" if ok else "FAIL"), flush=True)
        rc = max(rc, 0 if ok else 1)
    return rc


if __name__ == "__main__":
    sys.exit(main())
