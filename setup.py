"""Build script: renders the Tempita templates, then compiles the Cython modules.

* fastact/_kernels/_math.pxd.tp     -> _math.pxd (scalar formulas, float and double)
* fastact/_kernels/_kernels.pyx.tp  -> _kernels_<level>.pyx, one per instruction-set level,
  each compiled with that level's flags (x86-64: baseline SSE2, AVX2+FMA, AVX-512; other
  machines: baseline only). Levels the compiler cannot target are skipped.
* fastact/_kernels/_dispatch.pyx.tp -> _dispatch.pyx: CPU detection, kernel choice, threads
  and the compiled fast path of the public functions; baseline flags.

The rendered .pyx/.pxd files sit next to their templates (ignored by git, left out of the
sdist and the wheel); Cython's .c files and the objects go to build/, never to the source tree.

Flags: -O3 plus what the kernels need. No fast-math flags (they break NaN/inf semantics and
set flush-to-zero process-wide) and no tuning for the build machine's CPU (wheels must run on
any CPU of their platform; the dispatch picks the level at import instead). No debug info
(-g0) unless FASTACT_DEBUG=1.

Speed (docs/packaging.md has the measurements): each module is translated by Cython (in a
child process) and then compiled by the C compiler as one job, the jobs running in parallel
(one per CPU), longest first. A module whose inputs have not changed since its last build in
build/ (same .pyx and .pxd contents, Cython version, compiler and flags: a content hash, not
timestamps) is not rebuilt, so a second `pip install .` in the same clone reuses the first
one's modules (pip builds in the source tree, in a new isolated environment each time, whose
fresh Cython files would defeat a timestamp check).

Environment variables read at build time:
  FASTACT_DEBUG=1   keep debug info (-g, /Z7): for gdb, perf and sanitizer runs. The
                    optimisation level stays -O3: the kernels are only what they are (inlined
                    formulas, vectorized loops; tests/test_build.py checks it) at -O3.
  FASTACT_OPENMP=0  build without OpenMP; =1 require it (the build fails if the compiler,
                    with the CFLAGS/LDFLAGS given, cannot compile and link an OpenMP program);
                    unset: OpenMP if it works, else a warning and a single-threaded build.
                    Only modules whose source uses OpenMP (cython.parallel, omp.h, #pragma omp)
                    get -fopenmp.
  FASTACT_BUILD_JOBS=n  modules compiled at once (default: the CPUs this process may use;
                    `setup.py build_ext -j n` too).
"""
import glob
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time

import Cython
from Cython.Tempita import Template
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CompileError, SetupError

HERE = os.path.dirname(os.path.abspath(__file__))
KERNELS = os.path.join("fastact", "_kernels")

# -ffp-contract=off: a*b+c is never fused into an FMA, so every instruction-set level computes
#   bitwise identical results (and the error analysis of the formulas holds as written).
# -fno-math-errno: math calls need not set errno.
# -fno-trapping-math: we never enable floating-point traps, so GCC may evaluate both arms of a
#   select (e.g. an exp branch that only x <= 0 uses) and vectorize the loop; results, NaN and inf
#   included, are the same.
GCC_FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]
MSVC_FLAGS = ["/O2", "/fp:precise"]
# Debug info: Python's own CFLAGS usually carry -g, which gives 1.4-1.9 MB of DWARF per module
# and 20-30 % more compile time; -g0 comes after them on the command line and wins.
DEBUG = os.environ.get("FASTACT_DEBUG", "").strip() not in ("", "0")
GCC_DEBUG_FLAGS = ["-g"] if DEBUG else ["-g0"]
MSVC_DEBUG_FLAGS = ["/Z7"] if DEBUG else []
MSVC_DEBUG_LINK = ["/DEBUG"] if DEBUG else []
X86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "i386", "x86")
# (level, extra flags); the first is the portable baseline every machine runs.
LEVELS = [("baseline", [])]
if X86:
    LEVELS += [
        ("avx2", ["-mavx2", "-mfma"]),
        ("avx512", ["-mavx2", "-mfma", "-mavx512f", "-mavx512vl", "-mavx512dq",
                    "-mavx512bw", "-mprefer-vector-width=512"]),
    ]
