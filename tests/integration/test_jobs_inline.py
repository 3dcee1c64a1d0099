"""Jobs without a queue (JOB_QUEUE=inline, the default): they run in-process once their transaction commits."""

import socket
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import ConfigError, TestingConfig
from marketplace.core import jobs, mail
from marketplace.core.mail import outbox_messages
from marketplace.extensions import db
from marketplace.jobs.models import JobFailure
from tests.factories import make_user

RAN = []


@jobs.task("tests.count_users")
def count_users(label):
    """A job that reads the database, and defers a mail of its own (run in the same after-commit pass)."""
    RAN.append((label, db.session.scalar(select(func.count()).select_from(User))))
    mail.send("chained@test.example", "from a job", label)


@pytest.fixture(autouse=True)
def _fresh_log():
    RAN.clear()


def closed_port():
    """A loopback port nothing listens on (a mail server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_mail_waits_for_the_commit():
    make_user(email="lan@test.example")
    mail.send("lan@test.example", "Chào", "Nội dung")
    assert outbox_messages() == []  # deferred, not sent: the transaction may still roll back
    db.session.commit()
    [message] = outbox_messages()
    assert message["To"] == "lan@test.example" and message.get_content().strip() == "Nội dung"


def test_a_rolled_back_transaction_sends_nothing_and_the_next_commit_does_not_either():
    make_user(email="lan@test.example")
    mail.send("lan@test.example", "Chào", "never")
    db.session.rollback()
    make_user(email="minh@test.example")
    db.session.commit()
    assert outbox_messages() == []
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_job_sees_the_committed_change_and_its_own_jobs_run_too():
    make_user()
    jobs.defer("tests.count_users", label="after one user")
    db.session.commit()
    assert RAN == [("after one user", 1)]
    assert [message["To"] for message in outbox_messages()] == ["chained@test.example"]
    db.session.commit()
    assert len(RAN) == 1  # ran once


def test_arguments_must_be_json_and_tasks_known():
    with pytest.raises(TypeError):
        jobs.defer("tests.count_users", label=object())
    with pytest.raises(KeyError):
        jobs.defer("no.such.task")
    db.session.commit()
    assert RAN == []


def test_a_retried_mail_is_written_once_with_the_same_message_id():
    mail.deliver("lan@test.example", "Chào", "body", key="k1")
    mail.deliver("lan@test.example", "Chào", "body", key="k1")  # the same job again (a retry after a crash)
    [message] = outbox_messages()
    assert message["Message-ID"] == "<k1@localhost>"


def test_a_failing_inline_job_reaches_the_caller_and_the_admins(client, monkeypatch):
    monkeypatch.setitem(current_app.config, "MAIL_SERVER", "127.0.0.1")  # a mail server that is down
    monkeypatch.setitem(current_app.config, "MAIL_PORT", str(closed_port()))
    monkeypatch.setitem(current_app.config, "MAIL_USE_TLS", False)
    make_user(email="lan@test.example")
    mail.send("lan@test.example", "Chào", "body")
    with pytest.raises(ConnectionRefusedError):
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the change itself was committed
    [failure] = db.session.scalars(select(JobFailure)).all()
    assert (failure.task, failure.job_id, failure.attempt) == ("send_mail", None, 1)
    assert "ConnectionRefusedError" in failure.error and failure.args["to"] == "lan@test.example"
    client.login_as(make_user("admin"))
    db.session.commit()
    page = client.get("/admin/jobs?lang=en").get_data(as_text=True)
    assert "send_mail" in page and "ConnectionRefusedError" in page and "No job queue is configured" in page
    assert "Retry now" not in page  # nothing to retry from without a queue


@pytest.mark.parametrize(("queue", "url", "message"), [
    ("procrastinate", "sqlite://", "needs a PostgreSQL DATABASE_URL"),
    ("celery", "sqlite://", "JOB_QUEUE must be one of inline, procrastinate"),
])
def test_a_queue_that_cannot_work_is_refused_at_start(queue, url, message):
    class Config(TestingConfig):
        JOB_QUEUE = queue
        SQLALCHEMY_DATABASE_URI = url
        SEARCH_BACKEND = "whoosh"  # on SQLite whatever TEST_SEARCH_BACKEND says (postgres would be refused first)

    with pytest.raises(ConfigError, match=message):
        create_app(Config)


def test_the_worker_command_says_jobs_run_inline(runner):
    result = runner.invoke(args=["jobs", "worker", "--once"])
    assert result.exit_code == 1 and "JOB_QUEUE=inline" in result.output


def test_the_vendored_procrastinate_schema_is_the_installed_one():
    """Upgrading procrastinate must come with a migration: the schema applied is the one of the pinned version."""
    import procrastinate

    vendored = (Path(__file__).resolve().parents[2] / "migrations" / "sql" / "procrastinate-3.10.0.sql")
    shipped = Path(procrastinate.__file__).parent / "sql" / "schema.sql"
    assert vendored.read_text(encoding="utf-8").split("\n", 3)[3] == shipped.read_text(encoding="utf-8")
