"""Tests of synthetic.latent: exact ground truth, planted structure, splits, seeds, validation."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.neural_network import MLPClassifier

import pid_bench
from pid_bench.data import MultimodalDataset
from pid_bench.info.shannon import mutual_information
from synthetic.latent import (
    FACTORS,
    MIXTURE_PRESETS,
    make_latent,
    rotation_code,
    task_joint,
    task_states,
)


def h_b(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


@pytest.fixture(scope="module")
def default() -> MultimodalDataset:
    return make_latent()


@pytest.fixture(scope="module")
def noisy() -> MultimodalDataset:
    """Probe-heavy, label noise on: the plug-in checks read this one."""
    return make_latent(n_pretrain=0, n_train=60_000, n_test=1, label_noise=0.2,
                       mixtures={"mix_rs": {"redundancy": 2, "synergy_xor": 2},
                                 "mix_u": {"unique1": 2, "unique2": 4}}, seed=3)


def gt(ds: MultimodalDataset, task: str) -> np.ndarray:
    return ds.ground_truth.loc[task, ["redundancy", "unique1", "unique2", "synergy"]].to_numpy()


# ---------------------------------------------------------------- ground truth, closed forms
def test_default_ground_truth_values(default):
    table = default.ground_truth
    assert list(table.index) == ["redundancy", "unique1", "unique2", "synergy", "synergy_xor",
                                 *MIXTURE_PRESETS]
    np.testing.assert_allclose(gt(default, "redundancy"), [2, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(gt(default, "unique1"), [0, 2, 0, 0], atol=1e-12)
    np.testing.assert_allclose(gt(default, "unique2"), [0, 0, 2, 0], atol=1e-12)
    np.testing.assert_allclose(gt(default, "synergy"), [0, 0, 0, h_b(0.25)], atol=1e-12)
    np.testing.assert_allclose(gt(default, "synergy_xor"), [0, 0, 0, 2], atol=1e-12)
    # Liang et al.'s weights at K = 4: weight 1 -> 2 bits, weight 0.5 -> 1 bit.
    expected = {"mix1": [1, 1, 1, 1], "mix2": [1, 2, 1, 1], "mix3": [1, 2, 2, 1],
                "mix4": [2, 1, 1, 1], "mix5": [1, 0, 1, 0], "mix6": [2, 0, 1, 0]}
    for task, atoms in expected.items():
        np.testing.assert_allclose(gt(default, task), atoms, atol=1e-12)
    np.testing.assert_allclose(table["total"], table.iloc[:, :4].sum(axis=1), atol=1e-12)
    assert default.n_classes["synergy"] == 2 and default.n_classes["mix3"] == 4 * 4 * 2 * 2


def test_synergy_task_matches_comm_reference():
    """K = 10 as in bimodal Trifeature: S = H_b(0.1) = 0.4690 bits (REFERENCES.md)."""
    ds = make_latent(n_pretrain=0, n_train=10, n_test=10, k_synergy=10, mixtures=())
    assert ds.ground_truth.loc["synergy", "synergy"] == pytest.approx(0.468996, abs=1e-6)
    assert ds.ground_truth.loc["synergy_xor", "synergy"] == pytest.approx(math.log2(10), abs=1e-12)


@pytest.mark.parametrize("task", ["redundancy", "unique2", "synergy", "synergy_xor", "mix_rs",
                                  "mix_u"])
def test_mutual_informations_of_exact_joint_match_ground_truth(noisy, task):
    """I(X1;Y) = R + U1, I(X2;Y) = R + U2 and I(X1,X2;Y) = total, label noise included."""
    p = task_joint(noisy, task)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    r, u1, u2, s = gt(noisy, task)
    assert mutual_information(p, 0, 2) == pytest.approx(r + u1, abs=1e-10)
    assert mutual_information(p, 1, 2) == pytest.approx(r + u2, abs=1e-10)
    assert mutual_information(p, (0, 1), 2) == pytest.approx(r + u1 + u2 + s, abs=1e-10)


def test_label_noise_lowers_information_by_the_channel_formula(noisy):
    eps, k = 0.2, 4
    hit = 1 - eps + eps / k
    expected = math.log2(k) + hit * math.log2(hit) + (k - 1) * (eps / k) * math.log2(eps / k)
    assert noisy.ground_truth.loc["redundancy", "redundancy"] == pytest.approx(expected, abs=1e-12)
    p1 = (1 - eps) / k + eps / 2
    assert noisy.ground_truth.loc["synergy", "synergy"] == pytest.approx(
        h_b(p1) - h_b(eps / 2), abs=1e-12)


BROJA_TOL = 1e-4
#: Duality gap asked of the solver (bits), well below the tolerance of the comparisons.
GAP = 1e-7


@pytest.mark.parametrize("task", ["redundancy", "unique1", "unique2", "synergy", "synergy_xor",
                                  "mix_rs", "mix_u"])
def test_ground_truth_equals_broja_of_exact_joint(noisy, task):
    result = pid_bench.pid(task_joint(noisy, task), "broja", tol=GAP)
    np.testing.assert_allclose(result.atoms(), gt(noisy, task), atol=BROJA_TOL)


@pytest.mark.parametrize("task", ["mix1", "mix5", "mix6"])
def test_small_presets_equal_broja_of_exact_joint(default, task):
    result = pid_bench.pid(task_joint(default, task), "broja", tol=GAP)
    np.testing.assert_allclose(result.atoms(), gt(default, task), atol=BROJA_TOL)


@pytest.mark.slow
@pytest.mark.parametrize("task", ["mix2", "mix3", "mix4"])
def test_large_presets_equal_broja_of_exact_joint(default, task):
    result = pid_bench.pid(task_joint(default, task), "broja", tol=GAP)
    np.testing.assert_allclose(result.atoms(), gt(default, task), atol=BROJA_TOL)


def test_reduced_joint_has_the_decomposition_of_full_latent_states():
    """BROJA over the full states (r, u1, s1) x (r, u2, s2), built here from the definition:
    the remainder of the coarsened shared factor r and the unused factors change nothing
    (module docstring, fact 1)."""
    eps = 0.1
    ds = make_latent(n_pretrain=0, n_train=10, n_test=10, k_redundant=4, k_unique=2,
                     k_synergy=2, label_noise=eps,
                     mixtures={"m": {"redundancy": 2, "synergy_xor": 2}})
    channel = (1 - eps) * np.eye(2) + eps / 2
    full = np.zeros((16, 16, 4))
    for r, u1, u2, s1, s2 in np.ndindex(4, 2, 2, 2, 2):
        p_y = np.outer(channel[r // 2], channel[(s1 + s2) % 2]).ravel()
        full[(r * 2 + u1) * 2 + s1, (r * 2 + u2) * 2 + s2] += p_y / 64
    assert full.sum() == pytest.approx(1.0, abs=1e-12)
    assert task_joint(ds, "m").shape == (4, 4, 4)
    result = pid_bench.pid(full, "broja", tol=GAP)
    np.testing.assert_allclose(result.atoms(), gt(ds, "m"), atol=BROJA_TOL)


@pytest.mark.parametrize("task,tol", [("redundancy", 0.01), ("unique1", 0.01), ("synergy", 0.01),
                                      ("synergy_xor", 0.01), ("mix_rs", 0.02), ("mix_u", 0.02)])
def test_ground_truth_matches_plug_in_broja_on_samples(noisy, task, tol):
    """Plug-in BROJA on 60,000 sampled latent states and noisy labels; the tolerance covers the
    plug-in bias (about (cells) / (2 n ln 2) bits) and sampling error. The raw plug-in, without
    the default's resampled bias correction and permutations: this checks the generator."""
    probe = noisy.split("train")
    s1, s2 = task_states(probe, task)
    result = pid_bench.pid_from_samples(s1, s2, probe.tasks[task], measure="broja", tol=GAP,
                                        correction=None, n_permutations=0)
    np.testing.assert_allclose(result.atoms(), gt(noisy, task), atol=tol)


