import numpy as np
import pytest
from matplotlib.colors import to_rgb

from analysis.accuracy import GID_IDENTITY, filter_accuracy, plot_error_vs_n, plot_estimates
from analysis.style import palette


def test_scatter_holds_every_row(accuracy):
    fig, ax = plot_estimates(accuracy, family="gaussian", n=1000)
    rows = accuracy[(accuracy["family"] == "gaussian") & (accuracy["n"] == 1000)]
    (points,) = [c for c in ax.collections if c.get_gid() == "estimates"]
    drawn = np.array(sorted(map(tuple, points.get_offsets())))
    expected = np.array(sorted(zip(rows["true"], rows["estimate"])))
    np.testing.assert_allclose(drawn, expected)
    (identity,) = [ln for ln in ax.lines if ln.get_gid() == GID_IDENTITY]
    np.testing.assert_array_equal(identity.get_xdata(), identity.get_ydata())
    assert min(identity.get_xdata()) <= min(expected.min(axis=0))
    assert max(identity.get_xdata()) >= max(expected.max(axis=0))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["cluster", "gaussian_broja", "gaussian_mmi"]
    assert "S (synergy)" in labels


def test_scatter_colours_follow_the_palette(accuracy):
    fig, ax = plot_estimates(accuracy, estimators=["gaussian_mmi"], n=200)
    (points,) = [c for c in ax.collections if c.get_gid() == "estimates"]
    colour = palette(["gaussian_mmi"])["gaussian_mmi"]
    np.testing.assert_allclose(points.get_facecolors()[:, :3],
                               np.tile(to_rgb(colour), (len(points.get_offsets()), 1)))


def test_error_vs_n_matches_pandas(accuracy):
    fig, ax = plot_error_vs_n(accuracy, family="latent")
    rows = accuracy[accuracy["family"] == "latent"]
    per_seed = rows.groupby(["estimator", "n", "seed"])["abs_error"].mean()
    expected = per_seed.groupby(["estimator", "n"]).agg(["mean", "std"])
    for estimator in ("cluster", "gaussian_broja", "gaussian_mmi"):
        (line,) = [ln for ln in ax.lines if ln.get_gid() == f"line:{estimator}"]
        want = expected.loc[estimator]
        np.testing.assert_allclose(line.get_xdata(), want.index.to_numpy(dtype=float))
        np.testing.assert_allclose(line.get_ydata(), want["mean"], atol=1e-12)
        (band,) = [c for c in ax.collections if c.get_gid() == f"band:{estimator}"]
        ys = np.concatenate([p.vertices for p in band.get_paths()])[:, 1]
        assert ys.min() == pytest.approx((want["mean"] - want["std"]).min())
        assert ys.max() == pytest.approx((want["mean"] + want["std"]).max())
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["200", "1,000", "5,000"]


def test_error_vs_n_for_one_atom(accuracy):
    fig, ax = plot_error_vs_n(accuracy, atom="synergy", estimators=["cluster"])
    rows = accuracy[(accuracy["atom"] == "synergy") & (accuracy["estimator"] == "cluster")]
    want = rows.groupby(["n", "seed"])["abs_error"].mean().groupby("n").mean()
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "line:cluster"]
    np.testing.assert_allclose(line.get_ydata(), want)
    assert ax.get_ylabel() == "Mean absolute S error (bits)"


def test_errors(accuracy):
    with pytest.raises(ValueError, match=r"missing the columns \['abs_error'\]"):
        plot_error_vs_n(accuracy.drop(columns="abs_error"))
    with pytest.raises(ValueError, match="empty"):
        plot_estimates(accuracy.iloc[:0])
    with pytest.raises(ValueError, match="family 'discrete' is not in accuracy table"):
        plot_estimates(accuracy, family="discrete")
    with pytest.raises(ValueError, match=r"must hold \['redundancy'.*received \['R'\]"):
        filter_accuracy(accuracy.assign(atom="R"))
    with pytest.raises(ValueError, match=r"\['copula'\] not found"):
        plot_error_vs_n(accuracy, estimators=["copula"])
