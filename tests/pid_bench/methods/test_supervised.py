import pytest
import torch
import torch.nn.functional as F

from pid_bench.methods import Batch, MethodContext, get_method


def test_classification_loss_is_cross_entropy_on_the_augmented_input(context, tiny, make_batch, replay):
    method = get_method("supervised")(context, seed=0, **tiny)
    batch = make_batch(context)
    first, _ = replay(context, batch)
    expected = F.cross_entropy(method.classifier(method.fusion(first)), batch.labels["y"])
    torch.testing.assert_close(method.loss(batch), expected)
    assert method.classifier.out_features == 3


def test_continuous_task_uses_mean_squared_error(context, tiny, make_batch, replay):
    ctx = MethodContext(context.modality_shapes, context.augment, context.n_classes, target_task="t")
    method = get_method("supervised")(ctx, seed=0, **tiny)
    batch = make_batch(ctx)
    first, _ = replay(ctx, batch)
    pred = method.classifier(method.fusion(first))[:, 0]
    torch.testing.assert_close(method.loss(batch), ((pred - batch.labels["t"]) ** 2).mean())


def test_embed_is_the_fused_cls(context, tiny, make_batch):
    method = get_method("supervised")(context, seed=0, **tiny)
    batch = make_batch(context)
    z = method.embed(Batch(batch.modalities))
    assert z.shape == (8, tiny["embed_dim"])
    torch.testing.assert_close(z, method.fusion(batch.modalities))


def test_needs_a_target_task_and_its_labels(context, tiny, make_batch):
    ctx = MethodContext(context.modality_shapes, context.augment, context.n_classes)
    with pytest.raises(ValueError, match="needs context.target_task, one of t, y; received None"):
        get_method("supervised")(ctx, **tiny)
    method = get_method("supervised")(context, **tiny)
    batch = make_batch(context)
    with pytest.raises(ValueError, match="needs labels of task 'y'"):
        method.loss(Batch(batch.modalities, {}, batch.generator))


def test_multilabel_task_uses_binary_cross_entropy_per_label(context, tiny, make_batch, replay):
    ctx = MethodContext(context.modality_shapes, context.augment, {"g": 4}, target_task="g",
                        multilabel=("g",))
    method = get_method("supervised")(ctx, seed=0, **tiny)
    batch = make_batch(ctx)
    batch.labels["g"] = (torch.rand(8, 4, generator=torch.Generator().manual_seed(2)) < 0.5).float()
    first, _ = replay(ctx, batch)
    p = torch.sigmoid(method.classifier(method.fusion(first)))
    y = batch.labels["g"]
    expected = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    torch.testing.assert_close(method.loss(batch), expected, rtol=1e-5, atol=1e-6)
    assert method.classifier.out_features == 4
    with pytest.raises(ValueError, match=r"multilabel names unknown tasks \['h'\]"):
        MethodContext(context.modality_shapes, context.augment, {"g": 4}, multilabel=("h",))


def test_balanced_class_weight_averages_the_mean_loss_of_each_present_class(context, tiny,
                                                                             make_batch, replay):
    method = get_method("supervised")(context, seed=0, class_weight="balanced", **tiny)
    labels = torch.tensor([0, 0, 0, 0, 0, 0, 2, 2])
    batch = make_batch(context)
    batch.labels["y"] = labels
    first, _ = replay(context, batch)
    per_sample = F.cross_entropy(method.classifier(method.fusion(first)), labels,
                                 reduction="none")
    expected = (per_sample[:6].mean() + per_sample[6:].mean()) / 2
    torch.testing.assert_close(method.loss(batch), expected)
    assert not torch.allclose(per_sample.mean(), expected)


@pytest.mark.parametrize("labels", [[0, 2, 2, 0, 2, 0, 0, 2], [1] * 8],
                         ids=["equally_frequent", "one_class"])
def test_balanced_class_weight_is_the_plain_mean_when_present_classes_are_equally_frequent(
        context, tiny, make_batch, labels):
    losses = []
    for class_weight in ("balanced", None):
        method = get_method("supervised")(context, seed=0, class_weight=class_weight, **tiny)
        batch = make_batch(context)
        batch.labels["y"] = torch.tensor(labels)
        losses.append(method.loss(batch))
    torch.testing.assert_close(losses[0], losses[1])


def test_class_weight_is_checked(context, tiny):
    with pytest.raises(ValueError, match="class_weight must be None or 'balanced'; received 'auto'"):
        get_method("supervised")(context, class_weight="auto", **tiny)
    ctx = MethodContext(context.modality_shapes, context.augment, context.n_classes, target_task="t")
    with pytest.raises(ValueError, match="needs a classification task; 't' is continuous"):
        get_method("supervised")(ctx, class_weight="balanced", **tiny)
    ctx = MethodContext(context.modality_shapes, context.augment, {"g": 4}, target_task="g",
                        multilabel=("g",))
    with pytest.raises(ValueError, match="'g' is multi-label"):
        get_method("supervised")(ctx, class_weight="balanced", **tiny)


def test_auxiliary_tasks_add_their_own_heads_losses(context, tiny, make_batch, replay):
    method = get_method("supervised")(context, seed=0, auxiliary_tasks=["t"],
                                      class_weight="balanced", **tiny)
    batch = make_batch(context)
    batch.labels["y"] = torch.tensor([0, 0, 0, 0, 0, 0, 2, 2])
    first, _ = replay(context, batch)
    cls = method.fusion(first)
    per_sample = F.cross_entropy(method.classifier(cls), batch.labels["y"], reduction="none")
    balanced = (per_sample[:6].mean() + per_sample[6:].mean()) / 2
    regression = ((method.auxiliary_heads["t"](cls)[:, 0] - batch.labels["t"]) ** 2).mean()
    torch.testing.assert_close(method.loss(batch), balanced + regression)
    assert method.auxiliary_heads["t"].out_features == 1
    with pytest.raises(ValueError, match="needs labels of task 't'"):
        method.loss(Batch(batch.modalities, {"y": batch.labels["y"]}, batch.generator))


def test_auxiliary_heads_train_the_shared_fusion_and_leave_embed_alone(context, tiny, make_batch):
    plain = get_method("supervised")(context, seed=0, **tiny)
    method = get_method("supervised")(context, seed=0, auxiliary_tasks=["t"], **tiny)
    batch = make_batch(context)
    torch.testing.assert_close(method.embed(Batch(batch.modalities)),
                               plain.embed(Batch(batch.modalities)))
    method.loss(batch).backward()
    assert method.auxiliary_heads["t"].weight.grad.abs().sum() > 0
    assert all(p.grad is not None for p in method.fusion.parameters() if p.requires_grad)


@pytest.mark.parametrize("tasks,message", [
    ("t", "must be a list of task names; received 't'"),
    (["z"], r"names unknown tasks \['z'\]; known tasks: t, y"),
    (["y"], "not the target task 'y'; received \\['y'\\]"),
    (["t", "t"], "must name each task once"),
])
def test_auxiliary_tasks_are_checked(context, tiny, tasks, message):
    with pytest.raises(ValueError, match=message):
        get_method("supervised")(context, auxiliary_tasks=tasks, **tiny)
