#!/usr/bin/env python3
"""A Python trainer on scikit-learn's bundled digits data (no download).

Trains an SGD classifier (logistic loss) for a few epochs with partial_fit
and prints one JSON line per epoch, the JSON form of tunetop's trial
protocol:  {"epoch": 3, "loss": 0.21, "val_acc": 0.95}

    usage: digits_trainer.py --alpha=A --eta0=E [--epochs=N] [--penalty=l2|l1|elasticnet]
"""
import argparse
import json
import sys

try:
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
except ImportError as e:  # the test suite checks for this message
    print(f"digits_trainer: needs python3-sklearn ({e})", file=sys.stderr)
    sys.exit(3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--alpha", type=float, default=1e-4)
    p.add_argument("--eta0", type=float, default=0.01)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--penalty", default="l2", choices=["l2", "l1", "elasticnet"])
    a = p.parse_args()

    X, y = load_digits(return_X_y=True)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(Xtr)
    Xtr, Xva = scaler.transform(Xtr), scaler.transform(Xva)
    clf = SGDClassifier(loss="log_loss", alpha=a.alpha, eta0=a.eta0,
                        learning_rate="constant", penalty=a.penalty, random_state=0)
    classes = np.unique(y)
    for epoch in range(1, a.epochs + 1):
        clf.partial_fit(Xtr, ytr, classes=classes)
        proba = clf.predict_proba(Xva)
        print(json.dumps({"epoch": epoch,
                          "loss": float(log_loss(ytr, clf.predict_proba(Xtr), labels=classes)),
                          "val_loss": float(log_loss(yva, proba, labels=classes)),
                          "val_acc": float((proba.argmax(1) == yva).mean())}), flush=True)


if __name__ == "__main__":
    main()
