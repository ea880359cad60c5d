"""Why neither backend's step reaches the roofline: each matrix product of a step, per BLAS.

Run by hand (not in CI), after `snakemake --cores 2 results/data/mnist_n30000.npz`:

    python bench/bench_blas.py [--repeats 5]

On one thread it prints (a) every matrix product of a training step of the 784-500-250-100-10
network at batch 64, each repeated alone (its operands warm in cache), in the layout each backend
uses and in the other one, through numpy's BLAS (OpenBLAS) and torch's (MKL); (b) the plain
torch.nn step under torch.profiler: each operator's own time per step, and the rate its matrix
products reach inside the step, where the layers' weights and activations evict one another; and
(c) each part of the numpy step that is not a matrix product, alone. Rates are against the
single-thread 2048^3 sgemm roofline of bench_backends.py.
"""

import argparse
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch.profiler import ProfilerActivity, profile

from mnist_mlp.data.arrays import load_dataset, prepared_paths
from mnist_mlp.nn.costs import softmax_cross_entropy_
from bench_backends import (
    KEY,
    SIZES,
    best_of,
    first_epoch_batches,
    flops_per_sample,
    model_of,
    plain_torch_step_fn,
    sgemm_flops,
)

BATCH = 64
PRODUCTS = ("matmul", "mm", "addmm")  # the operators whose time is a matrix product's


def per_call_s(fn, repeats: int, calls: int = 200) -> float:
    """Seconds per call of fn(), the best of ``repeats`` loops of ``calls`` calls each."""

    def loop():
        for _ in range(calls):
            fn()

    fn()
    return best_of(repeats, loop) / calls


def layer_products(fan_in: int, fan_out: int, repeats: int) -> dict[str, float]:
    """The three products of one layer, forward, weight gradient and delta below, in each layout:
    numpy keeps weights (in, out), nn.Linear (out, in)."""
    rng = np.random.default_rng(0)
    x, delta = rng.standard_normal((BATCH, fan_in), np.float32), rng.standard_normal((BATCH, fan_out), np.float32)
    w_in_out = rng.standard_normal((fan_in, fan_out), np.float32)
    w_out_in = np.ascontiguousarray(w_in_out.T)
    tx, tdelta, tw_in_out, tw_out_in = map(torch.from_numpy, (x, delta, w_in_out, w_out_in))
    flops = 2 * BATCH * fan_in * fan_out
    cases = {
        "forward, OpenBLAS x @ W(in,out)": lambda: x @ w_in_out,
        "forward, MKL x @ W(in,out)": lambda: torch.mm(tx, tw_in_out),
        "forward, MKL x @ W(out,in).T [nn.Linear]": lambda: torch.mm(tx, tw_out_in.t()),
        "weight grad, OpenBLAS x.T @ delta": lambda: x.T @ delta,
        "weight grad, MKL x.T @ delta": lambda: torch.mm(tx.t(), tdelta),
        "weight grad, MKL delta.T @ x [nn.Linear]": lambda: torch.mm(tdelta.t(), tx),
        "delta below, OpenBLAS delta @ W(in,out).T": lambda: delta @ w_in_out.T,
        "delta below, MKL delta @ W(in,out).T": lambda: torch.mm(tdelta, tw_in_out.t()),
        "delta below, MKL delta @ W(out,in) [nn.Linear]": lambda: torch.mm(tdelta, tw_out_in),
    }
    return {name: flops / per_call_s(fn, repeats) / 1e9 for name, fn in cases.items()}


def print_layer_table(roofline: float, repeats: int) -> None:
    layers = list(pairwise(SIZES))
    rates = {layer: layer_products(*layer, repeats) for layer in layers}
    print("(a) each product alone, GFLOP/s (share of the roofline); [nn.Linear] marks torch.nn's layout")
    print(f"{'product':48s}" + "".join(f"{f'{i}x{o}':>14s}" for i, o in layers))
    for name in rates[layers[0]]:
        cells = "".join(f"{rates[layer][name]:7.0f} ({rates[layer][name] * 1e9 / roofline:4.0%})" for layer in layers)
        print(f"{name:48s}{cells}")
    print()


