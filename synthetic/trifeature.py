"""Bimodal Trifeature: pairs of rendered images with planted redundancy, uniqueness and synergy.

The Trifeature world (Hermann and Lampinen, NeurIPS 2020) draws a shape, filled with a texture,
in a colour, at a random rotation and position on a grey background. Each attribute has 10
values. CoMM (Dufumier et al., ICLR 2025) pairs two such images into a bimodal dataset; this
module renders it with numpy, vectorised over images, at any resolution:

* the two images of a pair share their shape; textures and colours are drawn per image;
* ``redundancy`` = the shared shape (10-way), ``unique1`` / ``unique2`` = the texture of image 1
  / image 2 (10-way), ``synergy`` = 1 when the colour of image 2 equals ``bijection[texture of
  image 1]`` for a fixed random bijection of the 10 textures onto the 10 colours (binary; score
  it with balanced accuracy, its positive class is 10 % of unbiased pairs);
* the bijection is drawn from a dedicated child of the seed, so it is the same in every split,
  call and process, whatever the sample counts (CoMM's code draws it from a generator state that
  can differ between pretraining and probing);
* ``biased=True`` draws every *pretraining* pair on the bijection (CoMM's protocol, which makes
  the synergy learnable from paired data); ``train`` and ``test`` pairs are always unbiased,
  with all attributes uniform and independent apart from the shared shape.

Ground truth (bits, under the unbiased distribution) comes from the exact joint distribution of
the attributes each task depends on, decomposed with this project's BROJA: shape task
R = log2 10, texture tasks U = log2 10, synergy task S = H_b(0.1) = 0.469. Restricting the sources
to those attributes is exact here: the other attributes are independent of the label and of the
kept ones, and with R + U1 = I(X1;Y), R + U2 = I(X2;Y) and these mutual informations the
decomposition is forced (I(X2;Y) = 0 for the texture-1 task, I(X1;Y) = I(X2;Y) = 0 for the
synergy task, H(Y | X2) = 0 for the shape task).

Rendering is supersampled (anti-aliased) and quantised to 8 bits; ``dtype="float32"`` (default)
returns those values divided by 255, ``dtype="uint8"`` the raw bytes at a quarter of the memory
(10,000 pairs at 32 px: 246 MB as float32, 61 MB as uint8). Rendered datasets are cached on disk,
keyed by a hash of the generator's arguments.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

import pid_bench
from pid_bench.data import GROUND_TRUTH_COLUMNS, SPLITS, MultimodalDataset
from synthetic._checks import check_int
from synthetic.discrete import from_function

__all__ = [
    "SHAPES",
    "COLOURS",
    "TEXTURES",
    "TASKS",
    "COLOUR_TASKS",
    "COLOUR_READING_TASKS",
    "make_trifeature",
    "draw_attributes",
    "draw_geometry",
    "render_images",
    "task_joint",
    "trifeature_ground_truth",
    "trifeature_bijection",
    "default_cache_dir",
]

#: The ten shapes, in label order.
SHAPES = ("triangle", "square", "plus", "circle", "tee", "rhombus", "pentagon", "star",
          "fivesquare", "trapezoid")

#: The ten colours, in label order: name -> RGB in [0, 1].
COLOURS = {
    "red": (0.90, 0.10, 0.10), "orange": (1.00, 0.55, 0.05), "yellow": (0.95, 0.90, 0.10),
    "lime": (0.60, 0.95, 0.20), "green": (0.05, 0.55, 0.20), "cyan": (0.10, 0.85, 0.90),
    "blue": (0.15, 0.25, 0.95), "purple": (0.45, 0.15, 0.70), "magenta": (0.95, 0.25, 0.80),
    "white": (1.00, 1.00, 1.00),
}

#: The ten textures, in label order.
TEXTURES = ("solid", "stripes", "grid", "hexgrid", "dots", "noise", "triangles", "zigzags",
            "rain", "pluses")

#: Task names, in the order of the ground-truth table.
TASKS = ("redundancy", "unique1", "unique2", "synergy")
#: Optional tasks (``make_trifeature(colour_tasks=True)``): the colour of image 1 / image 2.
COLOUR_TASKS = ("colour1", "colour2")
#: Tasks whose labels depend on colour, which colour jitter and greyscale would change.
COLOUR_READING_TASKS = ("synergy", *COLOUR_TASKS)

#: Bump when the rendered pixels or the sampling change, so that old cache files are not reused.
RENDER_VERSION = 1

_BACKGROUND = 0.5          # grey level of the background
_DARK = 0.4                # "off" texture pixels: the colour scaled by this factor
_RADIUS = 0.38             # shape radius, as a fraction of the image side
_JITTER = 0.12             # shape centre: image centre +- this fraction of the side
_PERIOD = 0.19             # texture period, as a fraction of the image side
_NOISE_CELLS = 2           # noise texture: cells per texture period
_N_VALUES = 10             # values of each attribute

Array = np.ndarray


# ---------------------------------------------------------------------------- shapes
def _regular(n: int, radius: float, inner: float | None = None) -> Array:
    """Vertices of a regular n-gon (or an n-point star with inner radius ``inner``)."""
    if inner is None:
        angles = np.pi / 2 + 2 * np.pi * np.arange(n) / n
        return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    angles = np.pi / 2 + np.pi * np.arange(2 * n) / n
    radii = np.where(np.arange(2 * n) % 2 == 0, radius, inner)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def _box(x0: float, x1: float, y0: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


_POLYGONS: dict[str, Array] = {
    "triangle": _regular(3, 1.0),
    "square": np.array(_box(-0.75, 0.75, -0.75, 0.75)),
    "plus": np.array([(-0.3, -0.95), (0.3, -0.95), (0.3, -0.3), (0.95, -0.3), (0.95, 0.3),
                      (0.3, 0.3), (0.3, 0.95), (-0.3, 0.95), (-0.3, 0.3), (-0.95, 0.3),
                      (-0.95, -0.3), (-0.3, -0.3)]),
    "tee": np.array([(-0.28, -0.9), (0.28, -0.9), (0.28, 0.3), (0.9, 0.3), (0.9, 0.9),
                     (-0.9, 0.9), (-0.9, 0.3), (-0.28, 0.3)]),
    "rhombus": np.array([(0.0, -1.0), (0.6, 0.0), (0.0, 1.0), (-0.6, 0.0)]),
    "pentagon": _regular(5, 0.9),
    "star": _regular(5, 1.0, inner=0.45),
    "trapezoid": np.array([(-0.95, -0.55), (0.95, -0.55), (0.5, 0.55), (-0.5, 0.55)]),
}

_FIVESQUARE_CENTRES = ((0.0, 0.0), (0.6, 0.6), (0.6, -0.6), (-0.6, 0.6), (-0.6, -0.6))


def _inside_polygon(u: Array, v: Array, vertices: Array) -> Array:
    """Even-odd rule: whether each point (u, v) lies inside the closed polygon."""
    inside = np.zeros(u.shape, dtype=bool)
    for (x1, y1), (x2, y2) in zip(vertices, np.roll(vertices, -1, axis=0)):
        if y1 == y2:
            continue
        crosses = (y1 > v) != (y2 > v)
        inside ^= crosses & (u < x1 + (v - y1) * (x2 - x1) / (y2 - y1))
    return inside


def _shape_mask(name: str, u: Array, v: Array) -> Array:
    """Whether the points (u, v), in the shape's own frame (radius about 1), lie in the shape."""
    if name == "circle":
        return u * u + v * v <= 0.85 ** 2
    if name == "fivesquare":
        return np.any([np.maximum(np.abs(u - cu), np.abs(v - cv)) <= 0.3
                       for cu, cv in _FIVESQUARE_CENTRES], axis=0)
    return _inside_polygon(u, v, _POLYGONS[name])


