"""pytest configuration for the fastact test suite.

* hypothesis profiles: 'ci' (derandomized, 60 examples, no deadline, no example database) is
  loaded when the environment variable CI is set (non-empty); otherwise 'dev' (hypothesis'
  defaults without a deadline).
* the report header shows which fastact is under test (version and file).
* the session stops at once, with a clear message, if fastact cannot be imported or was
  imported from a source tree without compiled kernels (e.g. `python -m pytest` run from the
  repository root puts the unbuilt source tree ahead of the installed package).
"""
import importlib.util
import os

import pytest
from hypothesis import settings

settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None, database=None, print_blob=True
)
settings.register_profile("dev", deadline=None)
HYPOTHESIS_PROFILE = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(HYPOTHESIS_PROFILE)


def _fastact_problem():
    """None if fastact and its compiled kernels import, else a message saying what to do."""
    try:
        import fastact
    except ImportError as exc:
        try:
            spec = importlib.util.find_spec("fastact")
        except (ImportError, ValueError):
            spec = None
        found = " (found at %s)" % spec.origin if spec is not None and spec.origin else ""
        return (
            "cannot import fastact%s: %s\nIf that is a source tree, its kernels are not "
            "compiled: install the package (pip install '.[test]') and run `pytest` from a "
            "directory where `import fastact` finds the installed copy." % (found, exc)
        )
    where = os.path.dirname(os.path.abspath(fastact.__file__))
    try:
        from fastact._kernels import _dispatch  # noqa: F401
    except ImportError as exc:
        return (
            "fastact was imported from %s, which has no compiled kernels (%s).\n"
            "This is a source tree: install the package (pip install '.[test]') and run "
            "`pytest` from a directory where `import fastact` finds the installed copy "
            "(`python -m pytest` from the repository root puts the source tree first)."
            % (where, exc)
        )
    return None


def pytest_sessionstart(session):
    problem = _fastact_problem()
    if problem:
        pytest.exit("fastact test suite: " + problem, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_report_header(config):
    try:
        import fastact
    except ImportError as exc:
        return ["fastact: NOT IMPORTABLE (%s)" % exc]
    lines = [
        "fastact %s from %s" % (getattr(fastact, "__version__", "?"), fastact.__file__),
    ]
    try:
        root = str(config.rootpath)
        if os.path.abspath(fastact.__file__).startswith(os.path.join(root, "fastact") + os.sep):
            lines.append("fastact: NOTE: imported from the source tree at %s, not an installed copy"
                         % root)
    except Exception:  # pragma: no cover - header is informational only
        pass
    lines.append("hypothesis profile: %s" % HYPOTHESIS_PROFILE)
    return lines