def profiled_step(batches, repeats: int) -> list[tuple[str, float]]:
    """(operator, microseconds of its own time per step) of the plain torch.nn step over ``batches``,
    each operator's best of ``repeats`` profiled passes, longest first."""
    epoch = plain_torch_step_fn(batches)
    epoch()
    best = {}
    for _ in range(repeats):
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            epoch()
        for event in prof.key_averages():
            per_step = event.self_cpu_time_total / len(batches)
            best[event.key] = min(best.get(event.key, per_step), per_step)
    return sorted(((key, us) for key, us in best.items() if us > 0), key=lambda row: -row[1])


def print_profiled_step(roofline: float, batches, repeats: int) -> None:
    rows = profiled_step(batches, repeats)
    total = sum(us for _, us in rows)
    products = sum(us for name, us in rows if name.removeprefix("aten::") in PRODUCTS)
    fps = flops_per_sample()
    print(
        f"(b) the plain torch.nn step under torch.profiler, {len(batches)} MNIST batches, best of {repeats}; "
        "own time per step, us"
    )
    for name, us in rows[:12]:
        print(f"  {name:44s} {us:8.1f}  {us / total:6.1%}")
    print(f"  {'all operators':44s} {total:8.1f}")
    print(
        f"  its matrix products take {products:.0f} of {total:.0f} us ({products / total:.0%}) and run at "
        f"{BATCH * fps / products / 1e3:.1f} GFLOP/s inside the step, {BATCH * fps / products * 1e6 / roofline:.0%} "
        f"of the roofline: the step's ceiling were everything else free (the profiler's own cost included)"
    )


def numpy_step_parts(x: np.ndarray, y: np.ndarray) -> dict:
    """The numpy backend's step and each of its parts besides the matrix products, alone, on its own
    buffers (ReLU, as bench_backends.py times the step)."""
    model = model_of("numpy")
    model.train_step(x, y)  # every buffer then holds a real step's values
    acts, deltas, scratch = model._batch_buffers(BATCH)
    logits = model._forward(x, acts).copy()
    thetas, grads = model.weights + model.biases, model.grad_w + model.grad_b
    hidden = list(zip(acts[:-1], deltas, scratch, strict=True))

    def softmax_cross_entropy():
        acts[-1][...] = logits  # the copy is counted in
        softmax_cross_entropy_(acts[-1], y, model.lr)

    return {
        "the whole step": lambda: model.train_step(x, y),
        "update, theta -= lr * grad": lambda: [np.subtract(t, g, out=t) for t, g in zip(thetas, grads, strict=True)],
        "bias add": lambda: [np.add(z, b, out=z) for z, b in zip(acts, model.biases, strict=True)],
        "activation forward": lambda: [model.act.forward_(a) for a, _, _ in hidden],
        "activation backward": lambda: [model.act.backward_(a, d, s) for a, d, s in hidden],
        "bias gradients (sums)": lambda: [
            np.sum(d, axis=0, out=g) for d, g in zip([*deltas, acts[-1]], model.grad_b, strict=True)
        ],
        "softmax and cross-entropy": softmax_cross_entropy,
    }


def print_numpy_step_parts(batches, repeats: int) -> None:
    x, y = batches[0]
    times = {name: 1e6 * per_call_s(fn, repeats) for name, fn in numpy_step_parts(x, y).items()}
    step = times.pop("the whole step")
    print(f"(c) the numpy step's work besides its matrix products, each part alone, us (the step: {step:.0f})")
    for name, us in times.items():
        print(f"  {name:44s} {us:8.1f}  {us / step:6.1%}")
    print(f"  {'together':44s} {sum(times.values()):8.1f}  {sum(times.values()) / step:6.1%}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=prepared_paths(KEY.dataset, KEY.n_train)["data"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200, help="steps of the profiled torch.nn step")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        roofline = sgemm_flops(args.repeats)
        print(f"1 thread; sgemm roofline (2048^3, OpenBLAS): {roofline / 1e9:.1f} GFLOP/s; torch {torch.__version__}")
        print()
        print_layer_table(roofline, args.repeats)
        batches = first_epoch_batches(load_dataset(Path(args.data), KEY.dataset))[: args.steps]
        print_profiled_step(roofline, batches, args.repeats)
        print()
        print_numpy_step_parts(batches, args.repeats)


if __name__ == "__main__":
    main()
