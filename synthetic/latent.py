"""Latent vector data: discrete factors that plant redundancy, uniqueness and synergy.

Every sample draws five independent discrete latent factors, uniform on their values:

* ``r`` (``k_redundant`` values), carried by both modalities;
* ``u1`` and ``u2`` (``k_unique`` values each), carried only by x1, only by x2;
* ``s1`` and ``s2`` (``k_synergy`` values each), the synergy pair, s1 in x1 and s2 in x2.

The *latent state* of x1 is (r, u1, s1), that of x2 is (r, u2, s2). Each modality is a fixed
random function (drawn from the seed) of the embeddings of its factors, into R^dim, plus its own
Gaussian noise, so that no factor can be read off one coordinate. With ``mixing="pairs"`` the
function reads pairwise products of centred embeddings, so that no factor can be read off any
linear function of the modality either (see ``make_latent``).

With ``unique_code="rotation"`` the unique factor of each modality leaves the random function
and is coded as an *angle*: the modality ends with two blocks ``Q a, Q b`` of ``rotation_dim``
coordinates each, where a and b have a fixed norm, the angle between them is the factor's
value (j pi / (K - 1) for value j), and Q is an orthogonal matrix drawn per sample, a nuisance
like the position of an object in an image. Without noise the angle is a function of the
modality, as the factor is under the table code, and the ground truth (of the latent states,
as always here) is the same; with noise, how well u can be read from x depends on
``noise * (K - 1) / rotation_norm``: a decoder of the angle that knows the code reads u at
about 100 % at noise 0.1 with the defaults (K = 4, norm 3), 91 % at noise 0.5, and less for
larger K. The mean of x given u is the same for every u, so neither a linear probe on the raw
modality nor the random features of an untrained encoder read u well,
and an encoder learns u only if its objective asks it to tell apart samples that differ only in
u under a random re-rotation (``synthetic.augment.RandomRotation``, which the dataset asks for in
``metadata["augment"]``). CoMM's objective does; a cross-modal one (CLIP) has no reason to.

Tasks and their exact decomposition (bits, under the probe distribution):

* ``redundancy`` = r: R = log2 k_redundant; ``unique1`` = u1 and ``unique2`` = u2: U1 resp.
  U2 = log2 k_unique;
* ``synergy``: a fixed random bijection pi of the synergy values; y = 1 iff s2 = pi(s1). This is
  the synergy task of CoMM's bimodal Trifeature (Dufumier et al., ICLR 2025) moved to vectors.
  With s1 and s2 independent and uniform, y is independent of either alone: S = H_b(1/K);
* ``synergy_xor`` = (s1 + s2) mod K: S = log2 K;
* mixtures, in the spirit of Liang et al.'s mix1 to mix6 (NeurIPS 2023): the label is the tuple
  of several *components* (``redundancy``, ``unique1``, ``unique2``, ``synergy_xor``), each read
  from a coarsened copy of its factor with a chosen number of levels m (m divides the factor's
  K; the coarse value is ``value // (K // m)``). A component of m levels plants log2 m bits of
  its atom. The label is the mixed-radix code of the tuple (first component most significant).

Label noise: with probability ``label_noise`` a label (each component of a mixture label on its
own) is replaced by a uniform draw over its classes; the ground truth accounts for it.

Why the ground truth is exact and needs no solver
-------------------------------------------------
The decomposition is BROJA's (Bertschinger et al., Entropy 2014) of the task label with respect
to the two latent states. Three facts reduce it to closed forms:

1. Parts of the sources that are independent of everything else (the unused factors, and the
   within-level remainder ``value % (K // m)`` of a coarsened factor, which is uniform and
   independent of the coarse value because m divides K) can be dropped, even when shared by both
   sources: for any Q with the (X1, Y) and (X2, Y) marginals of P, I_Q(Y; X1 | X2) is at least
   I_Q(Y; A | B) for the kept parts A, B (chain rule, and I_Q(Y; X2) = I_P(Y; B)), and the
   product of an optimal Q over (A, B, Y) with the law of the dropped parts attains it. Mutual
   informations are unchanged as well. So each task is decomposed on the joint of only the
   coarse factors it reads, which keeps the arrays small.
2. BROJA is additive over independent subsystems: minimising I_Q(Y; X1 | X2) means maximising
   H_Q(Y | X1, X2) <= sum_c H_Q(Y_c | X1_c, X2_c), and the product of the per-component optima
   attains the bound. A mixture's atoms are the sums of its components' atoms.
3. For one component, the label depends on one shared factor (R = I), on one private factor (U
   of that side = I), or on neither source alone (S = I, the other atoms being 0 by
   non-negativity since I(X1; Y) = I(X2; Y) = 0). I is the capacity-style closed form of a
   symmetric channel: log2 m - H(1 - eps + eps/m, eps/m, ..., eps/m) for a uniform m-valued
   label, and H_b((1 - eps)/K + eps/2) - H_b(eps/2) for the match label of ``synergy``.

:func:`task_joint` returns the exact joint p(x1 state, x2 state, y) of a task, so that these
values can be checked against ``pid_bench.pid(p, "broja")`` (the tests do), and
:func:`task_states` gives each sample's codes on the same axes.

Splits: ``pretrain`` (s2 = pi(s1) with probability ``bias``, else s2 uniform over the other
values; CoMM pretrains on such biased pairs for its synergy experiment), ``train`` and ``test``
(always unbiased, s1 and s2 independent and uniform). The fixed random maps and pi depend on
the seed alone, not on the numbers of samples.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pid_bench.data import GROUND_TRUTH_COLUMNS, MultimodalDataset
from pid_bench.info.shannon import entropy
from synthetic._checks import check_int, check_positive, check_real, check_seed

__all__ = ["make_latent", "task_joint", "task_states", "MIXTURE_COMPONENTS", "MIXTURE_PRESETS",
           "FACTORS", "MIXINGS", "UNIQUE_CODES", "rotation_code"]

#: Latent factors in the order of ``MultimodalDataset.latents``.
FACTORS = ("r", "u1", "u2", "s1", "s2")

#: How a modality combines its factors' embeddings (see ``make_latent``'s ``mixing``).
MIXINGS = ("concat", "pairs")

#: How a modality carries its unique factor (see ``make_latent``'s ``unique_code``).
UNIQUE_CODES = ("table", "rotation")

#: Factors each modality carries (x1, x2).
_SOURCE_FACTORS = (("r", "u1", "s1"), ("r", "u2", "s2"))

#: Components a mixture may combine, in the order they are encoded in the label.
MIXTURE_COMPONENTS = ("redundancy", "unique1", "unique2", "synergy_xor")

#: Component -> the atom it plants.
_ATOM = {"redundancy": "redundancy", "unique1": "unique1", "unique2": "unique2",
         "synergy": "synergy", "synergy_xor": "synergy"}

#: Liang et al. (2023) mix1..mix6 weights of (x1-only, x2-only, shared) features, as fractions
#: of the unique1, unique2 and redundancy factors' bits (weight 1: all K levels; 0.5: the divisor
#: of K nearest to sqrt(K) on a log scale, 2 for K = 4). In their data, synergy arises wherever
#: both modalities' private features enter the label; here it is planted explicitly as a
#: ``synergy_xor`` component of weight 0.5 in exactly those mixtures (mix1 to mix4).
MIXTURE_PRESETS: dict[str, dict[str, float]] = {
    "mix1": {"redundancy": 0.5, "unique1": 0.5, "unique2": 0.5, "synergy_xor": 0.5},
    "mix2": {"redundancy": 0.5, "unique1": 1.0, "unique2": 0.5, "synergy_xor": 0.5},
    "mix3": {"redundancy": 0.5, "unique1": 1.0, "unique2": 1.0, "synergy_xor": 0.5},
    "mix4": {"redundancy": 1.0, "unique1": 0.5, "unique2": 0.5, "synergy_xor": 0.5},
    "mix5": {"redundancy": 0.5, "unique2": 0.5},
    "mix6": {"redundancy": 1.0, "unique2": 0.5},
}

#: The single-component tasks every dataset has.
_BASE_TASKS = ("redundancy", "unique1", "unique2", "synergy", "synergy_xor")

Components = tuple[tuple[str, int], ...]


# --------------------------------------------------------------------------- task specifications
def _factor_k(component: str, ks: Mapping[str, int]) -> int:
    """K of the factor(s) a component reads."""
    return ks["redundancy" if component == "redundancy" else
              "unique" if component.startswith("unique") else "synergy"]


def _preset_levels(name: str, weight: float, k: int, component: str) -> int:
    if weight == 1.0:
        return k
    divisors = [m for m in range(2, k) if k % m == 0]
    if not divisors:
        raise ValueError(f"mixture preset {name!r} needs a coarse {component} factor, i.e. a K "
                         f"with a divisor between 1 and K; received K = {k}. Choose another K, "
                         f"or pass mixtures=() or your own mixtures")
    return min(divisors, key=lambda m: (abs(math.log(m) / math.log(k) - weight), m))


def _resolve_mixtures(mixtures: Sequence[str] | Mapping[str, Mapping[str, int]] | None,
                      ks: Mapping[str, int]) -> dict[str, Components]:
    """Task name -> ((component, levels), ...) in ``MIXTURE_COMPONENTS`` order."""
    if mixtures is None:
        mixtures = tuple(MIXTURE_PRESETS)
    if isinstance(mixtures, str):
        raise ValueError(f"mixtures must be a sequence of preset names or a mapping name -> "
                         f"{{component: levels}}; received the string {mixtures!r}")
    out: dict[str, Components] = {}
    if isinstance(mixtures, Mapping):
        for name, spec in mixtures.items():
            if not isinstance(name, str) or not name or name in _BASE_TASKS:
                raise ValueError(f"mixture names must be new non-empty strings, not one of "
                                 f"{_BASE_TASKS}; received {name!r}")
            if not isinstance(spec, Mapping) or not spec:
                raise ValueError(f"mixture {name!r} must map at least one of "
                                 f"{MIXTURE_COMPONENTS} to a number of levels; received {spec!r}")
            unknown = sorted(set(map(str, spec)) - set(MIXTURE_COMPONENTS))
            if unknown:
                raise ValueError(f"mixture {name!r} names unknown components {unknown}; known: "
                                 f"{MIXTURE_COMPONENTS} (the match task 'synergy' cannot be "
                                 f"coarsened; use 'synergy_xor')")
            comps = []
            for c in MIXTURE_COMPONENTS:
                if c not in spec:
                    continue
                k = _factor_k(c, ks)
                m = check_int(f"levels of {c!r} in mixture {name!r}", spec[c], 2)
                if m > k or k % m:
                    raise ValueError(f"levels of {c!r} in mixture {name!r} must divide the "
                                     f"factor's K = {k} (so that coarse values stay uniform); "
                                     f"received {m}")
                comps.append((c, m))
            out[name] = tuple(comps)
        return out
    for name in mixtures:
        if name not in MIXTURE_PRESETS:
            raise ValueError(f"unknown mixture preset {name!r}; presets: "
                             f"{', '.join(MIXTURE_PRESETS)} (or pass a mapping name -> "
                             f"{{component: levels}})")
        weights = MIXTURE_PRESETS[name]
        out[name] = tuple((c, _preset_levels(name, weights[c], _factor_k(c, ks), c))
                          for c in MIXTURE_COMPONENTS if c in weights)
    return out


def _task_components(ks: Mapping[str, int], mixtures: Mapping[str, Components]
                     ) -> dict[str, Components]:
    base = {"redundancy": (("redundancy", ks["redundancy"]),),
            "unique1": (("unique1", ks["unique"]),),
            "unique2": (("unique2", ks["unique"]),),
            "synergy": (("synergy", ks["synergy"]),),
            "synergy_xor": (("synergy_xor", ks["synergy"]),)}
    return {**base, **mixtures}


def _n_labels(component: str, levels: int) -> int:
    return 2 if component == "synergy" else levels


# --------------------------------------------------------------------------- codes and joints
def _component_codes(component: str, levels: int, lat: Mapping[str, np.ndarray],
                     ks: Mapping[str, int], pi: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x1-side code, x2-side code and noiseless label of one component, from full factors."""
    def coarse(name: str) -> np.ndarray:
        return lat[name] // (_factor_k(component, ks) // levels)

    if component == "synergy":
        s1, s2 = lat["s1"], lat["s2"]
        return s1, s2, (s2 == pi[s1]).astype(np.int64)
    if component == "synergy_xor":
        a, b = coarse("s1"), coarse("s2")
        return a, b, (a + b) % levels
    if component == "redundancy":
        v = coarse("r")
        return v, v, v
    v = coarse("u1" if component == "unique1" else "u2")
    zero = np.zeros_like(v)
    return (v, zero, v) if component == "unique1" else (zero, v, v)


