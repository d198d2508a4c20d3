import math
import struct

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

from analysis.style import (
    ATOM_COLORS,
    EXTRA_COLORS,
    METHOD_COLORS,
    axis_label,
    figure_bytes,
    method_order,
    metric_phrase,
    palette,
    paper_style,
    resolve_colors,
    save_figure,
    seed_count,
    task_label,
)
from pid_bench.info.result import ATOMS


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _small_figure():
    fig, ax = plt.subplots(figsize=(2.0, 1.5))
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_title("title")
    return fig


def test_known_methods_keep_fixed_colours_whatever_else_is_drawn():
    alone = palette(["comm"])
    crowd = palette(["zeta", "comm", "alpha", "cross", "cross_self", "factorcl"])
    assert alone["comm"] == crowd["comm"] == METHOD_COLORS["comm"]
    assert crowd["cross"] == METHOD_COLORS["cross"]


def test_unknown_methods_get_next_colours_by_sorted_name():
    colours = palette(["zeta", "comm", "alpha", "mid"])
    assert colours["alpha"] == EXTRA_COLORS[0]
    assert colours["mid"] == EXTRA_COLORS[1]
    assert colours["zeta"] == EXTRA_COLORS[2]
    assert palette(["mid", "zeta", "alpha"]) == palette(["alpha", "zeta", "mid", "alpha"])


def test_palette_colours_are_distinct_until_the_list_is_exhausted():
    names = list(METHOD_COLORS) + [f"m{i}" for i in range(len(EXTRA_COLORS))]
    colours = palette(names)
    assert len(set(colours.values())) == len(names)
    more = palette([f"m{i:02d}" for i in range(len(EXTRA_COLORS) + 1)])
    assert more[f"m{len(EXTRA_COLORS):02d}"] == EXTRA_COLORS[0]


def test_palette_with_other_fixed_colours():
    colours = palette(["b", "a"], known={"b": "#123456"})
    assert colours == {"a": EXTRA_COLORS[0], "b": "#123456"}


def test_atoms_have_their_own_colours():
    assert tuple(ATOM_COLORS) == ATOMS
    assert not set(ATOM_COLORS.values()) & set(METHOD_COLORS.values())
    assert not set(ATOM_COLORS.values()) & set(EXTRA_COLORS)


def test_method_order_puts_known_methods_first():
    assert method_order(["zz", "comm", "aa", "cross", "comm"]) == ["cross", "comm", "aa", "zz"]


def test_resolve_colors_checks_coverage():
    assert resolve_colors(["comm"]) == {"comm": METHOD_COLORS["comm"]}
    assert resolve_colors(["x"], {"x": "red", "y": "blue"}) == {"x": "red"}
    with pytest.raises(ValueError, match=r"no entry for \['y'\]"):
        resolve_colors(["x", "y"], {"x": "red"})


def test_labels():
    assert axis_label("balanced_accuracy", "%") == "Balanced accuracy (%)"
    assert axis_label("captured_fraction", "fraction") == "Captured fraction of I(X1,X2;Y)"
    assert axis_label("my_metric") == "my metric"
    assert metric_phrase("captured_bits") == "captured information"
    assert axis_label("balanced_accuracy_mlp", "%") == "Balanced accuracy, MLP probe (%)"
    assert metric_phrase("captured_bits_mlp") == "captured information, MLP probe"
    assert axis_label("my_metric_mlp") == "my metric mlp"
    gt = {"gt_redundancy": 0.0, "gt_unique1": 0.0, "gt_unique2": 0.0, "gt_synergy": 1.0}
    assert task_label("synergy_xor", gt) == "synergy_xor\n(S)"
    mixed = {"redundancy": 1.0, "unique1": 0.05, "unique2": 0.0, "synergy": 1.0}
    assert task_label("rdnxor", mixed) == "rdnxor\n(R+S)"
    assert task_label("t", {**gt, "gt_synergy": math.nan}) == "t"
    assert task_label("t", None) == "t"


def test_paper_style_restores_global_settings():
    before = mpl.rcParams["font.size"], mpl.rcParams["pdf.fonttype"]
    with paper_style():
        assert mpl.rcParams["pdf.fonttype"] == 42
    assert (mpl.rcParams["font.size"], mpl.rcParams["pdf.fonttype"]) == before


def test_save_figure_writes_each_format(tmp_path):
    fig = _small_figure()
    written = save_figure(fig, tmp_path / "sub" / "fig.png", formats=("pdf", "svg", "png"),
                          dpi=100)
    assert written == [tmp_path / "sub" / f"fig.{f}" for f in ("pdf", "svg", "png")]
    assert written[0].read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in written[1].read_bytes()[:2000]
    _png_size(written[2].read_bytes())
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["fig.pdf", "fig.png",
                                                                     "fig.svg"]


def test_save_figure_dpi_scales_the_raster(tmp_path):
    fig = _small_figure()
    (low,) = save_figure(fig, tmp_path / "low", formats=("png",), dpi=60)
    (high,) = save_figure(fig, tmp_path / "high", formats=("png",), dpi=120)
    w1, h1 = _png_size(low.read_bytes())
    w2, h2 = _png_size(high.read_bytes())
    assert w2 == pytest.approx(2 * w1, rel=0.03) and h2 == pytest.approx(2 * h1, rel=0.03)


def test_saved_figures_are_reproducible(tmp_path):
    fig = _small_figure()
    first = save_figure(fig, tmp_path / "a", formats=("pdf", "svg", "png"), dpi=50)
    second = save_figure(fig, tmp_path / "b", formats=("pdf", "svg", "png"), dpi=50)
    for p, q in zip(first, second):
        assert p.read_bytes() == q.read_bytes(), p.suffix
    assert figure_bytes(fig, "png", dpi=50) == first[2].read_bytes()


@pytest.mark.parametrize("kwargs, match", [
    ({"formats": ()}, "non-empty"),
    ({"formats": ("pdf", "docx")}, "docx"),
    ({"dpi": 0}, "dpi"),
    ({"dpi": 72.5}, "dpi"),
])
def test_save_figure_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        save_figure(_small_figure(), tmp_path / "x", **kwargs)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("counts, text", [
    ([1, 1, 0], "one seed"), ([3, 3], "3 seeds"), ([0, 1, 3, 2], "1-3 seeds"), ([2], "2 seeds"),
])
def test_seed_count(counts, text):
    assert seed_count(counts) == text


def test_seed_count_needs_a_seed():
    with pytest.raises(ValueError, match="at least one positive"):
        seed_count([0, 0])