# ---------------------------------------------------------------- planted structure
def _mlp_balanced_accuracy(x_train, y_train, x_test, y_test) -> float:
    model = MLPClassifier((32,), alpha=1e-3, max_iter=150, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train)
    return 100 * balanced_accuracy_score(y_test, model.predict(x_test))


@pytest.mark.parametrize("task,chance", [("synergy", 50.0), ("synergy_xor", 25.0)])
def test_synergy_at_chance_from_one_modality_and_above_from_both(task, chance):
    ds = make_latent(n_pretrain=0, n_train=1000, n_test=1500, mixtures=(), seed=5)
    tr, te = ds.split("train"), ds.split("test")
    y, yt = tr.tasks[task], te.tasks[task]
    for name in ("x1", "x2"):
        alone = _mlp_balanced_accuracy(tr.modalities[name], y, te.modalities[name], yt)
        assert abs(alone - chance) < 6.0, (name, alone)
    both = _mlp_balanced_accuracy(np.hstack([tr.modalities["x1"], tr.modalities["x2"]]), y,
                                  np.hstack([te.modalities["x1"], te.modalities["x2"]]), yt)
    assert both > chance + 30.0, both


def _best_single_coordinate_accuracy(x, y, x_test, y_test) -> float:
    """Best balanced accuracy of a 1-D Gaussian class-conditional classifier over coordinates."""
    classes = np.unique(y)
    mu = np.stack([x[y == c].mean(axis=0) for c in classes])            # (C, d)
    var = np.stack([x[y == c].var(axis=0) for c in classes])
    prior = np.log(np.array([np.mean(y == c) for c in classes]))[:, None]
    ll = -0.5 * np.log(var) - (x_test[:, None, :] - mu) ** 2 / (2 * var) + prior   # (n, C, d)
    pred = classes[ll.argmax(axis=1)]                                     # (n, d)
    recall = np.stack([(pred[y_test == c] == c).mean(axis=0) for c in classes])
    return float(recall.mean(axis=0).max())


