import torch

from pid_bench.models import ConcatCritic, ProjectionHead

torch.set_num_threads(1)


def test_projection_head_shapes_and_default_hidden_width():
    head = ProjectionHead(8, 3)
    assert head(torch.randn(5, 8)).shape == (5, 3)
    assert head.net[0].out_features == 8
    assert ProjectionHead(8, 3, hidden_dim=20).net[0].out_features == 20


def test_concat_critic_is_an_mlp_on_concatenated_pairs():
    critic = ConcatCritic(3, 2, hidden_dim=7)
    a, b = torch.randn(4, 3), torch.randn(5, 2)
    weight = torch.cat([critic.hidden_a.weight, critic.hidden_b.weight], dim=1)  # (7, 5)
    scores = critic(a, b)
    assert scores.shape == (4, 5)
    for i in range(4):
        for j in range(5):
            hidden = torch.relu(weight @ torch.cat([a[i], b[j]]) + critic.hidden_a.bias)
            expected = critic.out.weight[0] @ hidden + critic.out.bias[0]
            torch.testing.assert_close(scores[i, j], expected)


def test_projection_head_with_batch_norm_normalises_the_hidden_layer():
    head = ProjectionHead(8, 3, batch_norm=True)
    assert [type(layer).__name__ for layer in head.net] == ["Linear", "BatchNorm1d", "ReLU", "Linear"]
    hidden = head.net[:2](torch.randn(64, 8) * 5 + 3)
    torch.testing.assert_close(hidden.mean(0), torch.zeros(8), atol=1e-5, rtol=0)
    torch.testing.assert_close(hidden.var(0, unbiased=False), torch.ones(8), atol=1e-3, rtol=0)
    assert head(torch.randn(5, 8)).shape == (5, 3)
