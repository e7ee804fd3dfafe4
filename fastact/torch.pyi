"""Type stubs of fastact.torch (the module needs PyTorch; these stubs do not import it).

The functions, modules and autograd Functions of the catalogue rows are generated at import
(``fastact.torch.<name>``, ``<Cls>``, ``<Cls>Function``): typed here through the module's
``__getattr__`` as Any, so that a strictly typed program may use them; the helpers below are
typed in full."""
from typing import Any, List, Tuple

KERNEL_DTYPES: Tuple[Any, ...]
MODULES: dict[str, Any]
FUNCTIONS: dict[str, Any]

def uses_kernels(*tensors: Any) -> bool: ...
def available() -> List[str]: ...
def get(name: str, **params: Any) -> Any: ...
def __getattr__(name: str) -> Any: ...