def test_factors_decodable_from_their_modality_but_not_from_one_coordinate():
    """At the default noise, a linear probe on the whole vector reads each factor (balanced
    accuracy > 90%; a nonlinear map may hide a little from a linear probe), while the best single
    coordinate (a 1-D Gaussian classifier) stays far below (< 75%, chance 25%)."""
    ds = make_latent(n_pretrain=0, n_train=1000, n_test=1000, mixtures=(), seed=2)
    tr, te = ds.split("train"), ds.split("test")
    for modality, factors in zip(("x1", "x2"), ds.source_latents):
        x, xt = tr.modalities[modality], te.modalities[modality]
        for f in factors:
            y, yt = tr.latents[f], te.latents[f]
            whole = LogisticRegression(max_iter=1000).fit(x, y).predict(xt)
            assert balanced_accuracy_score(yt, whole) > 0.9, (modality, f)
            assert _best_single_coordinate_accuracy(x, y, xt, yt) < 0.75, (modality, f)


@pytest.fixture(scope="module")
def pairs() -> MultimodalDataset:
    return make_latent(n_pretrain=0, n_train=2000, n_test=1000, embed_dim=16, depth=0,
                       mixing="pairs", mixtures=(), seed=2)


def test_pairs_mixing_gives_every_factor_value_the_same_mean():
    """Noiseless: the mean of x over the latent states with one factor fixed does not depend on
    the factor's value (to rounding), for every factor of both modalities."""
    ds = make_latent(n_pretrain=0, n_train=4000, n_test=1, embed_dim=16, depth=0, noise=0.0,
                     mixing="pairs", mixtures=(), seed=4)
    for modality, factors in zip(("x1", "x2"), ds.source_latents):
        codes = np.stack([ds.latents[f] for f in factors], axis=1)
        states, first = np.unique(codes, axis=0, return_index=True)
        assert len(states) == 64
        rows = ds.modalities[modality][first].astype(np.float64)     # one row per state
        for j in range(3):
            means = np.stack([rows[states[:, j] == v].mean(axis=0) for v in range(4)])
            np.testing.assert_allclose(means, 0.0, atol=1e-5, err_msg=f"{modality} {j}")