# ---------------------------------------------------------------------------- textures
# Each texture maps texture coordinates (a, b), in texture periods, to 1 where the pattern is
# drawn in the full colour and 0 where it is drawn in the dark shade of the colour.
def _frac(x: Array) -> Array:
    return x - np.floor(x)


def _hexgrid(a: Array, b: Array) -> Array:
    # Triangular lattice of hexagon centres (spacing 1) as two rectangular sublattices.
    s3 = np.sqrt(3.0)
    da1, db1 = a - np.round(a), b - np.round(b / s3) * s3
    da2, db2 = a - (np.floor(a) + 0.5), b - (np.floor(b / s3) + 0.5) * s3
    first = da1 ** 2 + db1 ** 2 <= da2 ** 2 + db2 ** 2
    da, db = np.where(first, da1, da2), np.where(first, db1, db2)
    hex_norm = np.maximum(np.abs(da), np.maximum(np.abs(0.5 * da + 0.5 * s3 * db),
                                                 np.abs(-0.5 * da + 0.5 * s3 * db)))
    return hex_norm > 0.35


def _triangles(a: Array, b: Array) -> Array:
    fa, t = _frac(a), (_frac(b) - 0.12) / 0.76
    return (t >= 0) & (t <= 1) & (np.abs(fa - 0.5) <= 0.42 * t)


