"""pytest configuration for the fastact test suite.

* hypothesis profiles: 'ci' (derandomized, 60 examples, no deadline, no example database) is
  loaded when the environment variable CI is set (non-empty); otherwise 'dev' (hypothesis'
  defaults without a deadline).
* the report header shows which fastact is under test (version and file).
* the session stops at once, with a clear message, if fastact cannot be imported or was
  imported from a source tree without compiled kernels (e.g. `python -m pytest` run from the
  repository root puts the unbuilt source tree ahead of the installed package).
"""
import os

import pytest
from hypothesis import settings

from _installed import fastact_problem

settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None, database=None, print_blob=True
)
settings.register_profile("dev", deadline=None)
HYPOTHESIS_PROFILE = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_sessionstart(session):
    problem = fastact_problem("pytest")
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


@pytest.fixture
def restore_threads():
    """The test may change fastact's thread count: it is restored afterwards."""
    import fastact

    n = fastact.get_num_threads()
    yield
    fastact.set_num_threads(n)