def test_pairs_mixing_hides_factors_from_a_linear_probe_not_from_an_mlp(pairs):
    """Balanced accuracy (chance 25%) of a linear probe on raw x1 < 40% for r, u1 and s1, of an
    MLP probe > 90%."""
    tr, te = pairs.split("train"), pairs.split("test")
    x, xt = tr.modalities["x1"], te.modalities["x1"]
    for f in ("r", "u1", "s1"):
        y, yt = tr.latents[f], te.latents[f]
        linear = LogisticRegression(max_iter=1000).fit(x, y).predict(xt)
        assert balanced_accuracy_score(yt, linear) < 0.40, f
        assert _mlp_balanced_accuracy(x, y, xt, yt) > 90.0, f


# ---------------------------------------------------------------- rotation code of u
def _blocks(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    tail = x[:, x.shape[1] - 2 * k:].astype(np.float64)
    return tail[:, :k], tail[:, k:]


@pytest.mark.parametrize("k_values,dim", [(4, 4), (2, 2), (5, 3)])
def test_rotation_code_keeps_norms_and_codes_the_value_as_the_angle(k_values, dim):
    """Each block has norm ``norm``; cos(angle between the blocks) = cos(j pi / (K - 1)) for
    value j, to rounding; the orientations differ between samples of one value."""
    values = np.tile(np.arange(k_values), 50)
    code = rotation_code(values, k_values, dim=dim, norm=2.5, rng=np.random.default_rng(0))
    assert code.shape == (len(values), 2 * dim)
    a, b = _blocks(code, dim)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 2.5, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 2.5, rtol=1e-12)
    cosine = (a * b).sum(axis=1) / 2.5 ** 2
    np.testing.assert_allclose(cosine, np.cos(values * np.pi / (k_values - 1)), atol=1e-12)
    assert np.std(a[values == 0], axis=0).min() > 0.5


def test_rotation_code_gives_every_value_the_same_mean():
    """The mean of the code given the value is 0 (Haar orientation): within 4 standard errors
    of 0 in every coordinate, for every value."""
    n = 20_000
    values = np.repeat(np.arange(4), n)
    code = rotation_code(values, 4, dim=4, norm=3.0, rng=np.random.default_rng(1))
    for v in range(4):
        block = code[values == v]
        sem = block.std(axis=0) / math.sqrt(n)
        assert np.all(np.abs(block.mean(axis=0)) < 4 * sem + 1e-12), v


@pytest.fixture(scope="module")
def rotated() -> MultimodalDataset:
    return make_latent(n_pretrain=0, n_train=2000, n_test=1000, noise=0.1, mixtures=(),
                       unique_code="rotation", seed=2)


def test_rotation_code_layout_metadata_and_ground_truth(rotated):
    """dim + 2 rotation_dim coordinates; the dataset asks for the matching rotation; labels,
    latents and ground truth equal those of the table code (the code changes only x)."""
    table = make_latent(n_pretrain=0, n_train=2000, n_test=1000, noise=0.1, mixtures=(),
                        seed=2)
    assert rotated.modalities["x1"].shape == (3000, 40)
    assert rotated.metadata["augment"] == {"vector": {"rotation_dim": 4, "mask_fraction": 0.0}}
    assert "augment" not in table.metadata
    assert rotated.metadata["arguments"]["unique_code"] == "rotation"
    pd.testing.assert_frame_equal(rotated.ground_truth, table.ground_truth)
    for task in rotated.tasks:
        np.testing.assert_array_equal(rotated.tasks[task], table.tasks[task])


