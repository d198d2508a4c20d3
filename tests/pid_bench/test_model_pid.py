"""model_pid: predictors with known reliance on redundant, unique and synergistic latents."""

import numpy as np
import pandas as pd
import pytest

import pid_bench
from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.model_pid import latent_states, model_pid

N = 3000


def _dataset(n: int = N, seed: int = 0, with_latents: bool = True) -> MultimodalDataset:
    """Five independent bits; x1 carries (r, u1, s1), x2 carries (r, u2, s2), as 4-D blobs."""
    rng = np.random.default_rng(seed)
    lat = {k: rng.integers(0, 2, n) for k in ("r", "u1", "u2", "s1", "s2")}

    def blobs(state: np.ndarray) -> np.ndarray:
        centres = rng.normal(size=(8, 4)) * 3
        return centres[state] + 0.05 * rng.normal(size=(n, 4))

    x1 = blobs(4 * lat["r"] + 2 * lat["u1"] + lat["s1"])
    x2 = blobs(4 * lat["r"] + 2 * lat["u2"] + lat["s2"])
    gt = pd.DataFrame(np.nan, index=pd.Index(["y"], name="task"),
                      columns=list(GROUND_TRUTH_COLUMNS))
    extra = dict(latents=lat, source_latents=(("r", "u1", "s1"), ("r", "u2", "s2"))) \
        if with_latents else {}
    return MultimodalDataset(modalities={"x1": x1, "x2": x2}, tasks={"y": lat["r"]},
                             split_of=np.full(n, "test"), ground_truth=gt,
                             n_classes={"y": 2}, **extra)


@pytest.fixture(scope="module")
def data() -> MultimodalDataset:
    return _dataset()


@pytest.mark.parametrize("rule, expected", [
    (lambda lat: lat["r"], [1, 0, 0, 0]),
    (lambda lat: lat["u1"], [0, 1, 0, 0]),
    (lambda lat: lat["s1"] ^ lat["s2"], [0, 0, 0, 1]),
    (lambda lat: 2 * lat["r"] + (lat["s1"] ^ lat["s2"]), [1, 0, 0, 1]),
])
def test_latent_path_finds_what_the_predictor_uses(data, rule, expected):
    res = model_pid(data, rule(data.latents))
    assert np.allclose(res.atoms(), expected, atol=0.03)
    assert res.measure == "latents:broja" and res.details["source"] == "latents"


def test_modality_path_clusters_the_inputs(data):
    xor = data.latents["s1"] ^ data.latents["s2"]
    res = model_pid(data, xor, use_latents=False, n_clusters=8)
    assert np.allclose(res.atoms(), [0, 0, 0, 1], atol=0.03)
    assert res.measure == "modalities:cluster" and res.details["source"] == "modalities"
    auto = model_pid(_dataset(300, with_latents=False), xor[:300])
    assert auto.details["source"] == "modalities"


def test_latent_states_code_the_tuples(data):
    s1, s2 = latent_states(data)
    assert len(np.unique(s1)) == len(np.unique(s2)) == 8
    tuples = np.column_stack([data.latents[k] for k in ("r", "u1", "s1")])
    for code in range(8):
        assert len(np.unique(tuples[s1 == code], axis=0)) == 1


def test_string_labels_constant_predictions_and_intervals(data):
    names = np.where(data.latents["r"] == 1, "cat", "dog")
    assert np.allclose(model_pid(data, names).atoms(), [1, 0, 0, 0], atol=0.03)
    assert model_pid(data, np.zeros(N, dtype=int)).total == 0.0
    res = model_pid(data, data.latents["u2"], n_bootstrap=5, seed=1)
    assert res.intervals["unique2"][0] > 0.9


def test_continuous_predictions_through_a_gaussian_estimator(data):
    noise = np.random.default_rng(1).normal(size=N)
    score = data.modalities["x1"][:, 0] + data.modalities["x2"][:, 1] + noise
    res = pid_bench.model_pid(data, score, use_latents=False, estimator="gaussian_mmi")
    assert res.synergy > 0.5 and np.all(res.atoms() >= 0)


@pytest.mark.parametrize("predictions, kwargs, match", [
    (np.zeros(N - 1, dtype=int), {}, "shape"),
    (np.full(N, np.nan), {}, "NaN"),
    (np.linspace(0, 1, N), {}, "class predictions"),
    (np.zeros(N, dtype=int), {"use_latents": False, "estimator": "knn"}, "unknown PID estimator"),
])
def test_bad_input(data, predictions, kwargs, match):
    with pytest.raises(ValueError, match=match):
        model_pid(data, predictions, **kwargs)


def test_latents_required_when_asked():
    with pytest.raises(ValueError, match="no latent factors"):
        model_pid(_dataset(200, with_latents=False), np.zeros(200, dtype=int), use_latents=True)
    with pytest.raises(ValueError, match="MultimodalDataset"):
        model_pid(np.zeros((3, 2)), np.zeros(3, dtype=int))


def test_modality_path_reads_the_ground_truth_sources(data):
    # A third, irrelevant modality first: the sources named by ground_truth_sources are used,
    # not the first two modalities.
    noise = np.random.default_rng(5).normal(size=(N, 4))
    three = MultimodalDataset(modalities={"noise": noise, "x1": data.modalities["x1"],
                                          "x2": data.modalities["x2"]},
                              tasks=data.tasks, split_of=data.split_of,
                              ground_truth=data.ground_truth, n_classes=data.n_classes,
                              ground_truth_sources=(("x1",), ("x2",)))
    xor = data.latents["s1"] ^ data.latents["s2"]
    res = model_pid(three, xor, use_latents=False, n_clusters=8)
    assert np.allclose(res.atoms(), [0, 0, 0, 1], atol=0.03)
    unnamed = MultimodalDataset(modalities=three.modalities, tasks=data.tasks,
                                split_of=data.split_of, ground_truth=data.ground_truth,
                                n_classes=data.n_classes)
    with pytest.raises(ValueError, match=r"3 modalities .* without ground_truth_sources"):
        model_pid(unnamed, xor, use_latents=False)
