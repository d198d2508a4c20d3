"""What issue 20 must show: files made by a script that is not pid-bench's convert (the
writers of conftest.py) convert, and train through ``pid-bench run`` with CoMM, with two and
with three modalities."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pid_bench.cli import main
from pid_bench.data import MultimodalDataset
from pid_bench.realdata.convert import CONVERTERS, convert, converter_kinds

pytest.importorskip("h5py")


def test_registry_names_every_format():
    assert converter_kinds() == ["mosi", "mosei", "humor", "sarcasm", "mimic",
                                 "visionandtouch", "mmimdb"]
    assert all(len(v) == 3 for v in CONVERTERS.values())


def test_unknown_kind_and_options_are_refused(affect_file):
    path, _ = affect_file
    with pytest.raises(ValueError, match="unknown converter 'avmnist'; known: mosi"):
        convert("avmnist", path)
    with pytest.raises(ValueError, match=r"has no options \['colour'\]; its options: "
                                         r"modalities, valid_as, max_seq_len"):
        convert("mosi", path, colour=True)
    with pytest.raises(ValueError, match=r"sets \['dataset'\] itself"):
        convert("mosi", path, dataset="humor")


def _files(tmp_path, writers):
    """Each format, written by the independent writers, and the convert command line."""
    writers.affect(tmp_path / "mosi_raw.pkl", sizes=(24, 4, 12))
    writers.mimic(tmp_path / "im.pk", n=60)
    writers.episodes(tmp_path / "episodes", n_files=5, steps=6)
    writers.mmimdb(tmp_path / "multimodal_imdb.hdf5", bounds=(24, 28, 40))
    return {"mosi": ["mosi", tmp_path / "mosi_raw.pkl"],
            "mimic": ["mimic", tmp_path / "im.pk"],
            "vt": ["visionandtouch", tmp_path / "episodes", "--option", "episode_length=6"],
            "mmimdb": ["mmimdb", tmp_path / "multimodal_imdb.hdf5",
                       "--option", "bounds=[24, 28, 40]"]}


def _run(tmp_path, datasets, capsys):
    config = {"datasets": datasets,
              "methods": [{"name": "comm", "hparams": {"embed_dim": 16, "hidden_dim": 32}}],
              "seeds": [0], "train": {"epochs": 1, "batch_size": 16}, "threads": 1}
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(config))
    assert main(["run", str(tmp_path / "cfg.yaml"), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    return pd.read_csv(tmp_path / "out" / "results.csv")


def test_a_mosi_pickle_trains_with_comm_on_two_and_three_modalities(tmp_path, writers, capsys):
    files = _files(tmp_path, writers)
    kind, path = files["mosi"]
    assert main(["convert", kind, str(path), "--out", str(tmp_path / "mosi.npz")]) == 0
    assert "wrote" in capsys.readouterr().out
    data = MultimodalDataset.load(tmp_path / "mosi.npz")
    assert data.modality_names == ("vision", "text", "audio") and set(data.masks) == {
        "vision", "text", "audio"}
    datasets = [{"name": "file", "label": "mosi3", "augment": "none",
                 "args": {"path": str(tmp_path / "mosi.npz")}},
                {"name": "file", "label": "mosi2", "augment": "none",
                 "args": {"path": str(tmp_path / "mosi.npz"), "modalities": ["vision", "text"]}}]
    results = _run(tmp_path, datasets, capsys)
    acc = results[(results.metric == "balanced_accuracy") & (results.task == "label")]
    assert sorted(acc.dataset) == ["mosi2", "mosi3"] and acc.value.between(0, 100).all()


@pytest.mark.slow
def test_every_format_trains_with_comm_on_two_and_three_modalities(tmp_path, writers, capsys):
    files = _files(tmp_path, writers)
    datasets = []
    modalities = {"mosi": [["vision", "text"], None], "mimic": [None],
                  "vt": [["image", "force"], None], "mmimdb": [None]}
    for name, (kind, path, *extra) in files.items():
        out = tmp_path / f"{name}.npz"
        assert main(["convert", kind, str(path), "--out", str(out), *map(str, extra)]) == 0
        for mods in modalities[name]:
            args = {"path": str(out), **({"modalities": mods} if mods else {})}
            label = f"{name}{len(mods) if mods else len(MultimodalDataset.load(out).modalities)}"
            datasets.append({"name": "file", "label": label, "args": args, "augment": "none"})
    results = _run(tmp_path, datasets, capsys)
    assert set(results.dataset) == {"mosi2", "mosi3", "mimic2", "vt2", "vt3", "mmimdb2"}
    # captured_fraction is NaN without a known ground truth; every other number is finite
    assert np.isfinite(results[results.metric != "captured_fraction"].value).all()
    assert {"f1_macro", "f1_weighted"} <= set(results[results.dataset == "mmimdb2"].metric)


#: The configs that follow CoMM's recipes; each names converted files data/<name>.npz.
MULTIBENCH_CONFIGS = ["multibench_affect", "multibench_affect_3mod", "multibench_mimic",
                      "multibench_visionandtouch", "multibench_visionandtouch_3mod",
                      "multibench_mmimdb"]
ROOT = Path(__file__).resolve().parents[3]


def _converted(tmp_path, writers):
    """data/<file>.npz of every file the configs name, converted from the writers' fixtures."""
    files = _files(tmp_path, writers)
    writers.affect(tmp_path / "humor.pkl", dataset="humor", sizes=(24, 4, 12))
    writers.affect(tmp_path / "sarcasm.pkl", dataset="sarcasm", sizes=(24, 4, 12))
    files.update(humor=["humor", tmp_path / "humor.pkl"],
                 sarcasm=["sarcasm", tmp_path / "sarcasm.pkl"])
    out = {"mosi": "mosi", "humor": "humor", "sarcasm": "sarcasm", "mimic": "mimic",
           "vt": "visionandtouch", "mmimdb": "mmimdb"}
    paths = {}
    for name, (kind, path, *extra) in files.items():
        target = tmp_path / "data" / f"{out[name]}.npz"
        target.parent.mkdir(exist_ok=True)
        assert main(["convert", kind, str(path), "--out", str(target), *map(str, extra)]) == 0
        paths[f"data/{out[name]}.npz"] = target
    return paths