OPENMP_FLAGS = ["-fopenmp"]
# A module uses OpenMP if its source says so; only those get -fopenmp (and link libgomp).
USES_OPENMP = re.compile(r"cython\.parallel|<omp\.h>|#\s*pragma\s+omp")
OPENMP_PROBE = ("#include <omp.h>\n"
                "int main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n")
# GCC inlines calls until the translation unit has grown by inline-unit-growth percent (40 by
# default); the kernel modules inline every formula into several loops each (fast and exact
# paths, blocks checked ahead), and past the budget the rest stay calls, which leaves their
# loops scalar (measured: a float64 expm1-based backward pass 0.15 instead of 0.85 G elements/s). 100 inlines
# them all at every level (tests/test_build.py checks the built modules: no _math formula
# left out of line); the largest formula blocks (a derivative with two exp reductions) also need a
# larger limit per inline function (max-inline-insns-single, 200 by default at -O3 on GCC 12).
# Compilers that do not take the flag (clang, MSVC) go without it.
INLINE_FLAGS = ["--param=inline-unit-growth=100", "--param=max-inline-insns-single=500"]
CYTHON_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "initializedcheck": False,
    "cdivision": True,
    "embedsignature": True,
    "binding": True,
}
# Run in a child process per module, so that the modules are translated in parallel (Cython
# holds the GIL) and each one's C compile starts as soon as its own translation is done.
CYTHON_CHILD = """\
import json, sys
from Cython.Build import cythonize
a = json.loads(sys.stdin.read())
cythonize([a["pyx"]], build_dir=a["build_dir"], force=True, quiet=True,
          compiler_directives=a["directives"])
"""


def note(message, warning=False):
    """A line of the build log (`pip install -v .` shows it; pip hides build output otherwise)."""
    if warning:
        text = "\n".join("fastact: WARNING: " + line for line in message.splitlines())
        print("\n" + text + "\n", file=sys.stderr, flush=True)
    else:
        print("fastact: " + message, flush=True)


def cpus():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


