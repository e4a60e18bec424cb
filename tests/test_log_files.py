"""The stack's logs stay bounded and hold no credential, whatever is written to them."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from urllib.parse import quote, quote_plus

from helpers.basics.redaction import redact_credentials, secrets_in
from helpers.emulator.core.log_files import BoundedLog, StackLogHandler, rolled_over

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
OTLP_TOKEN = "Zm9vYmFyLW90bHAtdG9rZW4tZXhhbXBsZQ"


def test_a_runtime_log_written_by_many_threads_rolls_over_and_loses_no_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "runtime-x.log"
    log = BoundedLog(path, max_bytes=10_000)
    lines = [f"writer {writer} line {number:04d}\n" for writer in range(4) for number in range(500)]

    def write(writer: int) -> None:
        for line in lines[writer * 500 : (writer + 1) * 500]:
            log.write(line)

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    newest = path.read_text().splitlines()
    assert path.stat().st_size < 10_000 + 100 and rolled_over(path).stat().st_size < 10_100
    assert newest and all(line + "\n" in lines for line in newest)
    assert sorted(path.parent.iterdir()) == [path, rolled_over(path)]


def test_a_removed_runtime_log_is_started_again(tmp_path: Path) -> None:
    path = tmp_path / "runtime-x.log"
    log = BoundedLog.at(path)
    assert BoundedLog.at(path) is log
    log.write("before\n")
    path.unlink()
    log.write("after\n")
    assert path.read_text() == "after\n"


def test_the_stack_log_rolls_over_and_takes_stderr_with_it(tmp_path: Path) -> None:
    path = tmp_path / "stack.log"
    handler = StackLogHandler(path, max_bytes=2_000)
    logger = logging.getLogger("test.stack-log")
    logger.addHandler(handler)
    logger.propagate = False

    saved = os.dup(1), os.dup(2)
    try:
        for number in range(200):
            logger.warning("refused runtime x: malformed token %d", number)
        os.write(2, b"a stray traceback line\n")
    finally:
        logger.removeHandler(handler)
        handler.close()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    assert path.stat().st_size < 2_100 and rolled_over(path).exists()
    assert path.read_text().endswith("a stray traceback line\n")


def test_redaction_covers_what_the_stack_hands_an_agent() -> None:
    environment = {
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
        "OTEL_EXPORTER_OTLP_HEADERS": "authorization=" + quote(f"Bearer {OTLP_TOKEN}"),
        "AWS_REGION": "us-east-1",
    }
    printed = (
        f"{environment}\n"
        f"key={quote(AWS_SECRET, safe='')} form={quote_plus(AWS_SECRET)}\n"
        f"header: bearer {OTLP_TOKEN}; query: ?auth=Bearer+{OTLP_TOKEN}&x=1\n"
    )
    redacted = redact_credentials(printed, secrets_in(environment))
    assert AWS_SECRET not in redacted and OTLP_TOKEN not in redacted
    assert quote(AWS_SECRET, safe="") not in redacted
    assert "us-east-1" in redacted and "(redacted)" in redacted
