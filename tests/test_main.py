"""The main job: ``python -m skcl demo`` (issues #2, #3, #4)."""

import subprocess
import sys

import numpy as np
import pytest

from skcl.__main__ import main
from skcl.datasets import save_idx


def test_demo_on_bundled_digits_prints_matrix_and_metrics(capsys, tmp_path):
    plot = tmp_path / "acc.png"
    assert main(["demo", "--epochs", "2", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "5 tasks" in out
    assert "Accuracy matrix" in out
    final = float(out.split("final average accuracy ")[1].split()[0])
    assert final > 0.8  # replay keeps the old classes (naive is about 0.2)
    assert plot.exists() and plot.stat().st_size > 1000
    assert "plot written to" in out


def test_demo_on_mnist_format_files(capsys, tmp_path):
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), 30).astype(np.uint8)
    images = np.zeros((120, 12, 12), dtype=np.uint8)
    for label in range(4):  # each class lights up one quadrant
        r, c = divmod(label, 2)
        images[y == label, 6 * r : 6 * r + 6, 6 * c : 6 * c + 6] = 200
    images = np.clip(images + rng.randint(0, 40, images.shape), 0, 255).astype(np.uint8)
    save_idx(images, tmp_path / "train-images-idx3-ubyte.gz")
    save_idx(y, tmp_path / "train-labels-idx1-ubyte.gz")
    main(["demo", "--data", str(tmp_path), "--epochs", "2", "--no-plot"])
    out = capsys.readouterr().out
    assert "120 images of shape (12, 12), 4 classes in 2 tasks" in out
    assert float(out.split("final average accuracy ")[1].split()[0]) > 0.7


def test_demo_saves_the_model(tmp_path, capsys):
    from skcl.persistence import load

    path = tmp_path / "model.joblib"
    main(["demo", "--epochs", "1", "--no-plot", "--save", str(path)])
    model = load(path)
    assert list(model[-1].classes_) == list(range(10))


def test_demo_rejects_a_missing_path(tmp_path):
    with pytest.raises(SystemExit, match="does not exist"):
        main(["demo", "--data", str(tmp_path / "nope")])


def test_module_entry_point_help():
    out = subprocess.run(
        [sys.executable, "-m", "skcl", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--data" in out


def test_demo_on_an_image_folder(capsys, tmp_path):
    from PIL import Image

    rng = np.random.RandomState(0)
    for label in range(4):  # one quadrant lit per class
        folder = tmp_path / f"class{label}"
        folder.mkdir()
        r, c = divmod(label, 2)
        for i in range(25):
            img = rng.randint(0, 40, (12, 12)).astype(np.uint8)
            img[6 * r : 6 * r + 6, 6 * c : 6 * c + 6] = 220
            Image.fromarray(img).save(folder / f"{i}.png")
    main(["demo", "--data", str(tmp_path), "--epochs", "2", "--no-plot"])
    out = capsys.readouterr().out
    assert "image folder" in out and "100 images of shape (12, 12" in out
    assert float(out.split("final average accuracy ")[1].split()[0]) > 0.7
