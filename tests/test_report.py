"""report.html and the figures, built by the real workflow on the smoke config."""

import base64
import os
import platform
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from markupsafe import escape

from conftest import REPO, SARKAR, SMOKE_TRAIN, planned_rules, smoke_overlay, snakemake
from mnist_mlp.runs.jobs import SHARED_BELOW

STUDY = yaml.safe_load((SARKAR / "study.yaml").read_text())


def test_report_recreates_every_figure_table_and_claim_of_the_study(smoke_run):
    html = (smoke_run / "report.html").read_text()
    for number in range(1, 20):  # the study's Figures 1-19
        assert re.search(rf"<strong>Figure {number}(\([ab]\))?\.</strong>", html), f"Figure {number}"
    assert len(STUDY["figures"]) == 26  # 19 figures, 7 of them in two parts
    images = re.findall(r'<img src="data:image/png;base64,', html)
    assert len(images) == len(STUDY["figures"]) + 2  # plus the two figures the study lacks
    for title in (
        "1.1 Backpropagation on the baseline model",
        "1.2.1 Backpropagation, learning rate 0.001",
        "1.2.2 Backpropagation, learning rate 0.1",
        "2.1 PyTorch without regularisation",
        "2.2 PyTorch with L2 regularisation",
    ):
        assert f'>{title}<a class="anchor"' in html
    assert html.count('<th scope="col">Reported (%)</th>') >= 5
    for claim in STUDY["claims"]:
        row = html[html.index(f'<tr id="claim-{claim["id"]}">') :]
        assert str(escape(claim["quote"])) in row.split("</tr>")[0]
        assert re.match(r".*?<span class=\"verdict \w+\">(holds|fails|tie|inconclusive|untested)</span>", row, re.S)
    assert "“A beats B” holds when A is ahead by at least 0.5 points" in html  # the rule, stated
    # 1.2.2 and 2.1 differ only in the backend: the report says so, with the largest per-batch loss difference
    agreement = re.search(
        r"lr_0\.1</a> \(from-scratch NumPy\) and <a href=\"#torch\">torch</a> \(PyTorch\) differ only in the "
        r"backend:.*?differ by at most ([0-9.e+-]+) in the first epoch",
        html,
        re.S,
    )
    assert agreement and float(agreement[1]) < 1e-3
    # one seed: no spread was measured, so no "±" in any table and no std of 0.00
    tables = re.findall(r"<table>.*?</table>", html, re.S)
    assert not any("± 0.00" in t or re.search(r"<td>± ", t) for t in tables)
    assert html.count("<td>—</td><td>1</td>") >= 15  # the ± std column beside the seed count
    # without the sensitivity overlay, the weight-decay claim is untested and says how to test it
    claim = html[html.index('<tr id="claim-larger_wd_raises_train_loss">') :].split("</tr>")[0]
    assert '<span class="verdict untested">untested</span>' in claim
    assert "snakemake --cores 2 --configfile config/sensitivity.yaml" in claim
    unstated = html[html.index('<h2 id="unstated">') : html.index('<h2 id="robust">')]
    assert "Not run here" in unstated and "--configfile config/sensitivity.yaml" in unstated
    robust = html[html.index('<h2 id="robust">') : html.index('<h2 id="beyond">')]  # and without the multiverse
    assert "Not run here" in robust and "config/multiverse.yaml" in robust
    assert 'src="http' not in html and "<script src" not in html  # self-contained, nothing to fetch


def test_the_cost_tables_include_every_job_and_provenance_says_what_the_digits_depend_on(smoke_run):
    html = (smoke_run / "report.html").read_text()
    around = html[html.index("<caption>The jobs around training") :].split("</table>")[0]
    jobs = re.findall(r'<th scope="row" class="l">([^<]+)</th><td>([0-9.,]+)</td>', around)
    assert [name for name, _ in jobs] == [
        "download/mnist",
        f"preprocess/mnist_n{SMOKE_TRAIN}",
        *(f"plot_section/{section}" for section in ("baseline", "lr_0.001", "lr_0.1", "torch", "torch_l2")),
        "aggregate",
        "plot_overview",
        "report_html (this job, up to rendering)",
    ]
    assert all(float(seconds.replace(",", "")) >= 0 for _, seconds in jobs)
    provenance = html[html.index('<h2 id="provenance">') :]
    host = re.escape(platform.node())  # each run's own record of where it ran
    assert re.search(
        rf"Training, numpy</th><td class=\"l\">\d+ runs, as each run recorded it: on {host}, 1 thread per "
        r"job, BLAS \w+",
        provenance,
    )
    assert "Training, torch" in provenance and "bit-identical when it has the same thread count" in provenance
    # each run's CPU share is measured, and the runs under the line are the ones flagged, in the table and above it
    shares = pd.read_csv(smoke_run / "results" / "runs.csv").drop_duplicates("dir")["cpu_share"]
    assert shares.between(0, 1).all()
    n_shared = int((shares < SHARED_BELOW).sum())
    assert html.count('class="shared-core"') == n_shared
    if n_shared:
        assert f"{n_shared} of the {len(shares)} runs got under {round(100 * SHARED_BELOW)} %" in html
    else:
        assert "no job waited for a core" in html


