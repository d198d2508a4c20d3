import base64
import re

import pytest

from analysis.report import write_report
from analysis.tables import results_table

# a cut of the fixture tables keeps the report small enough for the default test run
METRICS = ("balanced_accuracy", "captured_bits")
TASKS = ("redundancy", "unique1", "synergy_xor")
DATASETS = ("latent_bits", "trifeature_small")


@pytest.fixture(scope="module")
def small_results(results):
    return results[results["metric"].isin(METRICS) & results["task"].isin(TASKS)]


@pytest.fixture(scope="module")
def report(small_results, ground_truth, training, tmp_path_factory, results_dir_factory):
    source = results_dir_factory(tmp_path_factory.mktemp("results"), small_results,
                                 ground_truth, training)
    out = tmp_path_factory.mktemp("report")
    html_path, md_path = write_report(source, out, figure_formats=("png",), dpi=30)
    return out, html_path.read_text("utf-8"), md_path.read_text("utf-8")


def _images(html_text):
    return re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html_text)


def test_files_are_where_promised(report):
    out, _, _ = report
    assert (out / "report.html").is_file() and (out / "report.md").is_file()


def test_html_is_self_contained_with_every_figure(report):
    _, html_text, _ = report
    images = _images(html_text)
    # ground truth + per dataset (capture + dynamics) x 3 metrics + training loss
    assert len(images) == 1 + len(DATASETS) * (2 * len(METRICS) + 1)
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'(src|href)="(?!data:)', html_text)
    assert "<style>" in html_text and "http" not in html_text.split("<body>")[0]


def test_every_results_table_is_in_both_reports(small_results, report):
    out, html_text, md = report
    for dataset in DATASETS:
        for metric in METRICS:
            table = results_table(small_results, metric=metric, dataset=dataset)
            assert table.to_html() in html_text
            assert table.to_markdown() in md
            tex = (out / "tables" / f"{dataset}_{metric}.tex").read_text("utf-8")
            assert tex == table.to_latex(label=f"tab:{dataset}_{metric}")
    assert "training time per run (s)" in md and "throughput, mean over epochs (pairs/s)" in md


def test_markdown_figures_exist_beside_it(report):
    out, html_text, md = report
    links = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", md)
    assert len(links) == len(_images(html_text))
    for link in links:
        assert (out / link).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ground_truth_config_and_environment(ground_truth, report):
    _, html_text, md = report
    for _, row in ground_truth.iterrows():
        line = (f"| {row['task']} | {row['redundancy']:.4f} | {row['unique1']:.4f} | "
                f"{row['unique2']:.4f} | {row['synergy']:.4f} | {row['total']:.4f} |")
        assert line in md
    for dataset in DATASETS:
        assert f"{dataset}: ground truth (bits)." in md
        assert f"<caption>{dataset}: ground truth (bits).</caption>" in html_text
    for text in (md, html_text):
        assert "batch_size: 64" in text
        assert "abc1234" in text and "packages.numpy" in text
        assert "Runs finished: 18" in text


def test_minimal_directory_with_vector_figures_and_svg(tmp_path, results):
    final = results[(results["dataset"] == "latent_bits") & (results["epoch"] == 4)
                    & (results["metric"] == "captured_bits")
                    & results["task"].isin(["unique2", "synergy"])]
    final.to_csv(tmp_path / "results.csv", index=False)
    html_path, md_path = write_report(tmp_path, embed="svg", dpi=30)
    assert html_path == tmp_path / "report" / "report.html"
    html_text, md = html_path.read_text("utf-8"), md_path.read_text("utf-8")
    assert html_text.count('src="data:image/svg+xml;base64,') == 2  # ground truth, capture
    assert "config.yaml not found" in md and "environment.json not found" in md
    assert "from the gt_* columns of results.csv" in md
    assert "| synergy | 0.0000 | 0.0000 | 0.0000 | 0.4690 | 0.4690 |" in md
    assert "unique1" not in md
    figures = sorted(p.name for p in (tmp_path / "report" / "figures").iterdir())
    assert figures == ["ground_truth.pdf", "ground_truth.png", "latent_bits_captured_bits"
                       "_capture.pdf", "latent_bits_captured_bits_capture.png"]
    assert "Training" not in md


def test_unknown_values_are_reported_not_plotted(tmp_path, results):
    table = results[(results["dataset"] == "latent_bits") & (results["epoch"] == 4)
                    & (results["metric"] == "captured_fraction")].assign(value=float("nan"))
    table.to_csv(tmp_path / "results.csv", index=False)
    html_path, md_path = write_report(tmp_path, formats=("md",), figure_formats=("png",),
                                      dpi=30)
    assert html_path is None
    assert "No known values of captured fraction" in md_path.read_text("utf-8")


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
