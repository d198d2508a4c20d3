import numpy as np
import pandas as pd
import pytest

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.info.sampling import SamplingWarning
from pid_bench.realdata.interactions import (
    estimate_interactions,
    estimated_ground_truth,
    reduce_view,
)


def embed(bits, d, rng, noise=0.1):
    """Each bit value as a fixed random point of R^d, plus noise: a view that codes the bit."""
    centres = rng.standard_normal((2, d)) * 3
    return centres[bits] + noise * rng.standard_normal((bits.size, d))


def dataset(x, tasks, n_classes, rng):
    n = next(iter(x.values())).shape[0]
    gt = pd.DataFrame(np.nan, index=pd.Index(list(tasks), name="task"),
                      columns=list(GROUND_TRUTH_COLUMNS))
    return MultimodalDataset(modalities=x, tasks=tasks, n_classes=n_classes, ground_truth=gt,
                             split_of=np.where(rng.random(n) < 0.5, "train", "test"))


@pytest.fixture
def bits():
    """Two independent fair bits a, b; views of a (two of them), of b, and a noise view."""
    rng = np.random.default_rng(0)
    n = 2000
    a, b = rng.integers(0, 2, (2, n))
    views = {"a": embed(a, 20, rng), "a2": embed(a, 6, rng), "b": embed(b, 30, rng),
             "noise": rng.standard_normal((n, 5))}
    tasks = {"xor": a ^ b, "copy": a, "pair": 2 * a + b}
    return dataset(views, tasks, {"xor": 2, "copy": 2, "pair": 4}, rng)


@pytest.mark.parametrize("task, sources, atom", [
    ("xor", ["a", "b"], "synergy"),       # XOR: 1 bit of synergy
    ("copy", ["a", "a2"], "redundancy"),  # both views copy the target: 1 bit redundant
    ("copy", ["a", "b"], "unique1"),      # only the first view knows it: 1 bit unique
])
def test_one_bit_where_the_structure_puts_it(bits, task, sources, atom):
    r = estimate_interactions(bits, task, sources=sources, n_bootstrap=0)
    for name in ("redundancy", "unique1", "unique2", "synergy"):
        assert getattr(r, name) == pytest.approx(1.0 if name == atom else 0.0, abs=0.03), name


def test_pair_target_has_one_unique_bit_per_view(bits):
    r = estimate_interactions(bits, "pair", sources=["a", "b"], n_clusters=2, n_bootstrap=0)
    assert r.unique1 == pytest.approx(1, abs=0.03) and r.unique2 == pytest.approx(1, abs=0.03)
    assert r.redundancy == pytest.approx(0, abs=0.03)


def test_a_group_of_views_is_one_source(bits):
    r = estimate_interactions(bits, "xor", sources=[["a"], ["b", "noise"]], n_clusters=2,
                              n_bootstrap=0)
    assert r.details["sources"] == [["a"], ["b", "noise"]]
    assert r.synergy > 0.5   # the noise view dilutes the codes of b, never adds information


def test_intervals_and_reproducibility(bits):
    r = estimate_interactions(bits, "xor", sources=["a", "b"], n_bootstrap=30, seed=3)
    lo, hi = r.intervals["synergy"]
    assert lo <= r.synergy <= hi and hi - lo < 0.2
    again = estimate_interactions(bits, "xor", sources=["a", "b"], n_bootstrap=30, seed=3)
    assert again.atoms().tolist() == r.atoms().tolist() and again.intervals == r.intervals


def test_few_samples_warn(bits):
    small = bits.subset(np.arange(60))
    with pytest.warns(SamplingWarning, match="fewer than 10"):
        r = estimate_interactions(small, "pair", sources=["a", "b"], n_clusters=8,
                                  n_bootstrap=0)
    assert "fewer than 10" in r.details["warning"]


