"""Comparisons and instructions per vector in the narrow (256-bit) loops of the AVX-512 module.

    python bench/select_count.py [--all]

Disassembles the built `_kernels_avx512` module (objdump and nm from binutils) and prints, for
each memory-bound kernel that has a narrow copy (Row.narrow), the main vector loop's count
of instructions and of vector comparisons. A narrow loop runs at memory speed only while its
arithmetic keeps up with the L3 (docs/performance.md, "Narrow copies"): the piecewise formulas
write one select per condition (_math.pxd.tp), which GCC compiles to one comparison each; a
nested select once cost relu6' 4 comparisons and a mask negation per vector (0.4 of
np.copyto at 1 Mi float32 on Zen 4). bench/test_select_count.py fails when a loop needs more
comparisons than its formula has conditions. --all also lists the level-width loops.
Run it from outside the repository root (the root's source tree has no compiled kernels).
"""
import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys

from fastact import _catalogue as cat

_INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
_JUMP = re.compile(r"^j[a-z]+$")


def module_path():
    spec = importlib.util.find_spec("fastact._kernels._kernels_avx512")
    if spec is None or not spec.origin:
        raise SystemExit("fastact._kernels._kernels_avx512 is not built")
    return spec.origin


def tools():
    """(objdump, nm) paths, or None where binutils are missing."""
    objdump, nm = shutil.which("objdump"), shutil.which("nm")
    return (objdump, nm) if objdump and nm else None


def symbols(path, nm):
    """{name: (start, end)} of the module's functions (end: the next symbol's start)."""
    out = subprocess.run([nm, "-n", path], capture_output=True, text=True, check=True).stdout
    addrs = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tT":
            addrs.append((int(parts[0], 16), parts[2]))
    table = {}
    for (a, name), (b, _) in zip(addrs, addrs[1:] + [(addrs[-1][0] + 4096, None)]):
        table[name] = (a, b)
    return table


def main_loop(path, objdump, start, end, reg):
    """The instructions of the function's vector loop: the shortest backward-jump loop that
    loads into `reg` registers (ymm: the narrow loop; zmm: the level's width)."""
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", "--start-address=%#x" % start,
                          "--stop-address=%#x" % end, path],
                         capture_output=True, text=True, check=True).stdout
    insns = []
    for line in out.splitlines():
        m = _INSN.match(line)
        if m:
            insns.append((int(m.group(1), 16), m.group(2), m.group(3)))
    best = []
    for i, (addr, op, args) in enumerate(insns):
        if _JUMP.match(op):
            target = args.split()[0]
            try:
                t = int(target, 16)
            except ValueError:
                continue
            if t < addr:
                body = [x for x in insns[:i + 1] if x[0] >= t]
                loads = any(reg in x[2] and "(%" in x[2] for x in body)
                if loads and (not best or len(body) < len(best)):
                    best = body
    return best


def kernel_symbol(table, name, pass_, s, narrow):
    suffix = "_%s_%s%s" % (name, pass_, "_narrow_" + s if narrow else "_" + s)
    hits = [k for k in table if k.endswith("avx512_" + suffix)]
    return hits[0] if hits else None


def loops(narrow_only=True):
    """[(kernel, pass, dtype, width, instructions, comparisons)] of the narrow loops (and the
    level-width ones unless narrow_only; 0 instructions where the kernel or its vector loop
    is missing); None if binutils or the module's symbols are missing."""
    found = tools()
    if found is None:
        return None
    objdump, nm = found
    path = module_path()
    table = symbols(path, nm)
    if not any("_kernels_avx512_" in k for k in table):
        return None  # (a stripped module)
    rows = []
    for row in cat.kernel_rows():
        if row.kind != "elementwise":
            continue
        for pass_ in row.passes:
            if not row.memory_bound(pass_):
                continue
            for s in ("f32", "f64"):
                widths = ([("ymm", True)] if row.narrow(pass_) else []) + \
                    ([] if narrow_only else [("zmm", False)])
                for reg, narrow in widths:
                    sym = kernel_symbol(table, row.name, pass_, s, narrow)
                    body = [] if sym is None else main_loop(path, objdump, *table[sym], reg)
                    compares = sum(1 for x in body if x[1].startswith("vcmp"))
                    rows.append((row.name, pass_, s, reg, len(body), compares))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", action="store_true", help="also the level-width (zmm) loops")
    args = ap.parse_args(argv)
    rows = loops(narrow_only=not args.all)
    if rows is None:
        print("needs objdump and nm (binutils) and an unstripped module")
        return 1
    print("%-16s %-11s %-4s %-4s %12s %11s" % ("kernel", "pass", "", "", "instructions",
                                              "comparisons"))
    for r in rows:
        print("%-16s %-11s %-4s %-4s %12d %11d" % r)
    return 0


if __name__ == "__main__":
    if os.path.isfile(os.path.join(os.getcwd(), "fastact", "_kernels", "_dispatch.pyx.tp")):
        sys.exit("run bench/select_count.py from outside the repository root")
    sys.exit(main())