def _side_sizes(component: str, levels: int) -> tuple[int, int]:
    return {"unique1": (levels, 1), "unique2": (1, levels)}.get(component, (levels, levels))


def _component_joint(component: str, levels: int, ks: Mapping[str, int], pi: np.ndarray,
                     label_noise: float) -> np.ndarray:
    """Exact p(x1 code, x2 code, y) of one component under the probe distribution."""
    names = {"redundancy": ("r",), "unique1": ("u1",), "unique2": ("u2",)}.get(component,
                                                                               ("s1", "s2"))
    k = _factor_k(component, ks)
    grid = np.meshgrid(*[np.arange(k)] * len(names), indexing="ij")
    lat = {n: g.ravel() for n, g in zip(names, grid)}
    a, b, y = _component_codes(component, levels, lat, ks, pi)
    n_y = _n_labels(component, levels)
    p = np.zeros((*_side_sizes(component, levels), n_y))
    channel = (1 - label_noise) * np.eye(n_y) + label_noise / n_y
    np.add.at(p, (a, b), channel[y] / a.size)
    return p


def _joint(components: Components, ks: Mapping[str, int], pi: np.ndarray,
           label_noise: float) -> np.ndarray:
    p = np.ones((1, 1, 1))
    for c, m in components:
        q = _component_joint(c, m, ks, pi, label_noise)
        p = np.einsum("ijk,lmn->iljmkn", p, q).reshape(
            p.shape[0] * q.shape[0], p.shape[1] * q.shape[1], p.shape[2] * q.shape[2])
    return p


