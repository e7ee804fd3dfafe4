"""The compiled kernels keep every formula inlined.

The kernels are fast because GCC vectorizes whole loops, which it does only where every
formula of _math.pxd is inlined into the loop: a formula left as a call runs the loops that
call it scalar (once measured: float64 elu backward 0.15 instead of 0.85 G elements/s), and
the results stay the same, so no other test notices. setup.py raises GCC's inlining budget
for that (INLINE_FLAGS); this test checks the outcome in the built modules, at every level
compiled: no function of _math.pxd exists out of line (a local function symbol in the
module's ELF symbol table, which GCC keeps for a static function it did not inline; an
inlined one leaves none). Checked: it fails on a build without INLINE_FLAGS
(expm1_poly_f64 stays a call there).

The modules are read from disk, never imported: a level's module runs its own instructions
when imported, which the CPU may lack. ELF only (Linux and other ELF systems); a module whose
local symbols were stripped after the build cannot be checked (skip, naming the file), nor
one built by Clang, which gets no INLINE_FLAGS (skip).
"""
import importlib.util
import re
import shutil
import struct
import subprocess

import pytest

import fastact

LEVELS = fastact.config()["isa_compiled"]
# Cython's C names: __pyx_f_ + each part of the module's qualified name, prefixed by its length
MATH_PREFIX = b"__pyx_f_7fastact_8_kernels_5_math_"


def kernel_prefix(level):
    """The C-name prefix of the cdef functions of fastact._kernels._kernels_<level>."""
    module = "_kernels_" + level
    return b"__pyx_f_7fastact_8_kernels_%d%s_" % (len(module), module.encode())


def module_path(level):
    return importlib.util.find_spec("fastact._kernels._kernels_" + level).origin


def elf_symbols(path):
    """(name, is_function, is_local) for every symbol in an ELF file's .symtab, and the text of
    its .comment section (the compilers' version strings), or None if the file is not ELF or
    has no .symtab. 32- and 64-bit, either byte order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
        sh_fmt, sym_fmt, sym_size = end + "IIQQQQIIQQ", end + "IBBHQQ", 24
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x2E)
        sh_fmt, sym_fmt, sym_size = end + "IIIIIIIIII", end + "IIIBBH", 16
    sections = [struct.unpack_from(sh_fmt, data, shoff + i * shentsize) for i in range(shnum)]

    def cstring(offset):
        return data[offset:data.index(b"\0", offset)]

    comment = b""
    if shstrndx < len(sections):
        names_at = sections[shstrndx][4]
        for sh in sections:
            if cstring(names_at + sh[0]) == b".comment":
                comment = data[sh[4]:sh[4] + sh[5]].replace(b"\0", b"\n")
    symbols = None
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        symbols = []
        offset, size, strtab = sh[4], sh[5], sections[sh[6]][4]
        for k in range(size // sym_size):
            fields = struct.unpack_from(sym_fmt, data, offset + k * sym_size)
            name_off, info = (fields[0], fields[1]) if is64 else (fields[0], fields[3])
            symbols.append((cstring(strtab + name_off), info & 0xF == 2, info >> 4 == 0))
    return None if symbols is None else (symbols, comment.decode("latin-1"))


@pytest.mark.parametrize("level", LEVELS)
def test_formulas_inlined(level):
    path = module_path(level)
    read = elf_symbols(path)
    if read is None:
        pytest.skip("%s: not an ELF file with a symbol table: the inlining cannot be checked"
                    % path)
    symbols, comment = read
    if "clang version" in comment:
        pytest.skip("%s: built by Clang, which gets no inlining budget flag" % path)
    local_functions = [name for name, func, local in symbols if func and local]
    if not local_functions:
        pytest.skip("%s: its local symbols were stripped: the inlining cannot be checked" % path)
    kernels = [n for n in local_functions if n.startswith(kernel_prefix(level))]
    assert len(kernels) > 50, (
        "found only %d kernel functions named %s... in %s: has Cython's naming changed (then "
        "MATH_PREFIX is stale too)?" % (len(kernels), kernel_prefix(level).decode(), path))
    left = sorted(n.decode() for n in local_functions if n.startswith(MATH_PREFIX))
    assert not left, (
        "%s: formulas compiled out of line (the loops calling them run scalar): %s; the "
        "inlining budget of setup.py (INLINE_FLAGS) no longer suffices for this compiler (%s)"
        % (path, left, comment.strip().replace("\n", "; ")))


def test_elf_reader(tmp_path):
    """The reader itself: it finds the kernel functions of a kernel module as local function
    symbols, and returns None for a file that is not ELF."""
    read = elf_symbols(module_path(LEVELS[0]))
    if read is None:
        pytest.skip("%s has no symbol table" % module_path(LEVELS[0]))
    symbols, _ = read
    found = [(func, local) for name, func, local in symbols
             if name.startswith(kernel_prefix(LEVELS[0]) + b"relu_forward_f32")]
    assert found and all(func for func, _ in found)
    other = tmp_path / "not_elf.so"
    other.write_bytes(b"MZ" + b"\0" * 100)
    assert elf_symbols(str(other)) is None


def disassembly(path):
    """{function name: its lines} of a module as objdump prints it (a name without the suffix
    GCC gives a clone, such as .constprop.0), or a reason (str) why it cannot be read: no
    objdump, objdump failing, not ELF, local symbols stripped, or a Clang build (whose code
    these tests do not describe)."""
    read = elf_symbols(path)
    if read is None:
        return "%s is not an ELF file with a symbol table" % path
    symbols, comment = read
    if "clang version" in comment:
        return "%s was built by Clang; these tests describe GCC's code" % path
    if not any(func and local for _, func, local in symbols):
        return "%s: its local symbols were stripped" % path
    objdump = shutil.which("objdump")
    if objdump is None:
        return "objdump (binutils) is not installed"
    run = subprocess.run([objdump, "-d", "--no-show-raw-insn", path], capture_output=True,
                         text=True)
    if run.returncode != 0:
        return "objdump could not read %s: %s" % (path, run.stderr.strip()[:200])
    functions = {}
    for block in re.split(r"\n(?=[0-9a-f]+ <)", run.stdout):
        m = re.match(r"[0-9a-f]+ <([^>]+)>:", block)
        if m:
            name = re.sub(r"(\.(constprop|isra|part|cold)\.?\d*)+$", "", m.group(1))
            functions.setdefault(name, []).extend(block.splitlines()[1:])
    return functions


# An elementwise kernel's block loop (and its remainder and gate variants), as Cython names it.
ELEMENTWISE = re.compile(r"_(forward|derivative|backward_x|backward_y|fwd|bwd)(_rest)?_f64$")
# a scalar int64 -> double conversion: from a 64-bit register, or from memory with the q suffix
INT64_TO_DOUBLE = re.compile(r"\tvcvtsi2sd(\s+%r|q\s)")


@pytest.mark.skipif("avx2" not in LEVELS, reason="no avx2 level in this build (not x86-64)")
def test_avx2_float64_loops_convert_no_int64():
    """AVX2 has no packed int64 -> double conversion (vcvtqq2pd is AVX-512DQ): one such cast in
    a float64 formula leaves GCC's whole avx2 loop scalar, with the same results, so no other
    test notices (measured on AMD Zen 3, one thread: float64 softplus 32-36 instead of 7.4-8.0
    ms for 1 Mi, when log1p converted its exponent k with a cast). The formulas build such
    values from the bits instead; no float64 elementwise kernel of the avx2 module may hold a
    scalar int64 -> double conversion (vcvtsi2sd from a 64-bit register or a quadword in
    memory). Checked: it fails with log1p's `dk = <double>k` (six kernels)."""
    path = module_path("avx2")
    functions = disassembly(path)
    if isinstance(functions, str):
        pytest.skip(functions + ": the avx2 loops cannot be read")
    prefix = kernel_prefix("avx2").decode()
    kernels = {name[len(prefix):]: lines for name, lines in functions.items()
               if name.startswith(prefix) and ELEMENTWISE.search(name)}
    assert len(kernels) > 100, sorted(kernels)[:10]
    assert "_softplus_forward_f64" in kernels
    converting = sorted(name for name, lines in kernels.items()
                        if any(INT64_TO_DOUBLE.search(line) for line in lines))
    assert not converting, (
        "float64 kernels of the avx2 module convert int64 to double one element at a time (the "
        "loop runs scalar): %s" % converting)


