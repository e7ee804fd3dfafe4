"""Command line: ``fastact bench`` and ``fastact plot`` (also ``python -m fastact ...``).

bench: times every function's forward, derivative and backward passes in fastact, in the
plain-NumPy ``fastact.reference``, in NumPy's direct ufunc expression where there is one and in
PyTorch CPU when it is installed, on the same input arrays, next to the memory-bandwidth
baseline ``np.copyto``; prints one table of throughputs in G elements/s (median of repeated
runs after a warm-up). ``demo`` is an alias of ``bench`` kept for old scripts.

plot: draws each function and its derivative, with kinks and vanishing-gradient regions, from
the fastact kernels (fastact._plot), into one PNG or SVG, or one PNG per function into a
directory. Needs matplotlib (``pip install fastact[plot]``).
"""
import argparse
import os
import datetime
import json
import math
import sys
import textwrap
import time

import numpy as np

import fastact
from fastact import _bench as B
from fastact import _catalogue as cat

# timing: (target time per cell in ms, minimum samples per cell)
FULL_TIMING = (30.0, 5)
QUICK_TIMING = (6.0, 3)
QUICK_SIZES = (1 << 20,)
BASELINE_FACTOR = 4  # the copy / multiply baselines get this many times the cell target
LINE_WIDTH = 119  # the description above the table is wrapped to this many characters

TABLE_COLUMNS = (  # (key, heading)
    ("function", "function"),
    ("pass", "pass"),
    ("dtype", "dtype"),
    ("size", "size"),
    ("fastact_out", "fastact out="),
    ("fastact", "fastact"),
    ("reference", "reference"),
    ("speedup", "speedup"),
    ("numpy", "numpy"),
    ("torch", "torch"),
    ("copy", "copy"),
)


# --- arguments --------------------------------------------------------------------------------
def _names(text, option, allowed):
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise ValueError("%s: give at least one name" % option)
    bad = [t for t in names if t not in allowed]
    if bad:
        raise ValueError("%s: unknown %s; choose from %s" % (
            option, ", ".join(repr(b) for b in bad), ", ".join(allowed)))
    return names


def _settings(args):
    """Validated settings from the parsed arguments (ValueError with a clear message)."""
    functions = None
    if args.functions:
        functions = [cat.ALIASES.get(f, f) for f in
                     _names(args.functions, "--functions", B.FUNCTIONS + tuple(cat.ALIASES))]
    passes = None
    if args.passes:
        passes = _names(args.passes, "--passes",
                        ("forward", "derivative", "backward", "backward(x)", "backward(y)"))
    dtypes = _names(args.dtypes, "--dtypes", B.DTYPES) if args.dtypes else (
        list(B.DTYPES))
    if args.sizes:
        sizes = [B.parse_size(s) for s in args.sizes.split(",") if s.strip()]
        if not sizes:
            raise ValueError("--sizes: give at least one size")
    else:
        sizes = list(QUICK_SIZES if args.quick else B.DEFAULT_SIZES)
    if args.threads < 1:
        raise ValueError("--threads: must be at least 1, got %d" % args.threads)
    target_ms, min_samples = QUICK_TIMING if args.quick else FULL_TIMING
    if args.target_ms is not None:
        if not args.target_ms > 0:
            raise ValueError("--target-ms: must be positive")
        target_ms = args.target_ms
    cases = B.cases(functions, passes)
    if not cases:
        raise ValueError("--functions/--passes: that selection has no (function, pass) pair")
    return {
        "cases": cases, "dtypes": dtypes, "sizes": sorted(set(sizes)), "threads": args.threads,
        "target_ms": target_ms, "min_samples": min_samples, "quick": args.quick,
        "torch": not args.no_torch,
    }


