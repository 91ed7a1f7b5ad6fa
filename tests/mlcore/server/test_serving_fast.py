"""The prediction hot path: concurrent requests predicted together, small batches on one thread,
logs written off the request path in order, NaN-safe JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from serve_helpers import table

from mlcore.server.errors import json_response
from mlcore.server.serving import Batcher, ModelServer, one_thread_copy

ROW = {"x1": 0.3, "x2": -1.0, "colour": "red"}


@pytest.fixture
def model_server(served):
    server = ModelServer(served["ws"])
    yield server
    server.close()


def test_rows_of_concurrent_requests_are_predicted_in_one_call_with_the_answers_of_one_by_one(served, model_server):
    frame = table(7, seed=5).drop(columns="target")
    rows = frame.to_dict(orient="records")
    a, _, _ = model_server.resolve(model_id=served["model_a"])
    b, _, _ = model_server.resolve(model_id=served["model_b"])
    batcher = model_server.batcher
    with batcher._cond:  # hold the worker back: everything below is queued before it takes a round
        futures = [(m, row, batcher.submit(m, model_server.checked_columns(m, row), 1))
                   for row in rows for m in (a, b)]
        futures.append((a, rows, batcher.submit(a, model_server.checked_columns(a, rows), len(rows))))
    results = [(m, row, f.result(timeout=30)) for m, row, f in futures]
    assert batcher.rounds == 1 and batcher.predicted == 2 * len(rows) + len(rows)
    for m, row, (predictions, proba, per_row) in results:
        alone = model_server.predict(row, model_id=m.info.id)
        assert predictions == alone["prediction"] and per_row > 0
        assert np.allclose(proba, alone["prediction_proba"])


def test_a_failing_call_fails_only_its_own_request(served, model_server):
    a, _, _ = model_server.resolve(model_id=served["model_a"])
    batcher = Batcher()
    good = model_server.checked_columns(a, ROW)
    broken = {k: v for k, v in good.items() if k != "colour"}  # the frame cannot be built
    try:
        with batcher._cond:
            f_good = batcher.submit(a, good, 1)
            f_bad = batcher.submit(a, broken, 1)
        assert f_good.result(timeout=30)[0] == model_server.predict(ROW, model_id=a.info.id)["prediction"]
        with pytest.raises(KeyError):
            f_bad.result(timeout=30)
    finally:
        batcher.close()


def test_small_batches_predict_on_one_thread_with_the_same_answers():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame = table(120, seed=2)
    X, y = frame[["x1", "x2"]], frame["target"]
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=8, n_jobs=2, random_state=0)).fit(X, y)
    single = one_thread_copy(pipe)
    assert single.steps[-1][1].n_jobs == 1 and pipe.steps[-1][1].n_jobs == 2  # the cached model is untouched
    assert single.steps[-1][1].estimators_ is pipe.steps[-1][1].estimators_  # fitted trees shared, not copied
    assert (single.predict(X) == pipe.predict(X)).all()
    assert one_thread_copy(make_pipeline(RandomForestClassifier(n_jobs=1))) is None


def test_logs_of_queued_predictions_reach_the_table_in_order(served, model_server):
    from mlcore.registry import orm
    from sqlalchemy import select

    ws = served["ws"]
    writer = model_server.log_writer
    writer.flush()
    with ws.db.session() as s:
        last = s.scalar(select(orm.MLPredictionLog.id).order_by(orm.MLPredictionLog.id.desc()).limit(1)) or 0
    for i in range(5):
        model_server.predict(ROW, model_id=served["model_a"], user_id=f"order-{i}")
    model_server.close()  # flushes what is queued
    with ws.db.session() as s:
        users = s.scalars(select(orm.MLPredictionLog.user_id).where(orm.MLPredictionLog.id > last)
                          .order_by(orm.MLPredictionLog.id)).all()
    assert users == [f"order-{i}" for i in range(5)]


def test_json_answers_write_arrays_and_nan_as_null():
    body = json_response({"p": np.array([[0.25, np.nan], [1.0, 0.0]]), "x": float("inf"), "n": np.int64(3),
                          "big": 2**70, "when": pd.Timestamp("2026-01-02T03:04:05")}).body
    import json

    assert json.loads(body) == {"p": [[0.25, None], [1.0, 0.0]], "x": None, "n": 3, "big": 2**70,
                                "when": "2026-01-02T03:04:05"}


def test_http_fast_and_full_paths_agree(served):
    c = served["client"]
    server = c.app.state.ml.models
    c.post("/api/ml/models/predict", json={"model_id": served["model_a"], "features": ROW})  # caches the lookups
    before = server.batcher.predicted
    fast = c.post("/api/ml/models/predict", json={"model_id": served["model_a"], "features": ROW}).json()
    assert server.batcher.predicted == before + 1  # took the batcher
    full = c.post("/api/ml/models/predict", json={"model_id": served["model_a"],
                                                  "features": dict(ROW, x1="0.3")}).json()  # text: converted
    assert fast["prediction"] == full["prediction"] and fast["classes"] == full["classes"]
    assert np.allclose(fast["prediction_proba"], full["prediction_proba"])
    nested = c.post("/api/ml/models/predict", json={"model_id": served["model_a"],
                                                    "features": [dict(ROW, colour={"r": 1})]})
    assert nested.status_code == 422 and "colour" in nested.json()["message"]


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_server_jobs_run_at_a_lower_cpu_priority_than_request_handling(served):
    import os
    import threading

    from mlcore.errors import ConfigError
    from mlcore.server.jobs import JobManager, lower_thread_priority

    seen: dict[str, int] = {}

    def probe():
        assert lower_thread_priority(5)
        seen["thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    t = threading.Thread(target=probe)
    t.start()
    t.join()
    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert seen["thread"] == min(19, here + 5) and os.getpriority(os.PRIO_PROCESS, 0) == here  # this thread untouched

    def run(ctx):  # refused before it creates a job: submit raises the engine's error
        seen["job"] = os.getpriority(os.PRIO_PROCESS, 0)
        raise ConfigError("no such dataset")

    # "tune": the fixture's own train jobs (started a moment ago by this process) must not be taken for this one
    with pytest.raises(ConfigError):
        JobManager(served["ws"], job_nice=10).submit("tune", run)
    assert seen["job"] == min(19, here + 10)


def test_served_models_predict_through_a_compiled_preparation_with_the_pipelines_answers(served, model_server):
    from mlcore.deployment import check_frame, predict_frame
    from mlcore.errors import DataValidationError

    rows = table(40, seed=9).drop(columns="target").to_dict(orient="records")
    rows += [{"x1": None, "x2": 0.1, "colour": "red"}, {"x1": 0.2, "x2": -0.3, "colour": "purple"},
             {"x1": "0.5", "x2": 1.0, "colour": "blue"}, {"x1": 3, "x2": 2, "colour": "green"},
             {"x1": 0.7, "x2": 1.5, "colour": None}, {"x1": 1e300, "x2": -1e300, "colour": "red"}]
    for model_id in (served["model_a"], served["model_b"]):
        model, _, _ = model_server.resolve(model_id=model_id)
        assert model.compiled is not None  # proved equal at load time
        for row in rows:
            try:
                reference = predict_frame(model.pipeline, check_frame(pd.DataFrame([row]), model.schema).frame)
            except DataValidationError as exc:  # a float32 tree refuses 1e300: the same error either way
                with pytest.raises(DataValidationError, match="could not predict") as caught:
                    model_server.predict(row, model_id=model_id)
                assert str(caught.value) == str(exc)
                continue
            got = model_server.predict(row, model_id=model_id)
            assert got["prediction"] == reference["prediction"].tolist()
            assert np.array_equal(got["prediction_proba"], reference.filter(like="proba_").to_numpy())
        finite = rows[:-1]
        together = model_server.predict(finite, model_id=model_id)
        reference = predict_frame(model.pipeline, check_frame(pd.DataFrame(finite), model.schema).frame)
        assert together["prediction"] == reference["prediction"].tolist()
        assert np.array_equal(together["prediction_proba"], reference.filter(like="proba_").to_numpy())
        assert any("purple" in w for w in together["warnings"])  # the full check's warnings are kept


def test_a_server_that_freezes_the_gc_does_so_once_per_loaded_version(served):
    import gc

    from mlcore.server import ServerSettings, create_app

    calls: list[str] = []
    server = ModelServer(served["ws"], after_load=lambda: calls.append("loaded"))
    try:
        server.predict(ROW, model_id=served["model_a"])
        server.predict(ROW, model_id=served["model_a"])  # cached: no second load
        server.predict(ROW, model_id=served["model_b"])
        assert calls == ["loaded", "loaded"]
    finally:
        server.close()
    app = create_app(served["ws"], settings=ServerSettings(freeze_gc=True))
    models = app.state.ml.models
    try:
        gc.unfreeze()
        models.predict(ROW, model_id=served["model_a"])
        assert gc.get_freeze_count() > 1000  # the loaded model and everything before it
    finally:
        gc.unfreeze()
        models.close()


def test_an_uploaded_tables_rows_of_the_trained_types_skip_check_frame_with_the_same_predictions(served, model_server,
                                                                                              monkeypatch):
    """A file's rows that check_frame would return unchanged are predicted through the compiled preparation
    from their columns; rows that need the full check still get it (and its warnings)."""
    import mlcore.deployment.schema as schema_module
    from mlcore.deployment import check_frame, predict_frame

    frame = table(60, seed=11).drop(columns="target")
    frame.index = range(100, 160)  # a file's rows need not be numbered from 0
    full_checks = []
    real_check = schema_module.check_frame
    import mlcore.deployment as deployment

    def spy(*args, **kwargs):
        full_checks.append(1)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(schema_module, "check_frame", spy)
    monkeypatch.setattr(deployment, "check_frame", spy, raising=False)
    for model_id in (served["model_a"], served["model_b"]):
        model, _, _ = model_server.resolve(model_id=model_id)
        reference = predict_frame(model.pipeline, real_check(frame, model.schema).frame)
        out, report = model_server.predict_table(frame, model_id=model_id)
        assert full_checks == [] and report["warnings"] == []
        pd.testing.assert_frame_equal(out[list(frame.columns)], frame.reset_index(drop=True))
        pd.testing.assert_frame_equal(out[list(reference.columns)], reference.reset_index(drop=True))
        # one unseen colour: the whole file takes check_frame, with its warning
        odd = frame.assign(colour=["purple"] + list(frame["colour"][1:]))
        out, report = model_server.predict_table(odd, model_id=model_id)
        assert len(full_checks) == 1 and any("purple" in w for w in report["warnings"])
        expected = predict_frame(model.pipeline, check_frame(odd, model.schema).frame)
        pd.testing.assert_frame_equal(out[list(expected.columns)], expected.reset_index(drop=True))
        full_checks.clear()


def test_a_big_json_batch_is_answered_in_one_worker_trip_and_its_errors_by_the_route(served, monkeypatch):
    from mlcore.server import routes_predict

    c = served["client"]
    rows = table(8000, seed=12).drop(columns="target").to_dict(orient="records")
    body = {"model_id": served["model_a"], "features": rows}
    assert len(__import__("json").dumps(body, separators=(",", ":"))) > routes_predict.PARSE_IN_THREAD
    trips = []
    real = routes_predict.PredictFastPath._big_answer
    monkeypatch.setattr(routes_predict.PredictFastPath, "_big_answer",
                        lambda self, raw: trips.append(len(raw)) or real(self, raw))
    got = c.post("/api/ml/models/predict", json=body)
    assert got.status_code == 200 and len(trips) == 1
    expected = c.app.state.ml.models.predict(rows, model_id=served["model_a"])
    assert got.json()["prediction"] == expected["prediction"]
    assert np.allclose(got.json()["prediction_proba"], expected["prediction_proba"])
    # an error in a big body: the route answers it, with its own message and status
    bad = c.post("/api/ml/models/predict", json={"model_id": "no-such-model", "features": rows})
    assert bad.status_code == 404 and "no-such-model" in bad.json()["message"] and len(trips) == 2
    wrong = c.post("/api/ml/models/predict", json={"model_id": served["model_a"], "features": [*rows, [1, 2]]})
    assert wrong.status_code == 422 and "features[8000]" in wrong.json()["message"]


def _logged_users(ws, after: int, prefix: str) -> list:
    """User ids starting with ``prefix`` logged after row ``after`` (other tests' servers log too)."""
    from sqlalchemy import select

    from mlcore.registry import orm

    with ws.db.session() as s:
        return s.scalars(select(orm.MLPredictionLog.user_id).where(orm.MLPredictionLog.id > after)
                         .where(orm.MLPredictionLog.user_id.startswith(prefix))
                         .order_by(orm.MLPredictionLog.id)).all()


def _last_log_id(ws) -> int:
    from sqlalchemy import func, select

    from mlcore.registry import orm

    with ws.db.session() as s:
        return s.scalar(select(func.max(orm.MLPredictionLog.id))) or 0


def test_the_log_writer_waits_for_a_quiet_moment_but_no_longer_than_its_max_delay(served):
    import time

    from mlcore.registry import utcnow
    from mlcore.server.serving import LogWriter

    ws = served["ws"]
    common = {"model_version_id": served["model_a"], "ab_test_id": None, "arm": None, "latency_ms": 0.1,
              "created_at": utcnow()}
    busy = {"now": True}
    writer = LogWriter(ws.db, interval=0.02, busy=lambda: busy["now"], max_delay=0.6, chunk_rows=3)
    try:
        last = _last_log_id(ws)
        t0 = time.monotonic()
        writer.add(common, ["yes", "no"], ["w-0", "w-1"])
        time.sleep(0.3)
        assert _logged_users(ws, last, "w-") == [] and writer.deferred > 0  # a request is in flight: not yet
        deadline = time.monotonic() + 5
        while not _logged_users(ws, last, "w-") and time.monotonic() < deadline:
            time.sleep(0.01)
        waited = time.monotonic() - t0
        assert _logged_users(ws, last, "w-") == ["w-0", "w-1"] and 0.6 <= waited < 2.0  # overdue: written though busy
        # quiet: written at the next look, a chunk of 3 rows at a time, in order across split batches
        busy["now"] = False
        last = _last_log_id(ws)
        deferred = writer.deferred
        t0 = time.monotonic()
        writer.add(common, ["a"] * 4, [f"q-{i}" for i in range(4)])
        writer.add(common, ["b"] * 4, [f"q-{i}" for i in range(4, 8)])
        while len(_logged_users(ws, last, "q-")) < 8 and time.monotonic() < t0 + 5:
            time.sleep(0.01)
        assert _logged_users(ws, last, "q-") == [f"q-{i}" for i in range(8)] and writer.deferred == deferred
    finally:
        writer.close()


def test_a_server_counts_requests_in_flight_for_its_log_writer(served):
    c = served["client"]
    stats = c.app.state.ml.stats
    seen = []
    models = c.app.state.ml.models
    real = models.predict

    def spy(*args, **kwargs):
        seen.append(stats.in_flight)
        return real(*args, **kwargs)

    models.predict = spy
    try:
        r = c.post("/api/ml/models/predict", json={"model_id": served["model_a"], "features": dict(ROW, x1="0.3")})
    finally:
        models.predict = real
    assert r.status_code == 200 and seen == [1] and stats.in_flight == 0 and not stats.busy()
