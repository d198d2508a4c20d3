import base64
import html
import json
import re
import shutil
import subprocess

import pandas as pd
import pytest
import yaml

from analysis import report as report_module
from analysis.report import write_report
from analysis.tables import results_table
from pid_bench.results_dir import (
    finished_runs,
    seal_run,
    spec_text,
    table_text,
    union_tables,
)

# a cut of the fixture tables keeps the report small enough for the default test run
METRICS = ("balanced_accuracy", "captured_bits")
TASKS = ("redundancy", "unique1", "synergy_xor")
DATASETS = ("latent_bits", "trifeature_small")
#: The config's order of the methods: neither the fixture's order of first appearance
#: (comm, cross, cross_self) nor the fixed colour order (cross, cross_self, comm).
ORDER = ("cross_self", "comm", "cross")
DISPLAY = {"cross_self": "Cross+Self", "comm": "CoMM", "cross": "Cross"}
SHOWN = [DISPLAY[m] for m in ORDER]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Run in the browser once the page and its images have loaded: what it laid out, as JSON in
#: a <pre id="probe">.
PROBE = """<script>window.addEventListener("load", () => {
  const box = e => e.getBoundingClientRect();
  const probe = {
    headings: [...document.querySelectorAll("h1, h2")].map(h => [h.tagName, h.textContent]),
    page_width: document.body.clientWidth,
    images: [...document.images].map(i => ({complete: i.complete, natural: i.naturalWidth,
                                             width: box(i).width, height: box(i).height,
                                             top: box(i).top})),
    details: [...document.querySelectorAll("details")].map(d => ({
      open: d.open, summary: d.querySelector("summary").textContent, text: d.textContent,
      top: box(d).top})),
  };
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(probe);
  document.body.appendChild(out);
});</script>"""


def write_config(path, methods=ORDER, labels=None):
    """config.yaml as the runner resolves it: one mapping per method, with its label."""
    labels = labels or {}
    config = {"datasets": [{"name": "latent", "label": d} for d in DATASETS],
              "methods": [{"name": m, "label": labels.get(m, m), "hparams": {}}
                          for m in methods],
              "seeds": [0, 1, 2], "train": {"epochs": 4, "batch_size": 64, "lr": 3e-4}}
    (path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")


@pytest.fixture(scope="session")
def results_dir_factory(results_dir_factory):
    """conftest's directory with its runs as the runner leaves them: one directory per
    (dataset, method, seed) of the results, holding its rows and a spec, sealed by a
    ``done.json`` with their digests; the directory's tables are their union."""

    def make(path, results, ground_truth, training):
        results_dir_factory(path, results, ground_truth, training)
        shutil.rmtree(path / "runs")
        for (dataset, method, seed), rows in results.groupby(["dataset", "method", "seed"]):
            run = path / "runs" / f"{dataset}__{method}__seed{seed}"
            run.mkdir(parents=True)
            mine = training[(training["dataset"] == dataset) & (training["method"] == method)
                            & (training["seed"] == seed)]
            for name, table in (("results.csv", rows), ("training.csv", mine),
                                ("ground_truth.csv",
                                 ground_truth[ground_truth["dataset"] == dataset])):
                (run / name).write_text(table_text(table), "utf-8")
            identity = {"dataset": {"label": dataset}, "method": {"label": method}, "seed": seed}
            (run / "spec.json").write_text(spec_text(identity), "utf-8")
            seal_run(run, {"dataset": dataset, "method": method, "seed": int(seed)})
        for name, table in union_tables(finished_runs(path)).items():
            (path / name).write_text(table_text(table), "utf-8")
        return path

    return make


def figure_texts(fig):
    """Every label a figure shows: titles, axis and tick labels, legend entries."""
    texts = [fig.get_suptitle()]
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if t]


def legend_labels(fig):
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
    return [t.get_text() for legend in legends if legend is not None
            for t in legend.get_texts()]


