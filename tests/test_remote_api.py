"""The remote panel's Python API on the demo project: signed links, their states, viewing
sessions and sample batches refused whole or stored once."""

from __future__ import annotations

import json
import math
import stat
import time
from pathlib import Path

import pytest

from shortory_core.remote.batches import BatchRefused, ingest_batch
from shortory_core.remote.invites import (
    WATCHING_S,
    create_invite,
    invite_url,
    list_invites,
    note_opened,
    open_invite,
    revoke_invite,
)
from shortory_core.remote.refusals import RemoteRefused
from shortory_core.remote.tokens import SECRET_NAME, TokenClaims, make_token, server_secret
from shortory_core.remote.viewer_sessions import (
    finish_viewing,
    remote_sessions,
    start_viewing,
    withdraw,
)
from shortory_core.store import Store
from tests.remote_helpers import BAD_BATCHES, batch, demo_store, sample


@pytest.fixture
def panel_store(demo_home: Path, tmp_path: Path) -> Store:
    return demo_store(demo_home, tmp_path)


def demo(store: Store) -> int:
    project_id = store.demo_project_id()
    assert project_id is not None
    return project_id


def states(store: Store, project_id: int, now: float | None = None) -> dict[int, str]:
    return {s.invite.id: s.state for s in list_invites(store, project_id, now)}


def test_a_link_opens_its_invite_and_the_secret_is_private(panel_store: Store) -> None:
    invite = create_invite(panel_store, demo(panel_store), viewer="Ann", group="A")
    url = invite_url(invite, "https://panel.example.org/")
    assert url == f"https://panel.example.org/join?invite={invite.token}"
    opened = open_invite(panel_store, invite.token)
    assert opened == invite and opened.viewer == "Ann" and opened.group == "A"
    secret = panel_store.root / SECRET_NAME
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_bytes()) == 32
    made = secret.read_bytes()
    secret.chmod(0o644)  # copied carelessly: the next use makes it private again
    assert server_secret(panel_store.root) == made
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


@pytest.mark.parametrize("change", ["flip a bit of the signature", "flip a bit of the claims",
                                    "another server's secret", "garbage", "empty",
                                    "another invite's signature"])
def test_a_forged_token_opens_nothing(panel_store: Store, change: str) -> None:
    invite = create_invite(panel_store, demo(panel_store), viewer="Ann")
    other = create_invite(panel_store, demo(panel_store), viewer="Bob")
    body, mac = invite.token.split(".")

    def flip(text: str) -> str:
        return text[:5] + ("A" if text[5] != "A" else "B") + text[6:]

    forged = {
        "flip a bit of the signature": f"{body}.{flip(mac)}",
        "flip a bit of the claims": f"{flip(body)}.{mac}",
        "another server's secret": make_token(b"x" * 32, TokenClaims(
            invite.id, invite.project_id, invite.expires_at,
            json.loads(_claims(invite.token))["n"])),
        "garbage": "not.a-token!",
        "empty": "",
        "another invite's signature": f"{body}.{other.token.split('.')[1]}",
    }[change]
    with pytest.raises(RemoteRefused) as refused:
        open_invite(panel_store, forged)
    assert refused.value.status == 401 and "not valid" in refused.value.reason


def _claims(token: str) -> str:
    import base64

    body = token.split(".")[0]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def test_a_token_signed_for_another_project_or_a_deleted_invite_opens_nothing(
        panel_store: Store) -> None:
    """Even with the real secret (a bug elsewhere, a leaked link re-signed), the claims must
    name the very invite: its project, expiry and nonce."""
    project_a = demo(panel_store)
    project_b = panel_store.create_project("B")
    invite = create_invite(panel_store, project_a, viewer="Ann")
    nonce = json.loads(_claims(invite.token))["n"]
    secret = server_secret(panel_store.root)
    for claims in (TokenClaims(invite.id, project_b, invite.expires_at, nonce),
                   TokenClaims(invite.id, project_a, invite.expires_at + 86_400, nonce),
                   TokenClaims(invite.id, project_a, invite.expires_at, "another-nonce"),
                   TokenClaims(invite.id + 99, project_a, invite.expires_at, nonce)):
        with pytest.raises(RemoteRefused) as refused:
            open_invite(panel_store, make_token(secret, claims))
        assert refused.value.status == 401