@pytest.mark.parametrize("name", MULTIBENCH_CONFIGS)
def test_multibench_configs_name_what_the_converters_write(name, tmp_path, writers, capsys):
    from pid_bench.experiment import load_config

    config = load_config(ROOT / "configs" / f"{name}.yaml")
    paths = _converted(tmp_path, writers)
    capsys.readouterr()
    for spec in config.datasets:
        data = MultimodalDataset.load(paths[spec.args["path"]], spec.args["modalities"])
        assert data.modality_names == tuple(spec.args["modalities"])
        assert set(config.tasks) <= set(data.tasks)
    assert config.seeds == (0, 1, 2, 3, 4) and config.train.epochs == 100


@pytest.mark.slow
@pytest.mark.parametrize("name", MULTIBENCH_CONFIGS)
def test_multibench_configs_run_on_converted_fixtures(name, tmp_path, writers, capsys):
    """Each config as written (widths, encoders, tasks), one epoch, one seed, on fixtures."""
    paths = _converted(tmp_path, writers)
    raw = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())
    for entry in raw["datasets"]:
        entry["args"]["path"] = str(paths[entry["args"]["path"]])
    raw.update(seeds=[0], threads=1)
    raw["train"].update(epochs=1, warmup_epochs=0, batch_size=8)   # fixtures: 12+ samples
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(raw))
    assert main(["run", str(tmp_path / "cfg.yaml"), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert set(results.method) == {m["name"] for m in raw["methods"]}
    assert set(results.dataset) == {d["label"] for d in raw["datasets"]}