def _zigzags(a: Array, b: Array) -> Array:
    centre = 0.3 + 0.4 * np.abs(2 * _frac(a) - 1)
    return np.abs(_frac(b) - centre) < 0.17


def _rain(a: Array, b: Array) -> Array:
    fb = _frac(b + 0.5 * (np.floor(a) % 2))
    offset = _frac(a) - 0.5 - 0.4 * (fb - 0.5)
    return (np.abs(offset) < 0.15) & (np.abs(fb - 0.5) < 0.32)


def _pluses(a: Array, b: Array) -> Array:
    c, d = np.abs(_frac(a) - 0.5), np.abs(_frac(b) - 0.5)
    return ((c < 0.13) & (d < 0.42)) | ((d < 0.13) & (c < 0.42))


_TEXTURE_PATTERNS: dict[str, Callable[[Array, Array], Array]] = {
    "solid": lambda a, b: np.ones(a.shape, dtype=bool),
    "stripes": lambda a, b: _frac(b) < 0.5,
    "grid": lambda a, b: (_frac(a) < 0.3) | (_frac(b) < 0.3),
    "hexgrid": _hexgrid,
    "dots": lambda a, b: (_frac(a) - 0.5) ** 2 + (_frac(b) - 0.5) ** 2 < 0.32 ** 2,
    "triangles": _triangles,
    "zigzags": _zigzags,
    "rain": _rain,
    "pluses": _pluses,
}


#: Side of the per-image random field of the noise texture, in noise cells (covers the image
#: side plus one period of phase).
_NOISE_SIDE = int(np.ceil(_NOISE_CELLS * (1 / _PERIOD + 1))) + 1


# ---------------------------------------------------------------------------- rendering
def draw_geometry(n: int, *, resolution: int, rng: np.random.Generator) -> dict[str, Array]:
    """Draw the nuisance of ``n`` images: position, rotation, texture phase, noise field.

    Returns
    -------
    dict of numpy.ndarray
        ``centre`` (n, 2), pixels; ``angle`` (n,), radians, uniform on [0, 2 pi); ``phase``
        (n, 2), texture offset in periods; ``noise`` (n, G, G) bool, the field of the noise
        texture.
    """
    n, resolution = check_int("n", n, 0), check_int("resolution", resolution, 16)
    return {
        "centre": resolution * (0.5 + _JITTER * rng.uniform(-1, 1, size=(n, 2))),
        "angle": rng.uniform(0, 2 * np.pi, size=n),
        "phase": rng.uniform(0, 1, size=(n, 2)),
        "noise": rng.random((n, _NOISE_SIDE, _NOISE_SIDE)) < 0.5,
    }


