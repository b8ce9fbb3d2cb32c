"""A real SMTP server process for e-mail tests: aiosmtpd writing what it receives to a
Maildir, read back and parsed with the standard library.

    with smtp_server(tmp_path) as server:
        ...  # send through Django's SMTP backend to 127.0.0.1:server.port
        (message,) = server.wait_for(1)
"""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.worker import stop_group


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpServer:
    port: int
    maildir: Path
    process: subprocess.Popen[bytes]

    def messages(self) -> list[EmailMessage]:
        box = mailbox.Maildir(self.maildir, create=False)
        parser = BytesParser(policy=policy.default)
        found = [parser.parsebytes(box.get_bytes(key)) for key in box.keys()]
        return sorted(found, key=lambda m: (m["Date"] and m["Date"].datetime, m["Subject"]))

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """At least `count` messages, waiting up to `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages()
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"{len(found)} messages, {count} expected"
                return found
            time.sleep(0.1)

    def settings(self) -> dict[str, object]:
        """Django settings that send through this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    def env(self) -> dict[str, str]:
        """The same, as a worker process's environment."""
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "0"}


@contextmanager
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    maildir = tmp_path / "maildir"
    mailbox.Maildir(maildir, create=True)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(3) == b"220":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            stop_group(process, grace=1)
            pytest.fail(f"aiosmtpd did not start: {output}")
        time.sleep(0.1)
    try:
        yield SmtpServer(port, maildir, process)
    finally:
        stop_group(process, grace=5)
