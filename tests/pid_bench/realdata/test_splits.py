import numpy as np
import pytest

from pid_bench.realdata.splits import stratified_split


def test_each_class_keeps_its_fractions():
    labels = np.repeat([0, 1, 2], [100, 50, 20])
    split = stratified_split(labels, test_fraction=0.2, pretrain_fraction=0.5, seed=0)
    for k, n in ((0, 100), (1, 50), (2, 20)):
        part = split[labels == k]
        assert (part == "test").sum() == round(0.2 * n)
        assert (part == "pretrain").sum() == round(0.5 * n)
    np.testing.assert_array_equal(split, stratified_split(labels, test_fraction=0.2,
                                                          pretrain_fraction=0.5, seed=0))


def test_bad_fractions_are_refused():
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\); received 1.0"):
        stratified_split(np.zeros(4), test_fraction=1.0)
    with pytest.raises(ValueError, match="pretrain_fraction must be in"):
        stratified_split(np.zeros(4), test_fraction=0.5, pretrain_fraction=0.6)