def test_expired_and_revoked_links_are_refused_with_their_reason(panel_store: Store) -> None:
    project_id = demo(panel_store)
    brief = create_invite(panel_store, project_id, viewer="Ann", expires_days=1e-5)  # ~1 s
    revoked = create_invite(panel_store, project_id, viewer="Bob")
    revoke_invite(panel_store, revoked.id)
    later = time.time() + 5
    assert states(panel_store, project_id, later) == {brief.id: "expired",
                                                       revoked.id: "revoked"}
    with pytest.raises(RemoteRefused, match="withdrawn by whoever sent it"):
        open_invite(panel_store, revoked.token)
    with pytest.raises(RemoteRefused, match="at most 365 days"):
        create_invite(panel_store, project_id, viewer="Cy", expires_days=math.inf)
    with pytest.raises(RemoteRefused) as other:
        revoke_invite(panel_store, revoked.id, project_id=project_id + 1)
    assert other.value.status == 404


def test_an_expired_link_is_refused_once_its_time_is_past(panel_store: Store,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    invite = create_invite(panel_store, demo(panel_store), viewer="Ann", expires_days=1)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 2 * 86_400)
    with pytest.raises(RemoteRefused, match="expired") as refused:
        open_invite(panel_store, invite.token)
    assert refused.value.status == 403


def test_a_viewing_stores_each_sample_once_and_reads_done(panel_store: Store) -> None:
    project_id = demo(panel_store)
    invite = create_invite(panel_store, project_id, viewer="Ann", group="A")
    viewing = start_viewing(panel_store, invite, "ignored: the invite names the viewer")
    assert viewing.viewer == "Ann" and viewing.duration == 120.0
    assert states(panel_store, project_id) == {invite.id: "watching"}
    assert ingest_batch(panel_store, viewing.key, batch(range(10))).stored == 10
    replayed = ingest_batch(panel_store, viewing.key, batch(range(5, 15)))
    assert (replayed.stored, replayed.duplicates) == (5, 5)
    assert [p.name for p in panel_store.sample_parts(viewing.session_id)] == [
        "remote-000000000.parquet", "remote-000000010.parquet"]  # the new seqs only
    rows = panel_store.samples(viewing.session_id).to_pylist()
    assert [r["seq"] for r in rows] == list(range(15))
    assert rows[3]["dominant"] == "happy" and rows[3]["video_time"] == pytest.approx(0.6)
    session = finish_viewing(panel_store, viewing.key)
    assert session.status == "ended" and session.n_samples == 15
    assert [p.name for p in panel_store.sample_parts(viewing.session_id)] == [
        "compact-000000000-000000014.parquet"]  # its batches became one file
    assert panel_store.samples(viewing.session_id).to_pylist() == rows
    assert session.meta == {"group": "A", "remote": {"invite": invite.id, "group": "A"}}
    assert session.kind == "live"
    assert finish_viewing(panel_store, viewing.key).n_samples == 15  # twice is harmless
    assert states(panel_store, project_id) == {invite.id: "done"}
    listed = list_invites(panel_store, project_id)[0]
    assert (listed.sessions, listed.finished, listed.samples) == (1, 1, 15)
    with pytest.raises(BatchRefused, match="finished") as late:
        ingest_batch(panel_store, viewing.key, batch(range(15, 20)))
    assert late.value.status == 409


def test_a_closed_tab_is_partial_and_keeps_its_samples(panel_store: Store) -> None:
    project_id = demo(panel_store)
    invite = create_invite(panel_store, project_id, viewer=None)  # an open link
    viewing = start_viewing(panel_store, invite, "  Cleo  ")
    assert viewing.viewer == "Cleo"
    ingest_batch(panel_store, viewing.key, batch(range(20)))
    later = time.time() + WATCHING_S + 1
    assert states(panel_store, project_id, later) == {invite.id: "partial"}
    (listed,) = remote_sessions(panel_store, project_id, later)
    assert listed.state == "partial" and listed.session.n_samples == 20


