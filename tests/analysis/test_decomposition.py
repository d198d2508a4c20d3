import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from analysis.decomposition import GID_TOTAL, decomposition_frame, plot_decomposition
from analysis.style import ATOM_COLORS
from pid_bench.info.result import ATOMS, PIDResult

# BROJA decompositions of canonical gates (REFERENCES.md): AND and XOR
AND = PIDResult(1.5 - 0.75 * math.log2(3), 0.0, 0.0, 0.5, measure="broja")
XOR = PIDResult(0.0, 0.0, 0.0, 1.0, measure="broja")
# CCS on AND (Ince 2017)
AND_CCS = PIDResult(0.103759, 0.207519, 0.207519, 0.292481, measure="ccs")


def _segments(ax):
    """(atom, group, label) -> patch."""
    out = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        atom, group, label = gid.split(":", 2)
        out[(atom, group, label)] = patch
    return out


def test_ground_truth_table_bars_stack_the_atoms(ground_truth):
    fig, ax = plot_decomposition(ground_truth)
    segs = _segments(ax)
    assert len(segs) == 4 * len(ground_truth)
    for _, row in ground_truth.iterrows():
        bottom = 0.0
        for atom in ATOMS:
            patch = segs[(atom, row["dataset"], row["task"])]
            assert patch.get_y() == pytest.approx(bottom, abs=1e-12)
            assert patch.get_height() == pytest.approx(row[atom], abs=1e-12)
            assert to_rgba(patch.get_facecolor()) == to_rgba(ATOM_COLORS[atom])
            bottom += row[atom]
        assert bottom == pytest.approx(row["total"], abs=1e-5)
    assert not [c for c in ax.collections if c.get_gid() == GID_TOTAL]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == list(ground_truth["task"])


def test_datasets_are_grouped_side_by_side(ground_truth):
    fig, ax = plot_decomposition(ground_truth)
    segs = _segments(ax)
    first = [segs[("redundancy", "latent_bits", t)].get_x() for t in ground_truth["task"][:5]]
    second = [segs[("redundancy", "trifeature_small", t)].get_x()
              for t in ground_truth["task"][5:]]
    assert max(first) < min(second)
    assert min(second) - max(first) > 1.0 + 1e-9  # a gap wider than between neighbours
    # group names sit on a secondary axis above the bars
    labels = [t.get_text() for a in ax.child_axes for t in a.get_xticklabels()]
    assert labels == ["latent_bits", "trifeature_small"]


def test_estimators_side_by_side_within_datasets():
    source = {"AND": {"broja": AND, "ccs": AND_CCS}, "XOR": {"broja": XOR}}
    frame = decomposition_frame(source)
    assert list(frame["group"]) == ["AND", "AND", "XOR"]
    assert list(frame["label"]) == ["broja", "ccs", "broja"]
    fig, ax = plot_decomposition(source, title="gates")
    segs = _segments(ax)
    assert segs[("redundancy", "AND", "broja")].get_height() == pytest.approx(0.311278,
                                                                               abs=1e-6)
    assert segs[("synergy", "AND", "ccs")].get_y() == pytest.approx(
        0.103759 + 2 * 0.207519, abs=1e-9)
    assert segs[("synergy", "XOR", "broja")].get_height() == 1.0
    assert ax.get_title() == "gates"


@pytest.mark.parametrize("source, labels", [
    (AND, ["broja"]),
    ([AND, AND_CCS], ["broja", "ccs"]),
    ({"and": AND, "xor": XOR}, ["and", "xor"]),
])
def test_pid_results_in_several_forms(source, labels):
    frame = decomposition_frame(source)
    assert list(frame["label"]) == labels
    assert set(frame["group"]) == {""}
    assert set(frame["unit"]) == {"bits"}
    fig, ax = plot_decomposition(source)
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    assert not ax.child_axes  # no group labels for a single group


def test_dataset_ground_truth_indexed_by_task(ground_truth):
    table = (ground_truth[ground_truth["dataset"] == "latent_bits"]
             .set_index("task")[[*ATOMS, "total"]])
    frame = decomposition_frame(table)
    assert list(frame["label"]) == list(table.index)
    np.testing.assert_allclose(frame[list(ATOMS)].to_numpy(), table[list(ATOMS)].to_numpy())
    nested = decomposition_frame({"a": table, "b": table})
    assert list(pd.unique(nested["group"])) == ["a", "b"]


def test_few_bars_with_long_labels_are_slanted(ground_truth):
    table = ground_truth[ground_truth["dataset"] == "latent_bits"].set_index("task")
    tasks = ["redundancy", "unique1", "synergy_xor"]
    fig, ax = plot_decomposition(table.loc[tasks])
    assert fig.get_figwidth() == 4.0  # the narrowest figure
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {0.0}
    long = table.loc[tasks].rename(index=lambda t: f"{t}_of_the_latent_factors")
    fig, ax = plot_decomposition(long)
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {30.0}


def test_negative_atoms_stack_downwards_with_a_net_total():
    odd = PIDResult(0.5, -0.2, 0.1, 0.4, measure="odd")
    fig, ax = plot_decomposition([odd])
    segs = _segments(ax)
    assert segs[("unique1", "", "odd")].get_y() == 0.0
    assert segs[("unique1", "", "odd")].get_height() == pytest.approx(-0.2)
    assert segs[("unique2", "", "odd")].get_y() == pytest.approx(0.5)
    assert segs[("synergy", "", "odd")].get_y() == pytest.approx(0.6)
    (total,) = [c for c in ax.collections if c.get_gid() == GID_TOTAL]
    (seg,) = total.get_segments()
    assert seg[0][1] == seg[1][1] == pytest.approx(odd.total)
    assert "net total" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_headroom_above_the_tallest_bar(ground_truth):
    fig, ax = plot_decomposition(ground_truth)
    assert ax.get_ylim()[1] > ground_truth["total"].max()


def test_draws_on_given_axis():
    fig, ax = plt.subplots()
    assert plot_decomposition(XOR, ax=ax) == (fig, ax)


@pytest.mark.parametrize("source, match", [
    (pd.DataFrame({"task": ["a"], "redundancy": [1.0]}),
     r"missing the columns \['unique1', 'unique2', 'synergy'\]"),
    (pd.DataFrame(columns=["dataset", "task", *ATOMS]), "empty"),
    (pd.DataFrame({"redundancy": [np.nan], "unique1": [0.0], "unique2": [0.0],
                   "synergy": [0.0]}, index=["t"]), r"NaN or inf for \['t'\]"),
    ([AND, AND], "must differ"),
    ([], "empty sequence"),
    ({}, "empty mapping"),
    ([AND, "x"], "PIDResult"),
    ({"g": {"a": AND}, "h": 3}, "entry 'h'"),
    ([AND, PIDResult(1, 0, 0, 0, measure="nats", unit="nats")], "one unit"),
    ("broja", "received str"),
])
def test_bad_sources_are_rejected(source, match):
    with pytest.raises(ValueError, match=match):
        plot_decomposition(source)
