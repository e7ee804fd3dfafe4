#!/usr/bin/env python3
"""A sha256 over the results of every public function, pass, dtype and instruction-set level.

    cd /tmp && python /path/to/fastact/bench/fingerprint.py [--n 800000] [--threads 1 2]

Run it before and after a kernel change: a redesign that must not change results keeps every
line the same. With the default n the exp-based rows run threaded (from 256 Ki elements); the
memory-bound rows use threads from 1 Mi, so `--n 1500000` checks their thread counts too
(other hashes: the inputs depend on n). The inputs are fixed (seeded): random bit patterns, normals of several scales,
the exp tails, subnormals, +-0, +-inf, NaN, gradients from 1e-40 to 1e30 (tiny grads force the
exact paths), lengths with odd tails, several values of every parameter. NaN results are
hashed as one NaN (IEEE 754 leaves a NaN's sign and payload to the hardware).

The functions and their parameter values come from the catalogue (fastact._catalogue) where
the package has one, else from the public functions' signatures (an older build), so the same
command runs on both sides of a redesign. The script fails (exit 1) if two levels or two thread
counts give different bits.
"""
import argparse
import hashlib
import inspect
import sys

import numpy as np

try:
    import fastact
    from fastact._kernels import _dispatch
except ImportError as exc:  # pragma: no cover
    sys.exit("bench/fingerprint.py: cannot import fastact's compiled kernels (%s); install the "
             "package and run from outside the repository root" % exc)

# parameter values by parameter name, for a build without a catalogue (the catalogue's
# `samples` hold the same values for the parameters that existed then)
FALLBACK_SAMPLES = {"alpha": (0.01, 0.3, 1.0, 1000.0, 2.0 ** -30, -0.5)}


def _functions():
    """[(name, kind, [params dicts])] for every public function family."""
    try:
        from fastact import _catalogue as cat
    except ImportError:
        cat = None
    out = []
    if cat is not None:
        for row in cat.ROWS:
            if row.kind == "gate":  # (every activation a gate takes)
                out.append((row.name, row.kind,
                            [{"activation": a} for a in cat.gate_activations()]))
                continue
            out.append((row.name, row.kind, row.sample_params()))
        return out
    for name in sorted(n for n in dir(fastact) if callable(getattr(fastact, n, None))):
        if not hasattr(fastact, name + "_backward") or name in ("linear",):
            continue
        if name == "prelu":
            kind = "per_channel"
        elif hasattr(fastact, name + "_derivative"):
            kind = "elementwise"
        else:
            kind = "axis"
        sig = inspect.signature(getattr(fastact, name))
        params = [p for p in sig.parameters.values()
                  if p.kind == p.KEYWORD_ONLY and p.name not in ("out", "axis")]
        sets = [{}]
        for p in params:
            sets = [dict(s, **{p.name: v}) for s in sets for v in FALLBACK_SAMPLES[p.name]]
        out.append((name, kind, sets))
    return out


