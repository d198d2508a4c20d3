import math

import pytest
import torch

from pid_bench import distributed
from pid_bench.methods.losses import clip_loss, info_nce_lower_bound, nce_club_upper_bound, nt_xent

torch.set_num_threads(1)


def _cos(u, v):
    return float(u @ v) / (float(u.norm()) * float(v.norm()))


def _nt_xent_loop(a, b, t):
    rows = list(a) + list(b)
    n, total = len(a), 0.0
    for i, anchor in enumerate(rows):
        positive = (i + n) % (2 * n)
        logits = [_cos(anchor, other) / t for k, other in enumerate(rows) if k != i]
        others = [k for k in range(2 * n) if k != i]
        total += -(logits[others.index(positive)] - math.log(sum(math.exp(v) for v in logits)))
    return total / (2 * n)


def _clip_loop(a, b, scale):
    n = len(a)
    total = 0.0
    for i in range(n):
        row = [scale * _cos(a[i], b[j]) for j in range(n)]
        col = [scale * _cos(a[j], b[i]) for j in range(n)]
        total += -(row[i] - math.log(sum(math.exp(v) for v in row)))
        total += -(col[i] - math.log(sum(math.exp(v) for v in col)))
    return total / (2 * n)


def test_nt_xent_matches_explicit_loop():
    g = torch.Generator().manual_seed(0)
    a, b = (torch.randn(5, 3, generator=g, dtype=torch.float64) for _ in range(2))
    for t in (0.1, 0.5, 2.0):
        assert float(nt_xent(a, b, t)) == pytest.approx(_nt_xent_loop(a, b, t), rel=1e-12)
    assert float(nt_xent(a, b, 0.3)) == pytest.approx(float(nt_xent(b, a, 0.3)), rel=1e-12)


def test_nt_xent_closed_form_for_identical_orthogonal_views():
    # each anchor: positive at cosine 1, the 2B - 2 negatives at cosine 0
    b, t = 4, 0.1
    e = torch.eye(b, dtype=torch.float64)
    assert float(nt_xent(e, 3 * e, t)) == pytest.approx(math.log(1 + (2 * b - 2) * math.exp(-1 / t)),
                                                         rel=1e-12)


def test_clip_loss_matches_explicit_loop_and_closed_form():
    g = torch.Generator().manual_seed(1)
    a, b = (torch.randn(6, 4, generator=g, dtype=torch.float64) for _ in range(2))
    scale = torch.tensor(1.7, dtype=torch.float64)
    assert float(clip_loss(a, b, scale)) == pytest.approx(_clip_loop(a, b, math.exp(1.7)), rel=1e-12)
    e = torch.eye(3, dtype=torch.float64)
    assert float(clip_loss(e, e, torch.tensor(2.0, dtype=torch.float64))) == pytest.approx(
        math.log(1 + 2 * math.exp(-math.exp(2.0))), rel=1e-12)


def test_clip_loss_gives_the_temperature_a_gradient():
    scale = torch.tensor(0.5, requires_grad=True)
    g = torch.Generator().manual_seed(2)
    clip_loss(torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g), scale).backward()
    assert scale.grad is not None and scale.grad != 0


def test_info_nce_lower_bound_matches_loop_and_is_at_most_log_b():
    g = torch.Generator().manual_seed(3)
    s = torch.randn(5, 5, generator=g, dtype=torch.float64)
    loop = math.log(5) + sum(float(s[i, i]) - math.log(sum(math.exp(float(s[i, j])) for j in range(5)))
                             for i in range(5)) / 5
    assert float(info_nce_lower_bound(s)) == pytest.approx(loop, rel=1e-12)
    # a critic that separates the pairs perfectly reaches log B; a constant one gives 0
    perfect = 100.0 * torch.eye(5, dtype=torch.float64)
    assert float(info_nce_lower_bound(perfect)) == pytest.approx(math.log(5))
    assert float(info_nce_lower_bound(torch.full((5, 5), 3.0))) == pytest.approx(0.0, abs=1e-6)


