"""The optional integrations: `import fastact` imports none of PyTorch, Dask, scikit-learn or
matplotlib; `import fastact.torch` / `import fastact.dask` without them raise an ImportError
that says what to install (checked in a subprocess where the package is made unimportable,
so these tests run with and without the packages installed)."""
import subprocess
import tempfile
import sys

import pytest


def _run(code):
    # (from a directory outside the repository: `python -c` puts the working directory first on
    # sys.path, and the repository root's unbuilt source tree would shadow the installed copy)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tempfile.gettempdir())


def test_import_fastact_imports_no_optional_package():
    r = _run("import sys, fastact; fastact.relu([1.0]); "
             "print(sorted(m for m in ('torch', 'dask', 'sklearn', 'matplotlib') "
             "if m in sys.modules))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


@pytest.mark.parametrize("module,blocked,install", [
    ("fastact.torch", ("torch",), "pip install torch"),
    ("fastact.dask", ("dask", "dask.array"), "pip install 'dask[array]'"),
])
def test_the_integration_without_its_package_says_what_to_install(module, blocked, install):
    block = "; ".join("sys.modules[%r] = None" % m for m in blocked)
    r = _run("import sys; %s\ntry:\n    import %s\nexcept ImportError as e:\n    print(e)\n"
             "else:\n    print('imported')" % (block, module))
    assert r.returncode == 0, r.stderr
    assert install in r.stdout, r.stdout
    assert "imported" not in r.stdout
