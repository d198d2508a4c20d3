"""The capture benchmark: its run table, a tiny grid end to end, and the kept table's facts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
KEPT = ROOT / "benchmarks" / "results" / "capture"
#: H_b(0.1), the planted synergy of Trifeature's synergy task, bits.
HB_01 = -(0.1 * np.log2(0.1) + 0.9 * np.log2(0.9))


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("capture")


def test_run_seconds_are_means_per_method_and_refuse_an_empty_directory(bench):
    runs = pd.DataFrame({"dataset": ["d"] * 3, "method": ["a", "a", "b"], "seed": [0, 1, 0],
                         "seconds": [10.0, 20.0, 5.0], "train_seconds": [8.0, 12.0, 0.0]})
    table = bench.run_seconds(runs)
    assert table.loc[("d", "a")].tolist() == [2, 15.0, 10.0]
    assert table.loc[("d", "b")].tolist() == [1, 5.0, 0.0]
    with pytest.raises(ValueError, match="holds no finished run"):
        bench.run_seconds(runs.iloc[:0])


class _FirstOnly(torch.nn.Module):
    """Embeds the first modality alone, doubled."""

    def embed(self, batch):
        return 2 * batch.modalities[0]


def test_modality_reliance_is_zero_for_an_ignored_modality(bench):
    g = np.random.default_rng(0)
    x1, x2 = g.normal(size=(50, 3)).astype(np.float32), g.normal(size=(50, 4)).astype(np.float32)
    moved = bench.modality_reliance(_FirstOnly(), [x1, x2], seed=1)
    # a permutation of iid rows moves each row by about sqrt(2) of its norm
    assert moved[1] == 0.0 and 0.8 < moved[0] < 2.0
    assert bench.modality_reliance(_FirstOnly(), [x1, x2], seed=1) == moved
    with pytest.raises(ValueError, match=r"same n >= 2 samples; received sample counts \[50, 4\]"):
        bench.modality_reliance(_FirstOnly(), [x1, x2[:4]])


def test_a_tiny_grid_prints_both_probes_for_every_row(bench, tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(
        "datasets:\n"
        "  - name: latent\n"
        "    args: {n_pretrain: 64, n_train: 120, n_test: 120, dim: 8, embed_dim: 4, seed: 0}\n"
        "methods:\n"
        "  - {name: random, hparams: {embed_dim: 16, hidden_dim: 16}}\n"
        "  - {name: cross, hparams: {embed_dim: 16, hidden_dim: 16}}\n"
        "tasks: [redundancy, synergy]\n"
        "seeds: [0]\n"
        "train: {epochs: 1, batch_size: 32}\n"
        "probe: {kind: both, mlp: {widths: [8], depths: [1], alphas: [0.001], max_epochs: 5}}\n"
        "workers: 1\nthreads: 1\n")
    table = bench.main(["--config", str(config), "--seeds", "0", "--out", str(tmp_path / "out"),
                        "--quiet", "--reliance"])
    frame = table.frame
    assert sorted(zip(frame.task, frame.method)) == [
        ("redundancy", "cross"), ("redundancy", "random"), ("synergy", "cross"),
        ("synergy", "random")]
    assert frame[["balanced_accuracy", "balanced_accuracy_mlp", "captured_bits",
                  "captured_bits_mlp"]].notna().all(axis=None)
    printed = capsys.readouterr().out
    assert "load average before" in printed and "train_seconds" in printed
    assert "when one modality is shuffled (seed 0)" in printed


# The kept outputs of the runs that docs/results/capture.md reports.

def _final(name: str) -> pd.DataFrame:
    table = pd.read_csv(KEPT / name)
    last = table.groupby(["dataset", "method", "seed"])["epoch"].transform("max")
    return table[table.epoch == last]


def _per_seed(table: pd.DataFrame, task: str, method: str, metric: str) -> pd.Series:
    rows = table[(table.task == task) & (table.method == method) & (table.metric == metric)]
    return rows.set_index("seed")["value"].sort_index()


@pytest.fixture(scope="module")
def kept():
    return _final("latent_capture_results.csv")


def test_every_row_of_the_kept_table_has_both_probes(kept):
    tasks = {"redundancy", "unique1", "unique2", "synergy", "synergy_xor"}
    for (method, seed), run in kept.groupby(["method", "seed"]):
        for metric in ("balanced_accuracy", "captured_bits", "captured_fraction"):
            for suffix in ("", "_mlp"):
                assert set(run[run.metric == metric + suffix].task) == tasks, (method, seed,
                                                                              metric + suffix)


def test_kept_table_has_five_seeds_per_cell(kept):
    seeds = kept.groupby("method")["seed"].nunique().to_dict()
    assert seeds == {"comm": 5, "coral": 5, "infmasking": 5, "cross": 5, "cross_self": 5,
                     "supervised": 5, "random": 5, "factorcl": 5}


def test_comm_holds_the_synergy_that_its_linear_probe_misses(kept):
    for task, atom in (("synergy", 0.811), ("synergy_xor", 2.0)):
        linear = _per_seed(kept, task, "comm", "captured_fraction")
        mlp = _per_seed(kept, task, "comm", "captured_fraction_mlp")
        assert (mlp > 0.97).all() and (linear < 0.4).all(), (task, linear, mlp)
        assert (mlp - linear).min() > 0.55
    for task in ("redundancy", "unique1", "unique2"):
        assert (_per_seed(kept, task, "comm", "captured_bits") > 1.8).all()


def test_cross_methods_hold_the_synergy_for_the_mlp_only(kept):
    for method in ("cross", "cross_self"):
        for task in ("synergy", "synergy_xor"):
            assert (_per_seed(kept, task, method, "captured_fraction") < 0.02).all()
            assert (_per_seed(kept, task, method, "captured_fraction_mlp") > 0.97).all()
    assert (_per_seed(kept, "unique2", "cross", "captured_bits_mlp") < 0.1).all()


def test_coral_reads_more_synergy_linearly_than_comm_in_four_of_five_seeds(kept):
    coral = _per_seed(kept, "synergy", "coral", "captured_bits")
    comm = _per_seed(kept, "synergy", "comm", "captured_bits")
    assert (coral > comm.max() + 0.3).sum() == 4


def test_infmasking_loses_a_unique_factor_in_four_of_five_seeds(kept):
    u1 = _per_seed(kept, "unique1", "infmasking", "captured_bits")
    u2 = _per_seed(kept, "unique2", "infmasking", "captured_bits")
    lost = (u1 < 0.1) | (u2 < 0.1)
    assert lost.sum() == 4 and ((u1 < 0.1) & (u2 < 0.1)).sum() == 0
    assert (_per_seed(kept, "redundancy", "infmasking", "captured_bits") > 1.9).all()


def test_the_screen_shows_infmasking_ignoring_the_second_modality():
    text = (KEPT / "infmasking_screen.txt").read_text()
    rows = [line.split() for line in text.splitlines() if line.startswith("(latent_seed5,")]
    assert len(rows) == 3
    for row in rows:
        x1, x2 = float(row[-2]), float(row[-1])
        assert x1 > 1.0 and x2 < 0.03, row


def test_unbiased_pretraining_lifts_comms_linear_xor_synergy(kept):
    study = _final("synergy_limits_results.csv")
    unbiased = _per_seed(study[study.dataset == "latent_unbiased"], "synergy_xor", "comm",
                         "captured_bits")
    biased = _per_seed(kept, "synergy_xor", "comm", "captured_bits")
    assert len(unbiased) == len(biased) == 5
    assert unbiased.min() > biased.max() and unbiased.mean() > 1.8 * biased.mean()


def test_batch_64_lifts_comms_linear_synergy_on_every_seed(kept):
    study = _final("synergy_limits_results.csv")
    for task in ("synergy", "synergy_xor"):
        small = _per_seed(study, task, "comm_batch64", "captured_bits")
        table = _per_seed(kept, task, "comm", "captured_bits")
        assert len(small) == len(table) == 5
        assert small.min() > table.max() and small.mean() > 1.8 * table.mean(), task


@pytest.fixture(scope="module")
def trifeature():
    return _final("trifeature_capture_results.csv")


def _on(table: pd.DataFrame, dataset: str, task: str, method: str, metric: str) -> pd.Series:
    return _per_seed(table[table.dataset == dataset], task, method, metric)


def test_infmasking_trifeature_synergy_reaches_its_published_77_on_five_seeds(trifeature):
    synergy = _on(trifeature, "trifeature_biased", "synergy", "infmasking", "balanced_accuracy")
    assert len(synergy) == 5 and synergy.mean() >= 77.0 and synergy.min() > 75.0


def test_infmasking_trifeature_keeps_shape_and_both_textures(trifeature):
    for task, low in (("redundancy", 97.0), ("unique1", 90.0), ("unique2", 90.0)):
        values = _on(trifeature, "trifeature_unbiased", task, "infmasking", "balanced_accuracy")
        assert len(values) == 5 and values.min() > low, task


def test_the_mlp_probe_reads_half_again_the_linear_synergy_bits_on_trifeature(trifeature):
    for method in ("comm", "infmasking"):
        linear = _on(trifeature, "trifeature_biased", "synergy", method, "captured_bits")
        mlp = _on(trifeature, "trifeature_biased", "synergy", method, "captured_bits_mlp")
        assert (mlp > 1.5 * linear).all() and (mlp < 0.4690).all(), method


def test_the_offline_capture_table_has_both_probes_and_the_new_methods():
    table = _final("real_offline_capture_results.csv")
    for metric in ("captured_bits", "captured_bits_mlp"):
        rows = table[table.metric == metric]
        seeds = rows.groupby(["dataset", "method"])["seed"].nunique()
        assert len(seeds) == 22 and (seeds == 5).all(), metric
    linear = table[table.metric == "captured_bits"].groupby("method")["value"]
    mlp = table[table.metric == "captured_bits_mlp"].groupby("method")["value"]
    assert linear.min().min() > 2.8 and (mlp.mean() - linear.mean()).max() < 0.15


@pytest.fixture(scope="module")
def trifeature_others():
    return _final("trifeature_capture_others_results.csv")


def test_coral_on_trifeature_keeps_every_atom_and_its_synergy_mostly_for_the_mlp(
        trifeature_others):
    for task in ("redundancy", "unique1", "unique2"):
        values = _on(trifeature_others, "trifeature_unbiased", task, "coral", "balanced_accuracy")
        assert len(values) == 1 and values.min() > 95.0, task
    accuracy = _on(trifeature_others, "trifeature_biased", "synergy", "coral", "balanced_accuracy")
    linear = _on(trifeature_others, "trifeature_biased", "synergy", "coral", "captured_bits")
    mlp = _on(trifeature_others, "trifeature_biased", "synergy", "coral", "captured_bits_mlp")
    assert accuracy.min() > 70.0 and (mlp > 2 * linear).all() and (mlp > 0.3).all()


def test_random_cnn_features_hold_no_trifeature_synergy_for_either_probe(trifeature_others):
    for metric in ("captured_bits", "captured_bits_mlp"):
        values = _on(trifeature_others, "trifeature_biased", "synergy", "random", metric)
        assert len(values) == 5 and (values < 0.02).all(), metric
    shape = _on(trifeature_others, "trifeature_biased", "redundancy", "random", "captured_bits")
    assert (shape < 1.5).all()


def test_cross_self_holds_trifeature_synergy_for_the_mlp_only(trifeature_others):
    linear = _on(trifeature_others, "trifeature_biased", "synergy", "cross_self", "captured_bits")
    mlp = _on(trifeature_others, "trifeature_biased", "synergy", "cross_self",
              "captured_bits_mlp")
    assert len(mlp) == 1 and (linear < 0.02).all() and (mlp > 0.4).all()


def test_cross_holds_trifeature_synergy_for_the_mlp_only_after_biased_pairs(trifeature_others):
    linear = _on(trifeature_others, "trifeature_biased", "synergy", "cross", "captured_bits")
    mlp = _on(trifeature_others, "trifeature_biased", "synergy", "cross", "captured_bits_mlp")
    assert len(mlp) == 1 and (linear < 0.02).all() and (mlp > 0.45).all()
    for metric in ("captured_bits", "captured_bits_mlp"):
        unbiased = _on(trifeature_others, "trifeature_unbiased", "synergy", "cross", metric)
        texture = _on(trifeature_others, "trifeature_unbiased", "unique1", "cross", metric)
        assert (unbiased < 0.02).all() and (texture < 0.1).all(), metric


def test_factorcl_and_supervised_hold_little_or_no_trifeature_synergy(trifeature_others):
    factorcl = _on(trifeature_others, "trifeature_biased", "synergy", "factorcl",
                   "captured_bits_mlp")
    assert len(factorcl) == 1 and (factorcl < 0.1).all()
    for metric in ("captured_bits", "captured_bits_mlp"):
        supervised = _on(trifeature_others, "trifeature_unbiased_colour", "synergy", "supervised",
                         metric)
        assert len(supervised) == 1 and (supervised < 0.02).all(), metric


def _trifeature_seeds() -> pd.DataFrame:
    """Final-epoch rows of every Trifeature seed outside the InfMasking/CoMM table."""
    return pd.concat([_final("trifeature_capture_others_results.csv"),
                      _final("trifeature_capture_seeds_results.csv")])


def test_five_trifeature_seeds_keep_coral_near_comm_and_the_cross_methods_mlp_only():
    seeds = _trifeature_seeds()
    coral = _on(seeds, "trifeature_biased", "synergy", "coral", "balanced_accuracy")
    infmasking = _on(_final("trifeature_capture_results.csv"), "trifeature_biased", "synergy",
                     "infmasking", "balanced_accuracy")
    # below InfMasking's mean (and CoMM's 81.3), inside the seed ranges of both on some seeds
    # (CoMM's lowest of 5 seeds is 79.0, docs/results/comm_trifeature.md)
    assert len(coral) == 5 and coral.mean() < infmasking.mean()
    assert coral.max() > max(infmasking.min(), 79.0)
    coral_mlp = _on(seeds, "trifeature_biased", "synergy", "coral", "captured_bits_mlp")
    assert (coral_mlp > 0.3).all()
    for method in ("cross", "cross_self"):
        linear = _on(seeds, "trifeature_biased", "synergy", method, "captured_bits")
        mlp = _on(seeds, "trifeature_biased", "synergy", method, "captured_bits_mlp")
        assert len(mlp) == 5 and (linear < 0.02).all() and (mlp > 0.42).all(), method
    # on biased pairs Cross drops texture 2 and Cross+Self keeps most of it, on every seed
    cross_u2 = _on(seeds, "trifeature_biased", "unique2", "cross", "captured_bits")
    cross_self_u2 = _on(seeds, "trifeature_biased", "unique2", "cross_self", "captured_bits")
    assert len(cross_u2) == len(cross_self_u2) == 5
    assert cross_u2.max() < 1.0 and cross_self_u2.min() > 2.5
    linear = _on(seeds, "trifeature_biased", "synergy", "factorcl", "captured_bits")
    mlp = _on(seeds, "trifeature_biased", "synergy", "factorcl", "captured_bits_mlp")
    assert len(linear) == len(mlp) == 5 and (linear < 0.02).all()
    assert mlp.mean() < 0.1 and mlp.max() < 0.3


def test_the_trifeature_factors_each_method_keeps_after_unbiased_pretraining():
    seeds = _trifeature_seeds()
    for method, texture_bits in (("cross", (0.0, 0.2)), ("factorcl", (0.4, 1.5))):
        shape = _on(seeds, "trifeature_unbiased", "redundancy", method, "captured_bits")
        assert len(shape) == 5 and (shape > 3.1).all(), method
        for task in ("unique1", "unique2"):
            bits = _on(seeds, "trifeature_unbiased", task, method, "captured_bits")
            assert len(bits) == 5 and bits.between(*texture_bits).all(), (method, task)
        for metric in ("captured_bits", "captured_bits_mlp"):
            synergy = _on(seeds, "trifeature_unbiased", "synergy", method, metric)
            assert len(synergy) == 5 and (synergy < 0.02).all(), (method, metric)
    # Cross+Self (5 seeds) keeps both textures, COrAL (5 seeds) every factor, and only the MLP
    # reads any synergy from either
    for method, n_seeds, tasks, factor_bits, mlp_bits in (
            ("cross_self", 5, ("unique1", "unique2"), 2.5, 0.05),
            ("coral", 5, ("redundancy", "unique1", "unique2"), 2.9, 0.1)):
        for task in tasks:
            bits = _on(seeds, "trifeature_unbiased", task, method, "captured_bits")
            assert len(bits) == n_seeds and (bits > factor_bits).all(), (method, task)
        linear = _on(seeds, "trifeature_unbiased", "synergy", method, "captured_bits")
        mlp = _on(seeds, "trifeature_unbiased", "synergy", method, "captured_bits_mlp")
        assert len(mlp) == n_seeds and (linear < 0.02).all() and (mlp > mlp_bits).all(), method


def test_comm_in_float32_keeps_every_trifeature_factor_for_both_probes():
    table = _final("trifeature_comm_fp32_results.csv")
    for task in ("redundancy", "unique1", "unique2"):
        for metric in ("captured_bits", "captured_bits_mlp"):
            bits = _on(table, "trifeature_unbiased", task, "comm", metric)
            assert len(bits) == 5 and (bits > 2.9).all(), (task, metric)
    # after unbiased pretraining the synergy is there for the MLP only; after biased
    # pretraining (seeds 2-4) the linear probe reads part of it too, and the MLP more
    linear = _on(table, "trifeature_unbiased", "synergy", "comm", "captured_bits")
    mlp = _on(table, "trifeature_unbiased", "synergy", "comm", "captured_bits_mlp")
    assert len(mlp) == 5 and (linear < 0.02).all() and (mlp > 0.1).all()
    biased = {metric: _on(table, "trifeature_biased", "synergy", "comm", metric).to_numpy()
              for metric in ("captured_bits", "captured_bits_mlp")}
    assert len(biased["captured_bits"]) == 3
    assert (biased["captured_bits_mlp"] > biased["captured_bits"]).all()
    assert (biased["captured_bits"] > 0.1).all()


def test_balanced_classes_do_not_make_supervised_learn_trifeature_synergy():
    table = _final("trifeature_supervised_balanced_results.csv")
    training = pd.read_csv(KEPT / "trifeature_supervised_balanced_training.csv")
    # seeds 1-4 of plain supervised (seed 0 in the others' table) sit at the base rate's loss,
    # H(0.1) in nats; the balanced recipes at ln 2
    base_rate = HB_01 * np.log(2)
    for method, n_seeds, loss, tolerance in (("supervised_balanced", 5, np.log(2), 0.002),
                                             ("supervised_balanced_lr5e-4", 5, np.log(2), 0.004),
                                             ("supervised", 4, base_rate, 0.02)):
        for metric in ("captured_bits", "captured_bits_mlp"):
            bits = _on(table, "trifeature_unbiased_colour", "synergy", method, metric)
            assert len(bits) == n_seeds and (bits < 0.02).all(), (method, metric)
        # chance is 50; the MLP reads a trace on seed 4 of plain supervised (59.4 for 0.008
        # bits), far from the 99.7 of the ceiling with texture-1 and colour-2 labels
        for metric, within in (("balanced_accuracy", 2.5), ("balanced_accuracy_mlp", 10.0)):
            accuracy = _on(table, "trifeature_unbiased_colour", "synergy", method, metric)
            assert (abs(accuracy - 50.0) < within).all(), (method, metric)
        # from epoch 3 on, after the two warm-up epochs
        losses = training[(training.method == method) & (training.epoch >= 3)]["loss"]
        assert len(losses) == 22 * n_seeds and (abs(losses - loss) < tolerance).all(), method


def test_four_times_the_epochs_let_balanced_supervised_begin_to_learn_trifeature_synergy():
    table = _final("trifeature_supervised_balanced_results.csv")
    training = pd.read_csv(KEPT / "trifeature_supervised_balanced_training.csv")
    losses = training[training.method == "supervised_balanced_epochs96"].set_index("epoch")["loss"]
    assert list(losses.index) == list(range(1, 97))
    # at chance to epoch 86, more than three times the 24 of the other recipes ...
    assert (abs(losses.loc[3:86] - np.log(2)) < 0.005).all()
    # ... then the loss leaves ln 2 and both probes read some synergy, far below the ceiling
    assert losses.loc[94:].max() < np.log(2) - 0.05
    for metric in ("captured_bits", "captured_bits_mlp"):
        bits = _on(table, "trifeature_unbiased_colour", "synergy", "supervised_balanced_epochs96",
                   metric)
        assert len(bits) == 1 and (bits > 0.03).all() and (bits < 0.5 * HB_01).all(), metric


def test_supervised_learns_trifeature_synergy_only_with_texture1_and_colour2_labels():
    table = _final("trifeature_supervised_aux_results.csv")
    colour = "trifeature_unbiased_colour_tasks"
    texture1 = _on(table, colour, "unique1", "supervised_aux_texture1_colour2", "captured_bits")
    for metric in ("captured_bits", "captured_bits_mlp"):
        ceiling = _on(table, colour, "synergy", "supervised_aux_texture1_colour2", metric)
        assert len(ceiling) == 5 and (ceiling > 0.9 * HB_01).sum() >= 4, metric
        # learned on exactly the seeds that learn texture 1, and not at all on the others
        learned = ceiling > 0.9 * HB_01
        assert learned.equals(texture1 > 3.0) and (ceiling[~learned] < 0.02).all(), metric
        for method in ("supervised_aux_texture1", "supervised_aux_all"):
            bits = _on(table, "trifeature_unbiased_colour", "synergy", method, metric)
            assert len(bits) == 1 and (bits < 0.02).all(), (method, metric)
    # the auxiliary labels are learned in every entry
    for dataset, method, tasks in (
            ("trifeature_unbiased_colour", "supervised_aux_texture1", ["unique1"]),
            ("trifeature_unbiased_colour", "supervised_aux_all",
             ["redundancy", "unique1", "unique2"]),
            (colour, "supervised_aux_texture1_colour2", ["colour2"])):
        for task in tasks:
            bits = _on(table, dataset, task, method, "captured_bits")
            assert (bits > 3.2).all(), (method, task)
    # what it is not trained on it barely keeps: texture 2 at chance where the synergy is learned
    untrained = _on(table, colour, "unique2", "supervised_aux_texture1_colour2", "captured_bits")
    assert (untrained[texture1 > 3.0] < 0.1).all()
    # without colour-2 labels colour 2, the synergy's other input, is not learned
    for method, most in (("supervised_aux_texture1", 0.02), ("supervised_aux_all", 0.6)):
        for metric in ("captured_bits", "captured_bits_mlp"):
            bits = _on(table, colour, "colour2", method, metric)
            assert len(bits) == 1 and (bits < most).all(), (method, metric)


def test_supervised_aux_reruns_on_the_colour_tasks_give_the_first_runs_numbers():
    table = _final("trifeature_supervised_aux_results.csv")
    for method in ("supervised_aux_texture1", "supervised_aux_all"):
        first, rerun = (table[(table.method == method) & (table.dataset == dataset)]
                        .set_index(["task", "metric", "seed"])["value"]
                        for dataset in ("trifeature_unbiased_colour",
                                        "trifeature_unbiased_colour_tasks"))
        assert len(first) == 32 and first.index.isin(rerun.index).all(), method
        assert np.allclose(first, rerun.reindex(first.index), rtol=0, atol=1e-9), method


def test_more_steps_lift_comms_linear_synergy_and_fewer_negatives_add_to_it(kept):
    study = _final("synergy_limits_steps_results.csv")
    batch64 = _final("synergy_limits_results.csv")
    for task in ("synergy", "synergy_xor"):
        means = {}
        for method, table in (("comm", kept), ("comm_epochs80", study),
                              ("comm_epochs160", study), ("comm_batch64_epochs10", study),
                              ("comm_batch64", batch64)):
            bits = _per_seed(table, task, method, "captured_bits")
            assert len(bits) == 5, (task, method)
            means[method] = bits.mean()
        # At 255 negatives, 600 -> 1,200 -> 2,400 steps; at the same steps, 63 negatives.
        assert means["comm"] < means["comm_epochs80"] < means["comm_epochs160"], task
        assert means["comm_epochs160"] > 1.5 * means["comm"], task
        assert means["comm_batch64_epochs10"] > means["comm"], task
        assert means["comm_batch64"] > means["comm_epochs160"], task


def test_batch_64_does_not_lift_every_methods_linear_synergy(kept):
    study = _final("synergy_limits_steps_results.csv")
    for task in ("synergy", "synergy_xor"):
        infmasking = _per_seed(study, task, "infmasking_batch64", "captured_bits")
        coral = _per_seed(study, task, "coral_batch64", "captured_bits")
        cross_self = _per_seed(study, task, "cross_self_batch64", "captured_bits")
        assert len(infmasking) == len(coral) == len(cross_self) == 5, task
        assert infmasking.mean() > 10 * _per_seed(kept, task, "infmasking", "captured_bits").mean()
        assert coral.mean() < 0.5 * _per_seed(kept, task, "coral", "captured_bits").mean(), task
        assert (cross_self < 0.02).all(), task
    mlp = _per_seed(study, "synergy", "infmasking_batch64", "captured_bits_mlp")
    assert (mlp > 0.65).all()


def test_supervised_on_a_synergy_task_holds_it_linearly():
    study = _final("synergy_limits_steps_results.csv")
    for method, task, atom in (("supervised_synergy", "synergy", 0.811),
                               ("supervised_synergy_xor", "synergy_xor", 2.0)):
        bits = _per_seed(study[study.dataset == "latent_unbiased"], task, method, "captured_bits")
        assert len(bits) == 5 and (bits > 0.97 * atom).all(), method


def test_batch64_does_not_lift_the_linear_trifeature_synergy_of_comm_or_infmasking():
    batch64 = _final("trifeature_batch64_results.csv")
    batch128 = pd.concat([_final("trifeature_capture_results.csv"),
                          _final("trifeature_comm_fp32_results.csv")])
    for method, reference in (("comm_batch64", "comm"), ("infmasking_batch64", "infmasking")):
        before = _on(batch128, "trifeature_biased", "synergy", reference, "captured_bits")
        linear = _on(batch64, "trifeature_biased", "synergy", method, "captured_bits")
        assert len(linear) == len(before) == 5, method
        # the mean moves by under a quarter and every seed stays under half of the planted
        # 0.469 bits: no lift like the latent data's (+88 % for CoMM there, 17-fold for
        # InfMasking)
        assert abs(linear.mean() - before.mean()) < 0.25 * before.mean(), method
        assert (linear < 0.5 * HB_01).all(), method
        # the MLP reads more than the linear probe on every seed, and R and U stay above 3 bits
        mlp = _on(batch64, "trifeature_biased", "synergy", method, "captured_bits_mlp")
        assert (mlp > 1.5 * linear).all(), method
        for task in ("redundancy", "unique1", "unique2"):
            bits = _on(batch64, "trifeature_biased", task, method, "captured_bits")
            assert len(bits) == 5 and (bits > 3.0).all(), (method, task)


def test_a_larger_mlp_grid_reads_no_more_trifeature_synergy_than_the_one_setting():
    grid = _final("trifeature_mlp_grid_results.csv")
    single = _final("trifeature_mlp_single_results.csv")
    for method, seeds in (("comm", [2, 3, 4]), ("infmasking_batch64", [0, 1])):
        read = {name: {metric: _on(table, "trifeature_biased", "synergy", method, metric)
                       for metric in ("captured_bits", "captured_bits_mlp")}
                for name, table in (("grid", grid), ("single", single))}
        # the same weights: the linear probe reads the same bits from both
        assert list(read["grid"]["captured_bits"].index) == seeds, method
        assert np.allclose(read["grid"]["captured_bits"], read["single"]["captured_bits"],
                           rtol=0, atol=1e-9), method
        # 8 fits chosen on the validation part read no more than the grid's one setting
        gain = read["grid"]["captured_bits_mlp"] - read["single"]["captured_bits_mlp"]
        assert (gain < 0.01).all() and gain.mean() < 0.005, (method, gain)
        assert (read["single"]["captured_bits_mlp"] < HB_01).all(), method
