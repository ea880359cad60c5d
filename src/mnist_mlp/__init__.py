"""The computation behind the mnist-mlp-study workflow; nothing in here knows about Snakemake."""
