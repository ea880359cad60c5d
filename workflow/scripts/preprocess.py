import json

import numpy as np

from mnist_mlp.data.arrays import preprocess
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output) as log:
        train_images, train_labels, test_images, test_labels = snakemake.input
        arrays = preprocess(
            train_images, train_labels, test_images, test_labels, snakemake.params.n_train, snakemake.params.subset_seed
        )
        np.savez(snakemake.output.data, **arrays)
        summary = {
            "n_train": len(arrays["y_train"]),
            "n_test": len(arrays["y_test"]),
            "subset_seed": snakemake.params.subset_seed,
            "train_class_counts": arrays["train_class_counts"].tolist(),
            "test_class_counts": np.bincount(arrays["y_test"], minlength=10).tolist(),
        }
        with open(snakemake.output.summary, "w") as f:
            json.dump(summary, f, indent=1)
        log.info("%s", summary)


if "snakemake" in globals():
    main(snakemake)