def build_report(source, out):
    """Write the report of ``source``; return (html, md, {figure name: figure texts},
    {figure name: legend labels})."""
    texts, legends = {}, {}
    draw = report_module._Document.figure

    def spy(self, fig, name, caption):
        texts[name], legends[name] = figure_texts(fig), legend_labels(fig)
        draw(self, fig, name, caption)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_module._Document, "figure", spy)
        html_path, md_path = write_report(source, out, figure_formats=("png",), dpi=30)
    return html_path.read_text("utf-8"), md_path.read_text("utf-8"), texts, legends


@pytest.fixture(scope="module")
def small_results(results):
    return results[results["metric"].isin(METRICS) & results["task"].isin(TASKS)]


@pytest.fixture(scope="module")
def report(small_results, ground_truth, training, tmp_path_factory, results_dir_factory):
    source = results_dir_factory(tmp_path_factory.mktemp("results"), small_results,
                                 ground_truth, training)
    write_config(source)
    out = tmp_path_factory.mktemp("report")
    return (out, *build_report(source, out))


@pytest.fixture(scope="module")
def one_seed_report(small_results, ground_truth, training, tmp_path_factory,
                    results_dir_factory):
    source = results_dir_factory(tmp_path_factory.mktemp("one_seed"),
                                 small_results[small_results["seed"] == 0], ground_truth,
                                 training[training["seed"] == 0])
    write_config(source)
    return build_report(source, tmp_path_factory.mktemp("one_seed_report"))


def _images(html_text):
    return re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html_text)


def _headings(html_text):
    return re.findall(r"<(h[1-3])>(.*?)</\1>", html_text)


def _row_names(html_text):
    """First cell of each body row, per table."""
    return [re.findall(r"<tr><td>(.*?)</td>", body)
            for body in re.findall(r"<tbody>(.*?)</tbody>", html_text)]


def test_files_are_where_promised(report):
    out, *_ = report
    assert (out / "report.html").is_file() and (out / "report.md").is_file()


def test_html_is_self_contained_with_every_figure(report):
    _, html_text, _, texts, _ = report
    images = _images(html_text)
    # per dataset: captured bits and ground truth (headline), balanced accuracy and the
    # dynamics of both metrics (detail), training loss
    assert len(images) == len(texts) == len(DATASETS) * 6
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'(src|href)="(?!data:)', html_text)
    assert "<style>" in html_text and "http" not in html_text.split("<body>")[0]


def test_headline_first_configuration_last(report):
    _, html_text, md, _, _ = report
    headings = _headings(html_text)
    assert headings[0][0] == "h1" and headings[0][1].startswith("pid-bench report: ")
    h2 = [text for level, text in headings if level == "h2"]
    assert h2 == ["latent_bits: captured information per task",
                  "trifeature_small: captured information per task",
                  "latent_bits: per-task detail", "trifeature_small: per-task detail",
                  "Training", "Configuration and environment"]
    assert headings[1] == ("h2", h2[0])  # the first heading after the title is a result
    assert [text for level, text in headings if level == "h3"] == [
        "Balanced accuracy", "Captured information"] * 2
    md_h2 = re.findall(r"^## (.*)$", md, flags=re.M)
    assert md_h2 == h2
    for text in (html_text, md):
        # configuration and environment come last, each folded
        tail = text[text.index("Configuration and environment"):]
        assert tail.count("<details>") == 2 and tail.count("</details>") == 2
        assert "<summary>Configuration (config.yaml)</summary>" in tail
        assert "batch_size: 64" in tail and "abc1234" in tail and "packages.numpy" in tail
        assert "batch_size: 64" not in text[:text.index("Configuration and environment")]


def test_ground_truth_beside_the_capture_table(small_results, ground_truth, report):
    _, html_text, md, _, _ = report
    for dataset in DATASETS:
        section = md[md.index(f"## {dataset}: captured"):]
        truth = ground_truth[ground_truth["dataset"] == dataset].set_index("task")
        header = "| ground truth | " + " | ".join(TASKS) + " |"
        synergy = " | ".join(f"{truth.loc[t, 'synergy']:.3f}" for t in TASKS)
        total = " | ".join(f"{truth.loc[t, 'total']:.3f}" for t in TASKS)
        assert section.index(header) < section.index("| method |")
        assert f"| S | {synergy} |" in section and f"| total | {total} |" in section
        assert f"{dataset}: ground truth (bits)" in section.split("| method |")[0]
        assert f"<caption>{dataset}: ground truth (bits), the exact" in html_text


