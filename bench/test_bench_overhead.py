"""Small-call overhead: every function and pass of the catalogue on 16 float32 elements
('per_channel' rows: (1, 16, 1); 'axis' rows: (1, 16) and (16, 1)), fastact against the NumPy
ufunc expression, the reference and PyTorch (1 thread). At this size the time is the cost of
the call, not of the arithmetic.
"""


def test_overhead(overhead_case, run_case):
    case, dtype, n, competitor = overhead_case
    run_case(case, dtype, n, competitor, group="overhead %s %s %d" % (case.label, dtype, n))
