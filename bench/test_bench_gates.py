"""The catalogue's 'gate' rows: gated(value, gate) with value = grad and gate = x on 1-D
arrays (backward: both gradients, into two outputs), and glu on x of shape (n/1024, 1024)
halved along the last axis (backward: grad of half that shape); forward and backward, against
fastact.reference and PyTorch (``g * F.silu(x)``, ``F.glu``, ``aten.glu_backward``).

One benchmark group per (function, pass, dtype, size); see conftest.py for its members.
"""


def test_gate(gate_case, run_case):
    run_case(*gate_case)
