"""Type stubs of fastact.dask (the module needs dask[array]; these stubs do not import it).

The functions of the catalogue rows are generated at import (``fastact.dask.<name>``,
``<name>_derivative``, ``<name>_backward``) and take and return dask arrays: typed here
through the module's ``__getattr__`` as Any; the helpers below are typed in full."""
from typing import Any, Dict, List

TWO_PASS: Dict[str, bool]

def available() -> List[str]: ...
def __getattr__(name: str) -> Any: ...
