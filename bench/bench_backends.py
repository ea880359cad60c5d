"""Training speed of the numpy backend against PyTorch on the CPU, and against this machine's sgemm.

Run by hand (not in CI), after `snakemake --cores 2 results/data/mnist_n30000.npz`:

    python bench/bench_backends.py [--data results/data/mnist_n30000.npz] [--repeats 3]

Prints samples/second for (a) the bare training step of the numpy backend and of a plain torch.nn
model of the same shape, and (b) the real training loop (batching, progress, per-epoch test
evaluation) of both backends, each on 1 and 2 threads; the single-thread sgemm FLOP/s as the
roofline; and the ratios. FLOPs count 6 per weight per sample (forward, weight gradient, delta),
less 2 per first-layer weight, whose delta is never computed.

Then the same steps in Nielsen's network.py setting (784-30-10 and 784-100-10, batches of 10,
sigmoid throughout, quadratic cost, N(0, 1) weights and biases, eta 3.0), where a step is so small
that the time per call, not the arithmetic, decides the speed.
"""

import argparse
import itertools
import time
from dataclasses import replace

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from mnist_mlp.data.arrays import Dataset, epoch_batches, load_dataset, prepared_paths
from mnist_mlp.nn import backends
from mnist_mlp.nn.training import train
from mnist_mlp.runs.execute import RunSpec, make_model
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.threads import limit_threads

HIDDEN = (500, 250, 100)
SIZES = [784, *HIDDEN, 10]
KEY = RunKey("mnist", 30000, "numpy", "relu", "he_normal", HIDDEN, 0.1, 0.0, 0)  # the torch run differs in backend


def model_of(backend: str, device: str = "cpu"):
    """The model of ``KEY`` on ``backend``, as one epoch of batches of 64 trains it."""
    return make_model(RunSpec(replace(KEY, backend=backend), epochs=1, batch_size=64, dtype="float32", device=device))


NIELSEN_HIDDEN = ((30,), (100,))  # network.py's [784, 30, 10] and the [784, 100, 10] of its chapter 1
NIELSEN_BATCH = 10


def nielsen_model(backend: str, hidden):
    """Nielsen's network.py: sigmoid in every layer, quadratic cost, N(0, 1) weights and biases, eta 3.0."""
    return backends.make_model(backend, "sigmoid", hidden, "standard_normal", 0, 3.0, 0.0, cost="sigmoid_quadratic")


def flops_per_sample(sizes=SIZES) -> int:
    weights = [a * b for a, b in itertools.pairwise(sizes)]
    return 6 * sum(weights) - 2 * weights[0]


def first_epoch_batches(data: Dataset, batch_size: int = 64) -> list[tuple[np.ndarray, np.ndarray]]:
    """Epoch 1's batches (seed 0) as train() draws them, each copied contiguous."""
    order = epoch_batches(len(data.y_train), batch_size, 0, 1)
    return [(np.ascontiguousarray(data.x_train[idx]), data.y_train[idx]) for idx in order]


def best_of(repeats: int, fn) -> float:
    """The shortest of ``repeats`` timings of fn(), in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def sgemm_flops(repeats: int, n: int = 2048) -> float:
    a, b = (np.random.default_rng(0).standard_normal((n, n), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    with threadpool_limits(1):
        np.matmul(a, b, out=out)
        return 2 * n**3 / best_of(repeats, lambda: np.matmul(a, b, out=out))


def plain_torch_step_fn(batches):
    """The textbook PyTorch loop body, nothing of ours in it."""
    torch.manual_seed(0)
    layers = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(SIZES)):
        layers += [torch.nn.Linear(fan_in, fan_out)] + ([torch.nn.ReLU()] if i < len(SIZES) - 2 else [])
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    tensors = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

    def epoch():
        for x, y in tensors:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

    return epoch


def torch_step_fn(batches):
    """Our torch backend's step (TorchMLP.train_step): the plain step, plus taking numpy arrays and
    returning the loss and the number of correct predictions."""
    model = model_of("torch")

    def epoch():
        for x, y in batches:
            model.train_step(x, y)

    return epoch


def torch_autograd_fn(batches):
    """The torch backend's forward and backward alone (autograd, no update): the step less the optimizer."""
    model = model_of("torch")
    parameters, loss_fn = list(model.model.parameters()), torch.nn.CrossEntropyLoss()
    tensors = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

    def epoch():
        for x, y in tensors:
            for p in parameters:
                p.grad = None
            loss_fn(model.model(x), y).backward()

    return epoch


