import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from pid_bench.data import MultimodalDataset
from pid_bench.methods import MethodContext, get_method
from pid_bench.train import (CHECKPOINT_NAME, TrainConfig, _schedule, checkpoint_identity,
                             checkpoint_record, embed, resolve_device, retag_checkpoint, train)

torch.set_num_threads(1)
TINY = {"embed_dim": 16, "hidden_dim": 16, "n_heads": 2, "cnn_width": 2}
CONFIG = TrainConfig(epochs=3, batch_size=16, lr=3e-3, warmup_epochs=1, seed=7, device="cpu",
                     progress=False)


class Killed(Exception):
    """Stands for the process being killed."""


def noise(x, generator):
    return x + 0.1 * torch.randn(x.shape, generator=generator, device=generator.device)


def _dataset(n=48, seed=0, shapes=((6,), (5,))):
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(n, *s)).astype(np.float32) for s in shapes]
    y = (arrays[0][:, 0] > 0).astype(int) ^ (arrays[1][:, 0] > 0).astype(int)
    return MultimodalDataset.from_arrays(*arrays, tasks={"y": y, "t": rng.normal(size=n)})


DATA = _dataset()


def _method(name="comm", data=DATA, seed=0, target_task=None, **hparams):
    ctx = MethodContext.from_dataset(data, augment=(noise,) * len(data.modalities),
                                     target_task=target_task)
    return get_method(name)(ctx, seed=seed, **TINY, **hparams)


def _probe(epoch, method):
    z = embed(method, DATA)
    return pd.DataFrame({"epoch": [epoch], "mean": [float(z.mean())], "tag": [f"e{epoch}"]})