def test_rotation_request_survives_save_and_load(tmp_path, rotated):
    from synthetic.augment import RandomRotation, dataset_augment

    rotated.save(tmp_path / "rotated.npz")
    loaded = MultimodalDataset.load(tmp_path / "rotated.npz")
    first, second = dataset_augment(loaded)
    assert isinstance(first.augmentations[0], RandomRotation)
    assert second.augmentations[0].dim == 4


def test_rotation_code_hides_u_from_a_linear_probe_but_not_its_angle(rotated):
    """Balanced accuracy (chance 25%) of a linear probe on raw x1: u1 < 35%, r and s1 > 90%;
    the angle statistic a.b of the two blocks alone reads u1 > 95% (nearest class centre)."""
    tr, te = rotated.split("train"), rotated.split("test")
    x, xt = tr.modalities["x1"], te.modalities["x1"]
    for f, low, high in (("u1", 0.0, 0.35), ("r", 0.9, 1.0), ("s1", 0.9, 1.0)):
        linear = LogisticRegression(max_iter=2000).fit(x, tr.latents[f]).predict(xt)
        assert low <= balanced_accuracy_score(te.latents[f], linear) <= high, f
    a, b = _blocks(xt, 4)
    centres = 9.0 * np.cos(np.arange(4) * np.pi / 3)
    nearest = np.abs((a * b).sum(axis=1)[:, None] - centres).argmin(axis=1)
    assert balanced_accuracy_score(te.latents["u1"], nearest) > 0.99


@pytest.mark.parametrize("args,message", [
    (([0, 4], 4), r"integers in 0..3; received dtype int64, shape \(2,\), range \[0, 4\]"),
    (([-1, 0], 4), r"range \[-1, 0\]"),
    (([0.5], 4), "integers in 0..3; received dtype float64"),
    (([[0, 1]], 4), r"shape \(1, 2\)"),
    (([0], 1), "k must be an integer >= 2; received 1"),
])
def test_rotation_code_refuses_bad_values(args, message):
    values, k = args
    with pytest.raises(ValueError, match=message):
        rotation_code(np.asarray(values), k, dim=4, norm=1.0, rng=np.random.default_rng(0))


@pytest.mark.parametrize("kwargs,message", [
    ({"dim": 1}, "dim must be an integer >= 2; received 1"),
    ({"norm": -1.0}, "norm must be a finite number"),
    ({"norm": 0}, "norm must be > 0; received 0.0"),
])
def test_rotation_code_refuses_bad_shapes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rotation_code(np.array([0, 1]), 2, **{"dim": 3, "norm": 1.0, **kwargs},
                      rng=np.random.default_rng(0))


def test_pairs_mixing_keeps_the_ground_truth_and_labels(pairs):
    concat = make_latent(n_pretrain=0, n_train=2000, n_test=1000, embed_dim=16, depth=0,
                         mixtures=(), seed=2)
    pd.testing.assert_frame_equal(pairs.ground_truth, concat.ground_truth)
    for task in pairs.tasks:
        np.testing.assert_array_equal(pairs.tasks[task], concat.tasks[task])
    assert not np.allclose(pairs.modalities["x1"], concat.modalities["x1"])


