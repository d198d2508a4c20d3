import pickle

import numpy as np
import pytest

from pid_bench.cli import main
from pid_bench.commands.convert import parse_options
from pid_bench.data import MultimodalDataset


def write_im_pk(path, n=30):
    """A minimal im.pk in MultiBench's format (keys of datasets/mimic/get_data.py)."""
    rng = np.random.default_rng(0)
    labels = np.zeros((n, 6))
    labels[np.arange(n), rng.integers(0, 6, n)] = 1
    with open(path, "wb") as fh:
        pickle.dump({"ep_tdata": rng.standard_normal((n, 24, 12)),
                     "adm_features_all": rng.standard_normal((n, 5)),
                     "adm_labels_all": labels,
                     "y_icd9": rng.integers(0, 2, (n, 20))}, fh)


def test_convert_writes_a_loadable_dataset(tmp_path, capsys):
    write_im_pk(tmp_path / "im.pk")
    out = tmp_path / "mimic.npz"
    assert main(["convert", "mimic", str(tmp_path / "im.pk"), "--out", str(out),
                 "--option", "valid_as=train"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}: 30 samples" in printed and "timeseries (24, 12)" in printed
    data = MultimodalDataset.load(out)
    assert data.n_samples == 30 and data.metadata["valid_as"] == "train"


def test_a_missing_file_is_one_line_naming_it_and_where_to_get_it(tmp_path, capsys):
    assert main(["convert", "mimic", str(tmp_path / "im.pk"), "--out",
                 str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "expected MultiBench's preprocessed MIMIC-III file im.pk" \
        in err and "mimic.mit.edu" in err
    assert not (tmp_path / "x.npz").exists()


def test_modalities_and_bad_options(tmp_path, capsys):
    write_im_pk(tmp_path / "im.pk")
    assert main(["convert", "mimic", str(tmp_path / "im.pk"), "--out", str(tmp_path / "x.npz"),
                 "--modalities", "tabular,timeseries"]) == 2
    assert "has no options ['modalities']" in capsys.readouterr().err
    assert parse_options(["bounds=[1, 2, 3]", "image=vgg", "episode_length=6"]) == {
        "bounds": [1, 2, 3], "image": "vgg", "episode_length": 6}
    with pytest.raises(ValueError, match="--option must be KEY=VALUE; received 'valid_as'"):
        parse_options(["valid_as"])
