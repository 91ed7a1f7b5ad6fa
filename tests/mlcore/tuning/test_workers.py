"""Tuning workers on one Optuna study: one job and experiment, a shared budget, no repeats, join, cancel."""

import json
import subprocess
import sys
import threading
import time

import psutil
import pytest

from mlcore.cli import main
from mlcore.errors import ConflictError, JobCancelled, NotFoundError
from mlcore.jobs import RecordingContext


class WaitForWorker(RecordingContext):
    """Holds the tuning process's own trial (its progress, on the tuning thread, not the trial feed's)
    until a trial of another worker has been reported, so every test sees more than one worker however
    slowly processes start."""

    def __init__(self, limit: float = 90.0, **kw) -> None:
        super().__init__(**kw)
        self.limit = limit

    def others(self) -> list[dict]:
        return [d for k, d in list(self.events) if k == "trial" and d.get("worker") not in (None, 0)]

    def _on_progress(self, fraction: float, message: str) -> None:
        super()._on_progress(fraction, message)
        end = time.monotonic() + self.limit
        while threading.current_thread().name != "trial-feed" and not self.others() \
                and not self.cancel_requested and time.monotonic() < end:
            time.sleep(0.05)


def worker_processes() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "worker" in " ".join(p.cmdline())]


def test_two_workers_on_a_new_storage_make_one_job_one_experiment_and_no_repeats(workspace, dataset):
    assert not (workspace.home / "optuna.db").exists()  # a brand-new storage: created once, by the tuning process
    ctx = WaitForWorker()
    job = workspace.tune(dataset.id, algorithm="logistic", tuning_method="random", n_trials=8, cv=3, workers=2,
                         ctx=ctx)
    assert job.status == "completed" and job.config["workers"] == 2
    trials = job.results["trials"]
    assert sorted(t["number"] for t in trials) == list(range(8))  # n_trials for the whole study
    assert {t["worker"] for t in trials} == {0, 1}
    settings = [json.dumps(t["params"], sort_keys=True) for t in trials]
    assert len(set(settings)) == 8  # per-worker sampler seeds; the defaults enqueued once
    assert sum(t["params"] == {"C": 1.0} for t in trials) == 1
    assert [j.id for j in workspace.list_jobs()] == [job.id]
    (exp,) = workspace.list_experiments()
    assert exp.job_id == job.id and len(exp.trials) == 8 and {t["worker"] for t in exp.trials} == {0, 1}
    # every trial was streamed live through the tuning process's context, each once
    assert sorted(d["number"] for k, d in ctx.events if k == "trial") == list(range(8))
    log = (workspace.home / "jobs" / job.id / "worker-1.log").read_text()
    assert "Traceback" not in log and "worker 1 on study" in log
    assert worker_processes() == []
    best = max((t for t in trials if t["state"] == "complete"), key=lambda t: t["value"])
    assert job.results["best_score"] == pytest.approx(best["value"])


def test_worker_command_joins_a_running_job_and_adds_trials(workspace, dataset):
    ctx = WaitForWorker()
    done: dict = {}
    thread = threading.Thread(target=lambda: done.update(job=workspace.tune(
        dataset.id, algorithm="logistic", tuning_method="random", n_trials=6, cv=3, workers=1, ctx=ctx)))
    thread.start()
    try:
        end = time.monotonic() + 30
        while not any(k == "job_started" for k, _ in ctx.events) and time.monotonic() < end:
            time.sleep(0.05)
        job_id = next(d["job_id"] for k, d in ctx.events if k == "job_started")
        out = subprocess.run([sys.executable, "-c", "import sys; from mlcore.cli import main; sys.exit(main())",
                              "--home", str(workspace.home), "--json", "--quiet", "worker", "--job", job_id,
                              "--worker-index", "7"], capture_output=True, text=True, timeout=120)
    finally:
        thread.join(timeout=120)
    assert out.returncode == 0, out.stderr
    joined = json.loads(out.stdout)
    assert joined["worker"] == 7 and joined["job_id"] == job_id and joined["n_trials"] >= 1
    trials = done["job"].results["trials"]
    assert len(trials) == 6 and sum(t["worker"] == 7 for t in trials) == joined["n_trials"]
    # the job is over: joining it again is refused with the reason
    with pytest.raises(ConflictError, match="is completed"):
        workspace.join_tune(job_id=job_id)


def test_joining_an_unknown_or_single_process_job_is_a_clear_error(workspace, dataset, capsys):
    with pytest.raises(NotFoundError):
        workspace.join_tune(job_id="no-such-job")
    job = workspace.tune(dataset.id, algorithm="logistic", tuning_method="random", n_trials=2, cv=3)
    with pytest.raises(ConflictError, match="without workers"):
        workspace.join_tune(job_id=job.id)
    assert main(["--home", str(workspace.home), "worker", "--study", "nope"]) == 1
    assert "No Optuna study 'nope'" in capsys.readouterr().err
    assert main(["--home", str(workspace.home), "tune", "--dataset", "cancer", "--algorithm", "logistic",
                 "--workers", "0"]) == 1
    assert "workers must be a whole number from 1 to 64, got 0" in capsys.readouterr().err


