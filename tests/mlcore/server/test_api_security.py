"""Bearer token, body size limit, CORS off, errors without tracebacks, the serve command's refusals."""

from __future__ import annotations

import pytest
from serve_helpers import make_client, table

TOKEN = "s3cret-token-0123456789"


def test_a_token_is_required_when_set(workspace):
    with make_client(workspace, token=TOKEN) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                        {"Authorization": f"Basic {TOKEN}"}):
            r = c.get("/api/ml/datasets", headers=headers)
            assert r.status_code == 401 and r.json()["status"] == "error" and "token" in r.json()["message"]
            assert r.headers["www-authenticate"] == "Bearer"
        assert c.get("/openapi.json").status_code == 401
        ok = c.get("/api/ml/datasets", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and ok.json() == []


def test_an_oversized_upload_is_413(workspace):
    with make_client(workspace, max_upload_bytes=2_000) as c:
        big = table(400).to_csv(index=False).encode()
        assert len(big) > 2_000
        r = c.post("/api/ml/datasets/upload", files={"file": ("big.csv", big)})
        assert r.status_code == 413 and "limit" in r.json()["message"]

        def chunks():  # no Content-Length: the limit is counted while the body streams in
            for i in range(0, len(big), 500):
                yield big[i:i + 500]

        r = c.post("/api/ml/models/predict", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and "limit" in r.json()["message"]
        small = c.post("/api/ml/datasets/upload", files={"file": ("s.csv", table(10).to_csv(index=False).encode())})
        assert small.status_code == 200
        assert workspace.list_datasets()[0].rows == 10


def test_cors_is_off_unless_origins_are_given(workspace):
    with make_client(workspace) as c:
        r = c.get("/api/ml/datasets", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    with make_client(workspace, cors_origins=["http://shop.example"]) as c:
        r = c.get("/api/ml/datasets", headers={"Origin": "http://shop.example"})
        assert r.headers["access-control-allow-origin"] == "http://shop.example"


def test_unknown_paths_and_methods_are_json_errors(client):
    r = client.get("/api/ml/nothing-here")
    assert r.status_code == 404 and r.json()["status"] == "error" and "/docs" in r.json()["message"]
    r = client.delete("/api/ml/datasets")
    assert r.status_code == 405 and r.json()["status"] == "error"


def test_stats_count_requests_and_keep_the_last_errors(client):
    client.get("/api/ml/datasets")
    client.get("/api/ml/datasets/nope")
    stats = client.get("/api/ml/server/stats").json()
    assert stats["requests"] >= 2 and stats["failed"] >= 1
    assert stats["latency_ms_p50"] > 0 and stats["latency_ms_p99"] >= stats["latency_ms_p50"]
    assert stats["last_errors"][0]["status"] == 404 and "nope" in stats["last_errors"][0]["message"]


@pytest.mark.parametrize("argv, words", [
    (["serve", "--host", "0.0.0.0"], "without a token"),
    (["serve", "--host", "192.168.1.5", "--port", "9"], "without a token"),
    (["serve", "--token-file", "/nonexistent/token"], "cannot read"),
    (["serve", "--port", "70000"], "--port"),
])
def test_serve_refuses_unsafe_or_bad_options(argv, words, capsys, tmp_path):
    from mlcore.cli.main import main

    assert main(argv + ["--home", str(tmp_path / "ws")]) == 1
    assert words in capsys.readouterr().err


def test_a_short_token_is_refused(tmp_path, capsys):
    from mlcore.cli.main import main

    token = tmp_path / "token"
    token.write_text("short")
    assert main(["serve", "--token-file", str(token), "--home", str(tmp_path / "ws")]) == 1
    assert "too short" in capsys.readouterr().err
