rule download:
    output:
        expand("resources/{{dataset}}/{name}", name=RAW_FILES),
    log:
        "logs/download/{dataset}.log",
    benchmark:
        "benchmarks/download/{dataset}.tsv"
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=500,
        runtime=10,
    # No params: where the files come from (data.source, data.path, read from the config by the
    # script) is not what they are. They are checksum-verified, so a change of source must neither
    # fetch again what is here nor fail offline for a source that is not reachable.
    script:
        "../scripts/download.py"


rule preprocess:
    input:
        # Checksum-verified and always the same bytes: a fresh download (after resources/ was
        # cleared, say) must not rerun the study.
        ancient(expand("resources/{{dataset}}/{name}", name=RAW_FILES)),
    output:
        **prepared_files(DATA_STEM_PATTERN),
    log:
        f"logs/preprocess/{DATA_STEM_PATTERN}.log",
    benchmark:
        f"benchmarks/preprocess/{DATA_STEM_PATTERN}.tsv"
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_train=lambda w: int(w.n_train),
        subset_seed=config["data"]["subset_seed"],
        # the first n images or a seeded random n, and how many images are held out for validation
        subset=lambda w: RunKey.unspelled("subset", w.subset),
        validation=lambda w: RunKey.unspelled("validation", w.validation),
    script:
        "../scripts/preprocess.py"
