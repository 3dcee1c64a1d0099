"""The job queue on PostgreSQL (procrastinate), with a real worker run in-process by the test.

A job belongs to its transaction: rolled back, it never runs; committed, it runs once. A failing job is retried with
exponential backoff and shown to admins, who can retry it once its attempts are spent. Large imports run on the
worker with a page that polls their progress.
"""

import io
import re
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import croniter
import psycopg
import pytest
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from marketplace.accounts.models import User
from marketplace.core import jobs, mail
from marketplace.core.clock import TIMEZONE
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.jobs import imports
from marketplace.jobs.models import ImportRun, JobFailure
from marketplace.jobs.queue import RETRY_BASE, SCHEDULE, ProcrastinateQueue
from marketplace.registry.models import Certificate, CertificateReminder
from marketplace.shop.catalog.models import Listing
from tests.factories import make_certificate, make_entity, make_product, make_user

SCHEMA = Path(__file__).resolve().parents[2] / "migrations" / "sql" / "procrastinate-3.10.0.sql"
TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs", "procrastinate_workers")
GOOD_PASSWORD = "núi rừng Tây Bắc 2026"
REGISTRY_HEADER = ("certificate_number,decision_number,decision_date,issuing_authority,issuing_level,stars,"
                   "product_name,product_group,entity_name,entity_type,province\n")
REGISTRY_ROW = ("{n}/QĐ-UBND-1,{n}/QĐ-UBND,2026-10-01,UBND tỉnh Thái Nguyên,province,3,Miến {n},06,HTX Miến,"
                "cooperative,19\n")