def _render_chunk(shape: Array, texture: Array, colour: Array, geometry: dict[str, Array],
                  resolution: int, supersample: int) -> Array:
    side = resolution * supersample
    grid = (np.arange(side) + 0.5) / supersample                         # pixel units
    x, y = grid[None, None, :], grid[None, :, None]
    dx, dy = x - geometry["centre"][:, 0, None, None], y - geometry["centre"][:, 1, None, None]
    cos, sin = np.cos(geometry["angle"])[:, None, None], np.sin(geometry["angle"])[:, None, None]
    radius = _RADIUS * resolution
    u, v = (cos * dx + sin * dy) / radius, (cos * dy - sin * dx) / radius
    a = np.broadcast_to(x / (_PERIOD * resolution) + geometry["phase"][:, 0, None, None], u.shape)
    b = np.broadcast_to(y / (_PERIOD * resolution) + geometry["phase"][:, 1, None, None], u.shape)
    mask = np.zeros(u.shape, dtype=bool)
    for k, name in enumerate(SHAPES):
        rows = np.flatnonzero(shape == k)
        if rows.size:
            mask[rows] = _shape_mask(name, u[rows], v[rows])
    on = np.zeros(u.shape, dtype=bool)
    for k, name in enumerate(TEXTURES):
        rows = np.flatnonzero(texture == k)
        if not rows.size:
            continue
        if name == "noise":
            cells = geometry["noise"][rows]
            ia = np.floor(_NOISE_CELLS * a[rows]).astype(np.intp)
            ib = np.floor(_NOISE_CELLS * b[rows]).astype(np.intp)
            on[rows] = cells[np.arange(rows.size)[:, None, None], ib, ia]
        else:
            on[rows] = _TEXTURE_PATTERNS[name](a[rows], b[rows])
    rgb = np.asarray(list(COLOURS.values()), dtype=np.float32)[colour]       # (m, 3)
    shade = np.where(on, np.float32(1.0), np.float32(_DARK))[:, None]       # (m, 1, S, S)
    inside = mask[:, None]
    image = np.where(inside, rgb[:, :, None, None] * shade, np.float32(_BACKGROUND))
    m = image.shape[0]
    pooled = image.reshape(m, 3, resolution, supersample, resolution, supersample).mean(axis=(3, 5))
    return np.round(pooled * 255).astype(np.uint8)


def render_images(shape: Array, texture: Array, colour: Array, geometry: dict[str, Array], *,
                  resolution: int, supersample: int = 2, chunk_size: int = 256) -> Array:
    """Render Trifeature images.

    Parameters
    ----------
    shape, texture, colour : numpy.ndarray of int, shape (n,)
        Attribute codes in 0..9 (indices into ``SHAPES``, ``TEXTURES``, ``COLOURS``).
    geometry : dict
        Nuisance per image, as returned by :func:`draw_geometry`.
    resolution : int
        Image side H = W in pixels.
    supersample : int, default 2
        Samples per pixel side (anti-aliasing); rendering cost grows with its square.
    chunk_size : int, default 256
        Images rendered at once (bounds memory).

    Returns
    -------
    numpy.ndarray of uint8, shape (n, 3, resolution, resolution)
        RGB images, 0..255.

    Raises
    ------
    ValueError
        Codes outside 0..9, attribute or geometry arrays of different lengths, or a
        resolution or supersampling factor out of range.
    """
    codes = {k: np.asarray(v) for k, v in (("shape", shape), ("texture", texture),
                                              ("colour", colour))}
    n = codes["shape"].shape[0] if codes["shape"].ndim == 1 else -1
    for k, v in codes.items():
        if v.shape != (n,) or v.dtype.kind not in "iu" or (n and not 0 <= v.min() <= v.max() < 10):
            raise ValueError(f"{k} must be integer codes 0..9 of shape (n,) like shape; received "
                             f"dtype {v.dtype}, shape {v.shape}")
    lengths = {k: np.shape(v)[0] for k, v in geometry.items()}
    if set(lengths) != {"centre", "angle", "phase", "noise"} or set(lengths.values()) != {n}:
        raise ValueError(f"geometry must hold centre, angle, phase and noise for {n} images, as "
                         f"draw_geometry returns; received lengths {lengths}")
    resolution = check_int("resolution", resolution, 16)
    supersample = check_int("supersample", supersample, 1)
    shape, texture, colour = codes["shape"], codes["texture"], codes["colour"]
    out = np.empty((n, 3, resolution, resolution), dtype=np.uint8)
    for start in range(0, n, chunk_size):
        sl = slice(start, start + chunk_size)
        out[sl] = _render_chunk(shape[sl], texture[sl], colour[sl],
                                {k: v[sl] for k, v in geometry.items()}, resolution, supersample)
    return out


