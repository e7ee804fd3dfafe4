"""The one test-case entry of every elementwise function: exact values at its kinks and limits.

Everything else the tests check about a function comes from its catalogue row (the oracle
against fastact.reference within the row's ULP bounds, finite differences, levels and threads,
layouts, bad input). Here each function states the values the spec fixes exactly, in both
dtypes: the limits at +-inf, the kinks (PyTorch's conventions), signed zeros, and the backward
passes there (grad = 1 unless given).

    EXACT[name] = [(pass, input, expected, params), ...]

pass: "f" forward, "d" derivative, "bx" backward from x, "by" backward from y (input is y);
expected: a number (rounded to the dtype; -0.0 must be -0.0), NaN, or a string naming one of
CONSTANTS. Rules in the catalogue that refuse a parameter set are tested in tests/test_errors.py.
"""
import math

inf, nan = math.inf, math.nan
# constants the formulas use, as decimal strings (rounded to the dtype by the test)
CONSTANTS = {
    "selu_scale": "1.0507009873554804934193349852946",
    "-selu_scale_alpha": "-1.7580993408473768599402175208123",
    "selu_scale_alpha": "1.7580993408473768599402175208123",
}

EXACT = {
    "identity": [
        ("f", -inf, -inf, {}), ("f", -0.0, -0.0, {}), ("d", inf, 1.0, {}), ("d", nan, nan, {}),
        ("bx", 0.0, 1.0, {}), ("by", -inf, 1.0, {}),
    ],
    "relu": [
        ("f", -inf, 0.0, {}), ("f", inf, inf, {}), ("f", -0.0, 0.0, {}), ("d", 0.0, 0.0, {}),
        ("d", 1e-30, 1.0, {}), ("d", -inf, 0.0, {}), ("bx", 0.0, 0.0, {}),
        ("by", inf, 1.0, {}), ("by", 0.0, 0.0, {}), ("f", nan, nan, {}), ("d", nan, nan, {}),
    ],
    "relu6": [
        ("f", -inf, 0.0, {}), ("f", inf, 6.0, {}), ("f", 7.0, 6.0, {}), ("f", 3.5, 3.5, {}),
        ("d", 0.0, 0.0, {}), ("d", 6.0, 0.0, {}), ("d", 1e-30, 1.0, {}), ("d", 5.5, 1.0, {}),
        ("d", inf, 0.0, {}), ("bx", 6.0, 0.0, {}), ("bx", 0.0, 0.0, {}), ("bx", 3.0, 1.0, {}),
        ("by", 6.0, 0.0, {}), ("by", 0.0, 0.0, {}), ("by", 2.0, 1.0, {}), ("f", nan, nan, {}),
        ("d", nan, nan, {}), ("by", nan, nan, {}),
    ],
    "hardtanh": [
        ("f", -inf, -1.0, {}), ("f", inf, 1.0, {}), ("f", 0.5, 0.5, {}), ("f", -0.0, -0.0, {}),
        ("f", 7.0, 6.0, {"max_val": 6.0}), ("f", -9.0, -2.5, {"min_val": -2.5}),
        ("d", -1.0, 0.0, {}), ("d", 1.0, 0.0, {}), ("d", 0.0, 1.0, {}), ("d", inf, 0.0, {}),
        ("d", 0.5, 0.0, {"min_val": 0.5}), ("bx", 1.0, 0.0, {}), ("bx", -0.999, 1.0, {}),
        ("by", 1.0, 0.0, {}), ("by", -1.0, 0.0, {}), ("by", 0.25, 1.0, {}),
        ("by", 6.0, 0.0, {"max_val": 6.0}), ("f", nan, nan, {}), ("d", nan, nan, {}),
        ("bx", nan, nan, {}),
    ],
    "leaky_relu": [
        ("f", -inf, -inf, {}), ("f", inf, inf, {}), ("f", -0.0, -0.0, {}),
        ("d", 0.0, 0.01, {}), ("d", -inf, 0.2, {"alpha": 0.2}), ("d", 2.0, 1.0, {}),
        ("bx", 0.0, 0.2, {"alpha": 0.2}), ("by", -1.0, 0.2, {"alpha": 0.2}),
        ("f", -2.0, -0.0, {"alpha": 0.0}), ("d", nan, nan, {}),
    ],
    "elu": [
        ("f", -inf, -1.0, {}), ("f", -inf, -0.2, {"alpha": 0.2}), ("f", inf, inf, {}),
        ("f", -0.0, -0.0, {}), ("d", -inf, 0.0, {}), ("d", -inf, 0.0, {"alpha": 2.0}),
        ("d", inf, 1.0, {}), ("d", 0.0, 1.0, {}), ("d", 0.0, 2.0, {"alpha": 2.0}),
        ("bx", -inf, 0.0, {}), ("by", -1.0, 0.0, {}), ("by", -2.0, 0.0, {"alpha": 2.0}),
        ("f", nan, nan, {}), ("bx", nan, nan, {}),
    ],
    "selu": [
        ("f", -inf, "-selu_scale_alpha", {}), ("f", inf, inf, {}), ("f", -0.0, -0.0, {}),
        ("d", -inf, 0.0, {}), ("d", inf, "selu_scale", {}), ("d", 0.0, "selu_scale_alpha", {}),
        ("bx", -inf, 0.0, {}), ("by", 1.0, "selu_scale", {}), ("f", nan, nan, {}),
    ],
    "sigmoid": [
        ("f", -inf, 0.0, {}), ("f", inf, 1.0, {}), ("f", 0.0, 0.5, {}), ("d", inf, 0.0, {}),
        ("d", -inf, 0.0, {}), ("d", 0.0, 0.25, {}), ("bx", inf, 0.0, {}), ("by", 1.0, 0.0, {}),
        ("by", 0.0, 0.0, {}), ("f", nan, nan, {}), ("d", nan, nan, {}),
    ],
    "tanh": [
        ("f", inf, 1.0, {}), ("f", -inf, -1.0, {}), ("f", -0.0, -0.0, {}), ("d", inf, 0.0, {}),
        ("d", -inf, 0.0, {}), ("d", 0.0, 1.0, {}), ("bx", -inf, 0.0, {}), ("by", 1.0, 0.0, {}),
        ("by", -1.0, 0.0, {}), ("f", nan, nan, {}), ("by", nan, nan, {}),
    ],
    "silu": [
        ("f", -inf, -0.0, {}), ("f", inf, inf, {}), ("f", -0.0, -0.0, {}), ("f", 0.0, 0.0, {}),
        ("d", 0.0, 0.5, {}), ("d", -0.0, 0.5, {}), ("d", inf, 1.0, {}), ("d", -inf, -0.0, {}),
        ("bx", 0.0, 0.5, {}), ("bx", inf, 1.0, {}), ("f", nan, nan, {}), ("d", nan, nan, {}),
        ("bx", nan, nan, {}),
    ],
    "softplus": [
        ("f", -inf, 0.0, {}), ("f", inf, inf, {}), ("f", 30.0, 30.0, {}),
        ("f", 21.0, 21.0, {}), ("f", 10.0, 10.0, {"beta": 2.0, "threshold": 5.0}),
        ("f", -inf, -inf, {"beta": -1.0}), ("d", inf, 1.0, {}), ("d", -inf, 0.0, {}),
        ("d", 0.0, 0.5, {}), ("d", 30.0, 1.0, {}), ("d", 0.0, 0.5, {"beta": 2.0}),
        ("bx", 0.0, 0.5, {}), ("bx", -inf, 0.0, {}), ("bx", 25.0, 1.0, {}),
        ("f", nan, nan, {}), ("d", nan, nan, {}), ("bx", nan, nan, {}),
    ],
    "logsigmoid": [
        ("f", -inf, -inf, {}), ("f", inf, -0.0, {}), ("f", -1e30, -1e30, {}),
        ("d", inf, 0.0, {}), ("d", -inf, 1.0, {}), ("d", 0.0, 0.5, {}),
        ("bx", -inf, 1.0, {}), ("bx", inf, 0.0, {}), ("bx", 0.0, 0.5, {}),
        ("f", nan, nan, {}), ("d", nan, nan, {}), ("bx", nan, nan, {}),
    ],
}