def test_report_shows_a_diverged_run_as_diverged(smoke_run):
    html = (smoke_run / "report.html").read_text()
    assert '>forced to diverge<a class="anchor"' in html
    section = html[html.index('>forced to diverge<a class="anchor"') :]
    assert re.search(r'<td class="l diverged">diverged', section)
    assert "1 run(s) diverged" in html


def test_changing_a_plot_setting_reruns_plots_and_report_only(smoke_run, mnist_raw):
    result = snakemake(smoke_run, "-n", overlay=smoke_overlay(mnist_raw, plots={"dpi": 72}))
    sections = {f"plot_section_{section}" for section in ("baseline", "lr_0_001", "lr_0_1", "torch", "torch_l2")}
    assert planned_rules(result.stdout) == {*sections, "plot_overview", "report_html", "all"}


def test_labels_from_the_config_are_escaped(smoke_run, mnist_raw, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir)
    hostile = "<script>alert('x')</script> & co"
    snakemake(workdir, "--cores", "2", overlay=smoke_overlay(mnist_raw, experiments={"baseline": {"title": hostile}}))
    html = (workdir / "report.html").read_text()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    assert "<script>alert" not in html


def test_snakemake_report_includes_the_figures_with_captions(smoke_run, mnist_raw, tmp_path):
    out = tmp_path / "snakemake-report.html"
    snakemake(smoke_run, "--report", str(out), overlay=smoke_overlay(mnist_raw))
    html = out.read_text()
    assert "fig07.png" in html and "reported_vs_reproduced.png" in html
    assert "runs.csv" in html and "Every run of the study's experiments" in html  # the run table, as in report.html
    assert "Not in the study" in html  # a caption from report/
    assert "chance line at 11.35 %" in html and "at 10 %" not in html  # the dataset's own chance, not a guess's


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium through Playwright; skipped when either is missing, unless required."""
    required = os.environ.get("MNIST_MLP_REQUIRE_BROWSER") == "1"
    sync_api = (
        pytest.importorskip("playwright.sync_api")
        if not required
        else __import__("playwright.sync_api", fromlist=["sync_playwright"])
    )
    chromium = find_chromium()
    if chromium is None:
        if required:
            pytest.fail("MNIST_MLP_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
        pytest.skip("no chromium on PATH; apt-get install chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def open_report(browser, workdir: Path, width: int):
    """The report at a viewport ``width``, with its console errors and network requests recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors, requests = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("request", lambda req: requests.append(req.url))
    url = (workdir / "report.html").as_uri()
    page.goto(url, wait_until="load")
    return page, errors, [r for r in requests if not r.startswith("data:") and r != url]


@pytest.mark.parametrize("width", [1400, 390])
def test_report_reads_at_desktop_and_phone_width_with_nothing_fetched(smoke_run, browser, width):
    page, errors, requests = open_report(browser, smoke_run, width)
    sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == 28 and all(complete and w > 0 and h > 0 for complete, w, h in sizes)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width  # no sideways scroll
    dead = page.evaluate("""() => Array.from(document.querySelectorAll('a[href^="#"]'))
        .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))""")
    assert dead == []
    toc = page.eval_on_selector_all("nav.toc a", "links => links.map(a => a.getAttribute('href'))")
    assert len(toc) >= 10 and {"#summary", "#claims", "#runs", "#unstated", "#provenance"} <= set(toc)
    assert errors == [] and requests == []
    page.close()