def test_every_results_table_is_in_both_reports(small_results, report):
    out, html_text, md, _, _ = report
    shown = small_results.assign(method=small_results["method"].map(DISPLAY))
    for dataset in DATASETS:
        for metric in METRICS:
            table = results_table(shown, metric=metric, dataset=dataset, methods=SHOWN)
            assert table.to_html() in html_text
            assert table.to_markdown() in md
            tex = (out / "tables" / f"{dataset}_{metric}.tex").read_text("utf-8")
            assert tex == table.to_latex(label=f"tab:{dataset}_{metric}")
    assert "training time per run (s)" in md and "throughput, mean over epochs (pairs/s)" in md
    assert "Methods: Cross+Self, CoMM, Cross." in md
    assert ("Runs shown: all 18 finished runs of runs/, each checked against the digests of "
            "its done.json (latent_bits / comm: seeds 0, 1, 2; latent_bits / cross: seeds 0, "
            "1, 2;") in md


def test_methods_in_config_order_under_display_names(report):
    _, html_text, md, texts, legends = report
    tables = _row_names(html_text)
    method_tables = [names for names in tables if set(names) & set(SHOWN)]
    assert len(method_tables) == len(DATASETS) * len(METRICS) + 2  # + training tables
    assert all(names == SHOWN for names in method_tables)
    for name, legend in legends.items():
        if "ground_truth" not in name:
            assert [t for t in legend if t in SHOWN] == SHOWN, name
    for name, shown in texts.items():
        assert not [t for t in shown if "comm" in t or "cross_self" in t], name
    headers = re.findall(r"<th>(.*?)</th>", html_text)
    assert not [h for h in headers if "comm" in h or "cross_self" in h]
    for raw in ("| comm |", "| cross_self |", "| cross |"):
        assert raw not in md


def test_figure_titles_say_what_is_shown(report):
    _, _, _, texts, _ = report
    for name, title in {
        "latent_bits_captured_bits_capture": "latent_bits: captured information per task",
        "latent_bits_ground_truth": "latent_bits: ground truth per task",
        "latent_bits_balanced_accuracy_dynamics": "latent_bits: balanced accuracy against "
                                                  "epoch",
        "trifeature_small_training_loss": "trifeature_small: training loss against epoch",
    }.items():
        assert title in texts[name]


def test_captions_of_several_seeds_say_what_the_bars_are(report):
    _, html_text, md, _, _ = report
    for text in (html_text, md):
        assert ("latent_bits: captured information per task at the final epoch; bars: mean "
                "over 3 seeds, error bars: one standard deviation;") in text
        assert "against training epoch; lines: mean over 3 seeds, bands: one standard" in text
        assert "mean ± standard deviation over 3 seeds; best" in text


def test_captions_of_one_seed_name_no_spread(one_seed_report):
    html_text, md, texts, _ = one_seed_report
    for text in (html_text, md):
        assert "over 1 seed" not in text and "standard deviation" not in text
        assert "error bars" not in text and "bands" not in text
        assert ("latent_bits: captured information per task at the final epoch (one seed); "
                "black lines") in text
        assert "latent_bits: balanced accuracy (%), one seed; best (highest)" in text
        assert "trifeature_small: training loss against epoch (one seed)." in text


def test_a_users_label_is_kept(small_results, ground_truth, training, tmp_path,
                               results_dir_factory):
    rename = {"comm": "comm_small"}
    source = results_dir_factory(
        tmp_path / "results",
        small_results[small_results["dataset"] == "latent_bits"].replace({"method": rename}),
        ground_truth, training[training["dataset"] == "latent_bits"].replace(
            {"method": rename}))
    write_config(source, labels=rename)
    html_text, _, _, legends = build_report(source, tmp_path / "report")
    assert legends["latent_bits_captured_bits_capture"][:3] == ["Cross+Self", "comm_small",
                                                                "Cross"]
    assert "Methods: Cross+Self, comm_small, Cross." in html_text


