"""Outgoing mail: written to the instance folder's outbox (and the log) by default, SMTP when configured.

``send`` defers the ``send_mail`` job: the mail leaves once the caller's transaction commits (inline, or on the job
worker), never for a change that rolled back. Each message carries a key: a retried job writes the same outbox file
and the same ``Message-ID``, so the retry of a mail that had left is not a second mail where the server dedupes.
"""

import smtplib
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from marketplace.core import jobs


def outbox_dir():
    """Where development mail is written: ``instance/outbox/``."""
    folder = Path(current_app.config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_message(to, subject, body, key=None):
    """A plain-text UTF-8 e-mail; ``key`` makes its Message-ID (the same for every attempt of one job)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    if key:
        message["Message-ID"] = f"<{key}@{urlsplit(current_app.config['PUBLIC_URL']).hostname or 'localhost'}>"
    message.set_content(body)
    return message


def send(to, subject, body):
    """Send one e-mail once the current transaction commits (the ``send_mail`` job)."""
    jobs.defer("send_mail", to=to, subject=subject, body=body, key=uuid.uuid4().hex)


@jobs.task("send_mail", retries=8)
def deliver(to, subject, body, key=None):
    """Send one e-mail now: SMTP when MAIL_SERVER is set, else a .eml file in the outbox (once per key)."""
    message = build_message(to, subject, body, key)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 587), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS", True):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        current_app.logger.info("mail sent to %s: %s", to, subject)
        return None
    folder = outbox_dir()
    if key and any(folder.glob(f"*-{key}.eml")):
        return None  # a retried job whose mail was written already
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{to.replace('@', '_at_')}{f'-{key}' if key else ''}.eml"
    path.write_bytes(bytes(message))
    current_app.logger.info("mail to %s written to %s: %s", to, path, subject)
    return path


def outbox_messages():
    """The messages in the outbox, oldest first (development and tests)."""
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(outbox_dir().glob("*.eml"))]
