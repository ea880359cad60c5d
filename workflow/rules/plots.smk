import re

CURVE_FIGURES = figure_ids(exclude=["confusion"])
CONFUSION_FIGURES = figure_ids(kinds=["confusion"])
SENSITIVITY_FIGURES = [sensitivity_figure(sweep) for sweep in SWEEPS]


# One job per section, drawn as soon as the section's runs end, while the others still train: each
# reads only its own runs' files, not aggregate's tables, which wait for every run.
for section in FIGURE_SECTIONS:
    curve_ids = figure_ids(exclude=["confusion"], experiment=section)
    confusion_ids = figure_ids(kinds=["confusion"], experiment=section)

    rule:
        name:
            f"{SECTION_JOBS}_" + re.sub(r"\W", "_", section)
        input:
            **experiment_inputs([section]),
            study=STUDY_FILES["study"],
            data_summary=DATA_SUMMARY,
        output:
            png=[
                report(
                    path,
                    caption="../../report/study_figure.rst",
                    category="Study figures",
                )
                for path in figure_files(curve_ids, "png")
            ]
            + [
                report(
                    path,
                    caption="../../report/confusion_figure.rst",
                    category="Study figures",
                )
                for path in figure_files(confusion_ids, "png")
            ],
            svg=figure_files(curve_ids + confusion_ids, "svg"),
            csv=figure_files(curve_ids + confusion_ids, "csv"),
        log:
            PRODUCTS.log(f"{SECTION_JOBS}/{section}"),
        benchmark:
            PRODUCTS.benchmark(f"{SECTION_JOBS}/{section}")
        conda:
            "../../envs/mnist-mlp.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            records=experiment_records([section]),
            curve_ids=curve_ids,
            confusion_ids=confusion_ids,
            dpi=config["plots"]["dpi"],
            smooth=config["plots"]["smooth_batches"],
            dataset=config["data"]["dataset"],
            # what the captions say of the dataset
            words=CAPTION_WORDS,
        script:
            "../scripts/plot_section.py"


rule plot_overview:
    input:
        # every run's own files rather than aggregate's tables: drawn beside aggregation
        **experiment_inputs(list(config["experiments"])),
        study=STUDY_FILES["study"],
        data_summary=DATA_SUMMARY,
    output:
        grid=report(
            figure_files([GRID_FIGURE], "png")[0],
            caption=f"../../report/{GRID_FIGURE}.rst",
            category="Beyond the study",
        ),
        grid_svg=figure_files([GRID_FIGURE], "svg")[0],
        grid_csv=figure_files([GRID_FIGURE], "csv")[0],
        bars=report(
            figure_files([BARS_FIGURE], "png")[0],
            caption=f"../../report/{BARS_FIGURE}.rst",
            category="Beyond the study",
        ),
        bars_svg=figure_files([BARS_FIGURE], "svg")[0],
        bars_csv=figure_files([BARS_FIGURE], "csv")[0],
    log:
        PRODUCTS.log("plot_overview"),
    benchmark:
        PRODUCTS.benchmark("plot_overview")
    conda:
        "../../envs/mnist-mlp.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        records=experiment_run_records(),
        titles=experiment_titles(),
        dpi=config["plots"]["dpi"],
        dataset=config["data"]["dataset"],
        # what the captions say of the dataset
        words=CAPTION_WORDS,
    script:
        "../scripts/plot_overview.py"


if SWEEPS:

    rule plot_sensitivity:
        input:
            runs=PRODUCTS.results("runs.csv"),
            sensitivity=PRODUCTS.results("sensitivity.csv"),
            study=STUDY_FILES["study"],
            data_summary=DATA_SUMMARY,
        output:
            png=[
                report(
                    path,
                    caption="../../report/sensitivity_figure.rst",
                    category="What the study left unstated",
                )
                for path in figure_files(SENSITIVITY_FIGURES, "png")
            ],
            svg=figure_files(SENSITIVITY_FIGURES, "svg"),
            csv=figure_files(SENSITIVITY_FIGURES, "csv"),
        log:
            PRODUCTS.log("plot_sensitivity"),
        benchmark:
            PRODUCTS.benchmark("plot_sensitivity")
        conda:
            "../../envs/mnist-mlp.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            sweeps=SWEEPS,
            titles=experiment_titles(),
            dpi=config["plots"]["dpi"],
            dataset=config["data"]["dataset"],
        script:
            "../scripts/plot_sensitivity.py"


MULTIVERSE_FIGURES = (
    [multiverse_figure(claim["id"]) for claim in STUDY["claims"]]
    if MULTIVERSE_AXES
    else []
)
CHOICES_FIGURES = (
    [choices_figure(claim["id"]) for claim in STUDY["claims"]]
    if MULTIVERSE_AXES
    else []
)

if MULTIVERSE_AXES:

    rule plot_multiverse:
        input:
            verdicts=PRODUCTS.results("multiverse_verdicts.csv"),
            study=STUDY_FILES["study"],
            data_summary=DATA_SUMMARY,
        output:
            png=figure_files(MULTIVERSE_FIGURES, "png"),
            svg=figure_files(MULTIVERSE_FIGURES, "svg"),
            csv=figure_files(MULTIVERSE_FIGURES, "csv"),
        log:
            PRODUCTS.log("plot_multiverse"),
        benchmark:
            PRODUCTS.benchmark("plot_multiverse")
        conda:
            "../../envs/mnist-mlp.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            axes=MULTIVERSE_AXES,
            scope=MULTIVERSE_SCOPE,
            dpi=config["plots"]["dpi"],
        script:
            "../scripts/plot_multiverse.py"

    rule plot_choices:
        input:
            choices=PRODUCTS.results("multiverse_choices.csv"),
            study=STUDY_FILES["study"],
        output:
            png=figure_files(CHOICES_FIGURES, "png"),
            svg=figure_files(CHOICES_FIGURES, "svg"),
            csv=figure_files(CHOICES_FIGURES, "csv"),
        log:
            PRODUCTS.log("plot_choices"),
        benchmark:
            PRODUCTS.benchmark("plot_choices")
        conda:
            "../../envs/mnist-mlp.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            scope=MULTIVERSE_SCOPE,
            dpi=config["plots"]["dpi"],
        script:
            "../scripts/plot_choices.py"
