"""threadpoolctl support: threadpool_info() lists fastact's pool, threadpool_limits() limits it.

threadpoolctl finds thread pools by the shared libraries a process has loaded; fastact's pool
lives in its dispatch module, which exports fastact_threadpool_get_num_threads /
_set_num_threads (C, callable without the GIL). The controller is registered when fastact is
imported and threadpoolctl is installed (importing it costs a few milliseconds then; nothing
otherwise).
"""
import importlib.util

_REGISTERED = []


def register():
    """Register fastact's controller with threadpoolctl, if it is installed (once)."""
    if _REGISTERED or importlib.util.find_spec("threadpoolctl") is None:
        return
    import threadpoolctl

    if not hasattr(threadpoolctl, "register") or not hasattr(threadpoolctl, "LibController"):
        return  # (threadpoolctl < 3.5 has no public controller API)

    class FastactController(threadpoolctl.LibController):
        user_api = "fastact"
        internal_api = "fastact"
        filename_prefixes = ("_dispatch",)
        check_symbols = ("fastact_threadpool_get_num_threads",
                         "fastact_threadpool_set_num_threads")

        def _fn(self, name):
            return getattr(self.dynlib, name, None)

        def get_num_threads(self):
            fn = self._fn("fastact_threadpool_get_num_threads")
            return fn() if fn is not None else None

        def set_num_threads(self, num_threads):
            fn = self._fn("fastact_threadpool_set_num_threads")
            if fn is not None:
                fn(int(num_threads))

        def get_version(self):
            from fastact import __version__

            return __version__

    threadpoolctl.register(FastactController)
    _REGISTERED.append(FastactController)