def test_on_a_phone_each_claim_is_a_card_quote_then_verdict(smoke_run, browser):
    layout = """width => Array.from(document.querySelectorAll('[id^="claim-"]')).map(row => {
        const cells = Array.from(row.cells).map(c => [c.className, c.getBoundingClientRect()]);
        const top = name => cells.find(([cls]) => cls.includes(name))[1].top;
        return [getComputedStyle(row).display, top('quote') < top('verdict-cell'),
                Math.max(...cells.map(([, r]) => r.width)) <= width, cells.every(([, r]) => r.left < 40)];
    })"""
    phone, _, _ = open_report(browser, smoke_run, 390)
    cards = phone.evaluate(f"({layout})(390)")
    assert cards and all(card == ["flex", True, True, True] for card in cards)  # stacked: every cell at the left
    assert phone.evaluate("getComputedStyle(document.querySelector('table.cards thead')).display") == "none"
    desktop, _, _ = open_report(browser, smoke_run, 1400)
    assert {row[0] for row in desktop.evaluate(f"({layout})(1400)")} == {"table-row"}  # a table on a wide screen
    phone.close()
    desktop.close()


def test_clicking_a_run_table_header_sorts_the_rows(smoke_run, browser):
    page, errors, _ = open_report(browser, smoke_run, 1400)
    column = page.eval_on_selector_all("#run-table thead th", "ths => ths.map(t => t.textContent)").index(
        "Test acc. (%)"
    )
    read = f"""() => Array.from(document.querySelectorAll('#run-table tbody tr'))
        .map(r => r.cells[{column}].dataset.sort)"""
    page.click(f"#run-table thead th:nth-child({column + 1})")
    ascending = [float(v) for v in page.evaluate(read) if v not in ("", "nan")]
    assert ascending == sorted(ascending) and len(ascending) >= 15
    page.click(f"#run-table thead th:nth-child({column + 1})")
    descending = [float(v) for v in page.evaluate(read) if v not in ("", "nan")]
    assert descending == sorted(ascending, reverse=True)
    page.fill("#run-filter", "tanh")
    shown = page.eval_on_selector_all("#run-table tbody tr:not([hidden])", "rows => rows.map(r => r.textContent)")
    assert shown and all("tanh" in row for row in shown)
    assert errors == []
    page.close()


def test_each_figure_offers_its_plotted_numbers_and_its_svg(smoke_run, browser):
    page, _, _ = open_report(browser, smoke_run, 1400)
    downloads = page.eval_on_selector_all("a[download]", "links => links.map(a => [a.download, a.href])")
    files = dict(downloads)
    figures = smoke_run / "results" / "figures"
    for png in figures.glob("*.png"):
        csv = base64.b64decode(files[f"{png.stem}.csv"].split(",", 1)[1]).decode()
        assert csv == (figures / f"{png.stem}.csv").read_text()  # the table plot_* returned with the figure
        assert base64.b64decode(files[f"{png.stem}.svg"].split(",", 1)[1]).startswith(b"<?xml")
    page.close()


def test_the_report_prints(smoke_run, browser, tmp_path):
    page, errors, _ = open_report(browser, smoke_run, 1400)
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 100_000
    assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
    assert errors == []
    page.close()


def test_the_template_states_no_number_of_its_own():
    """Facts about the study and thresholds reach the report as variables (from the config, the
    study file, the runs or where a threshold is defined): once its style, script, tags and Jinja
    expressions are removed, the template's text holds no digit."""
    template = (REPO / "report" / "report.html.j2").read_text()
    text = re.sub(
        r"<style>.*?</style>|<script>.*?</script>|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]*>", " ", template, flags=re.S
    )
    assert re.findall(r"[^\s]*\d[^\s]*", text) == []


def test_the_contents_name_each_section_as_its_heading_does(smoke_run):
    """A section's title and anchor are said once (present/html.Section): the contents, the heading
    and the links to it read the same value."""
    html = (smoke_run / "report.html").read_text()
    contents = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    entries = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', contents)
    assert [a for a, _ in entries] == re.findall(r'<h2 id="([^"]+)">', html)  # every section, in page order
    for anchor, title in entries:
        heading = re.search(rf'<h2 id="{re.escape(anchor)}">([^<]+)<a class="anchor"', html)
        assert heading and heading.group(1) == title, anchor


def test_the_template_spells_no_section_title_or_anchor():
    """Every section heading and every link to a section takes its Section from the context."""
    template = (REPO / "report" / "report.html.j2").read_text()
    assert re.findall(r'heading\(\d, "', template) == []
    assert re.findall(r'href="#[\w-]+"', template) == []  # a literal link to a section