def test_minimal_directory_with_vector_figures_and_svg(tmp_path, results):
    final = results[(results["dataset"] == "latent_bits") & (results["epoch"] == 4)
                    & (results["metric"] == "captured_bits")
                    & results["task"].isin(["unique2", "synergy"])]
    final.to_csv(tmp_path / "results.csv", index=False)
    html_path, md_path = write_report(tmp_path, embed="svg", dpi=30)
    assert html_path == tmp_path / "report" / "report.html"
    html_text, md = html_path.read_text("utf-8"), md_path.read_text("utf-8")
    assert html_text.count('src="data:image/svg+xml;base64,') == 2  # capture, ground truth
    assert "config.yaml not found" in md and "environment.json not found" in md
    assert "from the gt_* columns of results.csv" in md
    assert "| ground truth | unique2 | synergy |" in md
    assert "| S | 0.000 | 0.469 |" in md
    # no config: built-in methods in their fixed order, under their display names
    assert "Methods: Cross, Cross+Self, CoMM." in md
    assert "unique1" not in md
    figures = sorted(p.name for p in (tmp_path / "report" / "figures").iterdir())
    assert figures == ["latent_bits_captured_bits_capture.pdf",
                       "latent_bits_captured_bits_capture.png", "latent_bits_ground_truth.pdf",
                       "latent_bits_ground_truth.png"]
    assert "Training" not in md and "per-task detail" not in md


def test_unknown_values_are_reported_not_plotted(tmp_path, results):
    table = results[(results["dataset"] == "latent_bits") & (results["epoch"] == 4)
                    & (results["metric"] == "captured_fraction")].assign(value=float("nan"))
    table.to_csv(tmp_path / "results.csv", index=False)
    html_path, md_path = write_report(tmp_path, formats=("md",), figure_formats=("png",),
                                      dpi=30)
    assert html_path is None
    md = md_path.read_text("utf-8")
    assert "No known values of any metric" in md
    assert "No known values of captured fraction" in md


def test_bad_input(tmp_path, results):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_report(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="results.csv"):
        write_report(tmp_path)
    results.drop(columns=["seed", "value"]).to_csv(tmp_path / "results.csv", index=False)
    with pytest.raises(ValueError, match=r"results.csv is missing the columns \['seed', "
                                         r"'value'\]"):
        write_report(tmp_path)
    with pytest.raises(ValueError, match="formats"):
        write_report(tmp_path, formats=("pdf",))
    with pytest.raises(ValueError, match="figure_formats must include 'png'"):
        write_report(tmp_path, figure_formats=("pdf",))
    with pytest.raises(ValueError, match="embed"):
        write_report(tmp_path, embed="jpg")
    assert not (tmp_path / "report").exists()


def test_a_browser_shows_the_headline_first_and_every_figure(report, tmp_path):
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        pytest.skip(f"no headless browser found (looked for {', '.join(BROWSERS)})")
    out, html_text, *_ = report
    page = tmp_path / "report.html"
    page.write_text(html_text.replace("</body>", f"{PROBE}</body>"), "utf-8")
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--window-size=1200,900", "--virtual-time-budget=10000",
                          "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.S)
    assert found, "the probe did not run: the page never finished loading"
    probe = json.loads(html.unescape(found.group(1)))
    title, first = probe["headings"][:2]
    assert title[0] == "H1" and first == ["H2", "latent_bits: captured information per task"]
    assert len(probe["images"]) == len(_images(html_text)) == len(DATASETS) * 6
    for image in probe["images"]:
        # decoded, drawn with a size, and within the page
        assert image["complete"] and image["natural"] > 0, image
        assert 0 < image["width"] <= probe["page_width"] and image["height"] > 0, image
    config, environment = probe["details"]
    assert not config["open"] and not environment["open"]  # folded until asked for
    assert config["summary"] == "Configuration (config.yaml)"
    assert "batch_size: 64" in config["text"]
    assert "abc1234" in environment["text"]
    assert config["top"] > max(image["top"] for image in probe["images"])