# ---------------------------------------------------------------------------- attributes
def _seed_entropy(seed: int | np.random.Generator) -> int | list[int]:
    """A JSON-serialisable root entropy: the seed itself, or numbers drawn from a Generator."""
    if isinstance(seed, np.random.Generator):
        return [int(x) for x in seed.integers(0, 2 ** 63, size=2)]
    return check_int("seed", seed, 0)


def _streams(entropy: int | list[int]) -> dict[str, np.random.Generator]:
    """Independent generators for the bijection and for each split, all children of the seed.

    The bijection's stream does not depend on the sample counts, so it is the same in every
    split, call and process.
    """
    children = np.random.SeedSequence(entropy).spawn(4)
    return {k: np.random.default_rng(c) for k, c in zip(("bijection", *SPLITS), children)}


def trifeature_bijection(seed: int | np.random.Generator = 0) -> Array:
    """The texture-to-colour bijection of the synergy task for a seed.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        The generator's seed, as passed to :func:`make_trifeature`. With a Generator the
        bijection depends on its state; read it from ``dataset.metadata["bijection"]``.

    Returns
    -------
    numpy.ndarray of int, shape (10,)
        ``bijection[t]`` is the colour code paired with texture code ``t``.
    """
    return _streams(_seed_entropy(seed))["bijection"].permutation(_N_VALUES)


def draw_attributes(n: int, *, bijection: Array, biased: bool,
                    rng: np.random.Generator) -> dict[str, Array]:
    """Draw the attributes of ``n`` pairs.

    Parameters
    ----------
    n : int
        Number of pairs.
    bijection : numpy.ndarray of int, shape (10,)
        Texture-to-colour bijection (:func:`trifeature_bijection`).
    biased : bool
        Draw every pair on the bijection: ``colour2 = bijection[texture1]``. Otherwise all
        attributes are uniform and independent, apart from the shape the two images share.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    dict of numpy.ndarray of int64, shape (n,)
        ``shape``, ``texture1``, ``colour1``, ``texture2``, ``colour2``.
    """
    n = check_int("n", n, 0)
    perm = np.asarray(bijection)
    if perm.shape != (_N_VALUES,) or sorted(perm.tolist()) != list(range(_N_VALUES)):
        raise ValueError(f"bijection must be a permutation of 0..{_N_VALUES - 1}; "
                         f"received {perm!r}")
    codes = rng.integers(0, _N_VALUES, size=(5, n))
    out = dict(zip(("shape", "texture1", "colour1", "texture2", "colour2"), codes))
    if biased:
        out["colour2"] = perm[out["texture1"]]
    return out


def _tasks(attrs: dict[str, Array], bijection: Array) -> dict[str, Array]:
    return {
        "redundancy": attrs["shape"],
        "unique1": attrs["texture1"],
        "unique2": attrs["texture2"],
        "synergy": (attrs["colour2"] == bijection[attrs["texture1"]]).astype(np.int64),
    }