def test_probe_splits_are_unbiased_and_pretrain_biased_as_asked():
    k = 4
    ds = make_latent(n_pretrain=20_000, n_train=20_000, n_test=1, bias=0.6, mixtures=(), seed=7)
    pi = np.asarray(ds.metadata["bijection"])
    assert sorted(pi.tolist()) == list(range(k))
    for split, rate in (("pretrain", 0.6), ("train", 1 / k)):
        part = ds.split(split)
        s1, s2 = part.latents["s1"], part.latents["s2"]
        match = s2 == pi[s1]
        # 5 standard errors of a binomial proportion over 20,000 draws
        assert abs(match.mean() - rate) < 5 * math.sqrt(rate * (1 - rate) / 20_000)
        np.testing.assert_array_equal(part.tasks["synergy"], match.astype(int))
        # s2 stays uniform in both splits (non-matches are spread over the other values)
        np.testing.assert_allclose(np.bincount(s2, minlength=k) / s2.size, 1 / k, atol=0.015)
    full = make_latent(n_pretrain=500, n_train=1, n_test=1, mixtures=(), seed=7).split("pretrain")
    pi = np.asarray(full.metadata["bijection"])
    np.testing.assert_array_equal(full.latents["s2"], pi[full.latents["s1"]])
    probe = ds.split("train")
    counts = np.zeros((k, k))
    np.add.at(counts, (probe.latents["s1"], probe.latents["s2"]), 1)
    np.testing.assert_allclose(counts / counts.sum(), 1 / k**2, atol=0.006)


def test_label_noise_replaces_labels_at_the_stated_rate():
    ds = make_latent(n_pretrain=0, n_train=40_000, n_test=1, label_noise=0.3, mixtures=(), seed=1)
    part = ds.split("train")
    changed = (part.tasks["redundancy"] != part.latents["r"]).mean()
    assert changed == pytest.approx(0.3 * (1 - 1 / 4), abs=5 * math.sqrt(0.225 * 0.775 / 40_000))


