import json

import numpy as np

from mnist_mlp.data.arrays import preprocess
from mnist_mlp.runs.jobs import job


def main(snakemake):
    with job(snakemake.log[0], snakemake.output) as log:
        p = snakemake.params
        arrays = preprocess(*snakemake.input, p.n_train, p.subset_seed, p.subset, p.validation)
        np.savez(snakemake.output.data, **arrays)
        summary = {
            "n_train": len(arrays["y_train"]),
            "n_test": len(arrays["y_test"]),
            "subset_seed": p.subset_seed,
            "subset": p.subset,
            "n_validation": p.validation,
            "train_class_counts": arrays["train_class_counts"].tolist(),
            "test_class_counts": np.bincount(arrays["y_test"], minlength=10).tolist(),
        }
        with open(snakemake.output.summary, "w") as f:
            json.dump(summary, f, indent=1)
        log.info("%s", summary)


if "snakemake" in globals():
    main(snakemake)
