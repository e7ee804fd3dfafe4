"""The catalogue's 'per_channel' rows on (n/1024, 16, 64) with 16 per-channel weights on axis
1: forward, derivative, backward (grad_x and grad_weight). Its 'axis' rows on 2-D batches:
(n/1024, 1024) along the last axis and (1024, n/1024) along axis 0, forward and backward (from
y).

One benchmark group per (function, pass, dtype, size); see conftest.py for its members.
"""


def test_prelu(prelu_case, run_case):
    run_case(*prelu_case)


def test_softmax(softmax_case, run_case):
    run_case(*softmax_case)
