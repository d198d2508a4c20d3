import sys

import pytest

from pid_bench.realdata.files import (
    check_valid_as,
    import_h5py,
    official_splits,
    read_pickle,
    require_file,
    require_keys,
)


def test_require_file_says_what_was_found(tmp_path):
    (tmp_path / "f.pk").write_text("x")
    assert require_file(tmp_path / "f.pk", "im.pk", "its authors") == tmp_path / "f.pk"
    assert require_file(tmp_path, "a folder", "x", directory=True) == tmp_path
    with pytest.raises(FileNotFoundError, match=r"expected im.pk at .*found a directory; "
                                                r"obtain it from its authors"):
        require_file(tmp_path, "im.pk", "its authors")
    with pytest.raises(FileNotFoundError, match="found a file"):
        require_file(tmp_path / "f.pk", "episodes", "x", directory=True)
    with pytest.raises(FileNotFoundError, match="found nothing"):
        require_file(tmp_path / "g.pk", "im.pk", "x")


def test_read_pickle_and_keys(tmp_path):
    (tmp_path / "bad.pkl").write_bytes(b"\x80\x04junk")
    with pytest.raises(ValueError, match=r"bad.pkl is not a pickle of x: it does not unpickle"):
        read_pickle(tmp_path / "bad.pkl", "a pickle of x", "y")
    with pytest.raises(ValueError, match=r"keys \['b'\] are missing in split 'train'; "
                                         r"expected \['a', 'b'\], found \['a'\]"):
        require_keys({"a": 1}, ["a", "b"], tmp_path / "f", "x", "y", where=" in split 'train'")
    with pytest.raises(ValueError, match="expected a mapping with keys"):
        require_keys([1, 2], ["a"], tmp_path / "f", "x", "y")


def test_official_splits():
    split = official_splits({"train": 2, "valid": 1, "test": 3}, "drop")
    assert split.tolist() == ["train", "train", "drop", "test", "test", "test"]
    assert official_splits({"train": 1, "valid": 2, "test": 1}, "test").tolist() == \
        ["train", "test", "test", "test"]
    with pytest.raises(ValueError, match="valid_as must be one of drop, train, test"):
        check_valid_as("valid")


def test_missing_h5py_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"needs h5py: pip install h5py"):
        import_h5py()