def torch_matmuls_fn(batches):
    """The seven matrix products of a torch step alone, in its order and layouts (nn.Linear's (out, in)
    weights, the bias added by addmm), through the BLAS torch links (MKL): what the step would take
    if everything else were free."""
    linears = [m for m in model_of("torch").model if isinstance(m, torch.nn.Linear)]
    weights, biases = [m.weight.detach() for m in linears], [m.bias.detach() for m in linears]
    tensors = [torch.from_numpy(x) for x, _ in batches]

    def epoch():
        for x in tensors:
            acts = [x]
            for w, b in zip(weights, biases):
                acts.append(torch.addmm(b, acts[-1], w.t()))
            delta = acts[-1]
            for layer in range(len(weights) - 1, -1, -1):
                torch.mm(delta.t(), acts[layer])  # the weight gradient
                if layer > 0:
                    delta = torch.mm(delta, weights[layer])  # the delta below

    return epoch


def numpy_matmuls_fn(batches, model=None):
    """The matrix products of a numpy step alone (seven for ``KEY``'s network), into the backend's own
    buffers, in its order, through numpy's BLAS (OpenBLAS)."""
    model = model or model_of("numpy")
    acts, deltas, _ = model._batch_buffers(len(batches[0][1]))

    def epoch():
        for x, _ in batches:
            below = x
            for w, z in zip(model.weights, acts):
                np.matmul(below, w, out=z)
                below = z
            delta = acts[-1]
            for layer in range(len(model.weights) - 1, -1, -1):
                np.matmul((x if layer == 0 else acts[layer - 1]).T, delta, out=model.grad_w[layer])
                if layer > 0:
                    np.matmul(delta, model.weights[layer].T, out=deltas[layer - 1])
                    delta = deltas[layer - 1]

    return epoch


def numpy_step_fn(batches):
    model = model_of("numpy")

    def epoch():
        for x, y in batches:
            model.train_step(x, y)

    return epoch


def eval_fn(backend: str, data: Dataset):
    """One per-epoch test evaluation, as train() runs it after every epoch."""
    from mnist_mlp.nn.training import evaluate

    model = model_of(backend)
    return lambda: evaluate(model, data.x_test, data.y_test)


