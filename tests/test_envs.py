import re

import yaml

from conftest import REPO


def pins(lines):
    return dict(m.groups() for line in lines if (m := re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())))


def test_conda_env_pins_match_the_pip_requirements():
    pip_pins = pins((REPO / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((REPO / "envs" / "mnist-mlp.yaml").read_text())
    pip_section = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    conda_pins = pins(pip_section)
    # snakemake and its executor plugin run the jobs; they are not needed inside the job environment
    expected = {name: version for name, version in pip_pins.items() if not name.startswith("snakemake")}
    assert conda_pins == expected
    assert "numpy" in conda_pins and conda_pins["numpy"].startswith("2.")
