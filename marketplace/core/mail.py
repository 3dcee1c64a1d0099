"""Outgoing mail: written to the instance folder's outbox (and the log) by default, SMTP when configured."""

import smtplib
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


def outbox_dir():
    """Where development mail is written: ``instance/outbox/``."""
    folder = Path(current_app.config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_message(to, subject, body):
    """A plain-text UTF-8 e-mail."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send(to, subject, body):
    """Send one e-mail now: SMTP when MAIL_SERVER is set, else a .eml file in the outbox."""
    message = build_message(to, subject, body)
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
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox_dir() / f"{stamp}-{to.replace('@', '_at_')}.eml"
    path.write_bytes(bytes(message))
    current_app.logger.info("mail to %s written to %s: %s", to, path, subject)
    return path


def outbox_messages():
    """The messages in the outbox, oldest first (development and tests)."""
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(outbox_dir().glob("*.eml"))]
