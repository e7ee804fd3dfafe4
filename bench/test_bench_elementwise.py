"""The catalogue's 'elementwise' rows: forward, derivative, backward from x and from y;
float32 and float64; 1 Ki, 64 Ki, 1 Mi elements (16 Mi with --bench-large).

One benchmark group per (function, pass, dtype, size); see conftest.py for its members.
"""


def test_elementwise(elementwise_case, run_case):
    run_case(*elementwise_case)