def test_withdrawing_deletes_the_session_and_its_samples(panel_store: Store) -> None:
    project_id = demo(panel_store)
    invite = create_invite(panel_store, project_id, viewer="Ann")
    before = len(panel_store.sessions(project_id))
    viewing = start_viewing(panel_store, invite, "")
    ingest_batch(panel_store, viewing.key, batch(range(30)))
    finish_viewing(panel_store, viewing.key)
    folder = panel_store.sample_folder(viewing.session_id)
    assert folder.is_dir()
    withdraw(panel_store, viewing.key)
    assert not folder.exists()
    assert panel_store.session(viewing.session_id) is None
    assert panel_store.samples(viewing.session_id).to_pylist() == []
    assert len(panel_store.sessions(project_id)) == before
    assert states(panel_store, project_id) == {invite.id: "withdrawn"}
    with pytest.raises(BatchRefused, match="withdrawn") as gone:
        ingest_batch(panel_store, viewing.key, batch(range(30, 31)))
    assert gone.value.status == 401


def test_a_revoked_link_stops_taking_samples_and_keeps_what_it_took(panel_store: Store
                                                                    ) -> None:
    project_id = demo(panel_store)
    invite = create_invite(panel_store, project_id, viewer="Ann")
    viewing = start_viewing(panel_store, invite, "")
    ingest_batch(panel_store, viewing.key, batch(range(5)))
    revoke_invite(panel_store, invite.id)
    with pytest.raises(BatchRefused, match="revoked") as refused:
        ingest_batch(panel_store, viewing.key, batch(range(5, 10)))
    assert refused.value.status == 403
    with pytest.raises(RemoteRefused):
        start_viewing(panel_store, invite, "")
    assert panel_store.session(viewing.session_id).n_samples == 5


def test_deleting_the_project_deletes_its_invites_and_sessions(panel_store: Store) -> None:
    project_id = demo(panel_store)
    invite = create_invite(panel_store, project_id, viewer="Ann")
    viewing = start_viewing(panel_store, invite, "")
    ingest_batch(panel_store, viewing.key, batch(range(5)))
    panel_store.delete_project(project_id)
    with panel_store.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM remote_invites").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM remote_sessions").fetchone()[0] == 0
    with pytest.raises(RemoteRefused) as refused:
        open_invite(panel_store, invite.token)
    assert refused.value.status == 401


@pytest.mark.parametrize("name", BAD_BATCHES)
def test_a_bad_batch_is_refused_whole_with_its_reason(panel_store: Store, name: str) -> None:
    payload, status, reason = BAD_BATCHES[name]
    viewing = start_viewing(panel_store, create_invite(panel_store, demo(panel_store),
                                                       viewer="Ann"), "")
    if name == "too many samples":  # src may be 600 s only in a session that old
        with panel_store.transaction() as conn:
            conn.execute("UPDATE reaction_sessions SET started_at = started_at - 700")
    with pytest.raises(BatchRefused) as refused:
        ingest_batch(panel_store, viewing.key, payload)
    assert refused.value.status == status and reason in refused.value.reason, \
        refused.value.reason
    assert panel_store.samples(viewing.session_id).to_pylist() == []
    assert ingest_batch(panel_store, viewing.key, batch(range(3))).stored == 3


@pytest.mark.parametrize("last", [sample(9, t=500.0), sample(9, att=math.nan),
                                  sample(3), sample(9, emo=[1.0, 1.0, 0, 0, 0])])
def test_a_batch_whose_last_sample_is_bad_stores_none(panel_store: Store, last: dict
                                                      ) -> None:
    viewing = start_viewing(panel_store, create_invite(panel_store, demo(panel_store),
                                                       viewer="Ann"), "")
    with pytest.raises(BatchRefused):
        ingest_batch(panel_store, viewing.key,
                     {"seq0": 0, "samples": [sample(s) for s in range(9)] + [last]})
    assert panel_store.samples(viewing.session_id).to_pylist() == []


def test_a_resend_with_other_numbers_is_refused_and_changes_nothing(panel_store: Store
                                                                    ) -> None:
    viewing = start_viewing(panel_store, create_invite(panel_store, demo(panel_store),
                                                       viewer="Ann"), "")
    ingest_batch(panel_store, viewing.key, batch(range(10)))
    with pytest.raises(BatchRefused, match="seq 4 was already stored") as refused:
        ingest_batch(panel_store, viewing.key, {"seq0": 4, "samples": [
            sample(4, att=0.1), *(sample(s) for s in range(10, 15))]})
    assert refused.value.status == 409
    rows = panel_store.samples(viewing.session_id).to_pylist()
    assert len(rows) == 10 and rows[4]["attention"] == 0.8