def test_split_and_continuous_task(bits):
    r = estimate_interactions(bits, "xor", sources=["a", "b"], split="test", n_bootstrap=0)
    assert r.details["n_samples"] == int((bits.split_of == "test").sum())
    rng = np.random.default_rng(1)
    x = {"u": rng.standard_normal((500, 3)), "v": rng.standard_normal((500, 3))}
    cont = dataset(x, {"score": x["u"][:, 0] + 0.1 * rng.standard_normal(500)}, {"score": 0},
                   rng)
    with pytest.warns(SamplingWarning):   # 8 x 8 x 8 codes for 500 samples
        r = estimate_interactions(cont, "score", n_bootstrap=0)
    assert r.details["n_clusters"] == 8 and r.unique1 > 0.5 > r.unique2


def test_multilabel_needs_a_label():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, (2, 400))
    data = MultimodalDataset(
        modalities={"x": embed(a, 4, rng), "y": embed(b, 4, rng)},
        tasks={"genres": np.column_stack([a, b, a ^ b])}, n_classes={"genres": 3},
        multilabel=("genres",), split_of=np.full(400, "train"),
        ground_truth=pd.DataFrame(np.nan, index=pd.Index(["genres"], name="task"),
                                  columns=list(GROUND_TRUTH_COLUMNS)))
    r = estimate_interactions(data, "genres", label=2, n_bootstrap=0)
    assert r.synergy == pytest.approx(1, abs=0.05)
    with pytest.raises(ValueError, match=r"multi-label \(3 labels\): pass label="):
        estimate_interactions(data, "genres")
    assert "genres" not in estimated_ground_truth(data, n_bootstrap=0).metadata[
        "ground_truth"]["intervals"]


def test_bad_requests_are_refused(bits):
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        estimate_interactions(bits, "nope")
    with pytest.raises(ValueError, match=r"unknown modalities \['c'\]"):
        estimate_interactions(bits, "xor", sources=["a", "c"])
    with pytest.raises(ValueError, match="share modalities"):
        estimate_interactions(bits, "xor", sources=[["a", "b"], ["b"]])
    with pytest.raises(ValueError, match="two modality names or two groups"):
        estimate_interactions(bits, "xor", sources=["a", "b", "noise"])
    with pytest.raises(ValueError, match="not one"):
        estimate_interactions(bits, "xor", label=0)
    with pytest.raises(ValueError, match="unknown split"):
        estimate_interactions(bits, "xor", split="valid")


def test_reduce_view_keeps_the_leading_components():
    rng = np.random.default_rng(0)
    latent = rng.standard_normal((300, 3)) * [5, 3, 1]
    x = np.column_stack([latent @ rng.standard_normal((3, 12)), np.ones(300)])  # + a constant
    z = reduce_view(x, 3)
    assert z.shape == (300, 3)
    # the three components span the latent space: it is a linear map of them
    coef, *_ = np.linalg.lstsq(z, latent - latent.mean(axis=0), rcond=None)
    np.testing.assert_allclose(z @ coef, latent - latent.mean(axis=0), atol=1e-8)
    assert reduce_view(x[:, :2], 8).shape == (300, 2)   # fewer columns: all kept
    np.testing.assert_array_equal(reduce_view(x, 3), z)
    with pytest.raises(ValueError, match="the view is constant"):
        reduce_view(np.ones((10, 4)))
    with pytest.raises(ValueError, match="n_components must be a positive int"):
        reduce_view(x, 0)


def test_estimated_ground_truth_is_labelled(bits):
    data = estimated_ground_truth(bits, ["xor"], sources=["a", "b"], n_bootstrap=10)
    meta = data.metadata["ground_truth"]
    assert meta["kind"] == "estimate" and meta["sources"] == [["a"], ["b"]]
    assert data.ground_truth_sources == (("a",), ("b",))
    assert data.ground_truth.loc["xor", "synergy"] == pytest.approx(1, abs=0.03)
    assert data.ground_truth.loc["copy"].isna().all()      # not asked: unknown
    assert set(meta["intervals"]["xor"]) == {"redundancy", "unique1", "unique2", "synergy",
                                             "total"}
