"""Batched data augmentations as torch operations, on any device.

Each augmentation is a small callable object, ``aug(x, generator) -> Tensor``: ``x`` is a batch
of images (B, C, H, W) with values in [0, 1], of vectors (B, D) or of sequences (B, T, D); the result has the same
shape, dtype and device. Every sample gets its own random parameters, drawn from ``generator``
(a ``torch.Generator`` or an int seed) on the generator's device, so the same generator state
gives the same output on CPU whatever the batch's device; no global random state is touched.
:class:`Compose` chains augmentations; :func:`default_image_augment`,
:func:`default_vector_augment` and :func:`default_augment` give sensible defaults (the
SimCLR recipe of Chen et al., 2020, for images).

Which labels survive which augmentation
---------------------------------------
An augmentation must keep the labels a representation is meant to capture: contrastive
methods learn to ignore whatever the augmentations change.

===================  =========================================================================
augmentation         effect on the labels
===================  =========================================================================
RandomResizedCrop    keeps colour; keeps texture identity but zooms it (period up to
                     1/sqrt(min scale) times larger) and, at small scales, keeps only a few
                     periods; small scales can cut the shape off (Trifeature: keep >= 0.5)
HorizontalFlip       keeps every Trifeature label (each shape has a mirror axis, so a flip is
                     a rotation, already random; the slant of ``rain`` mirrors, and no other
                     texture has the mirrored slant)
ColourJitter         destroys colour: hue and saturation shifts move a colour onto another;
                     the Trifeature ``synergy`` task needs the colour of image 2, so never use
                     it there (``keep_colour=True``)
Greyscale            destroys colour, as above; keeps shape and texture
GaussianBlur         keeps shape and colour; a sigma near a quarter of the texture period
                     (1.5 px at 32 px in Trifeature) washes the texture out; keep it <= 1 px
GaussianNoise        keeps labels while ``std`` is small against the spread between classes
FeatureMask          keeps labels while each factor is spread over many coordinates (true of
                     the random maps of ``synthetic.latent``); a label carried by a few
                     coordinates is destroyed with them
StepDrop             keeps labels spread over many steps of a sequence; a label carried by a
                     few steps is lost when they are dropped
RandomScale          keeps labels that depend on directions; changes norms
RandomRotation       keeps every label of ``synthetic.latent`` data made with
                     ``unique_code="rotation"``: their unique factors are angles between the
                     blocks it rotates together, and it leaves the other coordinates alone;
                     on other data it destroys whatever the last coordinates carry
===================  =========================================================================
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from synthetic._checks import check_int

__all__ = [
    "Augmentation",
    "Compose",
    "RandomResizedCrop",
    "HorizontalFlip",
    "RandomPlaneRotation",
    "ColourJitter",
    "Greyscale",
    "GaussianBlur",
    "GaussianNoise",
    "FeatureMask",
    "StepDrop",
    "RandomScale",
    "RandomRotation",
    "default_image_augment",
    "default_vector_augment",
    "default_sequence_augment",
    "default_augment",
    "dataset_augment",
]

#: ITU-R BT.601 luma weights of R, G, B.
LUMA = (0.299, 0.587, 0.114)

Augmentation = Callable[[Tensor, "torch.Generator | int"], Tensor]


# ---------------------------------------------------------------------------- checks
def _generator(generator: torch.Generator | int) -> torch.Generator:
    if isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, int) and not isinstance(generator, bool) and generator >= 0:
        return torch.Generator().manual_seed(generator)
    raise ValueError(f"generator must be a torch.Generator or a non-negative int seed; "
                     f"received {generator!r}")


def _check_batch(x: object, ndim: int, what: str, channels: int | None = None) -> Tensor:
    if not isinstance(x, Tensor):
        raise ValueError(f"expected a torch.Tensor of {what}; received {type(x).__name__}")
    if x.ndim != ndim:
        raise ValueError(f"expected {what}, a tensor with {ndim} axes; received shape "
                         f"{tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"expected a floating-point tensor of {what} (convert bytes with "
                         f"x.float() / 255); received dtype {x.dtype}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"expected {what} with {channels} channels; received shape "
                         f"{tuple(x.shape)}")
    return x


def _probability(name: str, p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1]; received {p!r}")
    return float(p)


def _interval(name: str, value: Sequence[float], low: float, high: float = math.inf
              ) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high); received {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and low <= lo <= hi <= high):
        raise ValueError(f"{name} must satisfy {low} <= low <= high <= {high}; received "
                         f"{value!r}")
    return lo, hi


def _nonnegative(name: str, value: float, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= high:
        raise ValueError(f"{name} must be a number in [0, {high}]; received {value!r}")
    return float(value)


# ---------------------------------------------------------------------------- random draws
def _uniform(gen: torch.Generator, shape: tuple[int, ...], like: Tensor, low: float = 0.0,
             high: float = 1.0) -> Tensor:
    """Uniform draws on the generator's device, moved to ``like``'s device and dtype."""
    u = torch.rand(shape, generator=gen, device=gen.device)
    return (low + (high - low) * u).to(device=like.device, dtype=like.dtype)


def _chosen(gen: torch.Generator, p: float, x: Tensor) -> Tensor:
    """Per-sample Bernoulli(p) mask, shape (B, 1, ..., 1) to broadcast against ``x``."""
    mask = torch.rand((x.shape[0],), generator=gen, device=gen.device) < p
    return mask.to(x.device).view(-1, *([1] * (x.ndim - 1)))


# ---------------------------------------------------------------------------- images
def _warp(x: Tensor, theta: Tensor) -> Tensor:
    """Resample images (B, C, H, W) through affine maps ``theta`` (B, 2, 3), bilinearly.

    ``theta`` maps output to input coordinates normalised to [-1, 1]; pixels from outside the
    image repeat its border.
    """
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


class RandomResizedCrop:
    """Crop a random box of each image and resize it back to (H, W), bilinearly.

    Parameters
    ----------
    scale : (float, float), default (0.5, 1.0)
        Range of the box area as a fraction of the image area, in (0, 1].
    ratio : (float, float), default (3/4, 4/3)
        Range of the box aspect ratio (width / height), sampled log-uniformly; boxes are
        clipped to the image.
    """

    def __init__(self, scale: Sequence[float] = (0.5, 1.0),
                 ratio: Sequence[float] = (3 / 4, 4 / 3)) -> None:
        self.scale = _interval("scale", scale, 1e-6, 1.0)
        self.ratio = _interval("ratio", ratio, 1e-6)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 4, "images (B, C, H, W)"), _generator(generator)
        b = x.shape[0]
        area = _uniform(gen, (b,), x, *self.scale)
        log_ratio = _uniform(gen, (b,), x, math.log(self.ratio[0]), math.log(self.ratio[1]))
        width = torch.sqrt(area * torch.exp(log_ratio)).clamp(max=1.0)
        height = torch.sqrt(area / torch.exp(log_ratio)).clamp(max=1.0)
        cx = (1 - width) * _uniform(gen, (b,), x, -1.0, 1.0)
        cy = (1 - height) * _uniform(gen, (b,), x, -1.0, 1.0)
        zero = torch.zeros_like(width)
        theta = torch.stack([torch.stack([width, zero, cx], 1),
                             torch.stack([zero, height, cy], 1)], 1)
        return _warp(x, theta)


class HorizontalFlip:
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = _probability("p", p)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 4, "images (B, C, H, W)"), _generator(generator)
        return torch.where(_chosen(gen, self.p, x), x.flip(-1), x)


class RandomPlaneRotation:
    """Rotate each image about its centre by an angle drawn uniformly in [-degrees, degrees].

    Bilinear resampling; pixels that come from outside the image repeat its border (the
    Trifeature background). Redraws the orientation of a shape, which crops and flips keep
    (up to a mirror) and which would otherwise tell samples apart in instance discrimination.

    Parameters
    ----------
    degrees : float, default 180.0
        Largest rotation, in degrees, in [0, 180].
    """

    def __init__(self, degrees: float = 180.0) -> None:
        self.degrees = _nonnegative("degrees", degrees, 180.0)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 4, "images (B, C, H, W)"), _generator(generator)
        radians = math.radians(self.degrees)
        angle = _uniform(gen, (x.shape[0],), x, -radians, radians)
        cos, sin, zero = torch.cos(angle), torch.sin(angle), torch.zeros_like(angle)
        aspect = x.shape[-1] / x.shape[-2]
        theta = torch.stack([torch.stack([cos, -sin / aspect, zero], 1),
                             torch.stack([sin * aspect, cos, zero], 1)], 1)
        return _warp(x, theta)


def _grey(x: Tensor) -> Tensor:
    """Luma of RGB images (B, 3, H, W) -> (B, 1, H, W)."""
    w = torch.tensor(LUMA, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def _hue_rotation(angle: Tensor) -> Tensor:
    """Rotation matrices (B, 3, 3) about the grey axis (1, 1, 1) by ``angle`` (B,) radians."""
    k = torch.full((3,), 1 / math.sqrt(3), device=angle.device, dtype=angle.dtype)
    cross = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]],
                         device=angle.device, dtype=angle.dtype) / math.sqrt(3)
    cos, sin = torch.cos(angle).view(-1, 1, 1), torch.sin(angle).view(-1, 1, 1)
    eye = torch.eye(3, device=angle.device, dtype=angle.dtype)
    return cos * eye + sin * cross + (1 - cos) * torch.outer(k, k)


class ColourJitter:
    """Random brightness, contrast, saturation and hue changes, in that order.

    Factors are drawn per image: brightness, contrast and saturation multipliers uniformly
    from [max(0, 1 - a), 1 + a]; the hue turns by a uniform fraction of a full turn in
    [-hue, hue], as a rotation of RGB space about its grey axis. Values are clipped to [0, 1]
    after each step. Destroys colour labels (see the module docstring).

    Parameters
    ----------
    brightness, contrast, saturation : float, default 0.4
        Strengths, >= 0.
    hue : float, default 0.1
        Largest hue turn, in [0, 0.5] turns.
    p : float, default 0.8
        Probability of jittering an image.
    """

    def __init__(self, brightness: float = 0.4, contrast: float = 0.4, saturation: float = 0.4,
                 hue: float = 0.1, p: float = 0.8) -> None:
        self.brightness = _nonnegative("brightness", brightness)
        self.contrast = _nonnegative("contrast", contrast)
        self.saturation = _nonnegative("saturation", saturation)
        self.hue = _nonnegative("hue", hue, 0.5)
        self.p = _probability("p", p)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x = _check_batch(x, 4, "RGB images (B, 3, H, W)", channels=3)
        gen = _generator(generator)
        b, chosen = x.shape[0], _chosen(gen, self.p, x)

        def factor(strength: float) -> Tensor:
            f = _uniform(gen, (b, 1, 1, 1), x, max(0.0, 1 - strength), 1 + strength)
            return torch.where(chosen, f, torch.ones_like(f))

        out = (x * factor(self.brightness)).clamp(0, 1)
        c = factor(self.contrast)
        out = (c * out + (1 - c) * _grey(out).mean(dim=(2, 3), keepdim=True)).clamp(0, 1)
        s = factor(self.saturation)
        out = (s * out + (1 - s) * _grey(out)).clamp(0, 1)
        turn = _uniform(gen, (b,), x, -self.hue, self.hue) * chosen.view(-1)
        rotation = _hue_rotation(2 * math.pi * turn)
        return torch.einsum("bij,bjhw->bihw", rotation, out).clamp(0, 1)


class Greyscale:
    """Replace each RGB image by its luma in all three channels, with probability ``p``."""

    def __init__(self, p: float = 0.2) -> None:
        self.p = _probability("p", p)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x = _check_batch(x, 4, "RGB images (B, 3, H, W)", channels=3)
        gen = _generator(generator)
        return torch.where(_chosen(gen, self.p, x), _grey(x).expand_as(x), x)


class GaussianBlur:
    """Blur each image with a Gaussian of random width, with probability ``p``.

    Parameters
    ----------
    sigma : (float, float), default (0.1, 2.0)
        Range of the standard deviation, in pixels, sampled uniformly. The kernel spans
        +- 3 sigma (at most the image side - 1), with reflected borders.
    p : float, default 0.5
        Probability of blurring an image.
    """

    def __init__(self, sigma: Sequence[float] = (0.1, 2.0), p: float = 0.5) -> None:
        self.sigma = _interval("sigma", sigma, 1e-6)
        self.p = _probability("p", p)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 4, "images (B, C, H, W)"), _generator(generator)
        b, c, h, w = x.shape
        radius = min(math.ceil(3 * self.sigma[1]), h - 1, w - 1)
        sigma = _uniform(gen, (b,), x, *self.sigma)
        sigma = torch.where(_chosen(gen, self.p, x).view(-1), sigma, torch.full_like(sigma, 1e-3))
        d = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
        kernel = torch.exp(-0.5 * (d / sigma[:, None]) ** 2)
        kernel = (kernel / kernel.sum(dim=1, keepdim=True)).repeat_interleave(c, dim=0)
        flat = F.pad(x.reshape(1, b * c, h, w), (radius,) * 4, mode="reflect")
        flat = F.conv2d(flat, kernel.view(b * c, 1, 1, -1), groups=b * c)
        flat = F.conv2d(flat, kernel.view(b * c, 1, -1, 1), groups=b * c)
        return flat.view(b, c, h, w)


# ---------------------------------------------------------------------------- vectors
class GaussianNoise:
    """Add independent Gaussian noise of standard deviation ``std`` to every coordinate of
    vectors (B, D) or sequences (B, T, D)."""

    def __init__(self, std: float = 0.1) -> None:
        self.std = _nonnegative("std", std)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 3 if getattr(x, "ndim", 2) == 3 else 2,
                              "vectors (B, D) or sequences (B, T, D)"), _generator(generator)
        noise = torch.randn(tuple(x.shape), generator=gen, device=gen.device)
        return x + self.std * noise.to(device=x.device, dtype=x.dtype)


class FeatureMask:
    """Set each coordinate of vectors (B, D) or sequences (B, T, D) to 0 independently with
    probability ``fraction``."""

    def __init__(self, fraction: float = 0.2) -> None:
        self.fraction = _probability("fraction", fraction)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 3 if getattr(x, "ndim", 2) == 3 else 2,
                              "vectors (B, D) or sequences (B, T, D)"), _generator(generator)
        return x * (_uniform(gen, tuple(x.shape), x) >= self.fraction)


class StepDrop:
    """Set whole steps of sequences (B, T, D) to 0, each independently with probability
    ``fraction``.

    A dropped step stays in the sequence (its mask, if any, is unchanged), so the sequence
    keeps its length; steps that are padding are masked downstream whatever their values.
    """

    def __init__(self, fraction: float = 0.1) -> None:
        self.fraction = _probability("fraction", fraction)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 3, "sequences (B, T, D)"), _generator(generator)
        keep = _uniform(gen, (x.shape[0], x.shape[1], 1), x) >= self.fraction
        return x * keep


class RandomScale:
    """Multiply each vector by a factor drawn uniformly from ``scale``."""

    def __init__(self, scale: Sequence[float] = (0.8, 1.2)) -> None:
        self.scale = _interval("scale", scale, 0.0)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 2, "vectors (B, D)"), _generator(generator)
        return x * _uniform(gen, (x.shape[0], 1), x, *self.scale)


def _haar_orthogonal(n: int, dim: int, generator: torch.Generator, dtype: torch.dtype) -> Tensor:
    """``n`` independent Haar-distributed orthogonal matrices of order ``dim``, shape (n, dim, dim).

    The QR factors of a standard Gaussian matrix, with the signs of R's diagonal moved into Q
    (Mezzadri, Notices AMS 2007), on the generator's device; float64 for float64 batches,
    float32 otherwise. ``synthetic.latent.rotation_code`` draws its matrices the same way in
    numpy (the data side, without torch).
    """
    dtype = torch.float64 if dtype == torch.float64 else torch.float32
    g = torch.randn((n, dim, dim), generator=generator, device=generator.device, dtype=dtype)
    q, r = torch.linalg.qr(g)
    return q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)


class RandomRotation:
    """Rotate the last ``blocks`` blocks of ``dim`` coordinates by one random orthogonal map.

    Each sample draws one Haar-random orthogonal matrix Q of order ``dim`` and replaces each
    of its last ``blocks`` blocks ``v`` (``dim`` consecutive coordinates each) by ``Q v``: the
    norms of the blocks and the angles between them are kept exactly, their orientation is
    redrawn. The first ``D - blocks * dim`` coordinates are left alone. It is the nuisance
    transform of :func:`synthetic.latent.make_latent` with ``unique_code="rotation"``.

    Parameters
    ----------
    dim : int
        Order of the rotation (at least 2).
    blocks : int, default 2
        Number of trailing blocks rotated together (at least 1).
    """

    def __init__(self, dim: int, blocks: int = 2) -> None:
        self.dim, self.blocks = check_int("dim", dim, 2), check_int("blocks", blocks, 1)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        x, gen = _check_batch(x, 2, "vectors (B, D)"), _generator(generator)
        width = self.dim * self.blocks
        if x.shape[1] < width:
            raise ValueError(f"RandomRotation(dim={self.dim}, blocks={self.blocks}) rotates the "
                             f"last {width} coordinates; received vectors of {x.shape[1]}")
        q = _haar_orthogonal(x.shape[0], self.dim, gen, x.dtype).to(device=x.device,
                                                                     dtype=x.dtype)
        tail = x[:, x.shape[1] - width:].reshape(x.shape[0], self.blocks, self.dim)
        rotated = torch.einsum("bij,bkj->bki", q, tail).reshape(x.shape[0], width)
        return torch.cat([x[:, :x.shape[1] - width], rotated], dim=1)


# ---------------------------------------------------------------------------- composition
class Compose:
    """Apply augmentations one after the other, all drawing from the same generator."""

    def __init__(self, *augmentations: Augmentation) -> None:
        for a in augmentations:
            if not callable(a):
                raise ValueError(f"Compose takes callables aug(x, generator); received "
                                 f"{type(a).__name__}")
        self.augmentations = tuple(augmentations)

    def __call__(self, x: Tensor, generator: torch.Generator | int) -> Tensor:
        gen = _generator(generator)
        for aug in self.augmentations:
            x = aug(x, gen)
        return x

    def __repr__(self) -> str:
        return f"Compose({', '.join(type(a).__name__ for a in self.augmentations)})"


def default_image_augment(*, keep_colour: bool = False,
                          crop_scale: Sequence[float] = (0.5, 1.0),
                          blur_sigma: Sequence[float] | None = (0.1, 1.0),
                          rotation_degrees: float | None = None) -> Compose:
    """SimCLR-style image augmentation: (rotation,) crop, flip, colour jitter, greyscale, blur.

    Parameters
    ----------
    keep_colour : bool, default False
        Leave out colour jitter and greyscale. Required where a task needs colour, as the
        Trifeature ``synergy`` task does.
    crop_scale : (float, float), default (0.5, 1.0)
        Area range of :class:`RandomResizedCrop`.
    blur_sigma : (float, float) or None, default (0.1, 1.0)
        Sigma range of :class:`GaussianBlur` in pixels (applied to half the images); None:
        no blur.
    rotation_degrees : float or None, default None
        Rotate first by up to this many degrees (:class:`RandomPlaneRotation`); None: no
        rotation (SimCLR's recipe has none).

    Returns
    -------
    Compose
        ``aug(x, generator)`` for RGB images (B, 3, H, W) in [0, 1] (without colour steps,
        any number of channels).
    """
    steps: list[Augmentation] = [] if rotation_degrees is None else [
        RandomPlaneRotation(rotation_degrees)]
    steps += [RandomResizedCrop(scale=crop_scale), HorizontalFlip(0.5)]
    if not keep_colour:
        steps += [ColourJitter(0.4, 0.4, 0.4, 0.1, p=0.8), Greyscale(0.2)]
    if blur_sigma is not None:
        steps.append(GaussianBlur(blur_sigma, p=0.5))
    return Compose(*steps)


def default_vector_augment(*, noise_std: float = 0.1, mask_fraction: float = 0.1,
                           scale: Sequence[float] = (0.9, 1.1),
                           rotation_dim: int | None = None) -> Compose:
    """Vector augmentation: [a random rotation,] random scaling, feature masking, Gaussian noise.

    Parameters
    ----------
    noise_std : float, default 0.1
        Standard deviation of :class:`GaussianNoise`, in the units of the data (the latent
        generators standardise each coordinate).
    mask_fraction : float, default 0.1
        Fraction of coordinates zeroed by :class:`FeatureMask`.
    scale : (float, float), default (0.9, 1.1)
        Factor range of :class:`RandomScale`.
    rotation_dim : int, optional
        If given, :class:`RandomRotation` of the last two blocks of this many coordinates comes
        first (the nuisance of ``make_latent(unique_code="rotation")``, whose datasets ask for it
        in their metadata: see :func:`dataset_augment`).
    """
    steps: list[Augmentation] = [] if rotation_dim is None else [RandomRotation(rotation_dim)]
    return Compose(*steps, RandomScale(scale), FeatureMask(mask_fraction),
                   GaussianNoise(noise_std))


def default_sequence_augment(*, noise_std: float = 0.1, drop_fraction: float = 0.1,
                             mask_fraction: float = 0.0) -> Compose:
    """Sequence augmentation: dropped steps, [masked coordinates,] Gaussian noise.

    Time series have no agreed default; this follows the two that contrastive work on
    MultiBench's affect and clinical series uses, random drops and additive noise (CoMM,
    Dufumier et al., ICLR 2025, Appendix on MultiBench).

    Parameters
    ----------
    noise_std : float, default 0.1
        Standard deviation of :class:`GaussianNoise`, in the units of the features (the
        converters z-score where the official loaders do).
    drop_fraction : float, default 0.1
        Probability that :class:`StepDrop` zeroes a step.
    mask_fraction : float, default 0.0
        Fraction of coordinates zeroed by :class:`FeatureMask` (off by default).
    """
    steps: list[Augmentation] = [StepDrop(drop_fraction)]
    if mask_fraction:
        steps.append(FeatureMask(mask_fraction))
    return Compose(*steps, GaussianNoise(noise_std))


def default_augment(modality_shapes: Sequence[Sequence[int]], *, keep_colour: bool = False,
                    image: Mapping[str, object] | None = None,
                    vector: Mapping[str, object] | None = None,
                    sequence: Mapping[str, object] | None = None) -> tuple[Compose, ...]:
    """One default augmentation per modality, chosen by its per-sample shape.

    Parameters
    ----------
    modality_shapes : sequence of tuples
        Per-sample shape of each modality: (C, H, W) for images, (D,) for vectors, (T, D) for
        sequences.
    keep_colour : bool, default False
        Passed to :func:`default_image_augment` (forced for images without 3 channels).
    image, vector, sequence : mapping, optional
        Keyword arguments of :func:`default_image_augment` (except ``keep_colour``), of
        :func:`default_vector_augment` and of :func:`default_sequence_augment`, e.g.
        ``image={"blur_sigma": None}``.

    Returns
    -------
    tuple of Compose
        One augmentation per modality, in order.

    Raises
    ------
    ValueError
        A modality that is neither an image, a vector nor a sequence, or an unknown or bad
        option.
    """
    image_options = _options("image", image, default_image_augment, exclude=("keep_colour",))
    vector_options = _options("vector", vector, default_vector_augment)
    sequence_options = _options("sequence", sequence, default_sequence_augment)
    # Build each once, so that bad option values fail whatever modalities are present.
    default_image_augment(**image_options)
    default_vector_augment(**vector_options)
    default_sequence_augment(**sequence_options)
    out = []
    for shape in modality_shapes:
        shape = tuple(shape)
        if len(shape) == 3:
            out.append(default_image_augment(keep_colour=keep_colour or shape[0] != 3,
                                              **image_options))
        elif len(shape) == 1:
            out.append(default_vector_augment(**vector_options))
        elif len(shape) == 2:
            out.append(default_sequence_augment(**sequence_options))
        else:
            raise ValueError(f"default augmentations exist for images (C, H, W), vectors (D,) "
                             f"and sequences (T, D); received a modality of per-sample shape "
                             f"{shape}")
    return tuple(out)


def dataset_augment(data: object, *, keep_colour: bool = False,
                    image: Mapping[str, object] | None = None,
                    vector: Mapping[str, object] | None = None,
                    sequence: Mapping[str, object] | None = None) -> tuple[Compose, ...]:
    """The default augmentations of a dataset, with the options its generator asks for.

    A generator whose data needs a particular augmentation to keep its labels (the rotation of
    ``make_latent(unique_code="rotation")``) records its options in ``metadata["augment"]``, a
    mapping with keys ``"image"`` and/or ``"vector"``; they are the defaults here, and
    ``image`` and ``vector`` override them key by key, except that a ``rotation_dim`` other than
    the one the data asks for is refused (it would turn coordinates the code does not own).

    Parameters
    ----------
    data : MultimodalDataset
        Any object with ``modalities`` (name -> array (n, ...)) and ``metadata``.
    keep_colour, image, vector, sequence
        As in :func:`default_augment`.

    Returns
    -------
    tuple of Compose
        One augmentation per modality, in order.

    Raises
    ------
    ValueError
        ``metadata["augment"]`` that is not a mapping, a ``rotation_dim`` that contradicts it,
        or options :func:`default_augment` refuses.
    """
    shapes = [tuple(v.shape[1:]) for v in data.modalities.values()]
    asked = dict(getattr(data, "metadata", None) or {}).get("augment") or {}
    if not isinstance(asked, Mapping):
        raise ValueError(f"metadata['augment'] must be a mapping with keys 'image' and/or "
                         f"'vector'; received {asked!r}")
    defaults = {kind: dict(asked.get(kind) or {}) for kind in ("image", "vector")}
    wanted = defaults["vector"].get("rotation_dim")
    if isinstance(vector, Mapping) and wanted is not None and vector.get(
            "rotation_dim", wanted) != wanted:
        raise ValueError(f"this dataset's labels need RandomRotation(rotation_dim={wanted}) "
                         f"(metadata['augment']); received rotation_dim="
                         f"{vector['rotation_dim']!r}, which would turn other coordinates")
    merged = {kind: {**defaults[kind], **given} if isinstance(given, Mapping)
              else defaults[kind] if given is None else given
              for kind, given in (("image", image), ("vector", vector))}
    return default_augment(shapes, keep_colour=keep_colour, sequence=sequence, **merged)


def _options(what: str, options: Mapping[str, object] | None, factory: Callable[..., Compose],
             exclude: Sequence[str] = ()) -> dict[str, object]:
    """Checked keyword arguments of ``factory``: a mapping whose keys it accepts."""
    if options is None:
        return {}
    accepted = [p for p in inspect.signature(factory).parameters if p not in exclude]
    if not isinstance(options, Mapping):
        raise ValueError(f"{what} augmentation options must be a mapping of {accepted}; "
                         f"received {options!r}")
    unknown = sorted(set(map(str, options)) - set(accepted))
    if unknown:
        raise ValueError(f"unknown {what} augmentation options {unknown}; accepted: {accepted}")
    return dict(options)