def _same_weights(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run with checkpoints and a probing callback."""
    method = _method()
    result = train(method, DATA, CONFIG, checkpoint_dir=tmp_path_factory.mktemp("ref"),
                   callback=_probe)
    return method, result


def test_history_records_and_checkpoint(reference, tmp_path):
    method, result = reference
    assert list(result.history.columns) == ["epoch", "loss", "seconds", "pairs_per_second"]
    assert result.history["epoch"].tolist() == [1, 2, 3]
    assert np.all(result.history["pairs_per_second"] > 0)
    assert result.records["epoch"].tolist() == [1, 2, 3] and result.resumed_from == 0
    assert result.device == "cpu" and not method.training


def test_same_seed_same_numbers_and_global_rng_untouched(reference):
    method, result = reference
    before = torch.get_rng_state()
    again = _method()
    second = train(again, DATA, CONFIG, callback=_probe)
    assert torch.equal(torch.get_rng_state(), before)
    assert _same_weights(method, again)
    pd.testing.assert_series_equal(result.history["loss"], second.history["loss"])
    pd.testing.assert_frame_equal(result.records, second.records)
    other = train(_method(), DATA, TrainConfig(**{**CONFIG.__dict__, "seed": 8}))
    assert not np.allclose(other.history["loss"], result.history["loss"])


@pytest.mark.parametrize("kill", ["callback_epoch_2", "first_step_epoch_2", "mid_epoch_2"])
def test_resume_after_a_kill_equals_uninterrupted(reference, tmp_path, kill):
    method, result = reference
    interrupted = _method()
    steps = DATA.n_samples // CONFIG.batch_size
    callback = _probe
    if kill == "callback_epoch_2":
        def callback(epoch, m):
            if epoch == 2:
                raise Killed
            return _probe(epoch, m)
    else:
        fail_at = steps + (1 if kill == "first_step_epoch_2" else 2)
        calls = {"n": 0}
        loss = interrupted.loss

        def fragile(batch):
            calls["n"] += 1
            if calls["n"] == fail_at:
                raise Killed
            return loss(batch)

        interrupted.loss = fragile
    with pytest.raises(Killed):
        train(interrupted, DATA, CONFIG, checkpoint_dir=tmp_path, callback=callback)
    assert (tmp_path / CHECKPOINT_NAME).exists()

    resumed = _method(seed=1)  # a fresh process: other initial weights, overwritten by the checkpoint
    out = train(resumed, DATA, CONFIG, checkpoint_dir=tmp_path, callback=_probe)
    assert out.resumed_from == 1
    assert _same_weights(method, resumed)
    pd.testing.assert_series_equal(result.history["loss"], out.history["loss"])
    pd.testing.assert_frame_equal(result.records, out.records)


def test_finished_run_is_not_trained_again(reference, tmp_path):
    method = _method()
    first = train(method, DATA, CONFIG, checkpoint_dir=tmp_path)
    again = _method(seed=3)

    def never(batch):
        raise AssertionError("a finished run must not train")

    again.loss = never
    out = train(again, DATA, CONFIG, checkpoint_dir=tmp_path)
    assert out.resumed_from == 3 and _same_weights(method, again)
    pd.testing.assert_frame_equal(first.history, out.history)


def test_checkpoint_of_another_run_is_refused(tmp_path):
    train(_method(), DATA, TrainConfig(**{**CONFIG.__dict__, "epochs": 1}), checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="was written by method 'comm' with config"):
        train(_method(), DATA, CONFIG, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="was written by method 'comm'.*this run is method 'cross'"):
        train(_method("cross"), DATA, TrainConfig(**{**CONFIG.__dict__, "epochs": 1}),
              checkpoint_dir=tmp_path)
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        train(_method(), DATA, CONFIG, checkpoint_dir=tmp_path)


def test_checkpoint_record_says_what_the_checkpoint_holds(tmp_path):
    train(_method(), DATA, CONFIG, checkpoint_dir=tmp_path / "a", identity="run-a")
    record = checkpoint_record(tmp_path / "a" / CHECKPOINT_NAME)
    assert set(record) == {"method", "config", "identity", "epoch"}
    assert record["method"] == "comm" and record["identity"] == "run-a" and record["epoch"] == 3
    assert record["config"]["epochs"] == 3 and record["config"]["seed"] == 7
    assert "device" not in record["config"] and "progress" not in record["config"]
    train(_method(), DATA, TrainConfig(**{**CONFIG.__dict__, "epochs": 1}),
          checkpoint_dir=tmp_path / "b")
    unnamed = checkpoint_record(tmp_path / "b" / CHECKPOINT_NAME)
    assert unnamed["identity"] is None and unnamed["epoch"] == 1
    assert checkpoint_identity(tmp_path / "b" / CHECKPOINT_NAME) is None
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        checkpoint_record(tmp_path / "junk.pt")


def test_retagged_checkpoint_resumes_under_its_new_identity_only(reference, tmp_path):
    method, _ = reference
    first = train(_method(), DATA, CONFIG, checkpoint_dir=tmp_path / "old", identity="old")
    source = tmp_path / "old" / CHECKPOINT_NAME
    before = source.read_bytes()
    (tmp_path / "new").mkdir()
    retag_checkpoint(source, tmp_path / "new" / CHECKPOINT_NAME, "new")
    assert source.read_bytes() == before
    old, new = checkpoint_record(source), checkpoint_record(tmp_path / "new" / CHECKPOINT_NAME)
    assert new == {**old, "identity": "new"}
    again = _method(seed=5)

    def never(batch):
        raise AssertionError("a retagged final checkpoint must not train")

    again.loss = never
    out = train(again, DATA, CONFIG, checkpoint_dir=tmp_path / "new", identity="new")
    assert out.resumed_from == 3 and _same_weights(method, again)
    pd.testing.assert_frame_equal(first.history, out.history)
    with pytest.raises(ValueError, match="written by another run"):
        train(_method(), DATA, CONFIG, checkpoint_dir=tmp_path / "new", identity="old")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        retag_checkpoint(tmp_path / "junk.pt", tmp_path / "copy.pt", "x")
    assert not (tmp_path / "copy.pt").exists()


def test_loss_decreases_on_a_tiny_problem():
    data = _dataset(n=64)
    result = train(_method(data=data), data, TrainConfig(epochs=8, batch_size=32, lr=1e-2,
                                                          seed=0, progress=False))
    losses = result.history["loss"].to_numpy()
    assert losses[-1] < losses[0] - 0.3


def test_masking_removes_a_modality_in_a_trained_model(reference):
    method, _ = reference
    other = _dataset(seed=5)
    x1 = torch.from_numpy(DATA.modalities["x1"])
    x2, x2_other = (torch.from_numpy(d.modalities["x2"]) for d in (DATA, other))
    with torch.no_grad():
        tokens, tokens_other = method.fusion.tokenize([x1, x2]), method.fusion.tokenize([x1, x2_other])
        alone = method.fusion([x1, None])
        torch.testing.assert_close(method.fusion.fuse([tokens_other[0], None]), alone, rtol=0, atol=0)
        torch.testing.assert_close(method.fusion.fuse([tokens[0], None]), alone, rtol=0, atol=0)
        assert (method.fusion.fuse(tokens) - method.fusion.fuse(tokens_other)).abs().max() > 1e-3


def test_untrained_method_runs_the_callback_once_and_keeps_its_weights():
    method = _method("random")
    before = {k: v.clone() for k, v in method.state_dict().items()}
    seen = []
    result = train(method, DATA, CONFIG, callback=lambda e, m: seen.append(e) or _probe(e, m))
    assert seen == [0] and result.history.empty and result.records["epoch"].tolist() == [0]
    assert all(torch.equal(before[k], v) for k, v in method.state_dict().items())


def test_embed_keeps_order_and_mode_and_ignores_batch_size():
    method = _method("cross").train()
    z = embed(method, DATA, batch_size=7)
    assert z.shape == (48, 128) and z.dtype == np.float32 and method.training
    np.testing.assert_allclose(embed(method, DATA.subset(np.arange(40, 48))), z[40:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(embed(method, DATA, batch_size=512), z, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        embed(method, DATA, batch_size=0)


def test_embed_of_a_batch_normalised_head_uses_the_running_statistics(tmp_path):
    method = _method("cross", projection="mlp")
    train(method, DATA, CONFIG, checkpoint_dir=tmp_path)
    method.train()
    one_by_one = embed(method, DATA, batch_size=1)
    np.testing.assert_allclose(embed(method, DATA, batch_size=512), one_by_one, rtol=1e-5,
                               atol=1e-6)
    norm = method.projections[0].net[1]
    assert norm.num_batches_tracked.item() > 0 and not torch.allclose(norm.running_mean,
                                                                      torch.zeros_like(norm.running_mean))


def test_uint8_images_are_scaled_to_unit_interval():
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=(8, 3, 8, 8), dtype=np.uint8)
    vec = rng.normal(size=(8, 4)).astype(np.float32)
    as_bytes = MultimodalDataset.from_arrays(raw, vec, tasks={"y": np.arange(8) % 2})
    as_float = MultimodalDataset.from_arrays(raw.astype(np.float32) / 255, vec,
                                             tasks={"y": np.arange(8) % 2})
    method = _method("comm", data=as_bytes)
    np.testing.assert_allclose(embed(method, as_bytes), embed(method, as_float), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data, name, target, message", [
    (_dataset(shapes=((6,), (5,), (3,))), "comm", None, "built for 2 modalities; dataset 'custom' has 3"),
    (_dataset(shapes=((6,), (4,))), "comm", None,
     r"modality 'x2' .* per-sample shape \(4,\); the method expects \(5,\)"),
    (MultimodalDataset.from_arrays(np.zeros((48, 6)), np.zeros((48, 5)), tasks={"z": np.arange(48) % 2}),
     "supervised", "y", "trains on task 'y', which dataset 'custom' lacks"),
])
def test_bad_inputs_fail_before_training(data, name, target, message):
    method = _method(name, target_task=target)

    def never(batch):
        raise AssertionError("no training step may run")

    method.loss = never
    with pytest.raises(ValueError, match=message):
        train(method, data, CONFIG)


def test_bad_settings():
    with pytest.raises(ValueError, match="batch_size 64 exceeds the 48 samples"):
        train(_method(), DATA, TrainConfig(batch_size=64, progress=False))
    with pytest.raises(ValueError, match="expected a MultimodalDataset; received dict"):
        train(_method(), {"x1": 1}, CONFIG)
    with pytest.raises(ValueError, match="callback must return a pandas DataFrame or None; received list"):
        train(_method(), DATA, TrainConfig(**{**CONFIG.__dict__, "epochs": 1}), callback=lambda e, m: [e])
    for bad, match in [({"epochs": -1}, "epochs must be an integer >= 0"),
                       ({"batch_size": 1}, "batch_size must be an integer >= 2"),
                       ({"lr": 0.0}, "lr must be a finite number > 0"),
                       ({"warmup_epochs": -1}, "warmup_epochs must be an integer >= 0"),
                       ({"grad_clip": -1.0}, "grad_clip must be None or a number > 0"),
                       ({"device": "tpu"}, "device must be one of auto, cpu, cuda, mps"),
                       ({"precision": "fp16"}, "precision must be one of fp32, bf16; received 'fp16'")]:
        with pytest.raises(ValueError, match=match):
            TrainConfig(**bad)


@pytest.mark.filterwarnings("ignore:precision 'bf16' on a CPU without")
def test_bf16_precision_casts_the_forward_pass_only_and_is_seeded(tmp_path):
    seen = []

    def spy(module, inputs, output):
        seen.append(output.dtype)

    config = TrainConfig(**{**CONFIG.__dict__, "precision": "bf16"})
    method = _method()
    method.fusion.tokenizers[0].register_forward_hook(spy)
    result = train(method, DATA, config)
    assert seen and set(seen) == {torch.bfloat16}
    assert all(p.dtype == torch.float32 for p in method.parameters())
    assert embed(method, DATA).dtype == np.float32 and seen[-1] == torch.float32
    again = train(_method(), DATA, config)
    pd.testing.assert_series_equal(result.history["loss"], again.history["loss"])
    full = train(_method(), DATA, CONFIG)
    # bfloat16 keeps about 3 significant digits: the first epoch's loss moves, but only a little.
    assert result.history["loss"][0] != full.history["loss"][0]
    assert result.history["loss"][0] == pytest.approx(full.history["loss"][0], rel=0.02)


@pytest.mark.parametrize("native", [False, True])
def test_bf16_on_a_cpu_without_bfloat16_instructions_warns(monkeypatch, native):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: native, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    bf16 = TrainConfig(**{**CONFIG.__dict__, "precision": "bf16", "epochs": 1})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(_method(), DATA, bf16)
        train(_method(), DATA, TrainConfig(**{**CONFIG.__dict__, "epochs": 1}))
    slow = [w for w in caught if "without bfloat16 instructions" in str(w.message)]
    assert len(slow) == (0 if native else 1)
    assert all(w.category is RuntimeWarning and "--precision fp32" in str(w.message) for w in slow)


@pytest.mark.filterwarnings("ignore:precision 'bf16' on a CPU without")
def test_bf16_run_resumes_like_an_uninterrupted_one(tmp_path):
    config = TrainConfig(**{**CONFIG.__dict__, "precision": "bf16"})
    whole = _method()
    uninterrupted = train(whole, DATA, config)

    def killed_at_epoch_2(epoch, method):
        if epoch == 2:
            raise Killed

    with pytest.raises(Killed):
        train(_method(), DATA, config, checkpoint_dir=tmp_path, callback=killed_at_epoch_2)
    with pytest.raises(ValueError, match="with config"):
        train(_method(), DATA, CONFIG, checkpoint_dir=tmp_path)
    resumed = _method(seed=1)
    out = train(resumed, DATA, config, checkpoint_dir=tmp_path)
    assert out.resumed_from == 1 and _same_weights(whole, resumed)
    pd.testing.assert_series_equal(uninterrupted.history["loss"], out.history["loss"])


def test_schedule_warms_up_linearly_then_decays_as_a_cosine():
    factor = _schedule(warmup_steps=4, total_steps=14)
    assert [factor(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert factor(4) == 1.0 and factor(9) == pytest.approx(0.5) and factor(14) == pytest.approx(0.0)
    assert factor(6) == pytest.approx(0.5 * (1 + np.cos(np.pi * 2 / 10)))
    no_warmup = _schedule(0, 10)
    assert no_warmup(0) == 1.0 and no_warmup(5) == pytest.approx(0.5)
    # more warm-up epochs than epochs: all of training is warm-up, and it runs
    result = train(_method(), DATA, TrainConfig(epochs=1, warmup_epochs=5, batch_size=16,
                                                 progress=False))
    assert len(result.history) == 1


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


@pytest.mark.parametrize("cuda, mps, auto", [(True, True, "cuda"), (False, True, "mps"),
                                             (False, False, "cpu")])
def test_resolve_device_order_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, auto):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert resolve_device("auto") == torch.device(auto)
    if mps:
        assert resolve_device("mps") == torch.device("mps")
    else:
        with pytest.raises(ValueError, match="'mps' was requested but MPS is not available"):
            resolve_device("mps")


@pytest.mark.slow
def test_comm_learns_synergy_that_cross_does_not():
    from pid_bench.evaluate import probe_embeddings
    from synthetic.augment import default_augment
    from synthetic.latent import make_latent

    data = make_latent(n_pretrain=4000, n_train=1000, n_test=1000, mixtures=(), seed=0)
    context = MethodContext.from_dataset(data, augment=default_augment([(32,), (32,)]))
    config = TrainConfig(epochs=10, batch_size=128, lr=1e-3, seed=0, progress=False)
    accuracy = {}
    for name in ("comm", "cross"):
        method = get_method(name)(context, seed=0)
        train(method, data.split("pretrain"), config)
        table = probe_embeddings(embed(method, data), data, tasks=["synergy"], method=name)
        accuracy[name] = float(table.query("metric == 'balanced_accuracy'")["value"].iloc[0])
    # chance is 50; measured (one warm-up epoch): CoMM 75.5 (seeds 1, 2: 74.9, 79.2), Cross 49.4
    assert accuracy["comm"] >= 70, accuracy
    assert accuracy["cross"] <= 58, accuracy
    assert accuracy["comm"] - accuracy["cross"] >= 15, accuracy


CUDA_CONFIG = TrainConfig(**{**CONFIG.__dict__, "device": "cuda"})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_is_seeded_resumes_and_embeds_like_cpu(tmp_path):
    method = _method()
    result = train(method, DATA, CUDA_CONFIG, callback=_probe)
    assert result.device.startswith("cuda") and next(method.parameters()).is_cuda
    again = train(_method(), DATA, CUDA_CONFIG, callback=_probe)
    np.testing.assert_allclose(result.history["loss"], again.history["loss"], rtol=1e-5)

    interrupted = _method()
    calls, loss = {"n": 0}, interrupted.loss

    def fragile(batch):
        calls["n"] += 1
        if calls["n"] == DATA.n_samples // CONFIG.batch_size + 2:
            raise Killed
        return loss(batch)

    interrupted.loss = fragile
    with pytest.raises(Killed):
        train(interrupted, DATA, CUDA_CONFIG, checkpoint_dir=tmp_path)
    resumed = _method(seed=1)
    out = train(resumed, DATA, CUDA_CONFIG, checkpoint_dir=tmp_path)
    assert out.resumed_from == 1
    np.testing.assert_allclose(result.history["loss"], out.history["loss"], rtol=1e-5)
    for a, b in zip(method.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)

    z = embed(method, DATA)
    assert z.dtype == np.float32 and np.isfinite(z).all()
    # Same weights on CPU: equal up to the GPU's floating-point order (4.5e-4 seen on an H200).
    np.testing.assert_allclose(embed(method, DATA, device="cpu"), z, rtol=1e-3, atol=2e-3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_bf16_training_casts_the_forward_pass_and_stays_near_fp32():
    seen = []
    method = _method()
    method.fusion.tokenizers[0].register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    config = TrainConfig(**{**CUDA_CONFIG.__dict__, "precision": "bf16"})
    result = train(method, DATA, config)
    assert set(seen) == {torch.bfloat16}
    assert all(p.dtype == torch.float32 and p.is_cuda for p in method.parameters())
    again = train(_method(), DATA, config)
    np.testing.assert_allclose(result.history["loss"], again.history["loss"], rtol=1e-5)
    full = train(_method(), DATA, CUDA_CONFIG)
    assert result.history["loss"][0] == pytest.approx(full.history["loss"][0], rel=0.02)
    assert np.isfinite(embed(method, DATA)).all()


def _sequence_dataset(n=32, seed=0):
    """A front-padded sequence, a vector and a multi-label task."""
    rng = np.random.default_rng(seed)
    lengths = 2 + np.arange(n) % 5
    mask = np.arange(6)[None, :] >= 6 - lengths[:, None]
    seq = (rng.normal(size=(n, 6, 3)) * mask[..., None]).astype(np.float32)
    vec = rng.normal(size=(n, 4)).astype(np.float32)
    genres = np.stack([seq[:, -1, 0] > 0, vec[:, 0] > 0], axis=1).astype(int)
    return MultimodalDataset.from_arrays(seq, vec, tasks={"genres": genres, "y": genres[:, 0]},
                                         multilabel=["genres"], masks={"x1": mask})


def test_batches_carry_masks_and_embeddings_ignore_the_padding():
    data = _sequence_dataset()
    method = _method(data=data)
    result = train(method, data, TrainConfig(epochs=1, batch_size=8, seed=0, device="cpu",
                                             progress=False))
    assert np.isfinite(result.history.loss).all()
    z = embed(method, data)
    steps = data.masks["x1"].sum(axis=1)
    for i in (0, 4):  # the sample alone, without its padding, embeds the same
        alone = MultimodalDataset.from_arrays(data.modalities["x1"][i:i + 1, 6 - steps[i]:].repeat(2, 0),
                                              data.modalities["x2"][i:i + 1].repeat(2, 0),
                                              tasks={"y": [0, 1]}, split_of=["train", "test"])
        method_alone = _method(data=alone, seed=0)
        method_alone.load_state_dict(method.state_dict())
        np.testing.assert_allclose(embed(method_alone, alone)[0], z[i], rtol=1e-4, atol=1e-5)


def test_supervised_trains_on_a_multilabel_task_and_a_kind_mismatch_is_refused():
    data = _sequence_dataset()
    method = _method("supervised", data=data, target_task="genres")
    result = train(method, data, TrainConfig(epochs=1, batch_size=8, seed=0, device="cpu",
                                             progress=False))
    assert np.isfinite(result.history.loss).all()
    plain = MultimodalDataset.from_arrays(*data.modalities.values(),
                                          tasks={"genres": data.tasks["y"]},
                                          masks=data.masks)
    with pytest.raises(ValueError, match="task 'genres' of dataset 'custom' is single-label"):
        train(method, plain, CONFIG)


def test_a_share_of_a_global_batch_keeps_its_rows_of_everything():
    from pid_bench.train import _share, _Tensors

    mask = np.ones((48, 6), dtype=bool)
    mask[::2, 4:] = False
    data = MultimodalDataset.from_arrays(DATA.modalities["x1"][:, :, None].repeat(2, axis=2),
                                         DATA.modalities["x2"], tasks=dict(DATA.tasks),
                                         masks={"x1": mask})
    full = _Tensors(data).batch(torch.arange(8), torch.device("cpu"), None)
    part = _share(full, 2, 6)
    assert part.size == 4 and part.shard.modalities is full.modalities
    assert (part.shard.start, part.shard.stop) == (2, 6)
    for pieces, whole in ((part.modalities, full.modalities), (part.masks, full.masks),
                          (list(part.labels.values()), list(full.labels.values()))):
        assert len(pieces) == len(whole) > 0
        assert all(torch.equal(p, w[2:6]) for p, w in zip(pieces, whole) if w is not None)
