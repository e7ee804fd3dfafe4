"""A NumPy MLP on scikit-learn's digits (8x8 images, 10 classes) with fastact: the activation
and its backward pass, fastact.init's initialisers and fastact.softmax_cross_entropy.

    python examples/mlp_digits.py [--activation relu] [--hidden 64] [--epochs 60] [--quick]

Without scikit-learn (pip install scikit-learn) it trains on a synthetic data set of the same
shape (1797 samples of 64 features, 10 classes). Prints the loss per epoch and, last,
"test accuracy: <fraction>".
"""
import argparse

import numpy as np

import fastact
from fastact import init


def load(seed):
    """(x_train, y_train, x_test, y_test, source): 1797 x 64 features in [0, 1], 10 classes."""
    try:
        from sklearn.datasets import load_digits
        data = load_digits()  # shipped with scikit-learn: no download
        x, y, source = data.data / 16.0, data.target, "scikit-learn digits"
    except ImportError:
        rng = np.random.default_rng(1234)
        prototypes = rng.random((10, 64))
        y = rng.integers(0, 10, 1797)
        x = np.clip(prototypes[y] + 0.35 * rng.standard_normal((1797, 64)), 0, 1)
        source = "synthetic (scikit-learn is not installed)"
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order].astype(np.float32), y[order]
    n = int(0.8 * len(y))
    return x[:n], y[:n], x[n:], y[n:], source


class MLP:
    """Dense layers with one fastact activation between them; weights (out, in) as PyTorch."""

    def __init__(self, sizes, activation, rng):
        self.act = fastact.get(activation)
        gain_name = activation if activation in ("relu", "leaky_relu", "tanh", "selu") else "relu"
        self.w = [init.kaiming_normal((o, i), activation=gain_name, rng=rng)
                  for i, o in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(o, np.float32) for o in sizes[1:]]
        self.vel = [np.zeros_like(p) for p in self.w + self.b]

    def forward(self, x):
        self.inputs, self.pre = [x], []
        for k, (w, b) in enumerate(zip(self.w, self.b)):
            z = self.inputs[-1] @ w.T + b
            if k == len(self.w) - 1:
                return z  # logits
            self.pre.append(z)
            self.inputs.append(self.act(z))

    def backward(self, grad):
        gw, gb = [None] * len(self.w), [None] * len(self.b)
        for k in range(len(self.w) - 1, -1, -1):
            gw[k] = grad.T @ self.inputs[k]
            gb[k] = grad.sum(axis=0)
            if k:
                grad = self.act.backward(grad @ self.w[k], self.pre[k - 1])  # grad * f'(z)
        return gw + gb

    def step(self, grads, lr, momentum=0.9):
        for p, v, g in zip(self.w + self.b, self.vel, grads):
            v *= momentum
            v -= lr * g
            p += v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--activation", default="relu", help="any name fastact.get accepts")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2, help="hidden layers")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="few epochs (the tests' size)")
    args = ap.parse_args(argv)
    if args.quick:
        args.epochs = 12
    rng = np.random.default_rng(args.seed)
    xtr, ytr, xte, yte, source = load(args.seed)
    print("data: %s, %d train / %d test samples" % (source, len(ytr), len(yte)))
    model = MLP([64] + [args.hidden] * args.layers + [10], args.activation, rng)
    for epoch in range(args.epochs):
        order = rng.permutation(len(ytr))
        total = 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            loss, grad = fastact.softmax_cross_entropy(model.forward(xtr[idx]), ytr[idx],
                                                       return_grad=True)
            model.step(model.backward(grad), args.lr)
            total += float(loss) * len(idx)
        if epoch % 5 == 0 or epoch == args.epochs - 1:
            print("epoch %3d  loss %.4f" % (epoch, total / len(ytr)))
    accuracy = float(np.mean(np.argmax(model.forward(xte), axis=1) == yte))
    print("test accuracy: %.4f" % accuracy)
    return accuracy


if __name__ == "__main__":
    main()
