import re

import yaml

from conftest import REPO


def pins(lines):
    return dict(m.groups() for line in lines if (m := re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())))


CONTROLLER_ONLY = {"pygments"}  # what `snakemake --report` needs beside Snakemake


def test_conda_env_pins_match_the_pip_requirements():
    pip_pins = pins((REPO / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((REPO / "envs" / "mnist-mlp.yaml").read_text())
    pip_section = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    conda_pins = pins(pip_section)
    # snakemake, its executor plugin and what its own report needs run the jobs; they are not needed
    # inside the job environment
    expected = {
        name: version
        for name, version in pip_pins.items()
        if not name.startswith("snakemake") and name not in CONTROLLER_ONLY
    }
    assert conda_pins == expected
    assert "numpy" in conda_pins and conda_pins["numpy"].startswith("2.")


def test_the_mlflow_env_is_the_workflow_env_plus_the_mlflow_pins():
    def env_pins(name):
        env = yaml.safe_load((REPO / "envs" / name).read_text())
        return pins(next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict)))

    mlflow = pins((REPO / "requirements-mlflow.txt").read_text().splitlines())
    assert "mlflow" in mlflow and env_pins("mlflow.yaml") == {**env_pins("mnist-mlp.yaml"), **mlflow}
