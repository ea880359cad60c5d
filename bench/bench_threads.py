"""What "bit-identical" covers: the same run twice on one thread, and on one against two threads.

Run by hand (not in CI), after `snakemake --cores 2 results/data/mnist_n30000.npz`:

    python bench/bench_threads.py [--epochs 15] [--backend numpy torch]

For the ReLU run at lr 0.1 (the study's section 1.2.2 and 2.1), trains once on 1 thread, again on
1 thread, and once on 2 threads (BLAS and PyTorch), and prints for each pair whether the weights
are bit-identical, the largest per-batch loss difference, and the final test accuracy difference.
"""

import argparse
from dataclasses import replace

import numpy as np

from mnist_mlp.data.arrays import load_dataset, prepared_paths
from mnist_mlp.runs.execute import RunSpec, execute
from mnist_mlp.runs.key import RunKey
from mnist_mlp.runs.provenance import compute
from mnist_mlp.runs.threads import limit_threads

KEY = RunKey(
    "mnist", 30000, "numpy", "relu", "he_normal", (500, 250, 100), 0.1, 0.0, 0
)  # the torch run differs in backend


def run(spec: RunSpec, data, threads: int):
    on_torch = spec.key.backend == "torch"
    with limit_threads(threads, include_torch=on_torch):
        model, history, metrics = execute(spec, data, progress=False)
        info = compute(threads, on_torch)
    losses = np.array([loss for _, _, loss in history.batch_loss])
    return [a for layer in model.params for a in layer], losses, metrics["test_accuracy"], info


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=prepared_paths(KEY.dataset, KEY.n_train)["data"])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--backend", nargs="+", default=["numpy", "torch"])
    args = parser.parse_args()
    data = load_dataset(args.data, KEY.dataset)
    print(f"ReLU, lr 0.1, seed 0, {args.epochs} epochs, {len(data.y_train)} training images")
    for backend in args.backend:
        spec = RunSpec(replace(KEY, backend=backend), args.epochs, batch_size=64, dtype="float32", device="cpu")
        first, again, two = run(spec, data, 1), run(spec, data, 1), run(spec, data, 2)
        print(f"{backend}: BLAS {first[3]['blas']}, CPU {first[3]['cpu']}")
        for label, other in (("1 thread, run again", again), ("1 thread vs 2 threads", two)):
            identical = all(np.array_equal(a, b) for a, b in zip(first[0], other[0]))
            n = min(len(first[1]), len(other[1]))
            loss_gap = float(np.max(np.abs(first[1][:n] - other[1][:n])))
            print(
                f"  {label:22s} weights bit-identical: {str(identical):5s}  largest batch-loss difference "
                f"{loss_gap:.2e}  final test accuracy {100 * first[2]:.2f}% vs {100 * other[2]:.2f}% "
                f"({100 * (other[2] - first[2]):+.2f} points)"
            )


if __name__ == "__main__":
    main()
