"""Clear errors at the edges, and what the cleaning code never does (issue 7).

Unusable arguments exit non-zero with one sentence and no traceback. The cleaning code never opens a
network connection, never runs or unpickles input, and never opens a file outside the raw folder:
checked with Python's audit hooks (every ``open``, socket, subprocess, ``exec``/``compile`` and
``pickle`` event is recorded) and a loopback listener that hostile inputs point at (libxml2 fetching
a DTD would not pass through Python's hooks, but would knock on the listener).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import RAW, ROOT, SEEDS
from tests.flows.test_cli import run_cli


def _unwritable_output(tmp_path) -> str:
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        return str(locked / "out")
    return "/proc/presswash-out"  # root writes anywhere a permission allows; /proc takes no new files


@pytest.mark.parametrize(
    "case, message",
    [
        ("raw-is-a-file", "raw folder '{raw}' is not a folder"),
        ("out-is-a-file", "output path '{out}' exists and is not a folder"),
        ("out-unwritable", "output folder '{out}' is not writable"),
        ("out-is-raw", "is inside the raw folder"),
        ("bad-budget", "argument --time-budget: must be a positive number of seconds, got 0"),
        ("unknown-option", "unrecognized arguments: --follow-links"),
    ],
)
def test_unusable_arguments_say_so_in_one_sentence(case, message, tmp_path):
    raw, out, extra = str(RAW), str(tmp_path / "out"), []
    if case == "raw-is-a-file":
        raw = str(RAW / SEEDS["000"])
    elif case == "out-is-a-file":
        (tmp_path / "a-file").write_text("not a folder")
        out = str(tmp_path / "a-file")
    elif case == "out-unwritable":
        out = _unwritable_output(tmp_path)
    elif case == "out-is-raw":
        out = raw
    elif case == "bad-budget":
        extra = ["--time-budget", "0"]
    elif case == "unknown-option":
        extra = ["--follow-links"]
    result = run_cli("clean", raw, "--out", out, *extra)
    assert result.returncode == 2
    *usage, last = result.stderr.splitlines()
    assert last.startswith("presswash") and message.format(raw=raw, out=out) in last
    assert not usage or usage[0].startswith("usage: presswash")  # argparse shows its usage first
    assert "Traceback" not in result.stderr
    assert not (RAW / ".presswash").exists()


_SANDBOX = r"""
import json, os, socket, sys, tempfile
from cleaners.corpus import clean_directory

raw, out, seeds, scratch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
clean_directory(seeds, scratch)  # every step once, so that lazy imports happen before the hooks
# allowed: the library's own code and data, RAW and OUT, and the run's work folder in the temp dir
allowed = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, raw, out})
allowed += (os.path.join(os.path.realpath(tempfile.gettempdir()), "presswash-"),)
events = []
WATCH = ("socket.", "urllib.", "http.", "ftplib.", "smtplib.", "subprocess.", "os.system", "os.exec", "os.posix_spawn",
         "os.spawn", "os.fork", "pickle.", "marshal.load", "ctypes.", "webbrowser.")

def hook(event, args):
    if event == "open":
        path = args[0]
        if isinstance(path, (str, bytes)) and not isinstance(path, int):
            real = os.path.realpath(os.fsdecode(path))
            if not (real + os.sep).startswith(allowed) and not real.startswith(("/dev/urandom", "/proc/self")):
                events.append(("open", real))
    elif event in ("exec", "compile"):
        code = args[0]
        filename = getattr(code, "co_filename", None) or (args[1] if len(args) > 1 else "?")
        if not os.fsdecode(filename).startswith(tuple(p.rstrip(os.sep) for p in allowed)):
            events.append((event, str(filename)))
    elif event.startswith(WATCH):
        events.append((event, repr(args)[:120]))

sys.addaudithook(hook)
report = clean_directory(raw, out)
print(json.dumps({"events": events, "balance": report["balance"]}))
"""


def test_cleaning_hostile_input_opens_nothing_outside_and_never_touches_the_network(tmp_path):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    raw, out, outside = tmp_path / "raw", tmp_path / "out", tmp_path / "outside"
    raw.mkdir()
    out.mkdir()  # (else the writability probe looks at its parent: a legitimate open outside raw and out)
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("TOPSECRET never to be read")
    body = "<p>" + "The council voted to restore the lighthouse on the breakwater. " * 3 + "</p>"
    files = {
        "page.html": f'<!DOCTYPE html SYSTEM "{url}/page.dtd"><html><head><link rel="stylesheet" href="{url}/s.css">'
                     f'<script src="{url}/x.js"></script><base href="{url}/"><meta http-equiv="refresh" content="0;url={url}/r">'
                     f'</head><body><article>{body}<img src="{url}/i.png"><iframe src="{url}/f"></iframe>'
                     f'<object data="{url}/o"></object></article></body></html>',
        "feed.xml": f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{url}/rss.dtd"><rss><channel><item><title>t</title>'
                    f"<description>{body}</description></item></channel></rss>",
        "xxe.xml": f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a SYSTEM "file://{secret}"><!ENTITY b SYSTEM "{url}/b">]>'
                   f"<rss><channel><item><title>&a;&b;</title></item></channel></rss>",
        "xinclude.html": f'<html xmlns:xi="http://www.w3.org/2001/XInclude"><body><article>{body}'
                         f'<xi:include href="file://{secret}" parse="text"/><xi:include href="{url}/inc"/></article></body></html>',
        "post.json": json.dumps({"id": 1, "link": f"{url}/post/", "guid": {"rendered": f"{url}/?p=1"},
                                 "title": {"rendered": "Hi"}, "content": {"rendered": body + f'<img src="{url}/j.png">'}}),
        "pickle.bin": b"\x80\x04\x95\x1e\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x02id\x94\x85\x94R\x94.".decode("latin-1"),
        "python.txt": "__import__('os').system('touch pwned') # " + "Some words of text here. " * 5,
    }
    for name, content in files.items():
        (raw / name).write_text(content, encoding="utf-8" if name != "pickle.bin" else "latin-1")
    os.symlink(secret, raw / "link-out.txt")
    result = subprocess.run(
        [sys.executable, "-c", _SANDBOX, str(raw), str(out), str(RAW), str(tmp_path / "scratch")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["events"] == [], report["events"]
    assert report["balance"]["holds"]
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody knocked
    listener.close()
    assert "TOPSECRET" not in (out / "documents.jsonl").read_text() + (out / "rejected.jsonl").read_text()
    assert not (tmp_path / "pwned").exists() and not (raw / "pwned").exists()