def _encode(components: Components, lat: Mapping[str, np.ndarray], ks: Mapping[str, int],
            pi: np.ndarray, rng: np.random.Generator | None = None, label_noise: float = 0.0
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mixed-radix x1 state, x2 state and label of a task, per sample.

    With ``rng``, each component's label is replaced by a uniform draw with probability
    ``label_noise``; without, labels are noiseless.
    """
    n = lat["r"].shape[0]
    s1, s2, y = (np.zeros(n, dtype=np.int64) for _ in range(3))
    for c, m in components:
        a, b, lab = _component_codes(c, m, lat, ks, pi)
        n1, n2 = _side_sizes(c, m)
        n_y = _n_labels(c, m)
        if rng is not None:
            lab = np.where(rng.random(n) < label_noise, rng.integers(0, n_y, n), lab)
        s1, s2, y = s1 * n1 + a, s2 * n2 + b, y * n_y + lab
    return s1, s2, y


def _symmetric_channel_bits(n_values: int, label_noise: float) -> float:
    """I(Z; Y), bits, for Z uniform on n values and Y = Z replaced with probability eps by a
    uniform draw."""
    row = np.full(n_values, label_noise / n_values)
    row[0] += 1 - label_noise
    return math.log2(n_values) - entropy(row)


def _component_bits(component: str, levels: int, label_noise: float) -> float:
    if component == "synergy":
        p1 = (1 - label_noise) / levels + label_noise / 2
        return entropy([p1, 1 - p1]) - entropy([label_noise / 2, 1 - label_noise / 2])
    return _symmetric_channel_bits(levels, label_noise)


def _ground_truth_row(components: Components, label_noise: float) -> list[float]:
    atoms = dict.fromkeys(GROUND_TRUTH_COLUMNS[:-1], 0.0)
    for c, m in components:
        atoms[_ATOM[c]] += _component_bits(c, m, label_noise)
    return [*atoms.values(), sum(atoms.values())]


# --------------------------------------------------------------------------- observations
def _modality_table(rng: np.random.Generator, sizes: tuple[int, ...], *, embed_dim: int,
                    dim: int, depth: int, mixing: str) -> np.ndarray:
    """Noiseless observation of every latent state, shape (prod(sizes), dim).

    Rows follow ``numpy.ravel_multi_index`` over ``sizes``. Each factor value has a standard
    normal embedding of ``embed_dim`` numbers. With ``mixing="concat"`` the state's features are
    the concatenated embeddings; with ``mixing="pairs"`` each factor's embeddings are centred
    over its values and the features are the elementwise products of the cyclic pairs of factors
    (f1 * f2, f2 * f3, f3 * f1), concatenated. The features go through ``depth`` tanh layers of
    width ``dim`` (pre-activations standardised over the uniform states) and a final linear map,
    all with N(0, 1/fan_in) weights. Each output coordinate is standardised to mean 0 and
    variance 1 over the uniform distribution of states, so ``noise`` is a noise-to-signal ratio
    per coordinate.
    """
    def standardised(a: np.ndarray) -> np.ndarray:
        return (a - a.mean(axis=0)) / a.std(axis=0)

    tables = [rng.standard_normal((k, embed_dim)) for k in sizes]
    grid = np.meshgrid(*[np.arange(k) for k in sizes], indexing="ij")
    if mixing == "pairs":
        e = [(t - t.mean(axis=0))[g.ravel()] for t, g in zip(tables, grid)]
        h = np.concatenate([e[i] * e[(i + 1) % len(e)] for i in range(len(e))], axis=1)
    else:
        h = np.concatenate([t[g.ravel()] for t, g in zip(tables, grid)], axis=1)

    for _ in range(depth):
        h = np.tanh(standardised(h @ rng.standard_normal((h.shape[1], dim))))
    return standardised(h @ (rng.standard_normal((h.shape[1], dim)) / math.sqrt(h.shape[1])))


def rotation_code(values: np.ndarray, k: int, *, dim: int, norm: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Code factor values as the angle between two randomly oriented vectors.

    Value j of k becomes the pair a = norm e1, b = norm (cos t e1 + sin t e2), t = j pi / (k - 1),
    turned by an orthogonal matrix Q drawn per sample from the Haar measure (QR of a Gaussian
    matrix with R's diagonal signs moved into Q). The angle between the two blocks, hence the
    value, is kept exactly; the mean of the code given any value is 0.

    Parameters
    ----------
    values : numpy.ndarray of int, shape (n,)
        Factor values in 0..k-1.
    k : int
        Number of values (at least 2).
    dim : int
        Order of Q, the length of each block (at least 2).
    norm : float
        Norm of each block.
    rng : numpy.random.Generator
        Source of the Q's.

    Returns
    -------
    numpy.ndarray, shape (n, 2 * dim)
        ``[Q a, Q b]`` per sample.

    Raises
    ------
    ValueError
        ``values`` not a 1-D array of integers in 0..k-1, k < 2, dim < 2, norm <= 0 or not
        finite.
    """
    k, dim = check_int("k", k, 2), check_int("dim", dim, 2)
    norm = check_positive("norm", norm)
    values = np.asarray(values)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer) or (
            values.size and not 0 <= values.min() <= values.max() < k):
        raise ValueError(f"values must be a 1-D array of integers in 0..{k - 1}; received "
                         f"dtype {values.dtype}, shape {values.shape}"
                         + (f", range [{values.min()}, {values.max()}]" if values.size and
                            np.issubdtype(values.dtype, np.number) else ""))
    angle = values * np.pi / (k - 1)
    pair = np.zeros((len(angle), 2, dim))
    pair[:, 0, 0] = norm
    pair[:, 1, 0], pair[:, 1, 1] = norm * np.cos(angle), norm * np.sin(angle)
    q, r = np.linalg.qr(rng.standard_normal((len(angle), dim, dim)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    return np.einsum("nij,nkj->nki", q, pair).reshape(len(angle), 2 * dim)


def _draw_factors(rng: np.random.Generator, n: int, ks: Mapping[str, int], pi: np.ndarray,
                  bias: float | None) -> dict[str, np.ndarray]:
    lat = {"r": rng.integers(0, ks["redundancy"], n), "u1": rng.integers(0, ks["unique"], n),
           "u2": rng.integers(0, ks["unique"], n), "s1": rng.integers(0, ks["synergy"], n)}
    if bias is None:
        lat["s2"] = rng.integers(0, ks["synergy"], n)
    else:
        k = ks["synergy"]
        other = (pi[lat["s1"]] + rng.integers(1, k, n)) % k
        lat["s2"] = np.where(rng.random(n) < bias, pi[lat["s1"]], other)
    return {f: lat[f].astype(np.int64) for f in FACTORS}


# --------------------------------------------------------------------------- public API
def make_latent(*, n_pretrain: int = 4000, n_train: int = 2000, n_test: int = 2000,
                dim: int = 32, embed_dim: int = 8, k_redundant: int = 4, k_unique: int = 4,
                k_synergy: int = 4, noise: float = 0.5, label_noise: float = 0.0,
                depth: int = 1, mixing: str = "concat", unique_code: str = "table",
                rotation_dim: int = 4, rotation_norm: float = 3.0, bias: float = 1.0,
                mixtures: Sequence[str] | Mapping[str, Mapping[str, int]] | None = None,
                seed: int | np.random.Generator = 0, name: str = "latent") -> MultimodalDataset:
    """Vector data with planted redundancy, uniqueness and synergy, and its exact decomposition.

    See the module docstring for the factors, the tasks and why their ground truth is exact.

    Parameters
    ----------
    n_pretrain : int, default 4000
        Samples in the ``pretrain`` split (0 for none), drawn with the synergy ``bias``.
    n_train, n_test : int, default 2000
        Samples of the unbiased probe splits ``train`` and ``test`` (at least 1 each).
    dim : int, default 32
        Dimension of each modality.
    embed_dim : int, default 8
        Length of the random embedding of each factor value.
    k_redundant, k_unique, k_synergy : int, default 4
        Number of values of r; of u1 and u2; of s1 and s2 (each at least 2).
    noise : float, default 0.5
        Standard deviation of each modality's Gaussian noise, per coordinate, relative to the
        unit-variance noiseless signal.
    label_noise : float, default 0.0
        Probability in [0, 1] that a label (each mixture component on its own) is replaced by a
        uniform draw over its classes.
    depth : int, default 1
        Nonlinearity of the maps: 0 for a linear map of the embeddings, d > 0 for a random
        tanh network with d hidden layers.
    mixing : {"concat", "pairs"}, default "concat"
        How a modality combines its factors before the map. ``"concat"``: their embeddings are
        concatenated, so every factor is (nearly) linearly decodable from the raw modality.
        ``"pairs"``: each factor's embeddings are centred over its values and the modality
        reads the elementwise products of the pairs (r, u), (u, s), (s, r) of its factors (u,
        s: its unique and synergy factors). Every product has a centred factor that is
        independent of the others and uniform, so with ``depth=0`` the mean of x given any one
        factor is the same for all its values: a linear probe on the raw modality has no mean
        difference to read and stays near chance, while the pairwise interaction is easy for a
        trained nonlinear encoder (an MLP probe reads each factor). With ``depth > 0`` the tanh
        layers weaken this guarantee. The ground truth does not depend on it.
    unique_code : {"table", "rotation"}, default "table"
        ``"table"``: u1 (u2) enters the random function of x1 (x2) like the other factors, so
        it is nearly linearly decodable from the raw modality. ``"rotation"``: the function
        reads (r, s) only, and :func:`rotation_code` appends the unique factor as the angle
        between two blocks of ``rotation_dim`` coordinates turned by a random orthogonal
        matrix per sample (module docstring); the same ``noise`` is added to them. The
        dataset's ``metadata["augment"]`` then asks for ``RandomRotation(rotation_dim)`` and
        no feature masking (zeroing a coordinate of a block changes the angle).
    rotation_dim : int, default 4
        Length of each block of the rotation code (at least 2). Larger hides u better from
        untrained and cross-modal encoders and makes it harder for any encoder to learn.
    rotation_norm : float, default 3.0
        Norm of each block of the rotation code (> 0); its coordinates have variance
        ``rotation_norm ** 2 / rotation_dim``, against 1 for the function's coordinates.
    bias : float, default 1.0
        Probability in [0, 1] that s2 = pi(s1) in the ``pretrain`` split (1 / k_synergy makes it
        unbiased). Probe splits are always unbiased.
    mixtures : sequence of str or mapping, optional
        Mixture tasks: names from ``MIXTURE_PRESETS`` (default: all six, mix1 to mix6), or a
        mapping task name -> {component: levels}, components from ``MIXTURE_COMPONENTS`` and
        levels dividing the factor's K, e.g. ``{"r2s2": {"redundancy": 2, "synergy_xor": 2}}``.
        ``()`` leaves mixtures out.
    seed : int or numpy.random.Generator, default 0
        Seeds the fixed world (maps, embeddings, pi) and, independently, each split's samples.
    name : str, default "latent"
        Dataset name in result tables.

    Returns
    -------
    MultimodalDataset
        Modalities ``x1``, ``x2`` (n, dim) float32 (n, dim + 2 rotation_dim with the rotation
        code); tasks ``redundancy``, ``unique1``,
        ``unique2``, ``synergy``, ``synergy_xor`` and the mixtures (integer labels); splits
        ``pretrain`` (if any), ``train``, ``test`` in this order; ground truth in bits;
        latents r, u1, u2, s1, s2 (int64 codes) with source_latents
        (("r", "u1", "s1"), ("r", "u2", "s2")); ``metadata`` holds the arguments, the
        bijection pi and each task's components.

    Raises
    ------
    ValueError
        Negative counts, K < 2, ``noise`` < 0, ``label_noise`` or ``bias`` outside [0, 1],
        unknown or impossible mixtures, a ``mixing`` not in ``MIXINGS``, a ``unique_code``
        not in ``UNIQUE_CODES``, ``rotation_dim`` < 2, ``rotation_norm`` <= 0.

    Examples
    --------
    Each basic task carries one kind of interaction: log2(4) = 2 bits of redundancy, of
    either unique factor, or of XOR synergy; ``synergy`` (s2 = pi(s1), a binary label of
    rate 1/4) carries H(1/4) = 0.811278 bits, all synergy.

    >>> from synthetic import make_latent
    >>> data = make_latent(n_pretrain=0, n_train=200, n_test=200, mixtures=(), seed=0)
    >>> data
    MultimodalDataset(name='latent', x1: (400, 32), x2: (400, 32), tasks=['redundancy', 'unique1', 'unique2', 'synergy', 'synergy_xor'], splits={'train': 200, 'test': 200})
    >>> print(data.ground_truth.round(6).to_string())
                 redundancy  unique1  unique2   synergy     total
    task
    redundancy          2.0      0.0      0.0  0.000000  2.000000
    unique1             0.0      2.0      0.0  0.000000  2.000000
    unique2             0.0      0.0      2.0  0.000000  2.000000
    synergy             0.0      0.0      0.0  0.811278  0.811278
    synergy_xor         0.0      0.0      0.0  2.000000  2.000000
    """
    counts = {"pretrain": check_int("n_pretrain", n_pretrain, 0),
              "train": check_int("n_train", n_train, 1), "test": check_int("n_test", n_test, 1)}
    dim = check_int("dim", dim, 1)
    embed_dim = check_int("embed_dim", embed_dim, 1)
    depth = check_int("depth", depth, 0)
    if mixing not in MIXINGS:
        raise ValueError(f"mixing must be one of {MIXINGS}; received {mixing!r}")
    if unique_code not in UNIQUE_CODES:
        raise ValueError(f"unique_code must be one of {UNIQUE_CODES}; received {unique_code!r}")
    rotation_dim = check_int("rotation_dim", rotation_dim, 2)
    rotation_norm = check_positive("rotation_norm", rotation_norm)
    ks = {"redundancy": check_int("k_redundant", k_redundant, 2),
          "unique": check_int("k_unique", k_unique, 2),
          "synergy": check_int("k_synergy", k_synergy, 2)}
    noise = check_real("noise", noise, 0.0)
    label_noise = check_real("label_noise", label_noise, 0.0, 1.0)
    bias = check_real("bias", bias, 0.0, 1.0)
    specs = _task_components(ks, _resolve_mixtures(mixtures, ks))
    rng = check_seed(seed)

    world, *split_rngs = rng.spawn(1 + len(counts))
    pi = world.permutation(ks["synergy"])
    factor_k = {"r": ks["redundancy"], "u1": ks["unique"], "u2": ks["unique"],
                "s1": ks["synergy"], "s2": ks["synergy"]}
    rotated = unique_code == "rotation"
    tabled = [tuple(f for f in group if not (rotated and f.startswith("u")))
              for group in _SOURCE_FACTORS]
    sizes = [tuple(factor_k[f] for f in group) for group in tabled]
    tables = [_modality_table(world, s, embed_dim=embed_dim, dim=dim, depth=depth,
                              mixing=mixing) for s in sizes]

    def observe(m: int, lat: Mapping[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
        x = tables[m][np.ravel_multi_index(tuple(lat[f] for f in tabled[m]), sizes[m])]
        if rotated:
            x = np.concatenate([x, rotation_code(lat[f"u{m + 1}"], ks["unique"],
                                                 dim=rotation_dim, norm=rotation_norm,
                                                 rng=rng)], axis=1)
        return x + noise * rng.standard_normal(x.shape)

    parts = []
    for (split, n), split_rng in zip(counts.items(), split_rngs):
        lat = _draw_factors(split_rng, n, ks, pi, bias if split == "pretrain" else None)
        xs = [observe(m, lat, split_rng) for m in range(2)]
        labels = {t: _encode(c, lat, ks, pi, split_rng, label_noise)[2] for t, c in specs.items()}
        parts.append((split, n, xs, labels, lat))

    def cat(get: Any) -> np.ndarray:
        return np.concatenate([get(p) for p in parts])

    ground_truth = pd.DataFrame([_ground_truth_row(c, label_noise) for c in specs.values()],
                                index=pd.Index(list(specs), name="task"),
                                columns=list(GROUND_TRUTH_COLUMNS))
    arguments = dict(n_pretrain=counts["pretrain"], n_train=counts["train"],
                     n_test=counts["test"], dim=dim, embed_dim=embed_dim,
                     k_redundant=ks["redundancy"], k_unique=ks["unique"],
                     k_synergy=ks["synergy"], noise=noise, label_noise=label_noise, depth=depth,
                     mixing=mixing, unique_code=unique_code, rotation_dim=rotation_dim,
                     rotation_norm=rotation_norm, bias=bias, seed=None if isinstance(seed, np.random.Generator) else int(seed))
    return MultimodalDataset(
        modalities={f"x{i + 1}": cat(lambda p, i=i: p[2][i]).astype(np.float32)
                    for i in range(2)},
        tasks={t: cat(lambda p, t=t: p[3][t]) for t in specs},
        split_of=cat(lambda p: np.full(p[1], p[0], dtype="<U8")),
        ground_truth=ground_truth,
        n_classes={t: math.prod(_n_labels(c, m) for c, m in comps) for t, comps in specs.items()},
        name=name,
        latents={f: cat(lambda p, f=f: p[4][f]) for f in FACTORS},
        source_latents=_SOURCE_FACTORS,
        metadata={"generator": "make_latent", "arguments": arguments,
                  "bijection": pi.tolist(),
                  "task_components": {t: dict(c) for t, c in specs.items()},
                  **({"augment": {"vector": {"rotation_dim": rotation_dim,
                                             "mask_fraction": 0.0}}} if rotated else {})})


def _spec_of(dataset: MultimodalDataset, task: str
             ) -> tuple[Components, dict[str, int], np.ndarray, float]:
    meta = dataset.metadata
    if meta.get("generator") != "make_latent":
        raise ValueError(f"dataset {dataset.name!r} was not made by make_latent "
                         f"(metadata generator: {meta.get('generator')!r})")
    if task not in meta["task_components"]:
        raise ValueError(f"unknown task {task!r}; tasks: {', '.join(meta['task_components'])}")
    args = meta["arguments"]
    ks = {"redundancy": args["k_redundant"], "unique": args["k_unique"],
          "synergy": args["k_synergy"]}
    comps = tuple((str(c), int(m)) for c, m in meta["task_components"][task].items())
    return comps, ks, np.asarray(meta["bijection"]), float(args["label_noise"])


def task_joint(dataset: MultimodalDataset, task: str) -> np.ndarray:
    """Exact joint distribution of a task's source states and label under the probe distribution.

    Parameters
    ----------
    dataset : MultimodalDataset
        Made by :func:`make_latent`.
    task : str
        One of its tasks.

    Returns
    -------
    numpy.ndarray, shape (|S1|, |S2|, n_classes)
        p(x1 state, x2 state, y), label noise included, where the states are the mixed-radix
        codes of the coarse factors the task reads (see :func:`task_states`); by the module
        docstring's fact 1, its decomposition equals the one over full latent states.
    """
    comps, ks, pi, label_noise = _spec_of(dataset, task)
    return _joint(comps, ks, pi, label_noise)


def task_states(dataset: MultimodalDataset, task: str) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's x1 and x2 states on the axes of :func:`task_joint`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Integer codes, shape (n,) each, computed from ``dataset.latents``.
    """
    comps, ks, pi, _ = _spec_of(dataset, task)
    s1, s2, _ = _encode(comps, dataset.latents, ks, pi)
    return s1, s2
