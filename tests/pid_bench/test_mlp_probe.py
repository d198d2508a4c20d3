import numpy as np
import pytest

from pid_bench.evaluate import probe_classification, probe_regression
from pid_bench.mlp_probe import MLPProbeSettings, probe_classification_mlp, probe_regression_mlp

#: A grid small enough for fast tests.
SMALL = MLPProbeSettings(widths=(16,), depths=(1,), alphas=(1e-4,), learning_rate=1e-2,
                         batch_size=32, max_epochs=40, patience=5)
#: The same for the regressor, a little wider (the product target has curved level sets).
SMALL_REGRESSION = MLPProbeSettings(widths=(32,), depths=(1,), alphas=(1e-4,),
                                    learning_rate=1e-2, batch_size=32, max_epochs=60, patience=5)


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


#: Standard deviation of the noise added to the continuous targets below.
SIGMA = 0.5


def _product(n=2000, seed=0):
    """y = z1 z2 + SIGMA eps on standard normal z (four coordinates): y is uncorrelated with
    every coordinate, so the best linear predictor is the mean (R² 0), while the best
    predictor E[y | z] = z1 z2 leaves the noise alone: MSE SIGMA², var(y) = 1 + SIGMA²."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 4))
    y = z[:, 0] * z[:, 1] + SIGMA * rng.normal(size=n)
    half = n // 2
    return z[:half], y[:half], z[half:], y[half:]


def test_product_target_is_read_by_the_mlp_regressor_and_not_by_the_ridge_probe():
    z_train, y_train, z_test, y_test = _product()
    mlp = probe_regression_mlp(z_train, y_train, z_test, y_test, settings=SMALL_REGRESSION)
    linear = probe_regression(z_train, y_train, z_test, y_test)
    bayes_r2 = 1 - SIGMA**2 / np.var(y_test)  # the best any predictor does, about 0.8
    assert abs(linear["r2"]) < 0.03 and linear["captured_bits"] < 0.02
    # within 0.1 of the Bayes predictor's R²; above it only by the test split's sampling
    assert bayes_r2 - 0.1 < mlp["r2"] < bayes_r2 + 0.02
    assert mlp["mse"] > SIGMA**2 * 0.9
    assert mlp["captured_bits"] == pytest.approx(0.5 * np.log2(mlp["variance"] / mlp["mse"]))
    assert mlp["r2"] == pytest.approx(1 - mlp["mse"] / mlp["variance"])
    assert set(mlp) == {"mse", "variance", "r2", "captured_bits", "width", "depth", "alpha",
                        "epochs"}


def test_gaussian_target_captures_its_closed_form_bits_on_its_own_scale():
    """y = 100 (z1 + SIGMA eps) + 7: I(z; y) = 1/2 log2(1 + 1 / SIGMA²) exactly, whatever
    the scale and offset (the targets are standardised for fitting, scored in their units)."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(2000, 3))
    y = 100 * (z[:, 0] + SIGMA * rng.normal(size=2000)) + 7
    out = probe_regression_mlp(z[:1000], y[:1000], z[1000:], y[1000:], settings=SMALL_REGRESSION)
    assert out["captured_bits"] == pytest.approx(0.5 * np.log2(1 + 1 / SIGMA**2), abs=0.06)
    assert out["mse"] == pytest.approx(1e4 * SIGMA**2, rel=0.15)


def test_regression_capacity_is_chosen_on_validation_and_noise_stops_early():
    z_train, y_train, z_test, y_test = _product(n=1200)
    settings = MLPProbeSettings(widths=(1, 32), depths=(1,), alphas=(1e-4,), learning_rate=1e-2,
                                batch_size=32, max_epochs=40, patience=5)
    out = probe_regression_mlp(z_train, y_train, z_test, y_test, settings=settings)
    assert out["width"] == 32 and out["r2"] > 0.6
    rng = np.random.default_rng(2)
    noise = probe_regression_mlp(rng.normal(size=(400, 3)), rng.normal(size=400),
                                 rng.normal(size=(400, 3)), rng.normal(size=400),
                                 settings=SMALL_REGRESSION)
    assert noise["epochs"] < 20 and noise["captured_bits"] < 0.05


def test_regression_same_seed_same_numbers_other_seed_other_fit():
    z_train, y_train, z_test, y_test = _product(n=400)
    args = (z_train, y_train, z_test, y_test)
    first = probe_regression_mlp(*args, seed=3, settings=SMALL_REGRESSION)
    assert probe_regression_mlp(*args, seed=3, settings=SMALL_REGRESSION) == first
    assert probe_regression_mlp(*args, seed=4, settings=SMALL_REGRESSION)["mse"] != first["mse"]


def test_regression_bad_input_is_refused():
    z_train, y_train, z_test, y_test = _product(n=40)
    with pytest.raises(ValueError, match="continuous targets must be finite"):
        probe_regression_mlp(z_train, np.r_[np.nan, y_train[1:]], z_test, y_test)
    with pytest.raises(ValueError, match="positive variance; received a constant target"):
        probe_regression_mlp(z_train, y_train, z_test, np.ones_like(y_test))
    with pytest.raises(ValueError, match="one row per sample"):
        probe_regression_mlp(z_train[:5], y_train, z_test, y_test)
    with pytest.raises(ValueError, match="settings must be an MLPProbeSettings; received dict"):
        probe_regression_mlp(z_train, y_train, z_test, y_test, settings={})
