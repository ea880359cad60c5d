"""Training speed of the numpy backend against PyTorch on the CPU, and against this machine's sgemm.

Run by hand (not in CI), after `snakemake --cores 2 results/data/mnist_n30000.npz`:

    python bench/bench_backends.py [--data results/data/mnist_n30000.npz] [--repeats 3]

Prints samples/second for (a) the bare training step of the numpy backend and of a plain torch.nn
model of the same shape, and (b) the real training loop (batching, progress, per-epoch test
evaluation) of both backends, each on 1 and 2 threads; the single-thread sgemm FLOP/s as the
roofline; and the ratios. FLOPs count 6 per weight per sample (forward, weight gradient, delta),
less 2 per first-layer weight, whose delta is never computed.
"""

import argparse
import time
from dataclasses import replace

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from mnist_mlp.data.arrays import Dataset, epoch_batches, load_dataset, prepared_paths
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


def flops_per_sample() -> int:
    weights = [a * b for a, b in zip(SIZES[:-1], SIZES[1:])]
    return 6 * sum(weights) - 2 * weights[0]


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
    for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=prepared_paths(KEY.dataset, KEY.n_train)["data"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    data = load_dataset(args.data, KEY.dataset)
    n = len(data.y_train)
    batches = [(np.ascontiguousarray(data.x_train[idx]), data.y_train[idx]) for idx in epoch_batches(n, 64, 0, 1)]
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
    cases = [
        ("step: numpy backend", lambda: numpy_step_fn(batches)),
        ("step: plain torch.nn model", lambda: plain_torch_step_fn(batches)),
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
                rate = results[name, threads] = n / seconds
                if name.startswith("eval"):
                    print(f"{name:44s} {threads:7d} {seconds:9.3f}s per evaluation")
                else:
                    print(f"{name:44s} {threads:7d} {rate:10.0f} {rate * fps / 1e9:8.1f} {rate * fps / roofline:20.0%}")
    print()
    print()
    print("the loop against its step: the per-epoch test evaluation alone caps it at step / (step + evaluation)")
    for threads in (1, 2):
        for backend, step_name in (("numpy", "step: numpy backend"), ("torch", "step: plain torch.nn model")):
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
    if torch.cuda.is_available():
        rate = n / best_of(args.repeats, loop_fn_cuda(data))
        print(f"loop: torch backend on {torch.cuda.get_device_name()}: {rate:.0f} samples/s")


def loop_fn_cuda(data: Dataset):
    def epoch():
        model = model_of("torch", "cuda")
        train(model, data, 1, 64, 0, progress=False)

    return epoch


if __name__ == "__main__":
    main()
