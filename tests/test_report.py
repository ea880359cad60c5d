"""report.html and the figures, built by the real workflow on the smoke config."""

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from markupsafe import escape

from conftest import REPO, planned_rules, smoke_overlay, snakemake

STUDY = yaml.safe_load((REPO / "config" / "study_reported.yaml").read_text())


def test_report_recreates_every_figure_table_and_claim_of_the_study(smoke_run):
    html = (smoke_run / "report.html").read_text()
    for number in range(1, 20):  # the study's Figures 1-19
        assert re.search(rf"<strong>Figure {number}(\([ab]\))?\.</strong>", html), f"Figure {number}"
    assert len(STUDY["figures"]) == 26  # 19 figures, 7 of them in two parts
    images = re.findall(r'<img src="data:image/png;base64,', html)
    assert len(images) == len(STUDY["figures"]) + 2  # plus the two figures the study lacks
    for title in ("1.1 Backpropagation on the baseline model", "1.2.1 Backpropagation, learning rate 0.001",
                  "1.2.2 Backpropagation, learning rate 0.1", "2.1 PyTorch without regularisation",
                  "2.2 PyTorch with L2 regularisation"):
        assert f">{title}</h2>" in html
    assert html.count("<th>Reported (%)</th>") >= 5
    for claim in STUDY["claims"]:
        row = html[html.index(f'<tr id="claim-{claim["id"]}">'):]
        assert str(escape(claim["quote"])) in row.split("</tr>")[0]
        assert re.match(r".*?<span class=\"verdict \w+\">(holds|fails|tie|inconclusive|untested)</span>", row, re.S)
    assert "“A beats B” holds when A is ahead by at least 0.5 points" in html  # the rule, stated
    # without the sensitivity overlay, the weight-decay claim is untested and says how to test it
    claim = html[html.index('<tr id="claim-larger_wd_raises_train_loss">'):].split("</tr>")[0]
    assert '<span class="verdict untested">untested</span>' in claim
    assert "snakemake --cores 2 --configfile config/sensitivity.yaml" in claim
    unstated = html[html.index('<h2 id="unstated">'):html.index('<h2 id="beyond">')]
    assert "Not run here" in unstated and "--configfile config/sensitivity.yaml" in unstated
    assert 'src="http' not in html and "<script" not in html  # self-contained, nothing to fetch or run


def test_report_shows_a_diverged_run_as_diverged(smoke_run):
    html = (smoke_run / "report.html").read_text()
    assert ">forced to diverge</h2>" in html
    section = html[html.index(">forced to diverge</h2>"):]
    assert re.search(r'<td class="l diverged">diverged', section)
    assert "1 run(s) diverged" in html


def test_changing_a_plot_setting_reruns_plots_and_report_only(smoke_run, mnist_raw):
    result = snakemake(smoke_run, "-n", overlay=smoke_overlay(mnist_raw, plots={"dpi": 72}))
    assert planned_rules(result.stdout) == {"plot_curves", "plot_confusion", "plot_overview", "report_html", "all"}


def test_labels_from_the_config_are_escaped(smoke_run, mnist_raw, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir)
    hostile = "<script>alert('x')</script> & co"
    snakemake(workdir, "--cores", "2", overlay=smoke_overlay(mnist_raw, experiments={"baseline": {"title": hostile}}))
    html = (workdir / "report.html").read_text()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    assert "<script>" not in html


def test_snakemake_report_includes_the_figures_with_captions(smoke_run, mnist_raw, tmp_path):
    out = tmp_path / "snakemake-report.html"
    snakemake(smoke_run, "--report", str(out), overlay=smoke_overlay(mnist_raw))
    html = out.read_text()
    assert "fig07.png" in html and "reported_vs_reproduced.png" in html
    assert "Not in the study" in html  # a caption from report/


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_loads_in_a_real_browser_with_every_image_and_no_requests(smoke_run):
    required = os.environ.get("MNIST_MLP_REQUIRE_BROWSER") == "1"
    sync_api = pytest.importorskip("playwright.sync_api") if not required else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    chromium = find_chromium()
    if chromium is None:
        if required:
            pytest.fail("MNIST_MLP_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
        pytest.skip("no chromium on PATH; apt-get install chromium")
    url = (smoke_run / "report.html").as_uri()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        errors, requests = [], []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("request", lambda req: requests.append(req.url))
        page.goto(url, wait_until="load")
        sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        browser.close()
    assert errors == []
    assert [r for r in requests if not r.startswith("data:")] == [url]
    assert len(sizes) == 28 and all(complete and w > 0 and h > 0 for complete, w, h in sizes)