# --- progress ---------------------------------------------------------------------------------
class _Progress:
    """An updating status line on a terminal; one line per (dtype, size) block otherwise."""

    def __init__(self, total, stream, enabled):
        self.total, self.stream, self.enabled = total, stream, enabled
        self.tty = enabled and getattr(stream, "isatty", lambda: False)()
        self.done = 0
        self.start = time.perf_counter()

    def block(self, dtype, n, rows):
        if self.enabled and not self.tty:
            self.stream.write("fastact bench: %s %s (%d rows) at %.0f s\n" % (
                dtype, B.size_label(n), rows, time.perf_counter() - self.start))
            self.stream.flush()

    def row(self, text):
        self.done += 1
        if self.tty:
            self.stream.write("\r\033[K[%3d/%d %3.0f s] %s" % (
                self.done, self.total, time.perf_counter() - self.start, text))
            self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\r\033[K")
        if self.enabled:
            self.stream.write("fastact bench: %d rows in %.1f s\n" % (
                self.done, time.perf_counter() - self.start))
            self.stream.flush()


# --- running ----------------------------------------------------------------------------------
def _result(n, timing, label):
    return {
        "call": label,
        "median_ns": round(timing.median_ns, 1),
        "gelem_per_s": n / timing.median_ns,
        "samples": timing.samples,
        "batch": timing.batch,
    }


def _header(settings, torch_threads, fastact_threads):
    config = B.fastact_config()
    return {
        "tool": "fastact bench",
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "versions": B.versions(),
        "fastact_file": fastact.__file__,
        "machine": B.machine(),
        "fastact_config": config,
        "isa": config.get("isa", "n/a"),
        "threads": {"fastact": fastact_threads, "torch": torch_threads, "numpy": 1},
        "torch_cpu_capability": B.torch_capability() if torch_threads else None,
        "numpy_simd": B.numpy_simd(),
        "timing": {
            "clock": "time.perf_counter_ns",
            "statistic": "median of samples after one warm-up and one calibration call; "
                         "competitors of one row are timed round-robin",
            "target_ms_per_cell": settings["target_ms"],
            "min_samples": settings["min_samples"],
            "baseline_target_ms": settings["target_ms"] * BASELINE_FACTOR,
            "min_batch_ns": B.MIN_BATCH_NS,
        },
        "units": "G elements/s = elements / median seconds / 1e9",
        "columns": {
            "fastact_out": "fastact, writing into a preallocated out= array",
            "fastact": "fastact, allocating its result",
            "reference": "fastact.reference: the plain-NumPy textbook formula (allocates)",
            "speedup": "fastact / reference (both allocate)",
            "numpy": "NumPy's direct ufunc expression, into a preallocated array where it "
                     "can; absent where the reference is already the direct form",
            "torch": "PyTorch CPU on the same memory (torch.from_numpy), autograd-free "
                     "kernels, allocating",
            "copy": "np.copyto(o, x) into a preallocated array: the memory-bandwidth baseline",
            "multiply": "np.multiply(g, x, out=o): two reads and one write, the baseline for "
                        "backward passes (JSON only)",
        },
        "layouts": _layouts(),
    }


def _layouts():
    """The layouts of the header, keyed by the first row of each kind (the catalogue's)."""
    first = {}
    for row in cat.ROWS:
        first.setdefault(row.kind + ("_halves" if row.halves else ""), row.name)
    text = {
        "elementwise": "1-D arrays of `size` elements",
        "per_channel": "(size/1024, %d, %d), %d per-channel slopes on axis 1" % (
            B.CHANNELS, B.ROW // B.CHANNELS, B.CHANNELS),
        "axis": "(size/1024, 1024) along axis -1; %s[axis=0]: (1024, size/1024) along axis 0",
        "gate": "value = grad, gate = x: 1-D arrays of `size` elements",
        "gate_halves": "x (size/1024, 1024), halved along axis -1",
    }
    layouts = {"elementwise": text["elementwise"]}
    for kind, name in first.items():
        if kind != "elementwise":
            layouts[name] = text[kind] % name if "%s" in text[kind] else text[kind]
    layouts["inputs"] = "x = 4*N(0,1), grad = N(0,1), y = reference forward output of x"
    return layouts


def _shaped_functions():
    """The functions that need the 2-D / 3-D layouts, as text: 'a, b and c'."""
    names = [r.name for r in cat.ROWS if B.needs_layout(r)]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def run(settings, progress_stream=sys.stderr, show_progress=True):
    """Measure every selected row. Returns (header, records, baselines)."""
    torch = B.optional_module("torch") if settings["torch"] else None
    old_fastact = B.set_fastact_threads(settings["threads"])
    old_torch = None
    if torch is not None:
        old_torch = torch.get_num_threads()
        torch.set_num_threads(settings["threads"])
    competitors = ["fastact_out", "fastact", "reference", "numpy"] + (
        ["torch"] if torch is not None else [])
    target_ns = settings["target_ms"] * 1e6
    min_samples = settings["min_samples"]
    try:
        header = _header(settings, torch.get_num_threads() if torch is not None else None,
                         B.fastact_threads())
        blocks = []
        for n in settings["sizes"]:
            # the 'per_channel' and 'axis' rows and glu need a 3-D / 2-D layout of n elements
            # (fastact._bench.needs_layout)
            rows = [c for c in settings["cases"]
                    if not B.needs_layout(c.row) or B.layout_ok(n)]
            for dtype in settings["dtypes"]:
                blocks.append((n, dtype, rows))
        progress = _Progress(sum(len(r) for _, _, r in blocks), progress_stream, show_progress)
        records, baselines = [], []
        for n, dtype, rows in blocks:
            progress.block(dtype, n, len(rows))
            inp = B.Inputs(dtype, n)
            base = B.measure([(c.competitor, c.fn) for c in B.baselines(inp)],
                             target_ns * BASELINE_FACTOR, min_samples)
            base_rec = {c.competitor: _result(n, base[c.competitor], c.label)
                        for c in B.baselines(inp)}
            baselines.append({"dtype": dtype, "size": n, **base_rec})
            for case in rows:
                progress.row("%s %s %s" % (case.label, dtype, B.size_label(n)))
                records.append(_measure_row(case, inp, competitors, target_ns, min_samples,
                                            base_rec))
            del inp
        progress.finish()
    finally:
        if torch is not None:
            torch.set_num_threads(old_torch)
        B.set_fastact_threads(old_fastact)
    return header, records, baselines


def _measure_row(case, inp, competitors, target_ns, min_samples, base_rec):
    calls = B.calls(case, inp, competitors)
    # the reference runs first, so every other warm-up result can be checked against it
    calls.sort(key=lambda c: c.competitor != "reference")
    labels = {c.competitor: c.label for c in calls}
    want, checks, errors = [], {}, {}

    def on_warmup(key, result):
        if key == "reference":
            want.append(B.as_arrays(result))
            checks[key] = "ok"
        else:
            problem = B.mismatch(result, want[0], inp.dtype)
            checks[key] = "ok" if problem is None else "MISMATCH vs reference: " + problem

    def on_error(key, exc):
        if key in B.OPTIONAL:  # e.g. an op this torch does not have: a blank cell
            errors[key] = "%s: %s" % (type(exc).__name__, str(exc).splitlines()[0][:200]
                                      if str(exc) else "")
            return True
        return False

    timings = B.measure([(c.competitor, c.fn) for c in calls], target_ns, min_samples,
                        on_warmup=on_warmup, on_error=on_error)
    results = {}
    for key in B.COMPETITORS:
        if key in timings:
            results[key] = dict(_result(inp.n, timings[key], labels[key]), check=checks[key])
        elif key in errors:
            results[key] = {"call": labels[key], "error": errors[key]}
    fa, rf = results.get("fastact"), results.get("reference")
    return {
        "function": case.function,
        "name": case.name,
        "pass": case.pass_,
        "axis": case.axis,
        "choice": case.choice,
        "dtype": inp.dtype.name,
        "size": inp.n,
        "shape": list(inp.shaped(case, inp.x).shape),
        "results": results,
        "speedup_vs_reference": fa["gelem_per_s"] / rf["gelem_per_s"] if fa and rf else None,
        "baselines": {k: v["gelem_per_s"] for k, v in base_rec.items()},
    }


# --- output -----------------------------------------------------------------------------------
def _num(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return "%.3g" % value


def _cells(record):
    res = record["results"]

    def tp(key):
        r = res.get(key)
        if not r or "gelem_per_s" not in r:
            return ""
        return _num(r["gelem_per_s"]) + ("" if r.get("check", "ok") == "ok" else "!")

    sp = record["speedup_vs_reference"]
    return {
        "function": record["name"], "pass": record["pass"], "dtype": record["dtype"],
        "size": B.size_label(record["size"]),
        "fastact_out": tp("fastact_out"), "fastact": tp("fastact"),
        "reference": tp("reference"), "speedup": _num(sp) + "x" if sp else "",
        "numpy": tp("numpy"), "torch": tp("torch"),
        "copy": _num(record["baselines"].get("copy")),
    }


def _describe(header, command, torch_column):
    """The description above the table: three paragraphs, the first two as lists of pieces
    (joined by ' · '), the third as text. torch_column: whether the table has a torch column
    (the text mentions torch only then)."""
    v, m, t = header["versions"], header["machine"], header["threads"]
    cpu = "%s (%s logical CPUs%s)" % (
        m["cpu_model"], m["cpu_count"],
        "; " + " ".join(m["cpu_simd_flags"]) if m["cpu_simd_flags"] else "")
    threads = "fastact %s" % t["fastact"]
    if t["torch"] is not None:
        threads += ", PyTorch %s" % t["torch"]
    libs = "NumPy %s" % v["numpy"]
    if v.get("torch") and t["torch"] is not None:
        libs += ", PyTorch %s" % v["torch"]
    load = m.get("load_average_start")
    first = ["`%s`" % command, "fastact %s" % v["fastact"], header["date"][:10]]
    if load is not None:
        first.append("load average (1 min) at start: %.2f" % load)
    second = ["CPU: %s" % cpu, "fastact instruction set: %s" % header["isa"],
              "threads: %s" % threads, libs, "Python %s" % v["python"]]
    text = (
        "G elements/s (higher is better), median after a warm-up; same input arrays in a row. "
        "fastact out=: into a preallocated array; %s: allocate their result; "
        "speedup = fastact / reference (fastact.reference, the plain-NumPy formula); "
        "numpy: NumPy's direct ufunc expression into a preallocated array (blank: the "
        "reference is already that); copy: np.copyto(o, x), the memory-bandwidth limit."
        % ("fastact, reference, torch" if torch_column else "fastact, reference"))
    return [first, second, text]


def _wrap(paragraph, markdown, width=LINE_WIDTH):
    """The lines of one paragraph of _describe, none longer than width (where no single word
    is): pieces are joined by ' · ' and broken between pieces, text between words."""
    if not markdown:
        paragraph = ([p.replace("`", "") for p in paragraph] if isinstance(paragraph, list)
                     else paragraph.replace("`", ""))
    if not isinstance(paragraph, list):
        return textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False)
    lines = []
    for piece in paragraph:
        if lines and len(lines[-1]) + 3 + len(piece) <= width:
            lines[-1] += " · " + piece
            continue
        head = "· " if lines else ""
        lines += textwrap.wrap(head + piece, width, subsequent_indent="  ",
                               break_long_words=False, break_on_hyphens=False)
    return lines


def _columns(records):
    cols = list(TABLE_COLUMNS)
    if not any("torch" in r["results"] for r in records):
        cols = [c for c in cols if c[0] != "torch"]
    return cols


def format_table(header, records, command, markdown=False):
    cols = _columns(records)
    rows = [_cells(r) for r in records]
    lines = []
    desc = _describe(header, command, any(k == "torch" for k, _ in cols))
    flagged = any(c.endswith("!") for row in rows for c in row.values())
    if markdown:
        for paragraph in desc:
            lines += _wrap(paragraph, markdown)
            lines.append("")
        lines.append("| " + " | ".join(h for _, h in cols) + " |")
        lines.append("|" + "|".join("---" if i < 4 else "---:" for i in range(len(cols))) + "|")
        for row in rows:
            lines.append("| " + " | ".join(row[k] for k, _ in cols) + " |")
    else:
        for paragraph in desc:
            lines += _wrap(paragraph, markdown)
        widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in cols]
        fmt = lambda vals: "  ".join(  # noqa: E731
            (v.ljust(w) if i < 4 else v.rjust(w)) for i, (v, w) in enumerate(zip(vals, widths)))
        head = fmt([h for _, h in cols])
        lines.append(head)
        lines.append("-" * len(head))
        for row in rows:
            lines.append(fmt([row[k] for k, _ in cols]).rstrip())
    if flagged:
        lines.append("")
        lines.append("! the result differed from the reference beyond a loose tolerance "
                     "(see --json for details)")
    return "\n".join(lines)


def _json_safe(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        return _json_safe(obj.item())
    return obj


# --- commands ---------------------------------------------------------------------------------
def bench(args, argv):
    try:
        settings = _settings(args)
    except ValueError as exc:
        print("fastact bench: error: %s" % exc, file=sys.stderr)
        return 2
    command = "fastact " + " ".join(argv)
    try:
        header, records, baselines = run(settings, show_progress=not args.quiet)
    except ValueError as exc:  # e.g. --threads on a build without threads
        print("fastact bench: error: %s" % exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nfastact bench: interrupted", file=sys.stderr)
        return 130
    if not records:
        print("fastact bench: error: nothing to measure: %s need sizes that are multiples of "
              "1024 (or multiples of 16 up to 1024)" % _shaped_functions(), file=sys.stderr)
        return 2
    header["command"] = command
    header["machine"]["load_average_end"] = B.load_average()
    header["settings"] = {
        "functions": sorted({c.function for c in settings["cases"]}, key=B.FUNCTIONS.index),
        "passes": sorted({c.pass_ for c in settings["cases"]}, key=B.PASSES.index),
        "dtypes": settings["dtypes"], "sizes": settings["sizes"],
        "threads": settings["threads"], "quick": settings["quick"],
    }
    order = {c: i for i, c in enumerate(B.cases())}
    records.sort(key=lambda r: (order[B.Case(r["function"], r["pass"], r["axis"], r.get("choice"))],
                                B.DTYPES.index(r["dtype"]), r["size"]))
    print(format_table(header, records, command, markdown=args.markdown))
    if args.json:
        doc = {"header": header, "records": records, "baselines": baselines}
        try:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(_json_safe(doc), f, indent=1)
                f.write("\n")
        except OSError as exc:
            print("fastact bench: error: cannot write --json %s: %s" % (args.json, exc),
                  file=sys.stderr)
            return 1
        if not args.quiet:
            print("fastact bench: wrote %s" % args.json, file=sys.stderr)
    return 0


def plot(args, argv):
    from fastact import _plot

    def error(message, code=2):
        print("fastact plot: error: %s" % message, file=sys.stderr)
        return code

    try:
        names = _plot.resolve_names(args.names or None)
        _plot.check_range(tuple(args.range))
    except (TypeError, ValueError) as exc:
        return error(exc)
    out = args.out
    ext = os.path.splitext(out)[1].lower()
    to_dir = os.path.isdir(out) or out.endswith(("/", os.sep)) or not ext
    if not to_dir and ext not in (".png", ".svg"):
        return error("--out: expected a directory or a file name ending in .png or .svg, "
                     "got %r" % out)
    options = dict(derivative=args.derivative, range=tuple(args.range),
                   saturation=args.saturation)
    try:
        if to_dir:
            os.makedirs(out, exist_ok=True)
            written = [_plot.save(_plot.plot(name, **options), os.path.join(out, name + ".png"),
                                  dpi=args.dpi) for name in names]
        else:
            parent = os.path.dirname(os.path.abspath(out))
            if not os.path.isdir(parent):
                return error("--out: directory %s does not exist" % parent)
            written = [_plot.save(_plot.plot(names, columns=args.columns, **options), out,
                                  dpi=args.dpi)]
    except ImportError as exc:
        return error(exc, 1)
    except (TypeError, ValueError) as exc:
        return error(exc)
    except OSError as exc:
        return error("cannot write %s: %s" % (out, exc), 1)
    if not args.quiet:
        for path in written:
            print("fastact plot: wrote %s" % path, file=sys.stderr)
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="fastact",
        description="fastact %s: fast, accurate activation functions for NumPy. "
                    "`fastact bench` compares fastact with NumPy (and PyTorch when installed) "
                    "on this machine." % fastact.__version__,
    )
    parser.add_argument("--version", action="version",
                        version="fastact %s (%s level, up to %d threads)" % (
                            fastact.__version__, fastact.config()["isa"],
                            fastact.get_num_threads()))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_ in (
        ("bench", "time every function against NumPy (and PyTorch) and print a table"),
        ("demo", "alias of bench"),
    ):
        p = sub.add_parser(
            name, help=help_,
            description="Times forward, derivative and backward passes of every function in "
                        "fastact, in fastact.reference (plain NumPy), in NumPy's direct ufunc "
                        "expression and in PyTorch CPU (when installed), on the same input, "
                        "next to the np.copyto memory-bandwidth baseline. Prints G elements/s "
                        "(median of repeated runs after a warm-up).",
        )
        p.add_argument("--functions", metavar="LIST",
                       help="comma-separated functions (default: all): %s" % ",".join(B.FUNCTIONS))
        p.add_argument("--passes", metavar="LIST",
                       help="comma-separated passes (default: all): forward, derivative, "
                            "backward (= backward(x) and backward(y))")
        p.add_argument("--dtypes", metavar="LIST", help="float32,float64 (default: both)")
        p.add_argument("--sizes", metavar="LIST",
                       help="comma-separated element counts, e.g. 1Ki,64Ki,1Mi,16Mi "
                            "(default: 1Ki,64Ki,1Mi; with --quick: 1Mi)")
        p.add_argument("--threads", type=int, default=1, metavar="N",
                       help="threads for fastact and PyTorch (default: 1)")
        p.add_argument("--quick", action="store_true",
                       help="about 1 minute: 1Mi only (unless --sizes) and fewer repeats")
        p.add_argument("--json", metavar="PATH",
                       help="also write the results, machine, versions and settings as JSON")
        p.add_argument("--markdown", action="store_true",
                       help="print the table as GitHub markdown (to paste into a README)")
        p.add_argument("--no-torch", action="store_true",
                       help="leave PyTorch out even if it is installed")
        p.add_argument("--target-ms", type=float, metavar="MS",
                       help="timed milliseconds per cell (default: %g, --quick: %g)"
                            % (FULL_TIMING[0], QUICK_TIMING[0]))
        p.add_argument("--quiet", action="store_true", help="no progress on stderr")
        p.set_defaults(func=bench)
    p = sub.add_parser(
        "plot", help="draw each function and its derivative (needs matplotlib)",
        description="Draws each function f and its derivative f' over a range of x, computed "
                    "by the fastact kernels, in a grid of subplots: kinks (where f' jumps) "
                    "are marked and the vanishing-gradient regions (|f'| below --saturation) "
                    "shaded. softmax and log_softmax are drawn as the two-class curve "
                    "softmax([x, 0])[0]. Needs matplotlib: pip install fastact[plot].")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="functions to draw (default: all): %s" % ", ".join(
                       r.name for r in cat.ROWS))
    p.add_argument("--derivative", action=argparse.BooleanOptionalAction, default=True,
                   help="also draw f' (default; --no-derivative: f only)")
    p.add_argument("--range", nargs=2, type=float, default=[-6.0, 6.0], metavar=("LO", "HI"),
                   help="the range of x (default: -6 6)")
    p.add_argument("--out", default="activations.png", metavar="DIR|FILE.png|FILE.svg",
                   help="one PNG or SVG file with every function (default: activations.png), "
                        "or a directory (an existing one, or a name ending in / or without "
                        "extension) that gets one NAME.png per function")
    p.add_argument("--saturation", type=float, default=0.01, metavar="T",
                   help="shade where |f'| < T (default: 0.01; 0: no shading)")
    p.add_argument("--columns", type=int, metavar="N", help="subplots per row (default: 4)")
    p.add_argument("--dpi", type=int, default=100, help="PNG resolution (default: 100)")
    p.add_argument("--quiet", action="store_true", help="do not print the files written")
    p.set_defaults(func=plot)
    return parser


def main(argv=None):
    """Entry point of ``fastact`` and ``python -m fastact``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has reported
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args, argv)


if __name__ == "__main__":
    sys.exit(main())
