"""Clustering estimator: discretisation, exact decomposition of clustered data, bias
corrections, seeds, bad input."""

import numpy as np
import pytest

import pid_bench
from pid_bench.info.continuous.cluster import cluster, discrete_pid, discretize


def _blobs(codes: np.ndarray, dim: int, rng: np.random.Generator, noise: float = 0.05
           ) -> np.ndarray:
    """Well-separated clusters: a random centre per code plus small Gaussian noise."""
    centres = rng.normal(size=(int(codes.max()) + 1, dim)) * 3
    return centres[codes] + noise * rng.normal(size=(codes.size, dim))


def _rdnxor(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X1 = (r, a), X2 = (r, b), Y = (r, a xor b) as 4-D blobs: R = 1, S = 1 bit."""
    rng = np.random.default_rng(seed)
    r, a, b = (rng.integers(0, 2, n) for _ in range(3))
    return _blobs(2 * r + a, 4, rng), _blobs(2 * r + b, 4, rng), 2 * r + (a ^ b)


def test_discretize_passes_codes_and_keeps_few_distinct_rows():
    assert np.array_equal(discretize(np.array([7, 3, 7, 9])), [1, 0, 1, 2])
    x = np.repeat(np.array([[0.5, 1.0], [2.0, -1.0], [0.5, 3.0]]), 4, axis=0)
    codes = discretize(x, n_clusters=3)
    assert len(set(codes[:4])) == len(set(codes[4:8])) == 1 and len(set(codes)) == 3


def test_quantile_bins_are_balanced_and_need_one_column():
    x = np.random.default_rng(0).normal(size=1000)
    codes = discretize(x, n_clusters=4, method="quantile")
    assert np.array_equal(np.bincount(codes), [250] * 4)
    assert np.all(np.diff(codes[np.argsort(x)]) >= 0)  # bins are ordered intervals
    with pytest.raises(ValueError, match="one column"):
        discretize(np.random.default_rng(0).normal(size=(100, 2)), 4, method="quantile")


def test_kmeans_recovers_separated_clusters():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 6, 600)
    codes = discretize(_blobs(truth, 5, rng), n_clusters=6, seed=0)
    table = np.zeros((6, 6), dtype=int)
    np.add.at(table, (truth, codes), 1)
    assert np.all((table > 0).sum(axis=1) == 1) and np.all((table > 0).sum(axis=0) == 1)


def test_clustered_rdnxor_recovers_the_reference_decomposition():
    x1, x2, y = _rdnxor(2000, 2)
    res = cluster(x1, x2, y, n_clusters=4)
    assert np.allclose(res.atoms(), [1.0, 0.0, 0.0, 1.0], atol=0.02)
    assert res.measure == "cluster" and res.details["discrete_measure"] == "broja"
    assert res.total == pytest.approx(res.redundancy + res.unique1 + res.unique2 + res.synergy)


@pytest.mark.parametrize("correction", ["bootstrap", "shuffle"])
def test_corrections_remove_most_of_the_plugin_bias_on_independent_data(correction):
    rng = np.random.default_rng(3)
    n = 400
    c1, c2, cy = rng.integers(0, 6, n), rng.integers(0, 6, n), rng.integers(0, 4, n)
    res = discrete_pid(c1, c2, cy, correction=correction, n_resamples=4, seed=0)
    plugin_total = res.details["plugin"]["total"]
    assert plugin_total > 0.15  # 144 cells for 400 samples: large plug-in bias, truth is 0
    assert res.total < 0.5 * plugin_total
    assert np.all(res.atoms() >= 0)


def test_bootstrap_keeps_a_deterministic_structure_that_shuffling_erodes():
    # Y is a function of (X1, X2): few occupied cells, so independence overstates the bias.
    rng = np.random.default_rng(4)
    n = 300
    a, b = rng.integers(0, 4, n), rng.integers(0, 4, n)
    y = (a + b) % 4
    boot = discrete_pid(a, b, y, correction="bootstrap", seed=0)
    shuf = discrete_pid(a, b, y, correction="shuffle", seed=0)
    assert boot.synergy == pytest.approx(2.0, abs=0.05)  # exact: S = 2 bits
    assert shuf.synergy < boot.synergy - 0.05


def test_continuous_target_is_discretised_and_seeds_reproduce():
    x1, x2, _ = _rdnxor(800, 5)
    y = x1[:, 0] + np.random.default_rng(6).normal(size=800)
    a = pid_bench.pid_from_samples(x1, x2, y, estimator="cluster", seed=3, n_clusters=4,
                                   y_clusters=5)
    b = cluster(x1, x2, y, n_clusters=4, y_clusters=5, seed=3)
    assert np.array_equal(a.atoms(), b.atoms())
    assert a.details["shape"][2] == 5
    assert a.mi1 > 0.1


def test_other_measures_and_plain_plugin():
    x1, x2, y = _rdnxor(500, 7)
    res = cluster(x1, x2, y, n_clusters=4, measure="mmi", correction=None)
    assert res.details["discrete_measure"] == "mmi" and res.details["correction"] is None
    assert all(v == 0 for v in res.details["bias"].values())
    assert res.redundancy == pytest.approx(min(res.mi1, res.mi2))


@pytest.mark.parametrize("kwargs, match", [
    ({"n_clusters": 1}, "n_clusters must be an integer >= 2"),
    ({"method": "dbscan"}, "method must be one of"),
    ({"correction": "jackknife"}, "correction must be one of"),
    ({"n_resamples": 0}, "n_resamples must be an integer >= 1"),
    ({"measure": "nope"}, "unknown PID measure"),
])
def test_bad_options(kwargs, match):
    x1, x2, y = _rdnxor(100, 8)
    with pytest.raises(ValueError, match=match):
        cluster(x1, x2, y, **kwargs)


def test_bad_samples():
    x1, x2, y = _rdnxor(100, 9)
    with pytest.raises(ValueError, match="same number of samples"):
        cluster(x1[:-1], x2, y)
    with pytest.raises(ValueError, match="class label"):
        cluster(x1, x2, np.zeros((100, 2), dtype=int))
    with pytest.raises(ValueError, match="at least 2 samples; received 1"):
        cluster(x1[:1], x2[:1], y[:1])
    x1[3, 0] = np.nan
    with pytest.raises(ValueError, match="x1 must contain finite numbers"):
        cluster(x1, x2, y)


@pytest.mark.slow
def test_latent_tasks_within_two_hundredths_of_a_bit_at_n_10000_d_8():
    """The accuracy target of benchmarks/pid_accuracy.py, for the latent family."""
    from synthetic.latent import make_latent

    mix = {"redundancy": 2, "unique1": 2, "unique2": 2, "synergy_xor": 2}
    errors = {task: [] for task in ("redundancy", "unique1", "synergy_xor", "mix")}
    for seed in range(5):
        ds = make_latent(n_pretrain=0, n_train=5000, n_test=5000, dim=8, k_redundant=2,
                         k_unique=2, k_synergy=2, noise=0.1, mixtures={"mix": mix}, seed=seed)
        for task, errs in errors.items():
            truth = ds.ground_truth.loc[task, list(pid_bench.ATOMS)].to_numpy()
            est = cluster(ds.modalities["x1"], ds.modalities["x2"], ds.tasks[task], seed=seed)
            errs.append(np.abs(est.atoms() - truth))
    for task, errs in errors.items():
        assert np.all(np.mean(errs, axis=0) <= 0.02), (task, np.mean(errs, axis=0))


def test_uncertified_broja_falls_back_to_a_looser_certificate(monkeypatch):
    import pid_bench.info.sampling.table as module
    from pid_bench.info.discrete.broja import BrojaConvergenceError

    calls = []

    def flaky(p, measure, **options):
        calls.append(options["tol"])
        if options["tol"] < 5e-6:
            raise BrojaConvergenceError(gap=3e-6, tol=options["tol"], iterations=9, reason="test")
        return pid_bench.pid(p, measure, **options)

    monkeypatch.setattr(module, "pid", flaky)
    res = discrete_pid([0, 1, 0, 1], [0, 0, 1, 1], [0, 1, 1, 0], correction=None)
    assert calls == [1e-7, 6e-6] and res.synergy == pytest.approx(1.0, abs=1e-5)

    def hopeless(p, measure, **options):
        raise BrojaConvergenceError(gap=0.01, tol=options["tol"], iterations=9, reason="test")

    monkeypatch.setattr(module, "pid", hopeless)
    with pytest.raises(BrojaConvergenceError):
        discrete_pid([0, 1, 0, 1], [0, 0, 1, 1], [0, 1, 1, 0], correction=None)