# ---------------------------------------------------------------------------- ground truth
def task_joint(task: str) -> Array:
    """Exact joint distribution p(x1, x2, y) of a task under unbiased pairs.

    The sources are the attributes of image 1 and of image 2 that the task depends on:
    ``redundancy``: (shape, shape, shape); ``unique1`` / ``unique2``: (texture 1, texture 2,
    texture 1 / texture 2); ``synergy``: (texture 1, colour 2, label), with the identity as
    bijection (a relabelling of colours changes no information quantity); ``colour1`` /
    ``colour2``: (colour 1, colour 2, colour 1 / colour 2).

    Returns
    -------
    numpy.ndarray, shape (10, 10, 10) or (10, 10, 2)
        Probabilities summing to 1.
    """
    k = _N_VALUES
    if task == "redundancy":
        return from_function(lambda s: (s, s, s), k)
    if task == "unique1":
        return from_function(lambda t1, t2: (t1, t2, t1), k, k)
    if task == "unique2":
        return from_function(lambda t1, t2: (t1, t2, t2), k, k)
    if task == "synergy":
        return from_function(lambda t1, c2: (t1, c2, int(c2 == t1)), k, k)
    if task == "colour1":
        return from_function(lambda c1, c2: (c1, c2, c1), k, k)
    if task == "colour2":
        return from_function(lambda c1, c2: (c1, c2, c2), k, k)
    raise ValueError(f"unknown Trifeature task {task!r}; known tasks: "
                     f"{', '.join(TASKS + COLOUR_TASKS)}")


@lru_cache(maxsize=None)
def _ground_truth(measure: str, colour_tasks: bool) -> pd.DataFrame:
    rows = {}
    for task in TASKS + (COLOUR_TASKS if colour_tasks else ()):
        r = pid_bench.pid(task_joint(task), measure)
        rows[task] = [*r.atoms(), r.total]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(GROUND_TRUTH_COLUMNS)
                                  ).rename_axis("task")


def trifeature_ground_truth(measure: str = "broja", *, colour_tasks: bool = False
                            ) -> pd.DataFrame:
    """Exact decomposition of each Trifeature task under unbiased pairs, in bits.

    Parameters
    ----------
    measure : str, default "broja"
        Discrete PID measure (``pid_bench.measures()``) applied to :func:`task_joint`.
    colour_tasks : bool, default False
        Add the rows of ``COLOUR_TASKS`` (U1 / U2 = log2 10 each).

    Returns
    -------
    pandas.DataFrame
        Index ``TASKS`` (then ``COLOUR_TASKS``); columns ``redundancy, unique1, unique2,
        synergy, total``.
    """
    return _ground_truth(measure, _checked_flag("colour_tasks", colour_tasks)).copy()


