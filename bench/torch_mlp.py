"""A small PyTorch MLP on the CPU, trained a few steps with fastact.torch's modules and with
PyTorch's own (torch.nn.<Cls> of the same catalogue row), printing the time per training step.

    python bench/torch_mlp.py [--activations relu,silu,tanh,sigmoid] [--batch 512]
                              [--hidden 1024] [--layers 3] [--steps 30] [--dtype float32]
                              [--threads 1] [--quick]

Both models start from the same weights and see the same data; the script also prints the
loss after the last step of each (the same up to rounding: the same function). --quick: tiny
sizes, a smoke test (bench/test_torch_mlp.py runs it). A benchmark, never a test of speed.
"""
import argparse
import os
import statistics
import sys
import time

try:
    import torch
except ImportError:
    sys.exit("bench/torch_mlp.py needs PyTorch: pip install torch")

import fastact.torch as ft
from fastact import _catalogue


def _model(act, inputs, hidden, layers, classes, dtype, seed):
    torch.manual_seed(seed)
    mods, width = [], inputs
    for _ in range(layers):
        mods += [torch.nn.Linear(width, hidden), act()]
        width = hidden
    mods.append(torch.nn.Linear(width, classes))
    return torch.nn.Sequential(*mods).to(dtype)


def _time_steps(model, x, labels, steps):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    times, loss = [], None
    for i in range(steps + 2):  # two warm-up steps
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return statistics.median(times), loss.item()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--activations", default="relu,silu,tanh,sigmoid",
                    help="comma-separated catalogue names with a torch.nn module of the same "
                         "class name")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--inputs", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch.set_num_threads and fastact.set_num_threads (default 1)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    args = ap.parse_args(argv)
    if args.quick:
        args.batch, args.inputs, args.hidden, args.layers, args.steps = 16, 8, 32, 2, 3

    import fastact
    torch.set_num_threads(args.threads)
    fastact.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(0)
    x = torch.randn(args.batch, args.inputs, dtype=dtype)
    labels = torch.randint(0, args.classes, (args.batch,))

    print("MLP %d -> %s -> %d, batch %d, %s, %d thread(s), median of %d steps (ms per step)"
          % (args.inputs, " -> ".join([str(args.hidden)] * args.layers), args.classes,
             args.batch, args.dtype, args.threads, args.steps))
    print("%-14s %12s %12s %8s %14s %14s" % ("activation", "fastact", "torch", "ratio",
                                             "loss fastact", "loss torch"))
    for name in args.activations.split(","):
        key = _catalogue.resolve(name)
        if key is None:
            ap.error("unknown activation %r; available: %s" % (name, ", ".join(ft.available())))
        row = _catalogue.row(key)
        theirs = getattr(torch.nn, row.cls, None)
        if theirs is None or row.kind != "elementwise" or row.required_params():
            print("%-14s (skipped: no torch.nn.%s without arguments)" % (key, row.cls))
            continue
        ours = getattr(ft, row.cls)
        t_ours, l_ours = _time_steps(_model(ours, args.inputs, args.hidden, args.layers,
                                            args.classes, dtype, 1), x, labels, args.steps)
        t_theirs, l_theirs = _time_steps(_model(theirs, args.inputs, args.hidden, args.layers,
                                                args.classes, dtype, 1), x, labels, args.steps)
        print("%-14s %12.3f %12.3f %8.2f %14.6g %14.6g" % (
            key, t_ours * 1e3, t_theirs * 1e3, t_theirs / t_ours, l_ours, l_theirs))
    print("ratio: torch's time / fastact's (above 1: fastact's step is faster)")


if __name__ == "__main__":
    if os.path.isfile(os.path.join(os.getcwd(), "fastact", "_catalogue.py")) and \
            not os.environ.get("PYTHONPATH"):
        print("note: run from outside the repository root to use the installed fastact",
              file=sys.stderr)
    main()
