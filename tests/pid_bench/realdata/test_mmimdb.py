import numpy as np
import pytest

from pid_bench.realdata.mmimdb import convert_mmimdb

h5py = pytest.importorskip("h5py")


def test_follows_the_official_loader(mmimdb_file):
    data = convert_mmimdb(mmimdb_file, bounds=(8, 11, 15))
    with h5py.File(mmimdb_file, "r") as fh:
        rows = list(range(0, 8)) + list(range(11, 15))     # train, then test; valid dropped
        np.testing.assert_array_equal(data.modalities["text"], fh["features"][rows])
        np.testing.assert_array_equal(data.modalities["image"], fh["vgg_features"][rows])
        np.testing.assert_array_equal(data.tasks["genres"], fh["genres"][rows])
    assert list(data.split_of) == ["train"] * 8 + ["test"] * 4
    assert data.multilabel == ("genres",) and data.n_classes == {"genres": 23}
    assert data.metadata["official_split_sizes"] == {"train": 8, "valid": 3, "test": 4}


def test_images_and_validation_as_test(mmimdb_file):
    data = convert_mmimdb(mmimdb_file, bounds=(8, 11, 15), image="images", valid_as="test")
    assert data.modalities["image"].shape == (15, 3, 16, 10)
    assert data.modalities["image"].dtype == np.uint8 and (data.split_of == "test").sum() == 7


def test_missing_and_malformed_files_say_what_and_where(tmp_path, mmimdb_file):
    with pytest.raises(FileNotFoundError, match=r"multimodal_imdb.hdf5 at .*archive.org"):
        convert_mmimdb(tmp_path / "multimodal_imdb.hdf5x")
    with pytest.raises(ValueError, match=r"need 25959 rows.*pass bounds="):
        convert_mmimdb(mmimdb_file)
    with h5py.File(mmimdb_file, "a") as fh:
        del fh["genres"]
    with pytest.raises(ValueError, match=r"\['genres'\] are missing"):
        convert_mmimdb(mmimdb_file, bounds=(8, 11, 15))
    (tmp_path / "text.hdf5").write_text("plain text")
    with pytest.raises(ValueError, match="text.hdf5 is not MM-IMDb's.*h5py cannot open it"):
        convert_mmimdb(tmp_path / "text.hdf5", bounds=(8, 11, 15))
