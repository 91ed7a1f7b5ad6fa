"""The REST server's bulk prediction log writer stores exactly what the Core insert stores."""

from datetime import datetime, timezone

from sqlalchemy import text

from mlcore.registry import append_prediction_log_batches, append_prediction_logs
from mlcore.registry.db import Database

COLUMNS = "model_version_id, ab_test_id, arm, user_id, prediction, latency_ms, created_at"


def stored(db: Database) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT {COLUMNS} FROM ml_prediction_logs ORDER BY id"))]


def test_batches_store_the_same_values_as_row_by_row_inserts(tmp_path):
    when = datetime(2026, 12, 3, 16, 50, 1, 123456, tzinfo=timezone.utc).replace(tzinfo=None)
    batches = [
        ({"model_version_id": None, "ab_test_id": None, "arm": None, "latency_ms": 0.25, "created_at": when},
         [True, False, True, None, float("nan")], ["u1", None, "u1", "7", None]),
        ({"model_version_id": None, "ab_test_id": None, "arm": "B", "latency_ms": 1.5, "created_at": when},
         [1, 1.0, "yes", 2.5, -3, {"a": 1}], [None] * 6),
    ]
    rows = [dict(common, prediction=p, user_id=u) for common, preds, users in batches for p, u in zip(preds, users)]
    a = Database(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a.db")
    b = Database(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b.db")
    try:
        assert append_prediction_logs(a, rows) == 11
        assert append_prediction_log_batches(b, batches) == 11
        core, fast = stored(a), stored(b)
        assert fast == core
        assert len(fast) == 11 and [r[4] for r in fast[:5]] == ["true", "false", "true", "null", "null"]
        assert [r[3] for r in fast[:5]] == ["u1", None, "u1", "7", None] and {r[2] for r in fast[5:]} == {"B"}
        assert fast[0][6].startswith("2026-12-03 16:50:01.123456")
        assert append_prediction_log_batches(b, []) == 0
    finally:
        a.dispose()
        b.dispose()
