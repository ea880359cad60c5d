"""results/claims.json and the report's reproducibility summary, checked against what they are made
from: runs.csv and each claim judged again here."""

import json
import re

import jsonschema
import pandas as pd
import pytest
import yaml

from conftest import REPO, SARKAR, SMOKE_TRAIN
from mnist_mlp import fmt
from mnist_mlp.judge.claims import CLAIM_KINDS, INTERVAL_METHODS, Evidence, Rules, judge
from mnist_mlp.judge.multiverse import LABELS
from mnist_mlp.judge.stats import FAILS, HOLDS, INCONCLUSIVE, TIE, UNTESTED
from mnist_mlp.present.manifest import build_command, cost, run_costs, write
from mnist_mlp.present.sections import every_run, run_rows
from mnist_mlp.present.summary import PARTS

SCHEMA = json.loads((REPO / "workflow" / "schemas" / "claims.schema.json").read_text())
STUDY = yaml.safe_load((SARKAR / "study.yaml").read_text())


def test_the_schema_holds_the_package_closed_lists():
    defs = SCHEMA["$defs"]
    assert set(defs["verdict"]["enum"]) == {HOLDS, FAILS, TIE, INCONCLUSIVE, UNTESTED}
    assert set(defs["claim"]["properties"]["kind"]["enum"]) == set(CLAIM_KINDS)
    assert set(defs["claim"]["properties"]["robustness"]["enum"]) == {*LABELS, UNTESTED, None}
    over_allowed = defs["claim"]["properties"]["robustness_allowed"]["oneOf"][1]["properties"]["label"]
    assert set(over_allowed["enum"]) == {*LABELS, UNTESTED, None}
    assert set(defs["interval"]["properties"]["source"]["enum"]) == set(INTERVAL_METHODS)


def test_the_command_names_the_overlays_after_the_target():
    assert build_command([]) == "snakemake --cores 2 report.html"
    assert build_command(["config/a.yaml", "/x y/b.yaml"]) == (
        "snakemake --cores 2 report.html --configfile config/a.yaml '/x y/b.yaml'"
    )


@pytest.fixture(scope="module")
def built(smoke_run):
    """The smoke build's manifest, runs.csv and report."""
    return (
        json.loads((smoke_run / "results" / "claims.json").read_text()),
        pd.read_csv(smoke_run / "results" / "runs.csv"),
        (smoke_run / "report.html").read_text(),
    )


