import datetime
import json
import resource
import time
from pathlib import Path

import pandas as pd

from mnist_mlp.judge.claims import Rules
from mnist_mlp.judge.study import load_study, study_overlays
from mnist_mlp.present import history
from mnist_mlp.present.compare import from_record
from mnist_mlp.present.manifest import build_command, manifest, run_costs, write
from mnist_mlp.present.robustness import Multiverse
from mnist_mlp.present.report import build_context, claim_verdicts, render, with_since
from mnist_mlp.present.since import since_section
from mnist_mlp.runs.aggregate import read_benchmark
from mnist_mlp.runs.jobs import job, process_started
from mnist_mlp.runs.tables import read_table


def other_jobs(names: list[str], benchmarks: list[str], started: float) -> list[dict]:
    """What each job around training cost (``names``: "aggregate", "preprocess/mnist_n30000", ...,
    each beside its benchmark file), this one included, timed from its start until now."""
    jobs = [{"job": name, **read_benchmark(Path(p))} for name, p in zip(names, benchmarks)]
    return jobs + [
        {
            "job": "report_html (this job, up to rendering)",
            "job_s": time.time() - started,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    ]


def one_table(paths, of_aggregation: bool = False) -> pd.DataFrame | None:
    """The one table of a multiverse input, or None where no multiverse ran; one of aggregation's
    tables (multiverse.csv) is held to its digest."""
    if not paths:
        return None
    return read_table(paths[0]) if of_aggregation else pd.read_csv(paths[0])


def main(snakemake):
    started = process_started()
    with job(snakemake.log[0], snakemake.output):
        runs = read_table(snakemake.input.runs)
        sweeps = read_table(snakemake.input.sensitivity)
        figures = {
            Path(png).stem: {"png": png, "svg": svg, "csv": csv}
            for png, svg, csv in zip(
                snakemake.input.figures_png, snakemake.input.figures_svg, snakemake.input.figures_csv
            )
        }
        study = load_study(snakemake.input.study)
        summary = json.loads(Path(snakemake.input.data_summary).read_text())
        config, commit = snakemake.params.config, snakemake.params.commit
        axes, scope_axes, own_scope = snakemake.params.multiverse
        multiverse = Multiverse(
            *(
                one_table(getattr(snakemake.input, f"universe_{t}"), of_aggregation=t == "runs")
                for t in ("verdicts", "fit", "choices", "joint", "runs")
            ),
            axes,
            scope_axes,
            own_scope,
        )
        context = build_context(
            runs,
            sweeps,
            study,
            snakemake.params.titles,
            figures,
            summary,
            other_jobs(snakemake.params.jobs, snakemake.input.job_benchmarks, started),
            config,
            snakemake.params.dataset,
            commit,
            multiverse,
            build_command(snakemake.params.overlays, **snakemake.params.target),
            {
                part: build_command(files, report=None, study=snakemake.params.target["study"])
                for part, files in study_overlays(study).items()
            },
        )
        claims = manifest(
            context["page"],
            snakemake.params.dataset,
            context["claims"]["rows"],
            context["experiments"],
            Rules.from_study(study),
            study["verdicts"]["close_pp"],
            snakemake.params.overlays,
            run_costs(context["runs"]["rows"]),
            **snakemake.params.target,
            sweeps=study_overlays(study).get("sensitivity", []),
        )
        write(Path(snakemake.output.claims), claims, Path(snakemake.input.claims_schema))
        record = history.make_record(
            runs,
            sweeps,
            config,
            claim_verdicts(context),
            commit,
            datetime.datetime.now(datetime.timezone.utc),
            multiverse.runs,
        )
        update = history.update(snakemake.params.history, record)
        history.warn(update)
        since = since_section(update, from_record(record), context["claims"]["rows"], snakemake.params.history)
        html = render(Path(snakemake.input.template), with_since(context, since))
        Path(snakemake.output.report).write_text(html, encoding="utf-8")


if "snakemake" in globals():
    main(snakemake)
