import numpy as np
import pytest

from pid_bench.evaluate import probe_classification
from pid_bench.mlp_probe import MLPProbeSettings, probe_classification_mlp

#: A grid small enough for fast tests.
SMALL = MLPProbeSettings(widths=(16,), depths=(1,), alphas=(1e-4,), learning_rate=1e-2,
                         batch_size=32, max_epochs=40, patience=5)


def _xor(n=800, noise_dims=2, seed=0):
    """Two sign features whose XOR is the label, plus independent noise coordinates."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2 + noise_dims))
    y = ((z[:, 0] > 0) ^ (z[:, 1] > 0)).astype(int)
    half = n // 2
    return z[:half], y[:half], z[half:], y[half:]


def test_xor_is_read_by_the_mlp_and_not_by_the_linear_probe():
    z_train, y_train, z_test, y_test = _xor()
    mlp = probe_classification_mlp(z_train, y_train, z_test, y_test, n_classes=2,
                                   settings=SMALL)
    linear = probe_classification(z_train, y_train, z_test, y_test, n_classes=2)
    assert mlp["balanced_accuracy"] > 95 and linear["balanced_accuracy"] < 58
    assert linear["captured_bits"] < 0.02 < 0.6 < mlp["captured_bits"]
    assert mlp["captured_bits"] <= mlp["entropy_bits"]
    assert mlp["captured_bits"] == pytest.approx(
        max(0.0, mlp["entropy_bits"] - mlp["cross_entropy_bits"]))


def test_capacity_is_chosen_on_the_validation_split():
    """One ReLU unit cannot draw XOR's two boundaries; sixteen can: the probe picks 16."""
    z_train, y_train, z_test, y_test = _xor()
    settings = MLPProbeSettings(widths=(1, 16), depths=(1,), alphas=(1e-4,), learning_rate=1e-2,
                                batch_size=32, max_epochs=40, patience=5)
    out = probe_classification_mlp(z_train, y_train, z_test, y_test, n_classes=2,
                                   settings=settings)
    assert out["width"] == 16 and out["depth"] == 1 and out["balanced_accuracy"] > 95


def test_labels_independent_of_the_embedding_stop_early_and_capture_nothing():
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(800, 5)), rng.integers(0, 3, size=800)
    settings = MLPProbeSettings(widths=(32,), depths=(1,), alphas=(1e-4, 1.0), patience=3,
                                learning_rate=1e-2)
    out = probe_classification_mlp(z[:400], y[:400], z[400:], y[400:], n_classes=3,
                                   settings=settings)
    assert out["epochs"] < 30 and out["captured_bits"] < 0.05
    assert 20 < out["balanced_accuracy"] < 47


@pytest.mark.parametrize("n_classes", [2, 4])
def test_captured_bits_never_exceed_the_label_entropy(n_classes):
    """An embedding that is the one-hot label: the bound approaches H(Y) from below."""
    rng = np.random.default_rng(2)
    y = rng.integers(0, n_classes, size=600)
    z = np.eye(n_classes)[y] + 0.01 * rng.normal(size=(600, n_classes))
    out = probe_classification_mlp(z[:300], y[:300], z[300:], y[300:], n_classes=n_classes,
                                   settings=SMALL)
    h = out["entropy_bits"]
    assert h == pytest.approx(np.log2(n_classes), abs=0.02)
    assert 0.95 * h < out["captured_bits"] <= h and out["balanced_accuracy"] == 100.0


def test_same_seed_same_numbers_other_seed_other_fit():
    z_train, y_train, z_test, y_test = _xor(n=200)
    args = (z_train, y_train, z_test, y_test)
    first = probe_classification_mlp(*args, n_classes=2, seed=3, settings=SMALL)
    assert probe_classification_mlp(*args, n_classes=2, seed=3, settings=SMALL) == first
    other = probe_classification_mlp(*args, n_classes=2, seed=4, settings=SMALL)
    assert other["cross_entropy_bits"] != first["cross_entropy_bits"]


def test_bad_input_and_settings_are_refused():
    z_train, y_train, z_test, y_test = _xor(n=40)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2; received 1"):
        probe_classification_mlp(z_train, y_train, z_test, y_test, n_classes=1)
    with pytest.raises(ValueError, match=r"y_test must hold integer labels in 0..1"):
        probe_classification_mlp(z_train, y_train, z_test, y_test + 1, n_classes=2)
    with pytest.raises(ValueError, match="one row per sample"):
        probe_classification_mlp(z_train[:5], y_train, z_test, y_test, n_classes=2)
    with pytest.raises(ValueError, match=r"classes \[2\] occur in the test split but never"):
        probe_classification_mlp(z_train, y_train, z_test, np.r_[y_test[:-1], 2], n_classes=3)
    with pytest.raises(ValueError, match="settings must be an MLPProbeSettings; received dict"):
        probe_classification_mlp(z_train, y_train, z_test, y_test, n_classes=2, settings={})
    for key, value, match in [("widths", (), "widths must be a non-empty sequence"),
                              ("depths", (0,), "depths must be a non-empty sequence"),
                              ("alphas", (-1.0,), "alphas must be a non-empty sequence"),
                              ("validation_fraction", 1.0, "validation_fraction must be in"),
                              ("patience", 0, "patience must be a positive integer"),
                              ("learning_rate", 0.0, "learning_rate must be > 0")]:
        with pytest.raises(ValueError, match=match):
            MLPProbeSettings(**{key: value})
