"""The run files' plain CSV writer writes what pandas wrote before it, byte for byte."""

import pandas as pd

from mnist_mlp.present.sections import compute_rows
from mnist_mlp.runs.run_format import write_csv


def test_the_plain_writer_matches_pandas_byte_for_byte(tmp_path):
    rows = [
        (1, 0, 2.302585092994046),
        (1, 1, 1e-05),
        (1, 2, 0.1),
        (1, 3, 3.0),
        (1, 4, 1e20),
        (1, 5, 123456789.123),
        (2, 0, float("inf")),
        (2, 1, float("-inf")),
        (2, 2, float("nan")),
    ]
    pd.DataFrame(rows, columns=["epoch", "batch", "loss"]).to_csv(tmp_path / "pandas.csv", index=False)
    write_csv(tmp_path / "plain.csv", ["epoch", "batch", "loss"], rows)
    assert (tmp_path / "plain.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    write_csv(tmp_path / "empty.csv", ["label", "predicted"], [])
    pd.DataFrame({}, columns=["label", "predicted"]).to_csv(tmp_path / "empty_pandas.csv", index=False)
    assert (tmp_path / "empty.csv").read_bytes() == (tmp_path / "empty_pandas.csv").read_bytes()


def test_runs_are_grouped_by_where_they_ran_and_what_their_last_digits_depend_on():
    runs = [
        {"backend": "numpy", "host": "a", "threads": 1.0, "blas": "openblas 0.3", "cpu": "EPYC"},
        {"backend": "numpy", "host": "a", "threads": 1.0, "blas": "openblas 0.3", "cpu": "EPYC"},
        {"backend": "numpy", "host": "b", "threads": 1.0, "blas": "openblas 0.3", "cpu": "EPYC"},
        {"backend": "numpy", "host": "a", "threads": 2.0, "blas": "openblas 0.3", "cpu": "EPYC"},
        {"backend": "torch", "host": "a", "threads": 1.0, "blas": "mkl 2025", "cpu": "EPYC"},
    ]
    assert compute_rows(runs) == [
        {"backend": "numpy", "host": "a", "threads": 1, "blas": "openblas 0.3", "cpu": "EPYC", "runs": 2},
        {"backend": "numpy", "host": "b", "threads": 1, "blas": "openblas 0.3", "cpu": "EPYC", "runs": 1},
        {"backend": "numpy", "host": "a", "threads": 2, "blas": "openblas 0.3", "cpu": "EPYC", "runs": 1},
        {"backend": "torch", "host": "a", "threads": 1, "blas": "mkl 2025", "cpu": "EPYC", "runs": 1},
    ]
