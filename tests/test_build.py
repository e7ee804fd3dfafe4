"""The compiled kernels keep every formula inlined.

The kernels are fast because GCC vectorizes whole loops, which it does only where every
formula of _math.pxd is inlined into the loop: a formula left as a call runs the loop scalar
(once measured: float64 elu backward 0.15 instead of 0.85 G elements/s), and the results stay
the same, so no other test notices. setup.py raises GCC's inlining budget for that
(INLINE_FLAGS); this test checks the outcome on the modules actually imported, at every
level compiled: no function of _math.pxd exists out of line (a local function symbol in the
module's ELF symbol table, which GCC keeps for a non-inlined static function; an inlined
one leaves none). Checked: it fails on a build without INLINE_FLAGS (expm1_poly_f64 stays
a call there).

ELF only (Linux and other ELF systems); a module without a symbol table (stripped after the
build) cannot be checked and is reported as a skip naming the file.
"""
import importlib
import struct

import pytest

import fastact

LEVELS = fastact.config()["isa_compiled"]
MATH_PREFIX = b"__pyx_f_7fastact_8_kernels_5_math_"  # (Cython's C names of _math.pxd's cdefs)


def elf_function_symbols(path):
    """Names (bytes) of the function symbols in an ELF file's .symtab, or None if the file is
    not ELF or has no .symtab. Reads the section headers, the symbol table and its string
    table; 32- and 64-bit, either byte order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        sh_fmt, sym_fmt, sym_size = end + "IIQQQQIIQQ", end + "IBBHQQ", 24
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        sh_fmt, sym_fmt, sym_size = end + "IIIIIIIIII", end + "IIIBBH", 16
    sections = [struct.unpack_from(sh_fmt, data, shoff + i * shentsize) for i in range(shnum)]
    names = []
    found = False
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        found = True
        offset, size, link = sh[4], sh[5], sh[6]
        strtab = sections[link][4]
        for k in range(size // sym_size):
            fields = struct.unpack_from(sym_fmt, data, offset + k * sym_size)
            name_off, info = (fields[0], fields[1]) if is64 else (fields[0], fields[3])
            if info & 0xF == 2:  # STT_FUNC
                stop = data.index(b"\0", strtab + name_off)
                names.append(data[strtab + name_off:stop])
    return names if found else None


@pytest.mark.parametrize("level", LEVELS)
def test_formulas_inlined(level):
    path = importlib.import_module("fastact._kernels._kernels_%s" % level).__file__
    names = elf_function_symbols(path)
    if names is None:
        pytest.skip("%s: not an ELF file with a symbol table: the inlining cannot be checked"
                    % path)
    kernels = [n for n in names if b"_kernels_%s_" % level.encode() in n]
    assert len(kernels) > 50, "found only %d kernel functions in %s: the reader is wrong" % (
        len(kernels), path)
    left = sorted(n.decode() for n in names if n.startswith(MATH_PREFIX))
    assert not left, (
        "%s: formulas compiled out of line (the loops calling them run scalar): %s; the "
        "inlining budget "
        "of setup.py (INLINE_FLAGS) no longer suffices for this compiler" % (path, left))


def test_elf_reader(tmp_path):
    """The reader itself: it finds our kernel functions in a kernel module, and returns None
    for a file that is not ELF."""
    path = importlib.import_module("fastact._kernels._kernels_%s" % LEVELS[0]).__file__
    names = elf_function_symbols(path)
    if names is None:
        pytest.skip("%s has no symbol table" % path)
    assert any(n.startswith(b"__pyx_f_7fastact_8_kernels_") for n in names)
    other = tmp_path / "not_elf.so"
    other.write_bytes(b"MZ" + b"\0" * 100)
    assert elf_function_symbols(str(other)) is None