# Blends in the avx2 module's kernel functions with a clamp (_math.pxd.tp, clamp_): written as
# conditional expressions, GCC 12 pushed each clamp into the arithmetic after it (the clamp's
# bounds folded through it, one blend per intermediate value); as selects on the bits it keeps
# one. Counted with GCC 12.2 (the conditional-expression clamps in parentheses): the limits sit
# between the two.
CLAMP_BLENDS = {  # kernel function: at most this many blend instructions (counted 12.2: now / before)
    "_gelu_forward_f32": 10,            # 4 / 18
    "_silu_backward_x_f32": 14,         # 8 / 21
    "_silu_derivative_f64": 27,         # 14 / 40
    "_gelu_backward_x_f64": 50,         # 16 / 90
    "_gelu_tanh_backward_x_f64": 50,    # 19 / 103
}


@pytest.mark.skipif("avx2" not in LEVELS, reason="no avx2 level in this build (not x86-64)")
def test_avx2_clamps_stay_selects():
    """The clamps of silu, mish and gelu stay one select each at the avx2 level (measured on AMD
    Zen 3, one thread, 1 Mi: float32 gelu forward 1.5-1.7x, silu backward 1.3x, float64 gelu
    tanh backward 1.4x faster than with the clamps as conditional expressions, the same bits).
    Checked: it fails on the build before clamp_ (the counts in CLAMP_BLENDS' comments)."""
    path = module_path("avx2")
    functions = disassembly(path)
    if isinstance(functions, str):
        pytest.skip(functions + ": the avx2 loops cannot be read")
    prefix = kernel_prefix("avx2").decode()
    counts = {}
    for name, limit in CLAMP_BLENDS.items():
        lines = functions.get(prefix + name)
        assert lines is not None, "no function %s%s in %s" % (prefix, name, path)
        counts[name] = sum(bool(re.search(r"\tvp?blendv", line)) for line in lines)
    over = {name: n for name, n in counts.items() if n > CLAMP_BLENDS[name]}
    assert not over, ("blend instructions above the limits (%s) in the avx2 kernels: a clamp is "
                      "folded into the arithmetic again: %s" % (CLAMP_BLENDS, over))
