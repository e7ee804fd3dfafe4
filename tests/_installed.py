"""Is the fastact under test an installed, compiled copy? Shared by tests/ and bench/."""
import importlib.util
import os


def fastact_problem(command="pytest"):
    """None if fastact and its compiled kernels import, else a message saying what to do
    (command: how the user ran the suite, for the message)."""
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
            "compiled: install the package (pip install '.[test]') and run `%s` from a "
            "directory where `import fastact` finds the installed copy." % (found, exc, command)
        )
    where = os.path.dirname(os.path.abspath(fastact.__file__))
    try:
        from fastact._kernels import _dispatch  # noqa: F401
    except ImportError as exc:
        return (
            "fastact was imported from %s, which has no compiled kernels (%s).\n"
            "This is a source tree: install the package (pip install '.[test]') and run "
            "`%s` from a directory where `import fastact` finds the installed copy "
            "(`python -m pytest` from the repository root puts the source tree first)."
            % (where, exc, command)
        )
    return None