def test_mixture_labels_are_mixed_radix_codes_of_coarse_factors():
    ds = make_latent(n_pretrain=0, n_train=300, n_test=1, k_redundant=6, k_unique=4,
                     mixtures={"m": {"unique1": 2, "redundancy": 3, "synergy_xor": 2}}, seed=4)
    lat, y = ds.latents, ds.tasks["m"]
    expected = ((lat["r"] // 2) * 2 + lat["u1"] // 2) * 2 + (lat["s1"] // 2 + lat["s2"] // 2) % 2
    np.testing.assert_array_equal(y, expected)
    assert ds.n_classes["m"] == 12
    np.testing.assert_allclose(gt(ds, "m"), [math.log2(3), 1, 0, 1], atol=1e-12)
    assert ds.metadata["task_components"]["m"] == {"redundancy": 3, "unique1": 2,
                                                    "synergy_xor": 2}


def test_preset_levels_follow_k():
    ds = make_latent(n_pretrain=0, n_train=5, n_test=5, k_redundant=9, k_unique=6, k_synergy=8)
    # weight 0.5: 3 of 9, 2 of 6 (log-nearest to sqrt 6), 2 of 8 (tie 2/4 goes to the smaller)
    assert ds.metadata["task_components"]["mix2"] == {"redundancy": 3, "unique1": 6,
                                                       "unique2": 2, "synergy_xor": 2}


# ---------------------------------------------------------------- container, seeds
def test_dataset_layout(default):
    assert default.modality_names == ("x1", "x2")
    assert all(v.shape == (8000, 32) and v.dtype == np.float32 for v in default.modalities.values())
    assert [int(np.sum(default.split_of == s)) for s in ("pretrain", "train", "test")] == [
        4000, 2000, 2000]
    assert tuple(default.latents) == FACTORS
    assert default.source_latents == (("r", "u1", "s1"), ("r", "u2", "s2"))
    for task, labels in default.tasks.items():
        assert labels.dtype == np.int64 and labels.max() < default.n_classes[task]


def test_same_seed_same_arrays_and_world_independent_of_sizes():
    a = make_latent(n_pretrain=50, n_train=40, n_test=30, seed=11)
    b = make_latent(n_pretrain=50, n_train=40, n_test=30, seed=11)
    c = make_latent(n_pretrain=50, n_train=40, n_test=30, seed=12)
    for key in a.modalities:
        np.testing.assert_array_equal(a.modalities[key], b.modalities[key])
        assert not np.array_equal(a.modalities[key], c.modalities[key])
    for key in a.tasks:
        np.testing.assert_array_equal(a.tasks[key], b.tasks[key])
    bigger = make_latent(n_pretrain=50, n_train=40, n_test=300, seed=11)
    np.testing.assert_array_equal(bigger.split("pretrain").modalities["x1"],
                                  a.split("pretrain").modalities["x1"])
    assert bigger.metadata["bijection"] == a.metadata["bijection"]
    gen = make_latent(n_pretrain=5, n_train=5, n_test=5, seed=np.random.default_rng(11))
    again = make_latent(n_pretrain=5, n_train=5, n_test=5, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(gen.modalities["x2"], again.modalities["x2"])


def test_task_joint_survives_save_and_load(tmp_path, default):
    path = tmp_path / "latent.npz"
    default.save(path)
    loaded = MultimodalDataset.load(path)
    np.testing.assert_array_equal(task_joint(loaded, "mix2"), task_joint(default, "mix2"))
    for a, b in zip(task_states(loaded, "mix2"), task_states(default, "mix2")):
        np.testing.assert_array_equal(a, b)


def test_task_joint_rejects_foreign_datasets_and_unknown_tasks(default):
    other = MultimodalDataset.from_arrays(np.zeros((4, 2)), np.zeros((4, 2)),
                                          tasks={"y": [0, 1, 0, 1]})
    with pytest.raises(ValueError, match="not made by make_latent"):
        task_joint(other, "y")
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        task_states(default, "nope")


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs,message", [
    ({"n_pretrain": -1}, "n_pretrain must be an integer >= 0"),
    ({"n_train": 0}, "n_train must be an integer >= 1"),
    ({"n_test": 2.5}, "n_test must be an integer"),
    ({"dim": 0}, "dim must be an integer >= 1"),
    ({"k_redundant": 1}, "k_redundant must be an integer >= 2"),
    ({"k_unique": True}, "k_unique must be an integer"),
    ({"k_synergy": 1}, "k_synergy must be an integer >= 2"),
    ({"depth": -1}, "depth must be an integer >= 0"),
    ({"mixing": "sum"}, "mixing must be one of \\('concat', 'pairs'\\); received 'sum'"),
    ({"unique_code": "angle"}, "unique_code must be one of \\('table', 'rotation'\\)"),
    ({"rotation_dim": 1}, "rotation_dim must be an integer >= 2"),
    ({"rotation_norm": 0.0}, "rotation_norm must be > 0; received 0.0"),
    ({"rotation_norm": float("inf")}, "rotation_norm must be a finite number"),
    ({"noise": -0.1}, "noise must be a finite number"),
    ({"noise": float("nan")}, "noise must be a finite number"),
    ({"label_noise": 1.5}, r"label_noise must be a finite number in \[0.0, 1.0\]"),
    ({"bias": -0.2}, r"bias must be a finite number in \[0.0, 1.0\]"),
    ({"bias": 1.01}, "bias must be a finite number"),
    ({"seed": -3}, "seed must be an integer >= 0"),
    ({"mixtures": ["mix9"]}, "unknown mixture preset 'mix9'"),
    ({"mixtures": "mix1"}, "received the string 'mix1'"),
    ({"k_unique": 5}, "mixture preset 'mix1' needs a coarse unique1 factor"),
    ({"mixtures": {"m": {"redundancy": 3}}}, "must divide the factor's K = 4"),
    ({"mixtures": {"m": {"redundancy": 1}}}, "must be an integer >= 2"),
    ({"mixtures": {"m": {"synergy": 2}}}, "unknown components \\['synergy'\\]"),
    ({"mixtures": {"m": {}}}, "must map at least one of"),
    ({"mixtures": {"synergy": {"redundancy": 2}}}, "mixture names must be new"),
])
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_latent(**{"n_pretrain": 2, "n_train": 2, "n_test": 2, **kwargs})
