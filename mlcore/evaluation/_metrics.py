"""Point metrics for classification and regression, all computed by scikit-learn."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from mlcore.evaluation._common import (
    as_array,
    check_lengths,
    label_codes,
    label_space,
    proba_2d,
    to_python,
)


def _sorted_proba(proba: np.ndarray, classes: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Columns reordered the way sklearn's log_loss/roc_auc expect (sorted labels)."""
    order = sorted(range(len(classes)), key=lambda i: classes[i])
    return proba[:, order], [classes[i] for i in order]


def classification_metrics(y_true: Any, y_pred: Any, proba: Any = None, classes: Any = None) -> dict:
    """Every classification metric of the seed, JSON-able; ``proba`` columns follow ``classes``."""
    from sklearn import metrics as skm

    yt = as_array(y_true, "y_true")
    yp = as_array(y_pred, "y_pred")
    p = proba_2d(proba)
    check_lengths(y_true=yt, y_pred=yp, proba=p)
    if classes is None and p is not None:
        classes = label_space(yt, yp)
        if len(classes) != p.shape[1]:
            classes = None
    model_classes = None if classes is None else list(classes)
    labels = label_space(yt, yp, model_classes)
    out: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined-metric warnings: zero_division=0 decides
        out["accuracy"] = skm.accuracy_score(yt, yp)
        out["balanced_accuracy"] = skm.balanced_accuracy_score(yt, yp)
        binary = len(labels) == 2
        if binary:
            pos = labels[1]
            out["positive_label"] = pos
            out["precision"] = skm.precision_score(yt, yp, pos_label=pos, average="binary", zero_division=0)
            out["recall"] = skm.recall_score(yt, yp, pos_label=pos, average="binary", zero_division=0)
            out["f1"] = skm.f1_score(yt, yp, pos_label=pos, average="binary", zero_division=0)
        for avg in ("macro", "weighted"):
            out[f"precision_{avg}"] = skm.precision_score(yt, yp, labels=labels, average=avg, zero_division=0)
            out[f"recall_{avg}"] = skm.recall_score(yt, yp, labels=labels, average=avg, zero_division=0)
            out[f"f1_{avg}"] = skm.f1_score(yt, yp, labels=labels, average=avg, zero_division=0)
        out["mcc"] = skm.matthews_corrcoef(yt, yp)
        out["roc_auc"], out["log_loss"] = None, None
        if p is not None and model_classes is not None:
            _probabilistic_metrics(out, yt, p, model_classes)
        cm = skm.confusion_matrix(yt, yp, labels=labels)
        prec, rec, f1, sup = skm.precision_recall_fscore_support(
            yt, yp, labels=labels, average=None, zero_division=0
        )
    out["confusion_matrix"] = cm.tolist()
    out["labels"] = labels
    out["per_class"] = {
        str(lab): {"precision": prec[i], "recall": rec[i], "f1": f1[i], "support": int(sup[i])}
        for i, lab in enumerate(labels)
    }
    out["n_rows"] = len(yt)
    return to_python(out)


def _probabilistic_metrics(out: dict, yt: np.ndarray, p: np.ndarray, classes: list[Any]) -> None:
    """roc_auc and log_loss, or None with a note saying why they cannot be computed."""
    from sklearn import metrics as skm

    if p.shape[1] != len(classes):
        out["roc_auc_note"] = f"probabilities have {p.shape[1]} columns for {len(classes)} classes"
        return
    unseen = label_codes(yt, classes) < 0
    if unseen.any():
        note = f"{int(unseen.sum())} rows have a label the model never saw; no probability metrics"
        out["roc_auc_note"] = out["log_loss_note"] = note
        return
    ps, cs = _sorted_proba(p, classes)
    out["log_loss"] = skm.log_loss(yt, ps, labels=cs)
    present = set(label_codes(yt, classes).tolist())
    if len(present) < 2:
        out["roc_auc_note"] = "only one class present in the true labels; ROC-AUC is undefined"
    elif len(classes) == 2:
        out["roc_auc"] = skm.roc_auc_score(label_codes(yt, classes) == 1, p[:, 1])
    elif len(present) < len(classes):
        out["roc_auc_note"] = "some classes never occur in the true labels; one-vs-rest ROC-AUC is undefined"
    else:
        out["roc_auc"] = skm.roc_auc_score(yt, ps, labels=cs, multi_class="ovr", average="macro")


def regression_metrics(y_true: Any, y_pred: Any) -> dict:
    """R², RMSE, MAE, MAPE (over non-zero targets), explained variance, median absolute error."""
    from sklearn import metrics as skm

    yt = as_array(y_true, "y_true").astype(float)
    yp = as_array(y_pred, "y_pred").astype(float)
    n = check_lengths(y_true=yt, y_pred=yp)
    out: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["r2"] = skm.r2_score(yt, yp) if n >= 2 else None
        out["rmse"] = skm.root_mean_squared_error(yt, yp)
        out["mae"] = skm.mean_absolute_error(yt, yp)
        nonzero = yt != 0
        if nonzero.all():
            out["mape"] = skm.mean_absolute_percentage_error(yt, yp)
        elif nonzero.any():
            out["mape"] = skm.mean_absolute_percentage_error(yt[nonzero], yp[nonzero])
            k = int((~nonzero).sum())
            out["mape_note"] = f"MAPE computed over the {int(nonzero.sum())} non-zero targets; {k} row(s) with target 0 excluded"
        else:
            out["mape"] = None
            out["mape_note"] = f"all {n} targets are 0; MAPE is undefined"
        out["explained_variance"] = skm.explained_variance_score(yt, yp) if n >= 2 else None
        out["median_absolute_error"] = skm.median_absolute_error(yt, yp)
    out["n_rows"] = n
    return to_python(out)
