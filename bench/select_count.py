"""Comparisons and instructions per vector in the narrow (256-bit) loops of the AVX-512 module.

    python bench/select_count.py [--all] [--placement LEVEL]

Disassembles the built `_kernels_avx512` module (objdump and nm from binutils) and prints, for
each memory-bound kernel that has a narrow copy (Row.narrow), the main vector loop's count
of instructions and of vector comparisons. A narrow loop runs at memory speed only while its
arithmetic keeps up with the L3 (docs/performance.md, "Narrow copies"): the piecewise formulas
write one select per condition (_math.pxd.tp), which GCC compiles to one comparison each; a
nested select once cost relu6' 4 comparisons and a mask negation per vector (0.4 of
np.copyto at 1 Mi float32 on Zen 4). bench/test_select_count.py fails when a loop needs more
comparisons than its formula has conditions. --all also lists the level-width loops.

The last column counts max and min instructions against the clamps of the formula block to
the constants K_f32 / K_f64 (`K.zero if K.zero > r else r`, _math.pxd.tp): each should be
one max or min, which GCC 12 emits only because it cannot see K's values (with a literal
bound: a compare and a blend). bench/test_select_count.py fails when a loop has fewer.
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


def module_path(level="avx512"):
    spec = importlib.util.find_spec("fastact._kernels._kernels_" + level)
    if spec is None or not spec.origin:
        raise SystemExit("fastact._kernels._kernels_%s is not built" % level)
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


MATH_TP = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "fastact",
                       "_kernels", "_math.pxd.tp")
# a clamp to one of the hidden constants: `K_{{S}}.zero if K_{{S}}.zero > u else u` or
# `K_{{S}}.one if K_{{S}}.one < r else r` (or with the comparison the other way round)
_CLAMP = re.compile(r"K_\{\{S\}\}\.\w+ if (?:K_\{\{S\}\}\.\w+ [<>] \w+|\w+ [<>] "
                    r"K_\{\{S\}\}\.\w+) else ")
_BLOCK = re.compile(r"^cdef inline \{\{T\}\} (\w+)_\{\{S\}\}\(", re.M)
_CALL = re.compile(r"\b(\w+)_\{\{S\}\}\(")
# the formula block of each kernel pass (the generated backward of a row without its own is
# grad times the derivative's block)
_PASS_SUFFIX = {"forward": "", "derivative": "_derivative", "backward_x": "_backward",
                "backward_y": "_backward_from_y"}


def formula_blocks(path=MATH_TP):
    """{block name without _{{S}}: its text} of _math.pxd.tp's formulas."""
    with open(path) as f:
        text = f.read()
    starts = [(m.start(), m.group(1)) for m in _BLOCK.finditer(text)]
    blocks = {}
    for (a, name), (b, _) in zip(starts, starts[1:] + [(len(text), None)]):
        body = text[a:b]
        end = body.find("\n\n")
        blocks[name] = body if end < 0 else body[:end]
    return blocks


def clamps(row, pass_, blocks):
    """The clamps to K in the formula of a kernel pass, with those of the blocks it calls."""
    name = row.name + _PASS_SUFFIX[pass_]
    if name not in blocks and pass_ == "backward_x":
        name = row.name + "_derivative"
    seen, todo, n = set(), [name], 0
    while todo:
        b = todo.pop()
        if b in seen or b not in blocks:
            continue
        seen.add(b)
        body = blocks[b].split("\n", 1)[-1]
        n += len(_CLAMP.findall(body))
        todo += _CALL.findall(body)
    return n


def kernel_symbol(table, name, pass_, s, narrow, level="avx512"):
    suffix = "_%s_%s%s" % (name, pass_, "_narrow_" + s if narrow else "_" + s)
    hits = [k for k in table if k.endswith(level + "_" + suffix)]
    return hits[0] if hits else None


