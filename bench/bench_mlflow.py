"""What `snakemake mlflow` costs on a built study: the export of every run into a fresh MLflow
database, then the same export again (which should change nothing), each timed, with the
database's size. Run it in a built working directory (results/runs.csv, results/claims.json and
report.html present); it writes only to a temporary folder.

    python bench/bench_mlflow.py [--workdir .]
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from mnist_mlp.present.tracker import experiment_name, export, memberships, parent_record, run_record


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("."), help="a built working directory")
    args = parser.parse_args()
    os.chdir(args.workdir)
    started = time.perf_counter()
    tables = [pd.read_csv(f"results/{name}.csv") for name in ("runs", "sensitivity", "multiverse")]
    claims = json.loads(Path("results/claims.json").read_text())
    records = [run_record(folder, member, Path("report.html")) for folder, member in memberships(*tables).items()]
    read_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "mlflow.db"
        for attempt in ("first export", "second export"):
            started = time.perf_counter()
            counts = export(db, experiment_name(["bench"]), records, parent_record(claims))
            print(f"{attempt}: {time.perf_counter() - started:.1f} s, {counts}")
        print(f"{len(records)} runs read in {read_s:.1f} s; database {db.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