def test_multilabel_f1_rows_are_reported_with_their_chance_level(tmp_path, results):
    """A table with only a multi-label task's F1 rows (probe_embeddings' names) is reported,
    weighted F1 as its headline, each figure captioned with its chance line."""
    rows = results[(results["dataset"] == "latent_bits") & (results["epoch"] == 4)
                   & (results["metric"] == "balanced_accuracy")
                   & (results["task"] == "synergy")]
    table = pd.concat([rows.assign(metric="f1_macro", chance=40.0),
                       rows.assign(metric="f1_weighted", chance=45.0)])
    table.to_csv(tmp_path / "results.csv", index=False)
    _, md_path = write_report(tmp_path, formats=("md",), figure_formats=("png",), dpi=30)
    md = md_path.read_text("utf-8")
    assert "## latent_bits: weighted F1 per task" in md and "### Macro F1" in md
    assert md.count("dashed: chance level, the F1 of predicting every label.") == 4  # alt, caption


@pytest.fixture(scope="module")
def both_report(results_both, ground_truth, training, tmp_path_factory, results_dir_factory):
    """One dataset, final epoch only (no dynamics figures), both probes' metrics."""
    metrics = [*METRICS, *(f"{m}_mlp" for m in METRICS)]
    rows = results_both[results_both["metric"].isin(metrics) & results_both["task"].isin(TASKS)
                        & (results_both["dataset"] == "latent_bits")
                        & (results_both["epoch"] == 4)]
    source = results_dir_factory(tmp_path_factory.mktemp("both"), rows, ground_truth,
                                 training[training["dataset"] == "latent_bits"])
    write_config(source)
    out = tmp_path_factory.mktemp("both_report")
    return (out, rows, *build_report(source, out))


def test_report_has_the_capture_table_of_both_probes(both_report, training):
    out, rows, html_text, md, _, _ = both_report
    h2 = [text for level, text in _headings(html_text) if level == "h2"]
    assert h2[:3] == ["latent_bits: captured information per task",
                      "latent_bits: linear and MLP probes", "latent_bits: per-task detail"]
    assert [text for level, text in _headings(html_text) if level == "h3"] == [
        "Balanced accuracy", "Balanced accuracy, MLP probe", "Captured information, MLP probe"]
    section = md[md.index("## latent_bits: linear and MLP probes"):md.index("## latent_bits: per")]
    lines = [ln for ln in section.splitlines() if ln.startswith("| latent_bits")]
    # config order of the methods, under their display names; Cross+Self has no MLP probe
    assert [ln.split(" | ")[2] for ln in lines[:3]] == SHOWN
    final = rows[rows["task"] == "redundancy"]
    comm = final[(final["method"] == "comm")].groupby("metric")["value"].agg(["mean", "std"])
    bits = comm.loc["captured_bits_mlp"]
    assert f"{bits['mean']:.3f} ± {bits['std']:.3f}" in lines[1]
    cross_self = lines[0].split(" | ")
    assert cross_self[5] == "" and cross_self[7] == ""  # MLP cells blank, not 0
    seconds = training[(training["dataset"] == "latent_bits") & (training["method"] == "comm")]
    per_seed = seconds.groupby("seed")["seconds"].sum().mean()
    assert lines[1].endswith(f"| {per_seed:.1f} |")
    assert (out / "tables" / "latent_bits_probes.tex").is_file()
    assert "Both probes per task" in html_text


def test_report_without_mlp_rows_has_no_probe_section(report):
    _, html_text, md, _, _ = report
    assert "MLP" not in html_text and "MLP" not in md


def test_results_probed_by_the_mlp_alone_get_its_headline(results_both):
    mlp_only = results_both[results_both["metric"].str.endswith("_mlp")]
    assert report_module._headline_metric(mlp_only) == "captured_bits_mlp"
    assert report_module._headline_metric(results_both) == "captured_bits"
