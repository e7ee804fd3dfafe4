"""Vanishing gradients and dead ReLUs, with fastact's kernels (NumPy only).

    python examples/vanishing_gradients.py [--depth 12] [--width 64] [--steps 200] [--quick]
                                           [--plot vanishing.png]

1. Per-layer gradient norms of a deep network at initialisation (fastact.init, the usual
   initialiser of each activation): sigmoid (f' <= 1/4) shrinks the gradient layer after
   layer towards the input; ReLU (Kaiming), SELU (LeCun) and tanh with its 5/3 gain keep it. Prints one line per
   activation, "first_layer_grad_norm <name> <value>", and the norms of every layer.
2. The fraction of dead units (output 0 for every input) of a ReLU network trained with a
   large learning rate, against leaky ReLU, over training: "dead_fraction <name> <value>" at
   the end. --plot FILE draws both (matplotlib, optional: pip install fastact[plot]).
"""
import argparse

import numpy as np

import fastact
from fastact import init

# activation -> (initialiser, the activation name its gain is taken for)
INITS = {"sigmoid": (init.xavier_normal, "sigmoid"), "tanh": (init.xavier_normal, "tanh"),
         "relu": (init.kaiming_normal, "relu"), "selu": (init.lecun_normal, "selu"),
         "leaky_relu": (init.kaiming_normal, "leaky_relu")}


def network(activation, sizes, rng):
    make, gain = INITS[activation]
    return [make((o, i), activation=gain, rng=rng, dtype=np.float64)
            for i, o in zip(sizes[:-1], sizes[1:])]


def forward_backward(weights, act, x, labels):
    """Loss, the weights' gradients and every hidden layer's output (softmax cross-entropy)."""
    hs, zs = [x], []
    for w in weights[:-1]:
        zs.append(hs[-1] @ w.T)
        hs.append(act(zs[-1]))
    loss, grad = fastact.softmax_cross_entropy(hs[-1] @ weights[-1].T, labels, return_grad=True)
    grads = [None] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        grads[k] = grad.T @ hs[k]
        if k:
            grad = act.backward(grad @ weights[k], zs[k - 1])
    return float(loss), grads, hs[1:]


def gradient_norms(args, rng):
    x = rng.standard_normal((args.batch, args.width))
    labels = rng.integers(0, 10, args.batch)
    sizes = [args.width] * (args.depth + 1) + [10]
    norms = {}
    for name in ("sigmoid", "tanh", "relu", "selu"):
        weights = network(name, sizes, np.random.default_rng(args.seed))
        _, grads, _ = forward_backward(weights, fastact.get(name), x, labels)
        norms[name] = [float(np.linalg.norm(g)) for g in grads[:-1]]
        print("first_layer_grad_norm %s %.6g" % (name, norms[name][0]))
        print("  per layer (input -> output): " + " ".join("%.2g" % v for v in norms[name]))
    return norms


def dead_units(args, rng):
    """Train a ReLU and a leaky ReLU network (same start, same data, a large learning rate)
    on a regression-like classification; the fraction of hidden units that output 0 (leaky
    ReLU: a negative pre-activation) for every input, over training."""
    x = rng.standard_normal((512, args.width))
    labels = (x[:, :10] @ rng.standard_normal(10) > 0).astype(np.int64) + 2 * (x[:, 0] > 1)
    sizes = [args.width] * 5 + [10]
    history = {}
    for name, act in (("relu", fastact.get("relu")),
                      ("leaky_relu", fastact.get("leaky_relu", alpha=0.1))):
        weights = network(name, sizes, np.random.default_rng(args.seed))
        history[name] = []
        step_rng = np.random.default_rng(args.seed + 1)
        for step in range(args.steps + 1):
            idx = step_rng.integers(0, len(x), 64)
            _, grads, _ = forward_backward(weights, act, x[idx], labels[idx])
            if step % max(1, args.steps // 10) == 0:
                _, _, hs = forward_backward(weights, act, x, labels)
                dead = np.mean([np.all(h <= 0, axis=0).mean() for h in hs])
                history[name].append((step, float(dead)))
            for w, g in zip(weights, grads):
                w -= args.lr * g
        print("dead_fraction %s %.4f" % (name, history[name][-1][1]))
        print("  over training: " + " ".join("%d:%.2f" % sd for sd in history[name]))
    return history


def plot(norms, history, path):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("(no plot: matplotlib is not installed; pip install fastact[plot])")
        return
    fig = Figure(figsize=(10, 4))
    a, b = fig.subplots(1, 2)
    for name, v in norms.items():
        a.semilogy(range(1, len(v) + 1), v, marker="o", label=name)
    a.set(xlabel="layer (1 = input)", ylabel="|dL/dW|", title="gradient norms at init")
    a.legend()
    for name, h in history.items():
        b.plot([s for s, _ in h], [d for _, d in h], marker="o", label=name)
    b.set(xlabel="step", ylabel="dead fraction", title="dead units over training")
    b.legend()
    fig.tight_layout()
    fig.savefig(path)
    print("plot: %s" % path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--depth", type=int, default=12, help="hidden layers")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.5, help="large: kills ReLUs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plot", metavar="FILE", help="save the two plots (matplotlib)")
    ap.add_argument("--quick", action="store_true", help="small sizes (the tests')")
    args = ap.parse_args(argv)
    if args.quick:
        args.depth, args.width, args.batch, args.steps = 8, 32, 64, 40
    rng = np.random.default_rng(args.seed)
    norms = gradient_norms(args, rng)
    history = dead_units(args, rng)
    if args.plot:
        plot(norms, history, args.plot)
    return norms, history


if __name__ == "__main__":
    main()
