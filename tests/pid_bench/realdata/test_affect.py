import pickle

import numpy as np
import pytest

from pid_bench.realdata.affect import convert_affect


def official_sample(split, i, max_seq_len=50):
    """Affectdataset.__getitem__ (aligned, max_pad) on one sample, as MultiBench writes it."""
    text = split["text"][i].astype(np.float64)
    start = np.nonzero(text)[0][0]
    out = {}
    for m in ("vision", "audio", "text"):
        x = split[m][i].astype(np.float64).copy()
        if m == "audio":
            x[x == -np.inf] = 0.0
        x = x[start:][:max_seq_len]
        out[m] = np.concatenate([x, np.zeros((max_seq_len - x.shape[0], x.shape[1]))])
    return out, len(text) - start


def kept(split):
    return [i for i in range(split["text"].shape[0]) if split["text"][i].sum() != 0]


def test_mosi_follows_the_official_loader(affect_file):
    path, raw = affect_file
    data = convert_affect(path, dataset="mosi")
    assert data.modality_names == ("vision", "text", "audio")
    train, test = kept(raw["train"]), kept(raw["test"])
    assert data.metadata["official_split_sizes"] == {
        "train": len(train), "valid": len(kept(raw["valid"])), "test": len(test)}
    assert list(data.split_of) == ["train"] * len(train) + ["test"] * len(test)
    rows = [("train", i) for i in train] + [("test", i) for i in test]
    for row, (split, i) in enumerate(rows):
        want, length = official_sample(raw[split], i)
        for m in ("vision", "audio", "text"):
            np.testing.assert_allclose(data.modalities[m][row], want[m], rtol=1e-6, atol=1e-6)
            assert data.masks[m][row].sum() == length and data.masks[m][row, :length].all()
        score = float(raw[split]["labels"][i].ravel()[0])
        assert data.tasks["label"][row] == int(score > 0)
        assert data.tasks["sentiment"][row] == pytest.approx(score)
    assert np.isfinite(data.modalities["audio"]).all()
    assert data.n_classes == {"label": 2, "sentiment": 0}


def test_the_empty_text_sample_is_dropped_and_zero_sentiment_is_negative(affect_file):
    path, raw = affect_file
    data = convert_affect(path)
    n_train = raw["train"]["text"].shape[0]
    assert int((data.split_of == "train").sum()) == n_train - 1
    # sample 2 of train has sentiment exactly 0: class 0; it is row 1 after the drop of sample 1
    assert data.tasks["sentiment"][1] == 0.0 and data.tasks["label"][1] == 0


def test_humor_labels_are_the_stored_classes(tmp_path, writers):
    raw = writers.affect(tmp_path / "humor.pkl", dataset="humor")
    data = convert_affect(tmp_path / "humor.pkl", dataset="humor", modalities=["text", "audio"],
                          valid_as="train")
    assert data.modality_names == ("text", "audio") and "sentiment" not in data.tasks
    want = np.concatenate([raw[s]["labels"][kept(raw[s])].ravel() for s in ("train", "valid")])
    np.testing.assert_array_equal(data.tasks["label"][data.split_of == "train"], want)


def test_missing_and_malformed_files_say_what_and_where(tmp_path, writers):
    with pytest.raises(FileNotFoundError, match=r"mosi_data.pkl or mosi_raw.pkl.*"
                                                r"drive.google.com/file/d/1_XdzdW8UNG1TTS6QcX10uhoS6N11OBit"):
        convert_affect(tmp_path / "nothing.pkl")
    raw = writers.affect(tmp_path / "sarcasm.pkl", dataset="sarcasm")
    del raw["valid"]
    with open(tmp_path / "sarcasm.pkl", "wb") as fh:
        pickle.dump(raw, fh)
    with pytest.raises(ValueError, match=r"sarcasm.pkl is not MultiBench's sarcasm pickle.*"
                                         r"\['valid'\] are missing"):
        convert_affect(tmp_path / "sarcasm.pkl", dataset="sarcasm")
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="junk.pkl.*does not unpickle"):
        convert_affect(tmp_path / "junk.pkl")


def test_bad_options_are_refused(affect_file):
    path, _ = affect_file
    with pytest.raises(ValueError, match="dataset must be one of"):
        convert_affect(path, dataset="iemocap")
    with pytest.raises(ValueError, match="modalities must be two or three"):
        convert_affect(path, modalities=["text"])
    with pytest.raises(ValueError, match="valid_as must be one of"):
        convert_affect(path, valid_as="keep")