def test_cancel_stops_every_worker_and_keeps_their_trials(workspace, dataset):
    seen: list = []

    def cancel_when(c):
        others = [d for k, d in list(c.events) if k == "trial" and d.get("worker") == 1]
        if others and not seen:
            seen.extend(worker_processes())
        return bool(others)

    ctx = WaitForWorker(cancel_when=cancel_when)
    t0 = time.monotonic()
    with pytest.raises(JobCancelled):
        workspace.tune(dataset.id, algorithm="random_forest", tuning_method="random", n_trials=200, cv=3,
                       workers=2, ctx=ctx)
    stopped_after = time.monotonic() - ctx.cancelled_at if ctx.cancelled_at else None
    assert seen and all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in seen)
    assert worker_processes() == []
    assert stopped_after is not None and stopped_after < 30, (stopped_after, time.monotonic() - t0)
    (job,) = workspace.list_jobs()
    assert job.status == "cancelled"
    assert any(t.get("worker") == 1 for t in job.results["trials"])
    (exp,) = workspace.list_experiments()
    assert exp.status == "cancelled" and any(t.get("worker") == 1 for t in exp.trials)


def test_a_crashed_worker_is_reported_not_waited_on(tmp_path):
    from mlcore.jobs import JobContext
    from mlcore.tuning._workers import WorkerPool

    log = tmp_path / "worker-1.log"
    with open(log, "wb") as out:
        crashed = subprocess.Popen([sys.executable, "-c", "import sys; print('MemoryError: no room'); sys.exit(3)"],
                                   stdout=out, stderr=subprocess.STDOUT)
    pool = WorkerPool()
    pool.add(1, crashed, log)
    t0 = time.monotonic()
    pool.wait(JobContext(), done=lambda: False)
    assert time.monotonic() - t0 < 30
    assert pool.failures() == [f"worker 1 exited with code 3: MemoryError: no room (log: {log})"]


def test_a_continued_shared_study_gets_its_budget_on_top_of_its_old_trials(linear_cls, tmp_path):
    from mlcore.tuning import tune

    X, y = linear_cls
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    kw = dict(method="random", n_trials=3, cv=2, storage=storage, study_name="shared", workers=1, refit=False)
    first = tune(X, y, "classification", "logistic", **kw)
    again = tune(X, y, "classification", "logistic", **kw)
    assert [t["number"] for t in first.trials] == [0, 1, 2] and {t["worker"] for t in first.trials} == {0}
    assert [t["number"] for t in again.trials] == [3, 4, 5]
    assert sum(t["params"] == {"C": 1.0} for t in first.trials + again.trials) == 1  # defaults enqueued once


def test_a_worker_stops_on_the_study_flag_or_when_its_tuning_process_is_gone():
    import optuna

    from mlcore.jobs import JobContext
    from mlcore.tuning._workers import STOP_KEY, StudyStopContext

    study = optuna.create_study()
    watch = StudyStopContext(JobContext(), study._storage, study._study_id, every=0.0, parent_pid=None)
    watch.check_cancelled()  # nothing set: goes on
    study.set_user_attr(STOP_KEY, "cancelled")
    with pytest.raises(JobCancelled):
        watch.check_cancelled()
    assert watch.stop_reason == "cancelled"

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphan = StudyStopContext(JobContext(), optuna.create_study()._storage, 0, every=0.0, parent_pid=gone.pid)
    assert orphan.cancel_requested and orphan.stop_reason.startswith("abandoned")


def test_the_timeout_is_for_the_whole_study_a_late_worker_gets_what_is_left(linear_cls, tmp_path):
    from mlcore.tuning import tune

    X, y = linear_cls
    kw = dict(method="random", cv=2, storage=f"sqlite:///{tmp_path / 'optuna.db'}", study_name="s", refit=False)
    out: dict = {}
    t0 = time.monotonic()
    thread = threading.Thread(target=lambda: out.update(r=tune(X, y, "classification", "logistic", n_trials=None,
                                                               timeout=8, workers=1, **kw)))
    thread.start()
    try:
        # the same process as a second worker (a thread): it waits for the study and reads its deadline
        joined = tune(X, y, "classification", "logistic", n_trials=None, join_as=1, **kw)
        joined_ended = time.time()
    finally:
        thread.join(timeout=60)
    assert joined.trials and {t["worker"] for t in joined.trials} == {1}
    import optuna

    study = optuna.load_study(study_name="s", storage=kw["storage"])
    deadline = study.user_attrs["deadline"]
    assert deadline - 8 >= time.time() - (time.monotonic() - t0)  # set by the tuning process once it started
    # its own default budget would be 50 trials: it stopped at the study's deadline (a trial of slack)
    assert joined_ended < deadline + 2.0, joined_ended - deadline
    assert all(t.datetime_start.timestamp() < deadline for t in study.get_trials() if t.user_attrs.get("worker") == 1)
    whole = out["r"].trials
    assert {t["worker"] for t in whole} == {0, 1}
    # once its own search ends the tuning process closes the study to new trials, then waits for the
    # trials running then: every trial the other worker ran is in the job
    missed = [t for t in joined.trials if t["number"] not in {w["number"] for w in whole}]
    assert missed == []


def test_a_study_whose_tuning_process_has_read_its_last_trials_takes_no_new_ones(linear_cls, tmp_path):
    from mlcore.tuning import tune

    X, y = linear_cls
    kw = dict(method="random", cv=2, storage=f"sqlite:///{tmp_path / 'optuna.db'}", study_name="s", refit=False)
    first = tune(X, y, "classification", "logistic", n_trials=20, timeout=None, workers=1, **kw)
    import optuna

    study = optuna.load_study(study_name="s", storage=kw["storage"])
    assert study.user_attrs["no_new_trials"] is not None  # closed once its search ended
    # a worker that comes late (its trial would finish after the job was written) runs nothing
    late = tune(X, y, "classification", "logistic", n_trials=None, join_as=3, **kw)
    assert late.trials == [] and len(study.get_trials()) == len(first.trials) == 20
