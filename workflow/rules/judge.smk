if MULTIVERSE_AXES:

    rule judge_multiverse:
        input:
            multiverse=PRODUCTS.results("multiverse.csv"),
            # every claim is judged image by image in every universe
            predictions=run_paths("predictions"),
            study=STUDY_FILES["study"],
        output:
            verdicts=PRODUCTS.results("multiverse_verdicts.csv"),
            # how well the study's numbers fit each universe, and which they allow
            fit=PRODUCTS.results("multiverse_fit.csv"),
            # how much each choice moves each claim's difference, and one test across all universes
            choices=PRODUCTS.results("multiverse_choices.csv"),
            joint=PRODUCTS.results("multiverse_joint.csv"),
        log:
            PRODUCTS.log("judge_multiverse"),
        benchmark:
            PRODUCTS.benchmark("judge_multiverse")
        conda:
            "../../envs/mnist-mlp.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            axes=MULTIVERSE_AXES,
            scope=MULTIVERSE_SCOPE,
            own_scope=OWN_SCOPE,
            draws=config["multiverse"]["draws"],
        script:
            "../scripts/judge_multiverse.py"
