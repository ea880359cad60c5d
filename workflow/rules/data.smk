rule download_mnist:
    output:
        expand("resources/mnist/{name}", name=MNIST_FILES),
    log:
        "logs/download_mnist.log",
    benchmark:
        "benchmarks/download_mnist.tsv"
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=500,
        runtime=10,
    params:
        source=config["data"]["source"],
        path=config["data"]["path"],
        timeout_s=config["data"]["timeout_s"],
    script:
        "../scripts/download_mnist.py"


rule preprocess_mnist:
    input:
        # Checksum-verified and always the same bytes: a fresh download (after a change of
        # data.source, say) must not rerun the study.
        ancient(expand("resources/mnist/{name}", name=MNIST_FILES)),
    output:
        data="results/data/{dataset}_n{n_train}.npz",
        summary="results/data/{dataset}_n{n_train}_summary.json",
    log:
        "logs/preprocess/{dataset}_n{n_train}.log",
    benchmark:
        "benchmarks/preprocess/{dataset}_n{n_train}.tsv"
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_train=lambda w: int(w.n_train),
        subset_seed=config["data"]["subset_seed"],
    script:
        "../scripts/preprocess_mnist.py"