def libpq(url):
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def procrastinate_schema(app):
    """procrastinate's schema in the test database (the migration applies it in a real one), once per run."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if make_url(url).get_backend_name() != "postgresql":
        pytest.skip("the job queue lives in PostgreSQL (TEST_DATABASE_URL); SQLite runs jobs inline")
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        if connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
            connection.execute(SCHEMA.read_text(encoding="utf-8"))
    return url


def empty_queue(url):
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        for table in TABLES:
            connection.execute(f"DELETE FROM {table}")


@pytest.fixture
def queue(app, procrastinate_schema, monkeypatch):
    """The procrastinate queue installed on the app (no schedule: only the jobs the test defers run)."""
    empty_queue(procrastinate_schema)
    installed = ProcrastinateQueue(app, procrastinate_schema, schedule=())
    monkeypatch.setitem(app.extensions, jobs.QUEUE, installed)
    yield installed
    db.session.rollback()
    empty_queue(procrastinate_schema)


def work(queue):
    """Run a worker until nothing is due (jobs scheduled later, i.e. retries, wait)."""
    db.session.rollback()  # the test's own transaction must not hold locks the worker needs
    queue.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)


def queued_jobs():
    rows = db.session.execute(text("SELECT id, task_name, status::text AS status, attempts, scheduled_at, args "
                                   "FROM procrastinate_jobs ORDER BY id")).mappings().all()
    db.session.rollback()
    return rows


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(queue):
    make_user(email="lan@test.example")
    mail.send("lan@test.example", "Chào", "never")
    assert [job["task_name"] for job in db.session.execute(
        text("SELECT task_name FROM procrastinate_jobs")).mappings()] == ["send_mail"]  # in this transaction only
    db.session.rollback()
    assert queued_jobs() == []
    work(queue)
    assert outbox_messages() == []


def test_a_committed_job_runs_once_on_the_worker(client, queue, runner):
    response = client.post_form("/register", {"email": "lan@test.example", "password": GOOD_PASSWORD,
                                              "confirm": GOOD_PASSWORD, "name": "Lan", "preferred_locale": "vi"})
    assert response.status_code == 200
    [job] = queued_jobs()
    assert (job["task_name"], job["status"], job["args"]["to"]) == ("send_mail", "todo", "lan@test.example")
    assert outbox_messages() == []  # the request did not send it: the worker will
    result = runner.invoke(args=["jobs", "worker", "--once"])
    assert result.exit_code == 0, result.output
    [message] = outbox_messages()
    assert message["To"] == "lan@test.example" and "/verify-email/" in message.get_content()
    work(queue)
    assert len(outbox_messages()) == 1
    assert [job["status"] for job in queued_jobs()] == ["succeeded"]


def test_a_failing_job_retries_with_growing_waits_then_shows_failed_and_can_be_retried(client, queue, monkeypatch):
    monkeypatch.setitem(current_app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(current_app.config, "MAIL_PORT", str(closed_port()))
    monkeypatch.setitem(current_app.config, "MAIL_USE_TLS", False)
    admin = make_user("admin")
    mail.send("lan@test.example", "Chào", "body")
    db.session.commit()
    client.login_as(admin)
    waits = []
    for _attempt in range(jobs.TASKS["send_mail"].retries):
        before = datetime.now(UTC)
        work(queue)
        [job] = queued_jobs()
        assert job["status"] == "todo"
        waits.append((job["scheduled_at"] - before).total_seconds())
        page = client.get("/admin/jobs?lang=en").get_data(as_text=True)
        assert "Retrying" in page and "ConnectionRefusedError" in page and "Retry now" not in page
        db.session.execute(text("UPDATE procrastinate_jobs SET scheduled_at = now()"))  # skip the wait
        db.session.commit()
    expected = [RETRY_BASE ** (attempt + 1) for attempt in range(len(waits))]
    assert all(wait - 1 <= waited <= wait + 10 for wait, waited in zip(expected, waits, strict=True)), waits
    work(queue)  # the last attempt: no retry left
    [job] = queued_jobs()
    assert (job["status"], job["attempts"]) == ("failed", jobs.TASKS["send_mail"].retries + 1)  # runs, all failed
    failures = db.session.scalars(select(JobFailure).order_by(JobFailure.id)).all()
    assert [failure.attempt for failure in failures] == list(range(1, jobs.TASKS["send_mail"].retries + 2))
    assert {failure.job_id for failure in failures} == {job["id"]}
    page = client.get("/admin/jobs?lang=en").get_data(as_text=True)
    assert "Failed" in page and "Retry now" in page and "ConnectionRefusedError" in page
    assert outbox_messages() == []
    monkeypatch.setitem(current_app.config, "MAIL_SERVER", None)  # the mail server is back
    assert client.post_form(f"/admin/jobs/{job['id']}/retry").status_code == 302
    assert [row["status"] for row in queued_jobs()] == ["todo"]
    work(queue)
    assert [message["To"] for message in outbox_messages()] == ["lan@test.example"]
    assert [row["status"] for row in queued_jobs()] == ["succeeded"]
    page = client.get("/admin/jobs?lang=en").get_data(as_text=True)
    assert "No failed job." in page
    assert client.post_form(f"/admin/jobs/{job['id']}/retry?lang=en", follow_redirects=True).get_data(
        as_text=True).count("Only a failed job can be retried.") == 1


def test_the_sweep_claims_and_mails_in_one_transaction(queue, frozen_clock):
    entity = make_entity("HTX Chè Tân Cương", province_code="19")
    make_user("vendor", entity=entity, email="owner@test.example")
    make_certificate(make_product("Chè Tân Cương", entity=entity), valid_from=date(2024, 1, 1),
                     valid_until=frozen_clock.current.date() + timedelta(days=30))
    db.session.commit()
    jobs.defer("certificates.sweep")
    db.session.commit()
    work(queue)
    assert db.session.scalar(select(func.count()).select_from(CertificateReminder)) == 1
    assert [message["To"] for message in outbox_messages()] == ["owner@test.example"]
    jobs.defer("certificates.sweep")  # again, as a second worker or a retry would
    db.session.commit()
    work(queue)
    assert len(outbox_messages()) == 1
    assert [(job["task_name"], job["status"]) for job in queued_jobs()] == [
        ("certificates.sweep", "succeeded"), ("send_mail", "succeeded"), ("certificates.sweep", "succeeded")]


def test_the_schedule_runs_the_sweep_at_five_past_midnight_in_vietnam(app, procrastinate_schema):
    scheduled = ProcrastinateQueue(app, procrastinate_schema)
    crons = {task_name: periodic.cron for (task_name, _id), periodic in
             scheduled.app.periodic_registry.periodic_tasks.items()}
    assert crons == {name: cron for name, cron, _what in SCHEDULE}
    start = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    tick = croniter.croniter(crons["certificates.sweep"], start).get_next(datetime)
    assert tick.astimezone(TIMEZONE).strftime("%H:%M") == "00:05"


@pytest.fixture
def officer(client, frozen_clock):
    user = make_user("officer", province_code="19")
    db.session.commit()
    client.login_as(user)
    return user


def upload(client, content):
    return client.post_form("/officer/registry/upload?lang=en", {"file": (io.BytesIO(content), "registry.csv")},
                            content_type="multipart/form-data")


def test_a_large_registry_file_is_checked_then_imported_by_the_worker(client, queue, officer, monkeypatch):
    monkeypatch.setitem(current_app.config, "IMPORT_JOB_MIN_BYTES", 1000)
    rows = 450
    content = (REGISTRY_HEADER + "".join(REGISTRY_ROW.format(n=n) for n in range(1, rows + 1))).encode()
    response = upload(client, content)
    assert response.status_code == 302
    run_url = response.headers["Location"]
    run_id = int(re.search(r"/runs/(\d+)", run_url).group(1))
    page = client.get(run_url + "?lang=en").get_data(as_text=True)
    assert "Waiting for the job worker" in page and 'http-equiv="refresh"' in page
    assert client.get(f"/officer/registry/upload/runs/{run_id}.json").get_json()["stage"] == "queued"
    work(queue)
    state = client.get(f"/officer/registry/upload/runs/{run_id}.json").get_json()
    assert state["stage"] == "checked" and state["finished"] and state["created"] == rows
    assert (state["phase"], state["done"], state["total"]) == ("writing", rows, rows)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0  # a check writes nothing
    page = client.get(run_url + "?lang=en").get_data(as_text=True)
    assert "Import now" in page and 'http-equiv="refresh"' not in page
    other = make_user("officer", province_code="19")
    db.session.commit()
    client.login_as(other)
    assert client.get(f"/officer/registry/upload/runs/{run_id}.json").status_code == 404  # only the uploader's
    assert client.post_form(f"/officer/registry/upload/runs/{run_id}/confirm").status_code == 404
    client.login_as(officer)
    assert client.post_form(f"/officer/registry/upload/runs/{run_id}/confirm").status_code == 302
    assert client.post_form(f"/officer/registry/upload/runs/{run_id}/confirm").status_code == 302  # twice: one job
    assert [job["task_name"] for job in queued_jobs()] == ["imports.check", "imports.write"]
    work(queue)
    state = client.get(f"/officer/registry/upload/runs/{run_id}.json").get_json()
    assert (state["stage"], state["created"]) == ("done", rows)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == rows
    assert db.session.get(ImportRun, run_id).content is None  # the file is dropped once done
    assert f"{rows} created" in client.get(run_url + "?lang=en").get_data(as_text=True)


def test_a_large_file_with_problems_is_refused_with_its_report(client, queue, officer, monkeypatch):
    monkeypatch.setitem(current_app.config, "IMPORT_JOB_MIN_BYTES", 100)
    content = (REGISTRY_HEADER + REGISTRY_ROW.format(n=1) + REGISTRY_ROW.format(n=2).replace(",19\n", ",79\n"))
    run_url = upload(client, content.encode()).headers["Location"]
    work(queue)
    page = client.get(run_url + "?lang=en").get_data(as_text=True)
    assert "1 problem: nothing will be written." in page and "row 3: province" in page
    assert "Import now" not in page
    english = re.search(r"<li><code>(row 3: province: .*?)</code></li>", page).group(1)
    vietnamese = re.search(r"<li><code>(row 3: province: .*?)</code></li>",
                           client.get(run_url + "?lang=vi").get_data(as_text=True)).group(1)
    assert (english, vietnamese) == ("row 3: province: outside your province",
                                     "row 3: province: ngoài tỉnh/thành của bạn")


def test_a_small_file_is_still_checked_in_the_request(client, queue, officer):
    response = upload(client, (REGISTRY_HEADER + REGISTRY_ROW.format(n=1)).encode())
    assert response.status_code == 200 and "Import now" in response.get_data(as_text=True)
    assert queued_jobs() == []


def test_progress_is_visible_while_the_import_transaction_is_open(queue, monkeypatch):
    """The worker's progress rows commit on their own connection, so a page polling sees them mid-import."""
    monkeypatch.setattr(imports, "PROGRESS_SECONDS", 0)
    owner = make_user("officer")
    run = ImportRun(kind="registry", owner_id=owner.id, filename="r.csv", stage="checking")
    db.session.add(run)
    db.session.commit()
    make_user(email="inside-the-import@test.example")  # the import's transaction is open and has written
    rows = imports.Progress(run.id)(list(range(450)), "writing")
    for _row in range(imports.PROGRESS_EVERY + 1):
        next(rows)

    def seen_from_another_connection():
        with psycopg.connect(libpq(current_app.config["SQLALCHEMY_DATABASE_URI"])) as other:
            assert other.execute("SELECT count(*) FROM user_account WHERE email LIKE 'inside%%'").fetchone()[0] == 0
            return other.execute("SELECT phase, done, total FROM import_run WHERE id = %s", (run.id,)).fetchone()

    assert seen_from_another_connection() == ("writing", imports.PROGRESS_EVERY, 450)
    assert len(list(rows)) == 450 - imports.PROGRESS_EVERY - 1
    assert seen_from_another_connection() == ("writing", 450, 450)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_large_listing_file_is_saved_by_the_worker(client, queue, frozen_clock, monkeypatch):
    monkeypatch.setitem(current_app.config, "IMPORT_JOB_MIN_BYTES", 10)
    entity = make_entity("HTX Chè Phìn Hồ", province_code="08")
    certificate = make_certificate(make_product("Chè Shan tuyết Phìn Hồ", entity=entity), valid_from=date(2025, 5, 1))
    vendor = make_user("vendor", entity=entity)
    db.session.commit()
    client.login_as(vendor)
    content = f"certificate_number,price_vnd,stock\n{certificate.number},150000,12\n".encode()
    response = client.post_form("/vendor/listings/upload?lang=en", {"file": (io.BytesIO(content), "listings.csv")},
                                content_type="multipart/form-data")
    run_id = int(re.search(r"/runs/(\d+)", response.headers["Location"]).group(1))
    work(queue)
    page = client.get(f"/vendor/listings/upload/runs/{run_id}?lang=en").get_data(as_text=True)
    assert "Save these listings" in page and "create 1" in page
    client.post_form(f"/vendor/listings/upload/runs/{run_id}/confirm")
    work(queue)
    assert client.get(f"/vendor/listings/upload/runs/{run_id}.json").get_json()["stage"] == "done"
    listing = db.session.scalar(select(Listing))
    assert (listing.price_vnd, listing.stock) == (150000, 12)