def _checked_flag(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; received {value!r}")
    return bool(value)


# ---------------------------------------------------------------------------- cache
def default_cache_dir() -> Path:
    """``$PID_BENCH_CACHE`` if set, else ``~/.cache/pid-bench``."""
    env = os.environ.get("PID_BENCH_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "pid-bench"


def _cache_path(cache_dir: str | os.PathLike[str] | Literal[False] | None,
                key: dict[str, object]) -> Path | None:
    if cache_dir is False:
        return None
    root = default_cache_dir() if cache_dir is None else Path(cache_dir)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    return root / f"trifeature-{digest}.npz"


def _load_cached(path: Path, key: dict[str, object]) -> MultimodalDataset | None:
    if not path.is_file():
        return None
    try:
        data = MultimodalDataset.load(path)
    except (OSError, ValueError, KeyError):
        return None
    return data if data.metadata.get("cache_key") == key else None


def _as_dtype(data: MultimodalDataset, dtype: str) -> MultimodalDataset:
    if dtype == "uint8":
        return data
    mods = {k: v.astype(np.float32) / np.float32(255) for k, v in data.modalities.items()}
    return MultimodalDataset(modalities=mods, tasks=data.tasks, split_of=data.split_of,
                             ground_truth=data.ground_truth, n_classes=data.n_classes,
                             name=data.name, latents=data.latents,
                             source_latents=data.source_latents,
                             metadata={**data.metadata, "dtype": dtype})


# ---------------------------------------------------------------------------- generator
def make_trifeature(*, n_pretrain: int = 10_000, n_train: int = 5_000, n_test: int = 5_000,
                    resolution: int = 32, biased: bool = True,
                    seed: int | np.random.Generator = 0, supersample: int = 2,
                    dtype: Literal["float32", "uint8"] = "float32",
                    cache_dir: str | os.PathLike[str] | Literal[False] | None = None,
                    colour_tasks: bool = False) -> MultimodalDataset:
    """Bimodal Trifeature pairs with exact ground-truth interactions (CoMM's benchmark).

    Parameters
    ----------
    n_pretrain : int, default 10000
        Pairs in the ``pretrain`` split (0: none; self-supervised training then uses
        ``train``).
    n_train, n_test : int, default 5000
        Unbiased pairs in the ``train`` (probe fitting) and ``test`` (probe scoring) splits.
    resolution : int, default 32
        Image side in pixels, 16 to 512. At 32 px the ten textures stay distinguishable (a
        small CNN classifies them on held-out images; see the slow test).
    biased : bool, default True
        Draw every pretraining pair on the texture-to-colour bijection (CoMM's protocol).
    seed : int or numpy.random.Generator, default 0
        Source of randomness. The bijection, and each split, come from their own child of it.
    supersample : int, default 2
        Anti-aliasing samples per pixel side (1 to 4).
    dtype : {"float32", "uint8"}, default "float32"
        Pixel type: floats in [0, 1] (the 8-bit values / 255), or the bytes 0..255.
    cache_dir : path, None or False
        Folder of the on-disk cache; ``None``: :func:`default_cache_dir`; ``False``: no cache.
    colour_tasks : bool, default False
        Add the tasks ``colour1`` and ``colour2`` (10 classes each: the colour of image 1 /
        image 2; U1 / U2 = log2 10), e.g. to train on colour labels or to probe whether a
        representation holds the colour that the synergy label depends on. The images, and
        the cache entry, are the same either way.

    Returns
    -------
    MultimodalDataset
        Modalities ``image1``, ``image2`` of shape (n, 3, resolution, resolution); tasks
        ``redundancy`` (10 classes), ``unique1`` (10), ``unique2`` (10), ``synergy`` (2),
        then ``colour1`` and ``colour2`` (10 each) with ``colour_tasks``;
        splits in the order pretrain, train, test; latents ``shape, texture1, colour1,
        texture2, colour2``; ground truth from :func:`trifeature_ground_truth`; metadata with
        the arguments, the bijection and the attribute names.

    Raises
    ------
    ValueError
        Negative or non-integer counts, no train or test pairs, a resolution or supersampling
        factor out of range, an unknown dtype, a flag that is not a bool, or an invalid seed.

    Examples
    --------
    Eight tiny pairs, cached in a temporary folder (``cache_dir=False`` writes nothing;
    without it the cache is ``$PID_BENCH_CACHE`` or ``~/.cache/pid-bench``). Ten shapes, and
    ten textures and colours per image, give log2(10) = 3.321928 bits per basic task; the
    binary synergy task (is image 2's colour the bijection's image of image 1's texture? yes
    for 1 pair in 10) carries H(1/10) = 0.468996 bits.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from synthetic import make_trifeature
    >>> options = dict(n_pretrain=0, n_train=4, n_test=4, resolution=16, supersample=1)
    >>> with tempfile.TemporaryDirectory() as cache:
    ...     data = make_trifeature(**options, cache_dir=cache)
    ...     again = make_trifeature(**options, cache_dir=cache)  # read from the cache
    ...     n_files = len(os.listdir(cache))
    >>> data
    MultimodalDataset(name='trifeature', image1: (8, 3, 16, 16), image2: (8, 3, 16, 16), tasks=['redundancy', 'unique1', 'unique2', 'synergy'], splits={'train': 4, 'test': 4})
    >>> n_files, np.array_equal(data.modalities["image1"], again.modalities["image1"])
    (1, True)
    >>> print(data.ground_truth.round(6).to_string())
                redundancy   unique1   unique2   synergy     total
    task
    redundancy    3.321928  0.000000  0.000000  0.000000  3.321928
    unique1       0.000000  3.321928  0.000000  0.000000  3.321928
    unique2       0.000000  0.000000  3.321928  0.000000  3.321928
    synergy       0.000000  0.000000  0.000000  0.468996  0.468996
    """
    counts = {"pretrain": check_int("n_pretrain", n_pretrain, 0),
              "train": check_int("n_train", n_train, 1),
              "test": check_int("n_test", n_test, 1)}
    resolution = check_int("resolution", resolution, 16)
    if resolution > 512:
        raise ValueError(f"resolution must be at most 512 pixels; received {resolution}")
    supersample = check_int("supersample", supersample, 1)
    if supersample > 4:
        raise ValueError(f"supersample must be in 1..4; received {supersample}")
    if dtype not in ("float32", "uint8"):
        raise ValueError(f"dtype must be 'float32' or 'uint8'; received {dtype!r}")
    biased = _checked_flag("biased", biased)
    colour_tasks = _checked_flag("colour_tasks", colour_tasks)
    entropy = _seed_entropy(seed)
    key = {"generator": "trifeature", "version": RENDER_VERSION, "counts": counts,
           "resolution": resolution, "biased": biased, "seed": entropy,
           "supersample": supersample}
    path = _cache_path(cache_dir, key)
    data = _load_cached(path, key) if path is not None else None
    if data is None:
        data = _generate(key, counts, resolution, biased, entropy, supersample)
        if path is not None:
            data.save(path)
    if colour_tasks:
        data = _with_colour_tasks(data)
    return _as_dtype(data, dtype)


def _with_colour_tasks(data: MultimodalDataset) -> MultimodalDataset:
    """``data`` with the tasks ``COLOUR_TASKS`` (from its colour latents) and their ground truth."""
    return dataclasses.replace(
        data, tasks={**data.tasks, **{t: data.latents[t].copy() for t in COLOUR_TASKS}},
        n_classes={**data.n_classes, **dict.fromkeys(COLOUR_TASKS, _N_VALUES)},
        ground_truth=trifeature_ground_truth(colour_tasks=True),
        metadata={**data.metadata, "colour_tasks": True})


def _generate(key: dict[str, object], counts: dict[str, int], resolution: int, biased: bool,
              entropy: int | list[int], supersample: int) -> MultimodalDataset:
    streams = _streams(entropy)
    bijection = streams["bijection"].permutation(_N_VALUES)
    parts = []
    for split in SPLITS:
        rng = streams[split]
        attrs = draw_attributes(counts[split], bijection=bijection,
                                biased=biased and split == "pretrain", rng=rng)
        images = [render_images(attrs["shape"], attrs[f"texture{i}"], attrs[f"colour{i}"],
                                draw_geometry(counts[split], resolution=resolution, rng=rng),
                                resolution=resolution, supersample=supersample)
                  for i in (1, 2)]
        parts.append((split, attrs, images))
    latents = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
    return MultimodalDataset(
        modalities={f"image{i + 1}": np.concatenate([p[2][i] for p in parts]) for i in range(2)},
        tasks=_tasks(latents, bijection),
        split_of=np.concatenate([np.full(counts[s], s, dtype="<U8") for s in SPLITS]),
        ground_truth=trifeature_ground_truth(),
        n_classes={"redundancy": _N_VALUES, "unique1": _N_VALUES, "unique2": _N_VALUES,
                   "synergy": 2},
        name="trifeature",
        latents=latents,
        source_latents=(("shape", "texture1", "colour1"), ("shape", "texture2", "colour2")),
        metadata={"generator": "trifeature", "cache_key": key, "dtype": "uint8",
                  "bijection": bijection.tolist(), "shapes": list(SHAPES),
                  "textures": list(TEXTURES), "colours": list(COLOURS)},
    )
