#!/usr/bin/env bash
# Snakemake runs this inside the new conda env, from the working directory (the repository
# root): the rule scripts import the workflow's own package, src/mnist_mlp.
set -euo pipefail
python -m pip install --no-deps --no-build-isolation -e .
