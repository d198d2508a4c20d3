"""Re-probing: the final weights of another results directory's finished runs, probed anew.

``pid-bench run CONFIG --out NEW --weights-from OLD`` (``run_experiment(...,
weights_from=OLD)``) gives each run of the grid that is not finished in ``NEW`` the final
weights of the run of the same name in ``OLD``, where that run is the same training, and
probes them with ``NEW``'s settings without training. A run's identity (its ``spec.json``)
splits in two:

- **what fixes the weights**: ``dataset`` (kind, label, arguments, augmentations),
  ``method`` (name, label, target task, hyper-parameters), ``seed``, ``train`` (epochs,
  batch size, optimiser settings, precision: the method's own entries merged in) and
  ``probe_every`` (a run probed during training carries the rows of those probes, fitted with
  the old settings, in its checkpoint);
- **what only evaluates them** (:data:`EVALUATION_KEYS`): ``probe`` (kind, grids, the MLP
  probe), ``tasks`` (which tasks are probed) and ``embed_batch_size``.

The old run gives its weights when it is finished and sealed (``done.json`` and digests that
match, :func:`~pid_bench.results_dir.verify_run`), its ``spec.json`` equals the new run's in
everything that fixes the weights, and its ``checkpoint.pt`` was written under that
``spec.json`` (:func:`~pid_bench.train.checkpoint_identity` is its digest) and holds the final
epoch. Untrained runs (methods with ``trainable = False``, e.g. ``random``, or 0 epochs) have no
weights to load: they run as usual, which costs one embedding and the probes. The old
directory is only read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pid_bench.results_dir import DONE, SPEC, ResultsDirError, RunInvalid, verify_run
from pid_bench.train import CHECKPOINT_NAME, checkpoint_record

__all__ = ["EVALUATION_KEYS", "training_identity", "check_weights_source", "why_not_reused",
           "reuse_summary"]

#: Keys of a run's identity that only evaluate its weights: they may differ in a re-probe.
EVALUATION_KEYS = ("probe", "tasks", "embed_batch_size")


def training_identity(identity: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a run's identity (``spec.json``) that fixes its trained weights: all keys
    but :data:`EVALUATION_KEYS`."""
    return {key: value for key, value in identity.items() if key not in EVALUATION_KEYS}


def check_weights_source(source: Path, out: Path, probe_every: int) -> None:
    """Refuse a re-probe that cannot work, before anything is written.

    Parameters
    ----------
    source : pathlib.Path
        The results directory whose runs give their weights (``--weights-from``).
    out : pathlib.Path
        The results directory to write (``--out``).
    probe_every : int
        The grid's ``probe_every``.

    Raises
    ------
    ResultsDirError
        ``source`` missing or not a results directory (no ``runs/`` folder), or the same
        directory as ``out``.
    ValueError
        ``probe_every`` > 0.
    """
    if not source.is_dir():
        what = "is not a directory" if source.exists() else "does not exist"
        raise ResultsDirError(f"weights_from (--weights-from) {source} {what}; expected a "
                              f"results directory of finished runs (with a runs/ folder)")
    if source.resolve() == out.resolve():
        raise ResultsDirError(f"weights_from (--weights-from) {source} is the results directory "
                              f"being written (--out {out}); write the re-probed runs to another "
                              f"--out")
    if not (source / "runs").is_dir():
        raise ResultsDirError(f"weights_from (--weights-from) {source} is not a results "
                              f"directory: expected a runs/ folder of finished runs in it, "
                              f"found none")
    if probe_every:
        raise ValueError(f"probe_every is {probe_every}, but re-probing (--weights-from) loads "
                         f"the final weights only: the intermediate epochs cannot be re-probed "
                         f"from a checkpoint. Set probe_every: 0, or train again without "
                         f"--weights-from")


def why_not_reused(identity: Mapping[str, Any], old: Path, epochs: int) -> str | None:
    """Why the run directory ``old`` cannot give its final weights to a run of ``identity``.

    Parameters
    ----------
    identity : mapping
        The new run's identity (:meth:`pid_bench.experiment.runs.Run.identity`).
    old : pathlib.Path
        The run directory of the same name in the source results directory.
    epochs : int
        The new run's number of training epochs.

    Returns
    -------
    str or None
        ``None`` when ``old/checkpoint.pt`` holds the weights the new run would train; else a
        short reason, e.g. ``"other training settings (train.epochs)"``.
    """
    if not (old / DONE).is_file():
        return "not finished there" if old.is_dir() else "not there"
    try:
        finished = verify_run(old)
    except RunInvalid:
        return "damaged there (files that do not match its done.json)"
    changed = _changed_keys(training_identity(finished.spec()), training_identity(identity))
    if changed:
        return f"other training settings ({', '.join(changed)})"
    if finished.record.get("epochs") == 0:
        return "untrained (no weights to load)"
    checkpoint = old / CHECKPOINT_NAME
    if not checkpoint.is_file():
        return "no checkpoint there"
    try:
        record = checkpoint_record(checkpoint)
    except ValueError:
        return "unreadable checkpoint there"
    if record["identity"] != finished.record["digests"][SPEC]:
        return "its checkpoint was not written under its spec.json"
    if record["epoch"] != epochs:
        return f"its checkpoint holds epoch {record['epoch']}, not the final {epochs}"
    return None


def _changed_keys(there: Mapping[str, Any], here: Mapping[str, Any]) -> list[str]:
    """The keys, down to the second level, whose values differ: ``["seed", "train.lr"]``."""
    changed = []
    for key in sorted(set(there) | set(here)):
        a, b = there.get(key), here.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changed += [f"{key}.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            changed.append(key)
    return changed


def reuse_summary(source: Path, reused: int, reasons: Counter[str]) -> str:
    """One line: how many runs take ``source``'s weights, how many run as usual, and why.

    Parameters
    ----------
    source : pathlib.Path
        The results directory the weights come from.
    reused : int
        Runs that take their weights from it.
    reasons : collections.Counter
        The other runs to do, counted by the reason of :func:`why_not_reused`.

    Examples
    --------
    >>> from collections import Counter
    >>> from pathlib import Path
    >>> from pid_bench.experiment.reprobe import reuse_summary
    >>> print(reuse_summary(Path("old"), 3, Counter({"untrained (no weights to load)": 1})))
    weights from old: 3 of 4 runs to do reuse them (no training), 1 runs as usual:
    1 untrained (no weights to load)
    """
    others = sum(reasons.values())
    line = (f"weights from {source}: {reused} of {reused + others} runs to do reuse them "
            f"(no training)")
    if not others:
        return line
    why = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    return f"{line}, {others} runs as usual: {why}"