def loop_fn(backend: str, data: Dataset):
    """train() for one epoch, test evaluation included; the model is built once, as for the step."""
    model = model_of(backend)
    return lambda: train(model, data, 1, 64, 0, progress=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=prepared_paths(KEY.dataset, KEY.n_train)["data"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    data = load_dataset(args.data, KEY.dataset)
    n = len(data.y_train)
    batches = first_epoch_batches(data)
    roofline = sgemm_flops(args.repeats)
    fps = flops_per_sample()
    print(
        f"machine: {torch.get_num_threads()} torch threads available, numpy {np.__version__}, torch {torch.__version__}"
    )
    print(f"network 784-500-250-100-10, batch 64, {n} training samples per epoch, ReLU, best of {args.repeats}")
    print(f"sgemm roofline (1 thread, 2048^3): {roofline / 1e9:.1f} GFLOP/s; {fps / 1e6:.3f} MFLOP per sample")
    print()
    print(f"{'what':44s} {'threads':>7s} {'samples/s':>10s} {'GFLOP/s':>8s} {'of 1-thread roofline':>21s}")
    results = {}
    full = [b for b in batches if len(b[1]) == 64]  # the matrix products' buffers hold full batches
    cases = [
        ("step: numpy backend", lambda: numpy_step_fn(batches)),
        ("  its matrix products alone (OpenBLAS)", lambda: numpy_matmuls_fn(full)),
        ("step: plain torch.nn model", lambda: plain_torch_step_fn(batches)),
        ("step: torch backend", lambda: torch_step_fn(batches)),
        ("  its forward and backward alone (autograd)", lambda: torch_autograd_fn(batches)),
        ("  its matrix products alone (MKL)", lambda: torch_matmuls_fn(full)),
        ("loop: numpy backend (train() + test eval)", lambda: loop_fn("numpy", data)),
        ("loop: torch backend (train() + test eval)", lambda: loop_fn("torch", data)),
        ("eval: numpy backend, 10,000 test images", lambda: eval_fn("numpy", data)),
        ("eval: torch backend, 10,000 test images", lambda: eval_fn("torch", data)),
    ]
    for threads in (1, 2):
        with limit_threads(threads, include_torch=True):
            fns = {name: make() for name, make in cases}
            for fn in fns.values():
                fn()  # warm-up: buffers, caches, lazy initialisation
            # Interleaved repeats, so that a slow spell of a shared machine hits every case alike.
            best = dict.fromkeys(fns, float("inf"))
            for _ in range(args.repeats):
                for name, fn in fns.items():
                    best[name] = min(best[name], best_of(1, fn))
            for name, seconds in best.items():
                samples = 64 * len(full) if "matrix products" in name else n
                rate = results[name, threads] = samples / seconds
                if name.startswith("eval"):
                    print(f"{name:44s} {threads:7d} {seconds:9.3f}s per evaluation")
                else:
                    print(f"{name:44s} {threads:7d} {rate:10.0f} {rate * fps / 1e9:8.1f} {rate * fps / roofline:20.0%}")
    print()
    print()
    print("the loop against its step: the per-epoch test evaluation alone caps it at step / (step + evaluation)")
    for threads in (1, 2):
        for backend, step_name in (("numpy", "step: numpy backend"), ("torch", "step: torch backend")):
            step = results[step_name, threads]
            loop = results[f"loop: {backend} backend (train() + test eval)", threads]
            eval_s = n / results[f"eval: {backend} backend, 10,000 test images", threads]
            cap = 1 / (1 + eval_s * step / n)
            print(
                f"{threads} thread(s), {backend}: loop / step = {loop / step:.3f}; evaluation {eval_s:.3f} s per epoch "
                f"caps it at {cap:.3f}; the rest of the loop costs {1 - loop / step / cap:.1%}"
            )
    for threads in (1, 2):
        step = results["step: numpy backend", threads] / results["step: plain torch.nn model", threads]
        loop = (
            results["loop: numpy backend (train() + test eval)", threads]
            / results["loop: torch backend (train() + test eval)", threads]
        )
        print(f"{threads} thread(s): numpy / torch samples/s = {step:.2f}x (step), {loop:.2f}x (training loop)")
    print()
    print("where a step's time goes, 1 thread, in microseconds per batch of 64 (the targets: numpy 85%, torch 75%)")
    per_batch = {name: 64e6 / results[name, 1] for name, _ in cases if not name.startswith(("loop", "eval"))}
    numpy_mm, numpy_step = per_batch["  its matrix products alone (OpenBLAS)"], per_batch["step: numpy backend"]
    print(
        f"  numpy: step {numpy_step:.0f}: matrix products {numpy_mm:.0f} ({numpy_mm / numpy_step:.0%} of it), the rest "
        f"{numpy_step - numpy_mm:.0f}; with the rest free the step would reach "
        f"{64e6 * fps / numpy_mm / roofline:.0%} of the roofline"
    )
    torch_mm = per_batch["  its matrix products alone (MKL)"]
    autograd, torch_step = per_batch["  its forward and backward alone (autograd)"], per_batch["step: torch backend"]
    print(
        f"  torch: step {torch_step:.0f}: matrix products {torch_mm:.0f} ({torch_mm / torch_step:.0%}), the rest of the "
        f"forward and backward {autograd - torch_mm:.0f}, the update and the step's own work {torch_step - autograd:.0f}; "
        f"with all but the products free the step would reach {64e6 * fps / torch_mm / roofline:.0%}"
    )
    if torch.cuda.is_available():
        rate = n / best_of(args.repeats, loop_fn_cuda(data))
        print(f"loop: torch backend on {torch.cuda.get_device_name()}: {rate:.0f} samples/s")
    print_nielsen_steps(data, args.repeats)


def step_fn(model, batches):
    def epoch():
        for x, y in batches:
            model.train_step(x, y)

    return epoch


def print_nielsen_steps(data: Dataset, repeats: int) -> None:
    """Samples/s of each backend's step in Nielsen's setting, and where the numpy step's time goes."""
    batches = first_epoch_batches(data, NIELSEN_BATCH)
    full = [b for b in batches if len(b[1]) == NIELSEN_BATCH]
    print()
    print(
        f"Nielsen's network.py setting: batch {NIELSEN_BATCH}, sigmoid throughout, quadratic cost, N(0, 1) weights "
        f"and biases, eta 3.0; {len(data.y_train)} samples per epoch, best of {repeats}"
    )
    print(
        f"{'network':14s} {'threads':>7s} {'numpy samples/s':>15s} {'torch samples/s':>15s} {'numpy/torch':>11s}"
        f" {'numpy us/step':>13s} {'of which products':>17s}"
    )
    for hidden in NIELSEN_HIDDEN:
        name = "-".join(map(str, [784, *hidden, 10]))
        for threads in (1, 2):
            with limit_threads(threads, include_torch=True):
                fns = {
                    "numpy": step_fn(nielsen_model("numpy", hidden), batches),
                    "torch": step_fn(nielsen_model("torch", hidden), batches),
                    "products": numpy_matmuls_fn(full, nielsen_model("numpy", hidden)),
                }
                for fn in fns.values():
                    fn()  # warm-up
                best = dict.fromkeys(fns, float("inf"))
                for _ in range(repeats):
                    for case, fn in fns.items():
                        best[case] = min(best[case], best_of(1, fn))
            numpy_rate, torch_rate = len(data.y_train) / best["numpy"], len(data.y_train) / best["torch"]
            step_us, products_us = 1e6 * best["numpy"] / len(batches), 1e6 * best["products"] / len(full)
            print(
                f"{name:14s} {threads:7d} {numpy_rate:15.0f} {torch_rate:15.0f} {numpy_rate / torch_rate:10.2f}x"
                f" {step_us:13.1f} {products_us:12.1f} ({products_us / step_us:.0%})"
            )


def loop_fn_cuda(data: Dataset):
    def epoch():
        model = model_of("torch", "cuda")
        train(model, data, 1, 64, 0, progress=False)

    return epoch


if __name__ == "__main__":
    main()