def test_nce_club_upper_bound_matches_loop():
    g = torch.Generator().manual_seed(4)
    s = torch.randn(4, 4, generator=g, dtype=torch.float64)
    loop = sum(float(s[i, i]) for i in range(4)) / 4 - sum(float(v) for v in s.flatten()) / 16
    assert float(nce_club_upper_bound(s)) == pytest.approx(loop, rel=1e-12)
    assert float(nce_club_upper_bound(torch.full((4, 4), 2.0))) == 0.0


@pytest.mark.parametrize("loss, make_args", [
    (nt_xent, lambda a, b: (a, b, 0.1)),
    (clip_loss, lambda a, b: (a, b, torch.tensor(2.0))),
    (info_nce_lower_bound, lambda a, b: (a @ b.T,)),
    (nce_club_upper_bound, lambda a, b: (a @ b.T,)),
])
def test_losses_compute_in_float32_inside_bf16_autocast(loss, make_args):
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, 8, generator=gen), torch.randn(16, 8, generator=gen)
    args = make_args(a, b)
    rounded = [x.bfloat16() if isinstance(x, torch.Tensor) and x.ndim else x for x in args]
    exact = loss(*args)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
        inside = loss(*args)
        from_bf16 = loss(*rounded)
    assert inside.dtype == torch.float32 and float(inside) == pytest.approx(float(exact), abs=1e-6)
    if loss is nt_xent:   # tensors passed by keyword are cast too
        with torch.autocast("cpu", dtype=torch.bfloat16):
            by_keyword = nt_xent(a=a, b=b, temperature=0.1)
        assert float(by_keyword) == pytest.approx(float(exact), abs=1e-6)
    # bfloat16 inputs are only rounded (8 significant bits), then computed in float32.
    assert from_bf16.dtype == torch.float32
    assert float(from_bf16) == pytest.approx(float(exact), rel=0.02, abs=0.02)


def test_bad_shapes():
    with pytest.raises(ValueError, match="same shape \\(B, D\\)"):
        nt_xent(torch.randn(4, 3), torch.randn(5, 3))
    with pytest.raises(ValueError, match="B >= 2"):
        clip_loss(torch.randn(1, 3), torch.randn(1, 3), torch.tensor(0.0))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        nt_xent(torch.randn(4, 3), torch.randn(4, 3), 0.0)
    with pytest.raises(ValueError, match=r"joint pairs .* received shape \(3, 4\) and offset 2"):
        info_nce_lower_bound(torch.randn(3, 4), offset=2)
    with pytest.raises(ValueError, match=r"score matrix \(b, B\)"):
        nce_club_upper_bound(torch.randn(3))


def test_bounds_of_local_rows_against_gathered_ones_average_to_the_global_bound(monkeypatch):
    """Each rank scores its b anchors against every rank's rows (b, K b), joint pairs at
    offset rank * b: the mean of the ranks' bounds is the bound of the whole (K b, K b) matrix.
    A square local matrix in data-parallel training (local negatives only) is refused."""
    scores = torch.randn(6, 6)
    for bound in (info_nce_lower_bound, nce_club_upper_bound):
        halves = [bound(scores[:3], offset=0), bound(scores[3:], offset=3)]
        assert float(sum(halves) / 2) == pytest.approx(float(bound(scores)), abs=1e-6)
    assert float(nce_club_upper_bound(scores)) == pytest.approx(
        float(scores.diagonal().mean() - scores.mean()), abs=1e-6)
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    with distributed.gathering():
        for bound in (info_nce_lower_bound, nce_club_upper_bound):
            with pytest.raises(ValueError, match="negatives are local"):
                bound(torch.randn(4, 4))
            assert torch.isfinite(bound(scores[:3], offset=3))