def _inputs(dtype, n, seed=1):
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, info.tiny, -info.tiny,
                        info.smallest_subnormal, -info.smallest_subnormal, info.max, -info.max,
                        1e4, -1e4, 88.7, -87.3, -103.9, -72.5, 709.7, -745.1, -707.5, 0.5, -0.5,
                        1.0, -1.0, 3.0, -3.0, 6.0, 2.0 ** -30], dtype=np.float64)
    itype = np.uint32 if dtype == np.float32 else np.uint64
    bits = rng.integers(0, np.iinfo(itype).max, n // 5, dtype=itype, endpoint=True).view(dtype)
    with np.errstate(all="ignore"):
        x = np.concatenate([
            rng.standard_normal(n // 5) * 4, rng.standard_normal(n // 5) * 60,
            rng.uniform(-800, 100, n // 5), bits.astype(np.float64),
            np.tile(special, (n - 4 * (n // 5)) // special.size + 1),
        ])[:n].astype(dtype)
    x = x[rng.permutation(n)]
    x[:4096] = np.tile(special, 4096 // special.size + 1)[:4096].astype(dtype)  # specials in
    # the head too (alignment head, first blocks)
    scale = rng.choice([1e-40, 1e-30, 1.0, 1e30], n)
    with np.errstate(all="ignore"):
        g = (rng.standard_normal(n) * scale).astype(dtype)
    return x, g


def _digest(h, a):
    a = np.asarray(a)
    h.update(str(a.dtype).encode() + str(a.shape).encode())
    h.update(np.where(np.isnan(a), np.array(np.nan, a.dtype), a).tobytes())


def _run(name, kind, sets, dtype, x, g):
    """The sha256 of every pass of one function on one dtype."""
    h = hashlib.sha256()
    f = getattr(fastact, name)
    with np.errstate(all="ignore"):
        for params in sets:
            h.update(repr(sorted(params.items())).encode())
            for n in (x.size, 17, 1000, 4097 + 13):  # lengths with tails
                xs, gs = x[:n], g[:n]
                if kind == "elementwise":
                    y = f(xs, **params)
                    _digest(h, y)
                    _digest(h, getattr(fastact, name + "_derivative")(xs, **params))
                    _digest(h, getattr(fastact, name + "_backward")(gs, xs, **params))
                    try:
                        if not fastact._catalogue.row(name).takes_y:  # (a row without y=)
                            raise ValueError
                        yb = getattr(fastact, name + "_backward")(gs, y=y, **params)
                    except ValueError:  # (a parameter for which y does not determine f')
                        h.update(b"no y")
                    else:
                        _digest(h, yb)
                    _digest(h, f(xs.copy(), out=None, **params))
                elif kind == "per_channel":
                    m = n - n % 64
                    x3, g3 = xs[:m].reshape(-1, 16, 4), gs[:m].reshape(-1, 16, 4)
                    for w in (0.25, np.linspace(-2, 2, 16).astype(dtype)):
                        _digest(h, f(x3, w))
                        _digest(h, getattr(fastact, name + "_derivative")(x3, w))
                        gx, gw = getattr(fastact, name + "_backward")(g3, x3, w)
                        _digest(h, gx)
                        _digest(h, gw)
                elif kind == "gate":
                    bw = getattr(fastact, name + "_backward")
                    if fastact._catalogue.row(name).halves:  # glu: halves of x along axis
                        m = n - n % 128  # (an even number of rows of 64)
                        for shape, axis in (((-1, 64), -1), ((-1, 64), 0), ((-1, 8, 8), 1)):
                            x2 = xs[:m].reshape(shape)
                            y = f(x2, axis=axis, **params)
                            _digest(h, y)
                            _digest(h, bw(gs[:y.size].reshape(y.shape), x2, axis=axis,
                                          **params))
                    else:  # gated(value, gate): the gate is x, the value the reversed grad
                        v = gs[::-1].copy()
                        _digest(h, f(v, xs, **params))
                        for r in bw(gs, v, xs, **params):
                            _digest(h, r)
                else:
                    m = n - n % 64
                    for shape, axis in (((-1, 64), -1), ((-1, 64), 0), ((-1, 8, 8), 1)):
                        x2 = xs[:m].reshape(shape)
                        # (the raw data has inf and NaN in most rows: also a tame copy)
                        tame = np.clip(np.nan_to_num(x2), -50, 50)
                        for xx in (x2, tame):
                            y = f(xx, axis=axis, **params)
                            _digest(h, y)
                            bw = getattr(fastact, name + "_backward")
                            _digest(h, bw(gs[:m].reshape(shape), y=y, axis=axis, **params))
    return h.hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=800_000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    levels = _dispatch.available_isa()
    current = fastact.config()["isa"]
    funcs = sorted(_functions(), key=lambda f: f[0])
    data = {dt: _inputs(dt, args.n) for dt in (np.float32, np.float64)}
    bad = False
    combined = hashlib.sha256()
    try:
        for name, kind, sets in funcs:
            seen = {}
            for dt in (np.float32, np.float64):
                for level in levels:
                    _dispatch.select_isa(level)
                    for t in args.threads:
                        fastact.set_num_threads(t)
                        seen[(np.dtype(dt).name, level, t)] = _run(name, kind, sets, dt, *data[dt])
            per_dtype = {}
            for (dt, level, t), d in seen.items():
                per_dtype.setdefault(dt, set()).add(d)
            for dt, ds in per_dtype.items():
                if len(ds) != 1:
                    bad = True
                    print("DIFFERENT BITS: %s %s across levels/threads: %s" % (
                        name, dt, {k: v[:12] for k, v in seen.items() if k[0] == dt}))
            line = "%-14s %s" % (name, hashlib.sha256(
                "".join(sorted(d for ds in per_dtype.values() for d in ds)).encode()).hexdigest())
            combined.update(line.encode())
            print(line, flush=True)
    finally:
        _dispatch.select_isa(current)
    print("levels %s, threads %s, n %d" % (",".join(levels), args.threads, args.n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