def loops(narrow_only=True):
    """[(kernel, pass, dtype, width, instructions, comparisons, max/min, clamps)] of the narrow
    loops (and the level-width ones unless narrow_only; 0 instructions where the kernel or
    its vector loop is missing; clamps: those of the formula to K); None if binutils or the
    module's symbols are missing."""
    found = tools()
    if found is None:
        return None
    objdump, nm = found
    path = module_path()
    table = symbols(path, nm)
    if not any("_kernels_avx512_" in k for k in table):
        return None  # (a stripped module)
    rows = []
    blocks = formula_blocks()
    for row in cat.kernel_rows():
        if row.kind != "elementwise":
            continue
        for pass_ in row.passes:
            if not row.memory_bound(pass_):
                continue
            k = clamps(row, pass_, blocks)
            for s in ("f32", "f64"):
                widths = ([("ymm", True)] if row.narrow(pass_) else []) + \
                    ([] if narrow_only else [("zmm", False)])
                for reg, narrow in widths:
                    sym = kernel_symbol(table, row.name, pass_, s, narrow)
                    body = [] if sym is None else main_loop(path, objdump, *table[sym], reg)
                    compares = sum(1 for x in body if x[1].startswith("vcmp"))
                    minmax = sum(1 for x in body if x[1].startswith(("vmax", "vmin")))
                    rows.append((row.name, pass_, s, reg, len(body), compares, minmax, k))
    return rows


def placement(level):
    """[(kernel, pass, dtype, bytes, start mod 64)] of the level-width vector loop of every
    elementwise kernel of a level's module (None without binutils or symbols). On AMD Zen 2 a
    loop of about 50 bytes that crosses a 64-byte line ran up to 1.2-1.4x slower in L1 than
    the same instructions within one line (docs/performance.md, code placement)."""
    found = tools()
    if found is None:
        return None
    objdump, nm = found
    path = module_path(level)
    table = symbols(path, nm)
    reg = {"baseline": "xmm", "avx2": "ymm", "avx512": "zmm"}[level]
    rows = []
    for row in cat.kernel_rows():
        if row.kind != "elementwise":
            continue
        for pass_ in row.passes:
            for s in ("f32", "f64"):
                sym = kernel_symbol(table, row.name, pass_, s, False, level)
                body = [] if sym is None else main_loop(path, objdump, *table[sym], reg)
                if body:
                    size = body[-1][0] - body[0][0] + 2  # (the jump: 2 bytes at least)
                    rows.append((row.name, pass_, s, size, body[0][0] % 64))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", action="store_true", help="also the level-width (zmm) loops")
    ap.add_argument("--placement", metavar="LEVEL", choices=("baseline", "avx2", "avx512"),
                    help="instead: the size and the offset in its 64-byte line of each "
                         "elementwise kernel's vector loop at that level")
    args = ap.parse_args(argv)
    if args.placement:
        rows = placement(args.placement)
        if rows is None:
            print("needs objdump and nm (binutils) and an unstripped module")
            return 1
        print("%-16s %-11s %-4s %6s %9s %8s" % ("kernel", "pass", "", "bytes", "line off",
                                               "crosses"))
        for name, p, s, size, off in rows:
            print("%-16s %-11s %-4s %6d %9d %8s" % (name, p, s, size, off,
                                                    "yes" if off + size > 64 else ""))
        return 0
    rows = loops(narrow_only=not args.all)
    if rows is None:
        print("needs objdump and nm (binutils) and an unstripped module")
        return 1
    print("%-16s %-11s %-4s %-4s %12s %11s %8s %7s" % ("kernel", "pass", "", "", "instructions",
                                                      "comparisons", "max/min", "clamps"))
    for r in rows:
        print("%-16s %-11s %-4s %-4s %12d %11d %8d %7d" % r)
    return 0


if __name__ == "__main__":
    if os.path.isfile(os.path.join(os.getcwd(), "fastact", "_kernels", "_dispatch.pyx.tp")):
        sys.exit("run bench/select_count.py from outside the repository root")
    sys.exit(main())
