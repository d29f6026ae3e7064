"""The README's continual-loop example runs as written (with data filled in)."""

import re
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_continual_loop_example(tmp_path, monkeypatch):
    code = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[0]
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    old = y < 5
    scope = {
        "X_old": X[old],
        "y_old": y[old],
        "new_batches": [(X[y == c], y[y == c]) for c in range(5, 10)],
        "X_seen_test": X,
        "y_seen_test": y,
    }
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), scope)
    clf = scope["clf"]
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert (tmp_path / "model.joblib").exists()
    # the memory filled from the old data keeps the old classes
    assert clf.score(X[old], y[old]) > 0.8
    assert clf.score(X[~old], y[~old]) > 0.8
