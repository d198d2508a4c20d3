import numpy as np
import pytest

from pid_bench.realdata.robotics import convert_visionandtouch, episode_split

h5py = pytest.importorskip("h5py")


def test_follows_comms_loader(episodes):
    folder, names = episodes
    data = convert_visionandtouch(folder, episode_length=6)
    files = sorted(names)
    idx = np.arange(len(files))
    np.random.default_rng(42).shuffle(idx)
    test_files = {files[i] for i in idx[len(files) - int(0.2 * len(files)):]}
    assert set(data.metadata["episodes"]["test"]) == test_files
    per = 6 - 2
    assert data.n_samples == per * len(files)
    for k, name in enumerate(files):
        with h5py.File(folder / name, "r") as fh:
            for t in range(per):
                row = k * per + t
                assert data.split_of[row] == ("test" if name in test_files else "train")
                np.testing.assert_array_equal(data.modalities["image"][row],
                                              np.transpose(fh["image"][t], (2, 0, 1)))
                np.testing.assert_allclose(data.modalities["force"][row],
                                           np.tanh(fh["ee_forces_continuous"][t][-32:]),
                                           rtol=1e-6)
                np.testing.assert_allclose(data.modalities["proprio"][row],
                                           fh["proprio"][t][:8], rtol=1e-6)
                assert data.tasks["contact_next"][row] == int(fh["contact"][t + 1].sum() > 0)
                for j in range(4):
                    assert data.tasks[f"ee_yaw_next_{j}"][row] == pytest.approx(
                        fh["proprio"][t + 1][j])
    assert data.modalities["image"].dtype == np.uint8


def test_channels_first_images_are_transposed_as_the_loader(tmp_path, writers):
    folder = tmp_path / "eps"
    writers.episodes(folder, n_files=2, channels_first=True)
    data = convert_visionandtouch(folder, episode_length=6, modalities=["image", "proprio"])
    with h5py.File(folder / "triangle_0_1000.h5", "r") as fh:
        hwc = np.transpose(fh["image"][0], (2, 1, 0))   # the loader's transpose
    np.testing.assert_array_equal(data.modalities["image"][0], np.transpose(hwc, (2, 0, 1)))
    assert data.modality_names == ("image", "proprio")


def test_episode_split_is_80_20():
    split = episode_split(10)
    assert (split == "test").sum() == 2


def test_missing_and_malformed_files_say_what_and_where(tmp_path, writers):
    with pytest.raises(FileNotFoundError, match=r"Vision&Touch episodes.*found nothing.*"
                                                r"triangle_real_data.zip"):
        convert_visionandtouch(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="found no .h5 file"):
        convert_visionandtouch(tmp_path / "empty")
    folder = tmp_path / "short"
    writers.episodes(folder, n_files=2, steps=6)
    with pytest.raises(ValueError, match=r"triangle_0_1000.h5 is not a Vision&Touch episode.*"
                                         r"episode_length = 50 steps"):
        convert_visionandtouch(folder)
    with h5py.File(folder / "triangle_1_1000.h5", "a") as fh:
        del fh["contact"]
    with pytest.raises(ValueError, match=r"\['contact'\] are missing"):
        convert_visionandtouch(folder, episode_length=6)
