"""Batched augmentations: shapes, reproducibility, and that each does what it says."""

from __future__ import annotations

import math

import pytest
import torch

from synthetic.augment import (
    LUMA,
    ColourJitter,
    Compose,
    FeatureMask,
    GaussianBlur,
    GaussianNoise,
    Greyscale,
    HorizontalFlip,
    RandomPlaneRotation,
    RandomResizedCrop,
    RandomRotation,
    RandomScale,
    StepDrop,
    dataset_augment,
    default_augment,
    default_image_augment,
    default_sequence_augment,
    default_vector_augment,
)

IMAGE_AUGS = [RandomResizedCrop(), HorizontalFlip(), ColourJitter(), Greyscale(), GaussianBlur(),
              RandomPlaneRotation(), default_image_augment(), default_image_augment(keep_colour=True),
              default_image_augment(rotation_degrees=45.0)]
VECTOR_AUGS = [GaussianNoise(), FeatureMask(), RandomScale(), RandomRotation(3),
               default_vector_augment(), default_vector_augment(rotation_dim=2)]
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def images(b: int = 6, h: int = 16, seed: int = 0,
           dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.rand((b, 3, h, h), generator=torch.Generator().manual_seed(seed), dtype=dtype)


def vectors(b: int = 6, d: int = 8, seed: int = 0) -> torch.Tensor:
    return torch.randn((b, d), generator=torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------------------- common contract
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("aug", IMAGE_AUGS + VECTOR_AUGS,
                         ids=lambda a: repr(a) if isinstance(a, Compose) else type(a).__name__)
def test_keeps_shape_dtype_device_and_is_reproducible(aug, dtype, device) -> None:
    x = (images(dtype=dtype) if aug in IMAGE_AUGS else vectors().to(dtype)).to(device)
    before = torch.get_rng_state()
    y1 = aug(x, torch.Generator().manual_seed(3))
    y2 = aug(x, torch.Generator().manual_seed(3))
    y3 = aug(x, 3)
    y4 = aug(x, 4)
    assert torch.equal(torch.get_rng_state(), before)              # global RNG untouched
    assert y1.shape == x.shape and y1.dtype == x.dtype and y1.device == x.device
    assert torch.equal(y1, y2) and torch.equal(y1, y3)
    assert not torch.equal(y1, y4)
    assert torch.isfinite(y1).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_batch_gives_the_cpu_numbers() -> None:
    x = images(b=32)
    aug = default_image_augment()
    cpu = aug(x, 7)
    gpu = aug(x.cuda(), 7)
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-5, rtol=0)


def test_samples_get_independent_parameters() -> None:
    x = images(b=1).expand(64, -1, -1, -1).contiguous()
    y = default_image_augment()(x, 0)
    assert len({tuple(v.flatten()[:50].tolist()) for v in y}) > 50


# ---------------------------------------------------------------------------- images
def test_flip_flips() -> None:
    x = images(b=400)
    torch.testing.assert_close(HorizontalFlip(p=1.0)(x, 0), x.flip(-1), rtol=0, atol=0)
    assert torch.equal(HorizontalFlip(p=0.0)(x, 0), x)
    y = HorizontalFlip(p=0.5)(x, 0)
    flipped = (y == x.flip(-1)).flatten(1).all(1)
    kept = (y == x).flatten(1).all(1)
    assert torch.all(flipped ^ kept)
    assert flipped.float().mean().item() == pytest.approx(0.5, abs=0.1)   # sd 0.025


def test_greyscale_has_equal_channels_equal_to_the_luma() -> None:
    x = images()
    y = Greyscale(p=1.0)(x, 0)
    luma = sum(w * x[:, i] for i, w in enumerate(LUMA))
    for c in range(3):
        torch.testing.assert_close(y[:, c], luma)
    assert torch.equal(Greyscale(p=0.0)(x, 0), x)


def test_colour_jitter_without_strength_is_the_identity() -> None:
    x = images()
    torch.testing.assert_close(ColourJitter(0, 0, 0, 0, p=1.0)(x, 0), x)
    assert torch.equal(ColourJitter(p=0.0)(x, 0), x)


def test_brightness_scales_each_image_by_one_factor() -> None:
    x = 0.2 + 0.5 * images()                                       # stays below 1 after x1.4
    y = ColourJitter(brightness=0.4, contrast=0, saturation=0, hue=0, p=1.0)(x, 0)
    ratio = (y / x).flatten(1)
    torch.testing.assert_close(ratio, ratio[:, :1].expand_as(ratio))
    assert ratio.min() >= 0.6 - 1e-6 and ratio.max() <= 1.4 + 1e-6
    assert ratio[:, 0].std() > 0.05


def test_hue_turns_rgb_about_the_grey_axis() -> None:
    """A rotation about (1, 1, 1) keeps each pixel's channel mean and its distance to grey."""
    x = 0.4 + 0.2 * images()                                       # no clipping possible
    y = ColourJitter(brightness=0, contrast=0, saturation=0, hue=0.5, p=1.0)(x, 1)
    torch.testing.assert_close(y.mean(1), x.mean(1))
    torch.testing.assert_close((y - y.mean(1, keepdim=True)).norm(dim=1),
                               (x - x.mean(1, keepdim=True)).norm(dim=1))
    assert (y - x).abs().max() > 0.02


def test_crop_with_full_area_is_the_identity_and_small_crops_zoom() -> None:
    x = images()
    torch.testing.assert_close(RandomResizedCrop(scale=(1, 1), ratio=(1, 1))(x, 0), x)
    w = 32
    ramp = torch.linspace(0, 1, w).expand(4, 3, w, w).contiguous()   # value = column position
    y = RandomResizedCrop(scale=(0.25, 0.25), ratio=(1, 1))(ramp, 0)
    span = y[..., -1] - y[..., 0]                      # crop side: half the image, so half the ramp
    torch.testing.assert_close(span, torch.full_like(span, 0.5), atol=1e-5, rtol=0)
    assert y.min() >= 0 and y.max() <= 1


def _blob_images(b: int, h: int, w: int, offset: float) -> torch.Tensor:
    """A Gaussian blob (sd 1.5 px) ``offset`` px right of the centre of (b, 1, h, w) images."""
    rows = torch.arange(h, dtype=torch.float64)[:, None] - (h - 1) / 2
    cols = torch.arange(w, dtype=torch.float64)[None, :] - (w - 1) / 2 - offset
    return torch.exp(-(rows ** 2 + cols ** 2) / (2 * 1.5 ** 2)).expand(b, 1, h, w).contiguous()


@pytest.mark.parametrize("h, w", [(41, 41), (33, 49)])
@pytest.mark.parametrize("degrees", [30.0, 180.0])
def test_plane_rotation_turns_about_the_centre_within_its_range(h, w, degrees) -> None:
    offset = 10.0
    y = RandomPlaneRotation(degrees)(_blob_images(400, h, w, offset), 0)[:, 0]
    mass = y.sum((1, 2))
    rows = (y.sum(2) * (torch.arange(h) - (h - 1) / 2)).sum(1) / mass
    cols = (y.sum(1) * (torch.arange(w) - (w - 1) / 2)).sum(1) / mass
    torch.testing.assert_close(torch.hypot(rows, cols), torch.full_like(mass, offset),
                               atol=0.15, rtol=0)                  # the blob keeps its radius
    angle = torch.rad2deg(torch.atan2(rows, cols))
    if degrees < 180:                                               # atan2 caps at 180 anyway
        assert angle.abs().max() <= degrees + 0.5
    assert angle.abs().max() >= 0.9 * degrees                       # the range is used
    assert angle.mean().abs() < 0.1 * degrees                       # symmetric draws


def test_plane_rotation_by_zero_is_the_identity_and_bad_ranges_are_refused() -> None:
    x = images()
    torch.testing.assert_close(RandomPlaneRotation(0.0)(x, 0), x)
    for bad in (-1.0, 181.0, "90", True):
        with pytest.raises(ValueError, match="degrees must be a number in"):
            RandomPlaneRotation(bad)
    assert repr(default_image_augment(rotation_degrees=90.0)).startswith(
        "Compose(RandomPlaneRotation, RandomResizedCrop")                 # rotation comes first
    assert "RandomPlaneRotation" not in repr(default_image_augment())


def test_blur_spreads_a_point_by_sigma_and_keeps_constants() -> None:
    h, sigma = 33, 1.5
    delta = torch.zeros(1, 3, h, h)
    delta[..., h // 2, h // 2] = 1.0
    y = GaussianBlur(sigma=(sigma, sigma), p=1.0)(delta, 0)[0, 0]
    assert y.sum().item() == pytest.approx(1.0, abs=1e-5)
    d = torch.arange(h, dtype=torch.float32) - h // 2
    variance = (y.sum(0) * d ** 2).sum().item()                      # kernel cut at 3 sigma
    assert variance == pytest.approx(sigma ** 2, rel=0.05)
    flat = torch.full((2, 3, 8, 8), 0.3)
    torch.testing.assert_close(GaussianBlur(sigma=(0.5, 3.0), p=1.0)(flat, 0), flat)
    x = images()
    assert torch.equal(GaussianBlur(p=0.0)(x, 0), x)


# ---------------------------------------------------------------------------- vectors
def test_noise_has_the_given_std() -> None:
    x = vectors(b=1000, d=100)
    noise = GaussianNoise(std=0.3)(x, 0) - x                          # 100,000 draws
    assert noise.std().item() == pytest.approx(0.3, rel=0.02)
    assert abs(noise.mean().item()) < 0.005


def test_masking_zeroes_about_the_given_fraction() -> None:
    x = vectors(b=1000, d=100) + 5                                    # no exact zeros
    y = FeatureMask(fraction=0.25)(x, 0)
    zero = y == 0
    assert zero.float().mean().item() == pytest.approx(0.25, abs=0.01)   # sd 0.0014
    assert torch.equal(y[~zero], x[~zero])


def test_scaling_multiplies_each_vector_by_one_factor_in_range() -> None:
    x = vectors(b=200) + 5
    ratio = RandomScale(scale=(0.5, 2.0))(x, 0) / x
    torch.testing.assert_close(ratio, ratio[:, :1].expand_as(ratio))
    assert ratio.min() >= 0.5 and ratio.max() <= 2.0 and ratio[:, 0].std() > 0.2


# ---------------------------------------------------------------------------- composition
def test_rotation_keeps_norms_and_angles_of_the_blocks_and_the_rest() -> None:
    """The last two blocks of 4 get one orthogonal map per sample: norms and the dot product
    of the blocks kept, orientation changed; the first coordinates untouched."""
    x = torch.randn(64, 11, dtype=torch.float64)
    y = RandomRotation(4)(x, 0)
    torch.testing.assert_close(y[:, :3], x[:, :3], rtol=0, atol=0)
    a, b, ya, yb = x[:, 3:7], x[:, 7:], y[:, 3:7], y[:, 7:]
    torch.testing.assert_close(ya.norm(dim=1), a.norm(dim=1))
    torch.testing.assert_close(yb.norm(dim=1), b.norm(dim=1))
    torch.testing.assert_close((ya * yb).sum(1), (a * b).sum(1))
    assert (ya - a).norm(dim=1).min() > 1e-3


def test_rotation_matrices_are_the_q_of_a_gaussian_qr_with_positive_r_diagonal() -> None:
    """The draw is Mezzadri's Haar recipe: for the Gaussian G drawn from the same seed,
    Q^T G is upper triangular with a positive diagonal, and Q is orthogonal."""
    from synthetic.augment import _haar_orthogonal

    q = _haar_orthogonal(500, 4, torch.Generator().manual_seed(9), torch.float64)
    g = torch.randn((500, 4, 4), generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    r = q.transpose(1, 2) @ g
    torch.testing.assert_close(torch.tril(r, diagonal=-1), torch.zeros_like(r), atol=1e-12,
                               rtol=0)
    assert (torch.diagonal(r, dim1=1, dim2=2) > 0).all()
    torch.testing.assert_close(q.transpose(1, 2) @ q, torch.eye(4, dtype=torch.float64).expand(
        500, 4, 4), atol=1e-12, rtol=0)


def test_rotation_draws_haar_orientations() -> None:
    """A fixed unit vector turned by many draws: mean 0 and covariance I / dim, within about 4
    standard errors (2000 draws)."""
    e = torch.zeros(2000, 3, dtype=torch.float64)
    e[:, 0] = 1.0
    y = RandomRotation(3, blocks=1)(e, 5)
    assert y.mean(0).abs().max() < 4 * math.sqrt(1 / 3 / 2000)
    cov = y.T @ y / 2000
    assert (cov - torch.eye(3, dtype=torch.float64) / 3).abs().max() < 0.03


def test_dataset_augment_takes_the_generator_options_and_lets_the_caller_override() -> None:
    class Data:
        modalities = {"a": torch.zeros(2, 40), "b": torch.zeros(2, 40)}
        metadata = {"augment": {"vector": {"rotation_dim": 4, "noise_std": 0.2}}}

    first, _ = dataset_augment(Data(), vector={"noise_std": 0.0})
    assert isinstance(first.augmentations[0], RandomRotation)
    assert first.augmentations[0].dim == 4 and first.augmentations[-1].std == 0.0
    Data.metadata = {}
    plain, _ = dataset_augment(Data())
    assert repr(plain) == repr(default_vector_augment())
    Data.metadata = {"augment": ["rotation_dim"]}
    with pytest.raises(ValueError, match=r"metadata\['augment'\] must be a mapping"):
        dataset_augment(Data())
    Data.metadata = {}
    with pytest.raises(ValueError, match="vector augmentation options must be a mapping"):
        dataset_augment(Data(), vector=[("noise_std", 1.0)])
    Data.metadata = {"augment": {"vector": {"rotation_dim": 4}}}
    with pytest.raises(ValueError, match=r"need RandomRotation\(rotation_dim=4\).*received "
                                         r"rotation_dim=8"):
        dataset_augment(Data(), vector={"rotation_dim": 8})
    same, _ = dataset_augment(Data(), vector={"rotation_dim": 4})
    assert same.augmentations[0].dim == 4


def test_compose_applies_in_order_from_one_generator() -> None:
    x = vectors()
    steps = [RandomScale(), FeatureMask(0.5), GaussianNoise(0.2)]
    g = torch.Generator().manual_seed(5)
    expected = x
    for s in steps:
        expected = s(expected, g)
    torch.testing.assert_close(Compose(*steps)(x, 5), expected, rtol=0, atol=0)


def test_keep_colour_leaves_out_the_colour_steps() -> None:
    names = {type(a).__name__ for a in default_image_augment(keep_colour=True).augmentations}
    assert not names & {"ColourJitter", "Greyscale"}
    full = {type(a).__name__ for a in default_image_augment().augmentations}
    assert {"ColourJitter", "Greyscale", "RandomResizedCrop", "HorizontalFlip",
            "GaussianBlur"} <= full
    # colour preserved: a solid-colour image keeps its colour through the keep_colour chain
    red = torch.zeros(16, 3, 16, 16)
    red[:, 0] = 0.9
    torch.testing.assert_close(default_image_augment(keep_colour=True)(red, 0), red)


def test_default_augment_picks_by_shape() -> None:
    img, vec, grey = default_augment([(3, 16, 16), (12,), (1, 8, 8)])
    assert "ColourJitter" in repr(img) and "GaussianNoise" in repr(vec)
    assert "ColourJitter" not in repr(grey)
    assert grey(torch.rand(2, 1, 8, 8), 0).shape == (2, 1, 8, 8)
    seq, = default_augment([(6, 4)])
    assert "StepDrop" in repr(seq) and seq(torch.randn(2, 6, 4), 0).shape == (2, 6, 4)
    with pytest.raises(ValueError, match=r"per-sample shape \(2, 4, 4, 4\)"):
        default_augment([(2, 4, 4, 4)])


def test_default_augment_passes_options_on() -> None:
    img, vec = default_augment([(3, 16, 16), (12,)], keep_colour=True,
                               image={"crop_scale": (0.8, 1.0), "blur_sigma": None},
                               vector={"noise_std": 0.0, "mask_fraction": 0.0, "scale": (1, 1)})
    assert "GaussianBlur" not in repr(img) and "ColourJitter" not in repr(img)
    assert img.augmentations[0].scale == (0.8, 1.0)
    x = torch.randn(5, 12)
    torch.testing.assert_close(vec(x, 0), x)
    with pytest.raises(ValueError, match=r"unknown image augmentation options \['keep_colour'\]"):
        default_augment([(3, 8, 8)], image={"keep_colour": False})
    with pytest.raises(ValueError, match="vector augmentation options must be a mapping"):
        default_augment([(4,)], vector=[("noise_std", 1.0)])
    with pytest.raises(ValueError, match="sigma must satisfy"):   # no image modality here
        default_augment([(4,)], image={"blur_sigma": (-1, 1)})


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("make, message", [
    (lambda: HorizontalFlip(p=1.5), r"p must be a probability in \[0, 1\]; received 1.5"),
    (lambda: RandomResizedCrop(scale=(0.9, 0.5)), r"scale must satisfy .* received \(0.9, 0.5\)"),
    (lambda: RandomResizedCrop(scale=(0.5, 1.2)), "scale must satisfy"),
    (lambda: RandomResizedCrop(ratio=3), r"ratio must be a pair \(low, high\); received 3"),
    (lambda: GaussianBlur(sigma=(-1, 1)), "sigma must satisfy"),
    (lambda: ColourJitter(hue=0.7), r"hue must be a number in \[0, 0.5\]; received 0.7"),
    (lambda: ColourJitter(brightness=-0.1), "brightness must be a number"),
    (lambda: GaussianNoise(std=-1), "std must be a number"),
    (lambda: FeatureMask(fraction=2), "fraction must be a probability"),
    (lambda: RandomScale(scale=(math.nan, 1)), "scale must satisfy"),
    (lambda: Compose(HorizontalFlip(), "flip"), "Compose takes callables"),
    (lambda: RandomRotation(1), "dim must be an integer >= 2; received 1"),
    (lambda: RandomRotation(3, blocks=0), "blocks must be an integer >= 1; received 0"),
    (lambda: RandomRotation(2.0), "dim must be an integer"),
    (lambda: RandomRotation(True), "dim must be an integer >= 2; received True"),
])
def test_bad_arguments_raise(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("aug, x, message", [
    (HorizontalFlip(), torch.rand(2, 16, 16), r"4 axes; received shape \(2, 16, 16\)"),
    (Greyscale(), torch.rand(2, 1, 8, 8), r"3 channels; received shape \(2, 1, 8, 8\)"),
    (ColourJitter(), torch.zeros(2, 3, 8, 8, dtype=torch.uint8), "floating-point .* torch.uint8"),
    (GaussianNoise(), torch.rand(2, 3, 4, 4), r"vectors \(B, D\) or sequences \(B, T, D\), a tensor with 2 axes"),
    (FeatureMask(), [[1.0, 2.0]], "torch.Tensor .* received list"),
    (RandomRotation(4), torch.zeros(2, 7), "rotates the last 8 coordinates; received vectors of 7"),
])
def test_bad_batches_raise(aug, x, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        aug(x, 0)


@pytest.mark.parametrize("generator", [None, -1, "seed", 1.5])
def test_bad_generators_raise(generator) -> None:
    with pytest.raises(ValueError, match="generator must be a torch.Generator or a non-negative"):
        GaussianNoise()(vectors(), generator)


def test_step_drop_zeroes_whole_steps_at_the_asked_rate() -> None:
    x = torch.ones(400, 50, 3)
    y = StepDrop(fraction=0.2)(x, 0)
    per_step = y.sum(dim=2)
    assert set(per_step.unique().tolist()) == {0.0, 3.0}     # a step is kept or dropped whole
    assert abs(float((per_step == 0).float().mean()) - 0.2) < 0.01
    torch.testing.assert_close(StepDrop(fraction=0.2)(x, 0), y)   # same seed, same steps
    torch.testing.assert_close(StepDrop(fraction=0.0)(x, 0), x)
    with pytest.raises(ValueError, match=r"sequences \(B, T, D\), a tensor with 3 axes"):
        StepDrop()(torch.ones(4, 3), 0)


def test_noise_and_masks_take_sequences_and_the_default_is_seeded() -> None:
    x = torch.zeros(64, 10, 5)
    noisy = GaussianNoise(std=0.5)(x, 0)
    assert noisy.shape == x.shape and abs(float(noisy.std()) - 0.5) < 0.02
    assert FeatureMask(0.5)(torch.ones(64, 10, 5), 0).mean().item() == pytest.approx(0.5, abs=0.03)
    aug = default_sequence_augment(noise_std=0.0, drop_fraction=0.0)
    torch.testing.assert_close(aug(torch.ones(2, 3, 4), 0), torch.ones(2, 3, 4))
    seq = default_sequence_augment()
    z = torch.randn(8, 20, 4)
    torch.testing.assert_close(seq(z, 7), seq(z, 7))
    assert not torch.equal(seq(z, 7), z)
    with pytest.raises(ValueError, match=r"unknown sequence augmentation options \['std'\]"):
        default_augment([(6, 4)], sequence={"std": 1.0})