def test_a_late_resend_fits_between_stored_batches(panel_store: Store) -> None:
    """Batch 2 arrived before batch 1 (a lost connection): batch 1 still fits."""
    viewing = start_viewing(panel_store, create_invite(panel_store, demo(panel_store),
                                                       viewer="Ann"), "")
    ingest_batch(panel_store, viewing.key, batch(range(10, 20)))
    assert ingest_batch(panel_store, viewing.key, batch(range(10))).stored == 10
    assert len(panel_store.samples(viewing.session_id).to_pylist()) == 20


def test_a_key_opens_only_its_own_session(panel_store: Store) -> None:
    """Two projects, a viewer each: a key writes only into its own session, and a key of
    another session, or none, opens nothing."""
    project_a = demo(panel_store)
    project_b = panel_store.create_project("B")
    with panel_store.transaction() as conn:  # B gets a video too: the demo's file
        conn.execute("INSERT INTO videos (project_id, path, duration) SELECT ?, path, 30 "
                     "FROM videos WHERE project_id = ?", (project_b, project_a))
    ann = start_viewing(panel_store, create_invite(panel_store, project_a, viewer="Ann"), "")
    bob = start_viewing(panel_store, create_invite(panel_store, project_b, viewer="Bob"), "")
    ingest_batch(panel_store, ann.key, batch(range(5), t=60.0))  # fine in A's 120 s
    with pytest.raises(BatchRefused, match="past the video's end"):
        ingest_batch(panel_store, bob.key, batch(range(5), t=60.0))  # B's video is 30 s
    assert panel_store.session(ann.session_id).project_id == project_a
    assert panel_store.samples(bob.session_id).to_pylist() == []
    for key in (ann.key[:-2] + "xx", "", "k" * 43):
        with pytest.raises(BatchRefused) as refused:
            ingest_batch(panel_store, key, batch(range(5, 6)))
        assert refused.value.status == 401


def test_a_viewing_begun_in_time_outlives_its_link_only_by_the_grace(
        panel_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    invite = create_invite(panel_store, demo(panel_store), viewer="Ann", expires_days=0.5)
    viewing = start_viewing(panel_store, invite, "")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 0.5 * 86_400 + 60)  # just expired
    with pytest.raises(RemoteRefused, match="expired"):
        open_invite(panel_store, invite.token)
    assert ingest_batch(panel_store, viewing.key, batch(range(5))).stored == 5
    monkeypatch.setattr(time, "time", lambda: real() + 86_400)  # long past the grace
    with pytest.raises(BatchRefused, match="expired") as refused:
        ingest_batch(panel_store, viewing.key, batch(range(5, 10)))
    assert refused.value.status == 403


def test_a_link_starts_only_so_many_viewings(panel_store: Store,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from shortory_core.remote import viewer_sessions

    monkeypatch.setitem(viewer_sessions.MAX_SESSIONS, "open", 2)
    invite = create_invite(panel_store, demo(panel_store), viewer=None)
    start_viewing(panel_store, invite, "Ann")
    start_viewing(panel_store, invite, "Bob")
    with pytest.raises(RemoteRefused, match="used as often") as refused:
        start_viewing(panel_store, invite, "Cy")
    assert refused.value.status == 429
    fresh = create_invite(panel_store, demo(panel_store), viewer=None)
    with pytest.raises(RemoteRefused, match="control character"):  # a typed name is checked
        start_viewing(panel_store, fresh, "Ann\x1b[31m")


def test_a_link_is_listed_as_given_out_and_as_opened_once_a_viewer_opens_it(
        demo_home, tmp_path) -> None:
    """The list shows the very link that was sent (its address kept), and a viewer who opened
    it but never started watching reads "opened", not "sent"."""
    store = demo_store(demo_home, tmp_path)
    invite = create_invite(store, 1, viewer="Dan", base_url="https://study.example.org/")
    assert invite_url(invite, "http://127.0.0.1:8650") == (
        f"https://study.example.org/join?invite={invite.token}")
    (status,) = list_invites(store, 1)
    assert status.state == "sent"
    note_opened(store, open_invite(store, invite.token))
    (status,) = list_invites(store, 1)
    assert status.state == "opened" and status.invite.opened_at is not None
    assert invite_url(status.invite, "http://elsewhere") == invite_url(invite, "")
