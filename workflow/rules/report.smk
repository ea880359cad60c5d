REPORT_FIGURES = (
    CURVE_FIGURES
    + CONFUSION_FIGURES
    + list(EXTRA_FIGURES)
    + SENSITIVITY_FIGURES
    + MULTIVERSE_FIGURES
    + CHOICES_FIGURES
)


rule report_html:
    input:
        runs=PRODUCTS.results("runs.csv"),
        sensitivity=PRODUCTS.results("sensitivity.csv"),
        # each claim in every universe, when a multiverse runs
        universe_verdicts=(
            [PRODUCTS.results("multiverse_verdicts.csv")] if MULTIVERSE_AXES else []
        ),
        # how well the study's numbers fit each universe, and which they allow
        universe_fit=[PRODUCTS.results("multiverse_fit.csv")] if MULTIVERSE_AXES else [],
        # which choices move each claim, and each claim tested across all universes
        universe_choices=(
            [PRODUCTS.results("multiverse_choices.csv")] if MULTIVERSE_AXES else []
        ),
        universe_joint=(
            [PRODUCTS.results("multiverse_joint.csv")] if MULTIVERSE_AXES else []
        ),
        # every universe's runs, for the cost of each
        universe_runs=[PRODUCTS.results("multiverse.csv")] if MULTIVERSE_AXES else [],
        # the claims compare runs image by image, and the backends batch by batch
        predictions=run_paths("predictions"),
        batches=run_paths("batches"),
        study=STUDY_FILES["study"],
        data_summary=DATA_SUMMARY,
        # every figure the report embeds, with its SVG and CSV downloads
        figures_png=figure_files(REPORT_FIGURES, "png"),
        figures_svg=figure_files(REPORT_FIGURES, "svg"),
        figures_csv=figure_files(REPORT_FIGURES, "csv"),
        # what the jobs around training cost, for the report's cost table
        job_benchmarks=[job_benchmark(job) for job in JOBS_AROUND_TRAINING],
        # relative to the working directory, so that moving the project folder reruns nothing
        template=project_path("report/report.html.j2"),
        claims_schema=project_path("workflow/schemas/claims.schema.json"),
    output:
        report=PRODUCTS.report,
        # each claim with its rule, verdict, intervals, runs, command and cost, for machines
        claims=PRODUCTS.results("claims.json"),
    log:
        PRODUCTS.log("report_html"),
    benchmark:
        PRODUCTS.benchmark("report_html")
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        config=config,
        titles=experiment_titles(),
        dataset=config["data"]["dataset"],
        # the axes, the scope axes among them, and the config's own option of each scope axis
        multiverse=[MULTIVERSE_AXES, MULTIVERSE_SCOPE, OWN_SCOPE],
        commit=git_commit(workflow.basedir),
        # the config files read on top of the study's: the command that rebuilds it
        overlays=overlay_files(),
        # where the report is, and the study folder the command names (none for the default study)
        target={
            "report": PRODUCTS.report,
            "study": STUDY_FOLDER if PRODUCTS.own else None,
        },
        # read and appended outside inputs and outputs: the history never makes a job rerun
        history=PRODUCTS.results("history"),
        # the jobs whose benchmarks job_benchmarks are, in order
        jobs=JOBS_AROUND_TRAINING,
    script:
        "../scripts/report_html.py"
