"""The invite links from a terminal: ``invite``, ``invites`` and ``revoke``, run as a user runs
them (a subprocess on a copy of the demo's data folder)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from shortory_core.remote.batches import ingest_batch
from shortory_core.remote.invites import open_invite
from shortory_core.remote.viewer_sessions import start_viewing
from shortory_core.store import Store
from tests.remote_helpers import batch

ROOT = Path(__file__).resolve().parents[1]


def shortory(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shortory_core", "--data-dir", str(home),
                           *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_invite_list_and_revoke_from_the_terminal(demo_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    made = shortory(home, "invite", "1", "--viewer", "Ann", "--group", "A", "--expires", "7",
                    "--base-url", "https://panel.example.org/study/", "--json")
    assert made.returncode == 0, made.stderr
    link = json.loads(made.stdout)
    url = urlsplit(link["url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "panel.example.org", "/study/join")
    store = Store(home)
    invite = open_invite(store, parse_qs(url.query)["invite"][0])
    assert (invite.id, invite.viewer, invite.group) == (link["invite_id"], "Ann", "A")
    ingest_batch(store, start_viewing(store, invite, "").key, batch(range(4)))

    shown = shortory(home, "invite", "1", "--open")  # text: the whole link on its own line
    assert shown.returncode == 0, shown.stderr
    first, second = shown.stdout.splitlines()
    assert first.startswith("http://127.0.0.1:8501/join?invite=")
    assert "open to anyone" in second

    revoked = shortory(home, "revoke", "1", str(link["invite_id"]))
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    listed = json.loads(shortory(home, "invites", "1", "--json").stdout)["invites"]
    assert [(i["viewer"], i["state"], i["samples"]) for i in listed] == [
        ("(open link)", "sent", 0), ("Ann", "revoked", 4)]


def test_invite_refusals_are_one_line(demo_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    for args, said in ((("invite", "1"), "--viewer --open is required"),
                       (("invite", "1", "--viewer", "Ann", "--expires", "0"), "--expires"),
                       (("invite", "1", "--viewer", "Ann", "--base-url", "ftp://x"),
                        "not an http(s) address"),
                       (("invite", "No such project", "--open"), "No project named"),
                       (("revoke", "1", "99"), "No invite 99")):
        done = shortory(home, *args)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert said in done.stderr, done.stderr