def load_catalogue():
    """fastact/_catalogue.py, the table every template is rendered from (loaded from its file:
    the package itself cannot be imported before it is built)."""
    import importlib.util
    path = os.path.join(HERE, "fastact", "_catalogue.py")
    spec = importlib.util.spec_from_file_location("_fastact_catalogue", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CATALOGUE = load_catalogue()


def render(src, dst, **namespace):
    """Render a Tempita template (if dst is missing or older than src or this script)."""
    newest = max(os.path.getmtime(src), os.path.getmtime(os.path.abspath(__file__)),
                 os.path.getmtime(os.path.join(HERE, "fastact", "_catalogue.py")))
    if os.path.exists(dst) and os.path.getmtime(dst) >= newest:
        return
    with open(src, encoding="utf-8") as f:
        text = Template(f.read(), name=src).substitute(
            ROWS=CATALOGUE.ROWS, CAT=CATALOGUE, **namespace)
    with open(dst, "w", encoding="utf-8") as f:
        f.write("# Generated by setup.py from %s. Do not edit.\n" % os.path.basename(src))
        f.write(text)


def render_templates():
    k = os.path.join(HERE, KERNELS)
    render(os.path.join(k, "_math.pxd.tp"), os.path.join(k, "_math.pxd"))
    for level, _ in LEVELS:
        render(os.path.join(k, "_kernels.pyx.tp"), os.path.join(k, "_kernels_%s.pyx" % level),
               ISA=level)
    render(os.path.join(k, "_dispatch.pyx.tp"), os.path.join(k, "_dispatch.pyx"),
           LEVELS=[level for level, _ in LEVELS])


class BuildExt(build_ext):
    """Adds the flags per compiler, drops levels the compiler cannot target, finds OpenMP,
    translates and compiles each module as one parallel job, skips modules already built from
    the same inputs."""

    def _compiles(self, flags, code, link=False):
        """(True, "") if `code` compiles with `flags` (and links into a program, if `link`),
        else (False, why). CFLAGS and LDFLAGS from the environment take part as in the real
        build (distutils passes them to the compile and shared-library link commands, not to
        the program link, so they are added there)."""
        tmp = tempfile.mkdtemp()
        step = "compile"
        try:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as f:
                f.write(code)
            objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=flags)
            if link:
                step = "link"
                env = (shlex.split(os.environ.get("CFLAGS", ""))
                       + shlex.split(os.environ.get("LDFLAGS", "")))
                self.compiler.link_executable(objs, os.path.join(tmp, "probe"),
                                              extra_postargs=flags + env)
            return True, ""
        except Exception as exc:
            return False, "a test program with %s does not %s: %s" % (
                " ".join(flags), step, type(exc).__name__)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _openmp(self, ext, msvc, mode):
        """(compile flags, link flags) giving `ext` OpenMP, per FASTACT_OPENMP (mode)."""
        if mode == "0":
            note("FASTACT_OPENMP=0: %s built without OpenMP (one thread)" % ext.name)
            return [], []
        if msvc:
            ok, why = False, "MSVC: this build does not use its OpenMP"
        else:
            if not hasattr(self, "_openmp_probe"):
                self._openmp_probe = self._compiles(OPENMP_FLAGS, OPENMP_PROBE, link=True)
            ok, why = self._openmp_probe
        if ok:
            note("OpenMP: yes (%s)" % " ".join(OPENMP_FLAGS))
            return list(OPENMP_FLAGS), list(OPENMP_FLAGS)
        cflags = " ".join("%s=%r" % (k, os.environ[k]) for k in ("CC", "CFLAGS", "LDFLAGS")
                          if os.environ.get(k))
        problem = "OpenMP does not work with this compiler%s (%s; its output is above)" % (
            " and " + cflags if cflags else "", why)
        if mode == "1":
            raise CompileError("FASTACT_OPENMP=1 requires OpenMP for %s, but %s.\nInstall a "
                               "compiler with OpenMP (GCC; Clang with libomp), or unset "
                               "FASTACT_OPENMP to build without it." % (ext.name, problem))
        note(problem + ".\n%s is built WITHOUT OpenMP: its kernels run on one thread.\n"
             "Set FASTACT_OPENMP=1 to make this an error, FASTACT_OPENMP=0 to build without "
             "OpenMP on purpose." % ext.name, warning=True)
        return [], []

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        base = MSVC_FLAGS + MSVC_DEBUG_FLAGS if msvc else GCC_FLAGS
        omp_mode = os.environ.get("FASTACT_OPENMP", "").strip()
        if omp_mode not in ("", "0", "1"):
            raise SetupError("FASTACT_OPENMP=%r: expected 0 (build without OpenMP), 1 (require "
                             "OpenMP: fail if it does not work) or unset (OpenMP if it works)"
                             % omp_mode)
        omp_users = 0
        keep = []
        inline = not msvc and self._compiles(INLINE_FLAGS + ["-Werror"],
                                             "int main(void) { return 0; }\n")[0]
        for ext in self.extensions:
            level = ext.name.rsplit("_kernels_", 1)[1] if "._kernels_" in ext.name else None
            flags = list(base)
            link = list(MSVC_DEBUG_LINK) if msvc else []
            if level is not None:
                extra = dict(LEVELS)[level]
                if extra and (msvc or not self._compiles(
                        extra, "int main(void) { return 0; }\n")[0]):
                    note("the compiler cannot target %s; skipping it" % level)
                    continue
                flags += extra
                if inline:
                    flags += INLINE_FLAGS
            with open(ext.sources[0], encoding="utf-8") as f:
                if USES_OPENMP.search(f.read()):
                    omp_users += 1
                    omp_compile, omp_link = self._openmp(ext, msvc, omp_mode)
                    flags += omp_compile
                    link += omp_link
            if not msvc:
                flags += GCC_DEBUG_FLAGS  # last: overrides the -g of Python's CFLAGS
            ext.extra_compile_args = flags + list(ext.extra_compile_args)
            ext.extra_link_args = list(ext.extra_link_args) + link
            keep.append(ext)
        if omp_mode and not omp_users:
            note("FASTACT_OPENMP=%s has no effect: no module uses OpenMP (fastact's threads are "
                 "its own pool, built on every platform)" % omp_mode)
        # Longest job first (the kernel modules; the dispatch is smaller), so that the last
        # job to start is a short one.
        keep.sort(key=lambda e: -os.path.getsize(e.sources[0]))
        self.extensions = keep
        jobs = os.environ.get("FASTACT_BUILD_JOBS", "").strip()
        if jobs:
            self.parallel = max(1, int(jobs))
        elif not self.parallel or self.parallel is True:
            self.parallel = cpus()
        # Whether a module is up to date is decided by build_extension from a hash of its
        # inputs; distutils' timestamp check is switched off (its answer would be wrong after a
        # flag change, e.g. FASTACT_DEBUG).
        self._rebuild_all = bool(self.force)
        self.force = True
        note("building %d modules, %d at a time%s" % (
            len(keep), self.parallel, ", with debug info (FASTACT_DEBUG)" if DEBUG else ""))
        start = time.perf_counter()
        super().build_extensions()
        note("modules built in %.1f s" % (time.perf_counter() - start))

    def _compiler_id(self):
        """The compiler's command and version (part of each module's build key)."""
        if not hasattr(self, "_compiler_id_cache"):
            command = list(getattr(self.compiler, "compiler_so", None) or [])
            version = ""
            if command:
                try:
                    version = subprocess.run([command[0], "--version"], capture_output=True,
                                             text=True, timeout=60).stdout
                except (OSError, subprocess.SubprocessError):
                    pass
            self._compiler_id_cache = [self.compiler.compiler_type, command,
                                       list(getattr(self.compiler, "linker_so", None) or []),
                                       version]
        return self._compiler_id_cache

    def build_extension(self, ext):
        pyx = ext.sources[0]
        if len(ext.sources) != 1 or not pyx.endswith(".pyx"):
            return super().build_extension(ext)
        c_file = os.path.join(self.build_temp, os.path.splitext(pyx)[0] + ".c")
        stamp_file = c_file + ".json"
        out = self.get_ext_fullpath(ext.name)
        inputs = {p: sha256_file(p)
                  for p in [pyx] + sorted(glob.glob(os.path.join(os.path.dirname(pyx), "*.pxd")))}
        c_key = digest("c", Cython.__version__, CYTHON_DIRECTIVES, inputs)
        so_key = digest("so", c_key, self._compiler_id(), ext.extra_compile_args,
                        ext.extra_link_args, ext.include_dirs, ext.define_macros,
                        sys.version, sys.base_prefix, sysconfig.get_config_var("EXT_SUFFIX"))
        try:
            with open(stamp_file) as f:
                stamp = json.load(f)
        except (OSError, ValueError):
            stamp = {}
        if (not self._rebuild_all and stamp.get("so") == so_key and os.path.exists(out)
                and stamp.get("out") == sha256_file(out)):
            note("%s: up to date (same sources, Cython, compiler and flags as its build in %s)"
                 % (ext.name, self.build_temp))
            return
        start = time.perf_counter()
        if (self._rebuild_all or stamp.get("c") != c_key or not os.path.exists(c_file)
                or stamp.get("c_out") != sha256_file(c_file)):
            args = {"pyx": pyx, "build_dir": self.build_temp, "directives": CYTHON_DIRECTIVES}
            done = subprocess.run([sys.executable, "-c", CYTHON_CHILD], input=json.dumps(args),
                                  text=True)
            if done.returncode != 0 or not os.path.exists(c_file):
                raise CompileError("Cython failed on %s (its messages are above)" % pyx)
        cython_s = time.perf_counter() - start
        ext.sources = [c_file]
        super().build_extension(ext)
        ext.sources = [pyx]
        with open(stamp_file, "w") as f:
            json.dump({"c": c_key, "c_out": sha256_file(c_file), "so": so_key,
                       "out": sha256_file(out)}, f)
        note("%s: Cython %.1f s, C compiler %.1f s" % (
            ext.name, cython_s, time.perf_counter() - start - cython_s))


render_templates()

extensions = [
    Extension("fastact._kernels._kernels_%s" % level,
              [os.path.join(KERNELS, "_kernels_%s.pyx" % level)])
    for level, _ in LEVELS
] + [Extension("fastact._kernels._dispatch", [os.path.join(KERNELS, "_dispatch.pyx")])]

setup(ext_modules=extensions, cmdclass={"build_ext": BuildExt})