def test_a_number_in_the_manifest_is_written_without_binary_noise_and_nan_as_null(tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text("{}")
    out = tmp_path / "claims.json"
    write(out, {"difference_pp": 97.02 - 95.43, "p": 1.2345e-15, "missing": float("nan"), "n": [0.1 + 0.2]}, schema)
    assert json.loads(out.read_text()) == {"difference_pp": 1.59, "p": 1.2345e-15, "missing": None, "n": [0.3]}
    assert "1.5900000000000" not in out.read_text()


def test_runs_that_shared_their_cores_are_flagged_in_the_table_and_in_each_claims_cost():
    def run(seed, share, job_s):
        folder = f"results/runs/mnist_n3000/numpy/relu/he_normal/h500-250-100/lr0.1_wd0.0/seed{seed}"
        return {"dir": folder, "experiment": "baseline", "activation": "relu", "seed": seed}, {
            "job_s": job_s, "max_rss_mb": 300.0, "disk_mb": 1.0, "cpu_share": share,
            "diverged": False, "failed_to_learn": False,
        }  # fmt: skip

    table = pd.DataFrame([a | b for a, b in (run(0, 0.97, 10.0), run(1, 0.49, 20.0), run(2, None, 5.0))])
    no_sweeps = pd.DataFrame(columns=[*table.columns, "sweep", "setting"], dtype=object)
    rows = run_rows(table, no_sweeps, {"baseline": "Baseline"})
    alone, shared, old = (r["dir"] for r in rows)
    assert [r["shared_core"] for r in rows] == [False, True, False] and rows[2]["cpu_pct"] is None
    runs = every_run(rows, len(rows), [])
    assert [r["dir"] for r in runs["shared"]] == [shared] and runs["n_cpu_measured"] == 2
    costs = run_costs(rows)
    assert cost([alone], costs)["shared_core_runs"] == 0
    both = cost([alone, shared, old], costs)
    # weighted by job time: the shared run's 20 s count twice the alone run's 10 s
    assert both["shared_core_runs"] == 1 and both["cpu_share"] == round((0.97 * 10 + 0.49 * 20) / 30, 3)
    assert cost([old], costs)["cpu_share"] is None


def test_the_manifest_validates_and_each_claim_is_its_judgement(built, smoke_run, monkeypatch):
    manifest, runs, _ = built
    jsonschema.validate(manifest, SCHEMA)
    monkeypatch.chdir(smoke_run)  # run folders are relative to the build
    rules = Rules.from_study(STUDY)
    assert [c["id"] for c in manifest["claims"]] == [c["id"] for c in STUDY["claims"]]
    for entry, claim in zip(manifest["claims"], STUDY["claims"]):
        judgement = judge(claim, Evidence(runs), rules)
        assert (entry["verdict"], entry["runs"]) == (judgement.verdict, judgement.runs)
        assert len(entry["comparisons"]) == len(judgement.comparisons)
        for written, computed in zip(entry["comparisons"], judgement.comparisons):
            # the manifest keeps 12 significant digits
            assert written["estimate"] == pytest.approx(computed.estimate, rel=1e-11, abs=1e-12)
            bounds = {i["source"]: (i["low"], i["high"]) for i in written["intervals"]}
            assert bounds == {s: pytest.approx((i.low, i.high), rel=1e-11) for s, i in computed.intervals.items()}
        behind = runs.drop_duplicates("dir").set_index("dir").loc[judgement.runs]
        assert entry["cost"]["runs"] == len(behind)
        assert entry["cost"]["job_s"] == pytest.approx(behind["job_s"].sum(), abs=0.01)
        assert entry["cost"]["disk_mb"] == pytest.approx(behind["disk_mb"].sum(), abs=0.001)
        assert "config/smoke.yaml" in entry["command"]
    untested = next(c for c in manifest["claims"] if c["verdict"] == UNTESTED)
    assert untested["command"].endswith("config/sensitivity.yaml")  # what would test it
    assert untested["command"] != manifest["command"]


def test_each_reported_number_is_set_beside_the_mean_of_its_runs(built):
    manifest, runs, _ = built
    numbers = {(n["experiment"], n["activation"]): n for n in manifest["numbers"]}
    reported = {(e, a): v for e, by_activation in STUDY["accuracy"].items() for a, v in by_activation.items()}
    assert set(numbers) == set(reported)
    for (experiment, activation), number in numbers.items():
        group = runs[(runs["experiment"] == experiment) & (runs["activation"] == activation)]
        assert number["reported_pct"] == reported[experiment, activation]
        assert number["reproduced_pct"] == pytest.approx(100 * group["test_accuracy"].mean())
        tolerance = STUDY["verdicts"]["close_pp"]
        assert number["tolerance_pp"] == tolerance
        assert number["reproduced"] == (abs(number["reproduced_pct"] - number["reported_pct"]) <= tolerance)


def test_the_summary_reads_first_under_the_reproducibility_headings(built):
    _, _, html = built
    assert re.findall(r'<h2 id="([^"]+)">', html)[0] == "summary"
    summary = html[html.index('<h2 id="summary">') : html.index('<h2 id="since">')]
    assert re.findall(r'<h3 id="summary-\w+">([^<]+)<a', summary) == list(PARTS.values())


def test_every_number_of_the_summary_is_the_runs_or_the_manifests(built):
    manifest, runs, html = built
    summary = html[html.index('<h2 id="summary">') : html.index('<h2 id="since">')]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", summary))
    assert f"{runs['dir'].nunique()} distinct training runs on MNIST" in text
    assert f"Training took {fmt.seconds(runs.drop_duplicates('dir')['job_s'].sum())} s of job time" in text
    assert f"the runs' files take {fmt.megabytes(runs.drop_duplicates('dir')['disk_mb'].sum())} MB" in text
    verdicts = pd.Series([c["verdict"] for c in manifest["claims"]]).value_counts()
    assert all(f"{n} {verdict}" in text for verdict, n in verdicts.items())
    reproduced = sum(n["reproduced"] is True for n in manifest["numbers"])
    assert f"{reproduced} reproduced within {STUDY['verdicts']['close_pp']} points" in text
    assert manifest["command"] in text
    diverged = runs.drop_duplicates("dir")["diverged"].sum()
    assert f"{diverged} diverged" in text
    study = STUDY["study"]["setup"]
    assert (
        f"not as stated in this build: {SMOKE_TRAIN:,} training images (the study: {study['n_train']:,} training "
        f"images), 1 epoch (the study: {study['epochs']} epochs)"
    ) in text
