"""The one test-case entry of every elementwise function: exact values at its kinks and limits.

Everything else the tests check about a function comes from its catalogue row (the oracle
against fastact.reference within the row's ULP bounds, finite differences, levels and threads,
layouts, bad input). Here each function states the values the spec fixes exactly, in both
dtypes: the limits at +-inf, the kinks (PyTorch's conventions), signed zeros, and the backward
passes there (grad = 1 unless given).

    EXACT[name] = [(pass, input, expected, params), ...]

pass: "f" forward, "d" derivative, "bx" backward from x, "by" backward from y (input is y);
expected: a number (rounded to the dtype; -0.0 must be -0.0), NaN, or a string naming one of
CONSTANTS; params: keyword parameters of the call (a choice parameter's value is a str).
Rules in the catalogue that refuse a parameter set are tested in tests/test_errors.py.
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
        ("f", -inf, 0.0, {}), ("f", inf, inf, {}), ("f", -0.0, -0.0, {}), ("d", 0.0, 0.0, {}),
        ("d", -0.0, 0.0, {}), ("bx", -0.0, 0.0, {}),
        ("d", 1e-30, 1.0, {}), ("d", -inf, 0.0, {}), ("bx", 0.0, 0.0, {}),
        ("by", inf, 1.0, {}), ("by", 0.0, 0.0, {}), ("f", nan, nan, {}), ("d", nan, nan, {}),
    ],
    "relu6": [
        ("f", -inf, 0.0, {}), ("f", inf, 6.0, {}), ("f", 7.0, 6.0, {}), ("f", 3.5, 3.5, {}),
        ("f", -0.0, -0.0, {}), ("f", 0.0, 0.0, {}), ("f", 6.0, 6.0, {}), ("d", -0.0, 0.0, {}),
        ("d", 0.0, 0.0, {}), ("d", 6.0, 0.0, {}), ("d", 1e-30, 1.0, {}), ("d", 5.5, 1.0, {}),
        ("d", inf, 0.0, {}), ("bx", 6.0, 0.0, {}), ("bx", 0.0, 0.0, {}), ("bx", 3.0, 1.0, {}),
        ("by", 6.0, 0.0, {}), ("by", 0.0, 0.0, {}), ("by", 2.0, 1.0, {}), ("f", nan, nan, {}),
        ("d", nan, nan, {}), ("by", nan, nan, {}),
    ],
    "hardtanh": [
        ("f", -inf, -1.0, {}), ("f", inf, 1.0, {}), ("f", 0.5, 0.5, {}), ("f", -0.0, -0.0, {}),
        ("f", -0.0, -0.0, {"min_val": 0.0, "max_val": 6.0}), ("f", -1.0, -1.0, {}),
        ("f", 7.0, 6.0, {"max_val": 6.0}), ("f", -9.0, -2.5, {"min_val": -2.5}),
        ("d", -1.0, 0.0, {}), ("d", 1.0, 0.0, {}), ("d", 0.0, 1.0, {}), ("d", inf, 0.0, {}),
        ("d", 0.5, 0.0, {"min_val": 0.5}), ("bx", 1.0, 0.0, {}), ("bx", -0.999, 1.0, {}),
        ("by", 1.0, 0.0, {}), ("by", -1.0, 0.0, {}), ("by", 0.25, 1.0, {}),
        ("by", 6.0, 0.0, {"max_val": 6.0}), ("f", nan, nan, {}), ("d", nan, nan, {}),
        ("bx", nan, nan, {}),
        # min_val == max_val (PyTorch accepts it): the constant, derivative 0 everywhere
        ("f", -9.0, 0.5, {"min_val": 0.5, "max_val": 0.5}),
        ("f", 9.0, 0.5, {"min_val": 0.5, "max_val": 0.5}),
        ("d", 0.5, 0.0, {"min_val": 0.5, "max_val": 0.5}),
        ("bx", 0.5, 0.0, {"min_val": 0.5, "max_val": 0.5}),
        ("by", 0.5, 0.0, {"min_val": 0.5, "max_val": 0.5}),
    ],
    "hardsigmoid": [
        ("f", -inf, 0.0, {}), ("f", inf, 1.0, {}), ("f", -3.0, 0.0, {}), ("f", 3.0, 1.0, {}),
        ("f", 0.0, 0.5, {}), ("f", -1.5, 0.25, {}), ("f", 1.5, 0.75, {}), ("f", nan, nan, {}),
        ("d", -3.0, 0.0, {}), ("d", 3.0, 0.0, {}), ("d", 0.0, 1 / 6, {}), ("d", -2.99, 1 / 6, {}),
        ("d", inf, 0.0, {}), ("d", nan, nan, {}), ("bx", -3.0, 0.0, {}), ("bx", 2.9, 1 / 6, {}),
        ("bx", nan, nan, {}), ("by", 0.0, 0.0, {}), ("by", 1.0, 0.0, {}), ("by", 0.5, 1 / 6, {}),
        ("by", nan, nan, {}),
    ],
    "hardswish": [
        ("f", -inf, 0.0, {}), ("f", inf, inf, {}), ("f", -3.0, 0.0, {}), ("f", 3.0, 3.0, {}),
        ("f", -0.0, -0.0, {}), ("f", -1.5, -0.375, {}), ("f", 1.5, 1.125, {}), ("f", nan, nan, {}),
        ("d", -3.0, 0.0, {}), ("d", 3.0, 1.0, {}), ("d", -1.5, 0.0, {}), ("d", 0.0, 0.5, {}),
        ("d", 1.5, 1.0, {}), ("d", -inf, 0.0, {}), ("d", inf, 1.0, {}), ("d", nan, nan, {}),
        ("bx", -3.0, 0.0, {}), ("bx", -1.5, 0.0, {}), ("bx", 0.0, 0.5, {}), ("bx", nan, nan, {}),
    ],
    "softshrink": [
        ("f", -inf, -inf, {}), ("f", inf, inf, {}), ("f", 0.5, 0.0, {}), ("f", -0.5, 0.0, {}),
        ("f", -0.25, 0.0, {}), ("f", 0.75, 0.25, {}), ("f", -2.0, -1.5, {}),
        ("f", 3.0, 0.5, {"lambd": 2.5}), ("f", -0.0, 0.0, {"lambd": 0.0}),
        ("f", 1.0, 1.0, {"lambd": 0.0}), ("f", nan, nan, {}), ("d", 0.5, 0.0, {}),
        ("d", -0.5, 0.0, {}), ("d", 0.75, 1.0, {}), ("d", -inf, 1.0, {}),
        ("d", 0.0, 0.0, {"lambd": 0.0}), ("d", 1e-30, 1.0, {"lambd": 0.0}), ("d", nan, nan, {}),
        ("bx", 0.5, 0.0, {}), ("bx", -1.0, 1.0, {}), ("by", 0.0, 0.0, {}), ("by", 0.25, 1.0, {}),
        ("by", -1e-30, 1.0, {}), ("by", nan, nan, {}),
    ],
    "hardshrink": [
        ("f", -inf, -inf, {}), ("f", inf, inf, {}), ("f", 0.5, 0.0, {}), ("f", -0.5, 0.0, {}),
        ("f", -0.0, 0.0, {}), ("f", 0.75, 0.75, {}), ("f", -0.625, -0.625, {}),
        ("f", 2.5, 0.0, {"lambd": 2.5}), ("f", nan, nan, {}), ("d", 0.5, 0.0, {}),
        ("d", -0.5, 0.0, {}), ("d", 0.75, 1.0, {}), ("d", 0.0, 0.0, {"lambd": 0.0}),
        ("d", nan, nan, {}), ("bx", -0.5, 0.0, {}), ("bx", 3.0, 1.0, {}), ("by", 0.0, 0.0, {}),
        ("by", 0.75, 1.0, {}), ("by", -3.0, 1.0, {}), ("by", nan, nan, {}),
    ],
    "threshold": [
        ("f", 0.5, -1.0, {"threshold": 0.5, "value": -1.0}),
        ("f", 0.75, 0.75, {"threshold": 0.5, "value": -1.0}),
        ("f", -3.0, 20.0, {"threshold": -2.5, "value": 20.0}),
        ("f", -inf, 0.0, {"threshold": 0.0, "value": 0.0}),
        ("f", inf, inf, {"threshold": 0.0, "value": 0.0}),
        ("f", nan, nan, {"threshold": 0.0, "value": 0.0}),
        ("d", 0.5, 0.0, {"threshold": 0.5, "value": -1.0}),
        ("d", 0.75, 1.0, {"threshold": 0.5, "value": -1.0}),
        ("d", inf, 1.0, {"threshold": 0.0, "value": 0.0}),
        ("d", -inf, 0.0, {"threshold": 0.0, "value": 0.0}),
        ("d", nan, nan, {"threshold": 0.0, "value": 0.0}),
        ("bx", 0.0, 0.0, {"threshold": 0.0, "value": 0.0}),
        ("bx", 1e-30, 1.0, {"threshold": 0.0, "value": 0.0}),
        ("by", -1.0, 0.0, {"threshold": 0.5, "value": -1.0}),
        ("by", 0.75, 1.0, {"threshold": 0.5, "value": -1.0}),
        ("by", nan, nan, {"threshold": 0.0, "value": 0.0}),
    ],
    "rrelu": [
        ("f", -inf, -inf, {}), ("f", inf, inf, {}), ("f", -0.0, -0.0, {}),
        ("f", -2.0, -1.0, {"lower": 0.25, "upper": 0.75}), ("f", nan, nan, {}),
        ("d", 0.0, 0.22916666666666666, {}), ("d", -inf, 0.22916666666666666, {}),
        ("d", 1.0, 1.0, {}), ("d", -1.0, 0.5, {"lower": 0.5, "upper": 0.5}), ("d", nan, nan, {}),
        ("bx", 0.0, 0.5, {"lower": 0.25, "upper": 0.75}), ("bx", nan, nan, {}),
    ],
    "relu_squared": [
        ("f", -inf, 0.0, {}), ("f", inf, inf, {}), ("f", -0.0, 0.0, {}), ("f", 3.0, 9.0, {}),
        ("f", -2.0, 0.0, {}), ("f", nan, nan, {}), ("d", 0.0, 0.0, {}), ("d", -1.0, 0.0, {}),
        ("d", 3.0, 6.0, {}), ("d", inf, inf, {}), ("d", nan, nan, {}), ("bx", 0.0, 0.0, {}),
        ("bx", 2.0, 4.0, {}), ("bx", nan, nan, {}), ("by", 0.0, 0.0, {}), ("by", 9.0, 6.0, {}),
        ("by", inf, inf, {}), ("by", nan, nan, {}),
    ],
    "softsign": [
        ("f", inf, 1.0, {}), ("f", -inf, -1.0, {}), ("f", -0.0, -0.0, {}), ("f", 1.0, 0.5, {}),
        ("f", -3.0, -0.75, {}), ("f", nan, nan, {}), ("d", 0.0, 1.0, {}), ("d", inf, 0.0, {}),
        ("d", -inf, 0.0, {}), ("d", 1.0, 0.25, {}), ("d", -3.0, 0.0625, {}), ("d", nan, nan, {}),
        ("bx", -inf, 0.0, {}), ("bx", 1.0, 0.25, {}), ("bx", nan, nan, {}), ("by", 1.0, 0.0, {}),
        ("by", -1.0, 0.0, {}), ("by", 0.0, 1.0, {}), ("by", 0.5, 0.25, {}), ("by", nan, nan, {}),
    ],
    "squareplus": [
        ("f", 0.0, 1.0, {}), ("f", -inf, 0.0, {}), ("f", inf, inf, {}), ("f", 1.5, 2.0, {}),
        ("f", -1.5, 0.5, {}), ("f", 0.0, 0.5, {"b": 1.0}), ("f", nan, nan, {}),
        ("d", 0.0, 0.5, {}), ("d", -inf, 0.0, {}), ("d", inf, 1.0, {}), ("d", nan, nan, {}),
        ("bx", 0.0, 0.5, {}), ("bx", -inf, 0.0, {}), ("bx", nan, nan, {}),
    ],
    "sparse_plus": [
        ("f", -1.0, 0.0, {}), ("f", 1.0, 1.0, {}), ("f", -inf, 0.0, {}), ("f", inf, inf, {}),
        ("f", 0.0, 0.25, {}), ("f", -0.0, 0.25, {}), ("f", nan, nan, {}), ("d", -1.0, 0.0, {}),
        ("d", 1.0, 1.0, {}), ("d", 0.0, 0.5, {}), ("d", -inf, 0.0, {}), ("d", inf, 1.0, {}),
        ("d", nan, nan, {}), ("bx", -1.0, 0.0, {}), ("bx", 0.5, 0.75, {}), ("bx", nan, nan, {}),
    ],
    "sparse_sigmoid": [
        ("f", -1.0, 0.0, {}), ("f", 1.0, 1.0, {}), ("f", 0.0, 0.5, {}), ("f", -inf, 0.0, {}),
        ("f", inf, 1.0, {}), ("f", nan, nan, {}), ("d", -1.0, 0.0, {}), ("d", 1.0, 0.0, {}),
        ("d", 0.0, 0.5, {}), ("d", inf, 0.0, {}), ("d", nan, nan, {}), ("bx", 1.0, 0.0, {}),
        ("bx", 0.0, 0.5, {}), ("bx", nan, nan, {}),
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
        ("by", "-selu_scale_alpha", 0.0, {}),  # the saturated output selu(-inf): the limit
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
    "gelu": [
        # both choices of approximate ('none': x Phi(x); 'tanh'): the same limits and values at 0
        (pass_, x, want, params)
        for params in ({}, {"approximate": "tanh"})
        for pass_, x, want in (
            ("f", -inf, -0.0), ("f", inf, inf), ("f", 0.0, 0.0), ("f", -0.0, -0.0),
            ("f", 30.0, 30.0), ("d", 0.0, 0.5), ("d", -0.0, 0.5), ("d", inf, 1.0),
            ("d", -inf, -0.0), ("d", 30.0, 1.0), ("bx", 0.0, 0.5), ("bx", inf, 1.0),
            ("f", nan, nan), ("d", nan, nan), ("bx", nan, nan))
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
    "mish": [
        ("f", -inf, -0.0, {}), ("f", inf, inf, {}), ("f", 0.0, 0.0, {}), ("f", -0.0, -0.0, {}),
        ("f", 1e30, 1e30, {}), ("f", -1e30, -0.0, {}), ("d", 0.0, 0.6, {}), ("d", inf, 1.0, {}),
        ("d", -inf, -0.0, {}), ("d", 1e30, 1.0, {}), ("bx", 0.0, 0.6, {}), ("bx", inf, 1.0, {}),
        ("bx", -inf, -0.0, {}), ("f", nan, nan, {}), ("d", nan, nan, {}), ("bx", nan, nan, {}),
    ],
    "celu": [
        ("f", -inf, -1.0, {}), ("f", -inf, -0.5, {"alpha": 0.5}), ("f", inf, inf, {}),
        ("f", -0.0, -0.0, {}), ("f", 0.0, 0.0, {}), ("f", 2.0, 2.0, {"alpha": 0.3}),
        ("f", -inf, -inf, {"alpha": -0.5}), ("d", -inf, 0.0, {}), ("d", -inf, 0.0, {"alpha": 2.0}),
        ("d", inf, 1.0, {}), ("d", 0.0, 1.0, {}), ("d", 0.0, 1.0, {"alpha": 2.0}),
        ("d", -inf, inf, {"alpha": -0.5}), ("bx", -inf, 0.0, {}), ("bx", 0.0, 1.0, {}),
        ("by", -1.0, 0.0, {}), ("by", -2.0, 0.0, {"alpha": 2.0}), ("by", -1.0, 0.5, {"alpha": 2.0}),
        ("by", 1.0, 1.0, {}), ("by", 0.0, 1.0, {}), ("f", nan, nan, {}), ("d", nan, nan, {}),
        ("bx", nan, nan, {}), ("by", nan, nan, {}),
    ],
    "tanhshrink": [
        ("f", inf, inf, {}), ("f", -inf, -inf, {}), ("f", 0.0, 0.0, {}), ("f", -0.0, -0.0, {}),
        ("f", 1e30, 1e30, {}), ("d", 0.0, 0.0, {}), ("d", inf, 1.0, {}), ("d", -inf, 1.0, {}),
        ("bx", 0.0, 0.0, {}), ("bx", inf, 1.0, {}), ("bx", -inf, 1.0, {}), ("f", nan, nan, {}),
        ("d", nan, nan, {}), ("bx", nan, nan, {}),
    ],
}
