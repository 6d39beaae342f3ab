"""Sample batches from viewers' browsers: checked whole, stored whole, each sample once.

A batch is ``{"seq0": int, "samples": [...]}`` (the contract's wire format; ``seq0`` is the
first sample's ``seq``). Everything that can be checked without the database is checked first
(shape, types, NaN, ranges, sizes), so a malformed batch never takes the write lock; the rest
(the session's state, the video's length, resends, rates) is checked in the one transaction
that stores the batch. Any refusal stores nothing: never half a batch.

Resending is normal (a lost connection resends the same seqs): a sample already stored with
the same numbers is counted as a duplicate and skipped. The same seq with other numbers is a
client bug or forgery, refused (409) rather than silently replacing what was measured.

The new samples of a batch are one Parquet part keyed by their first seq (``remote-…``),
written and recorded while the batch's transaction holds the write lock. What is compared
against is read from the parts whose seq ranges (``sample_parts``) touch the batch, and the
session's last part: never the whole session.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

import pyarrow as pa
import pyarrow.compute as pc

from shortory_core.records import PRODUCT_EMOTIONS
from shortory_core.remote.refusals import BatchRefused, RemoteRefused
from shortory_core.remote.viewer_sessions import SESSION_GRACE_S, SessionGrant, find_session
from shortory_core.store import Store
from shortory_core.store.db import record_parts_on
from shortory_core.store.sample_files import (
    SAMPLE_COLUMNS,
    SAMPLE_SCHEMA,
    read_parts,
    sample_table,
    seq_key,
)

MAX_SAMPLES = 600
MAX_BATCH_BYTES = 256 * 1024
MAX_SEQ = 2**31 - 1
MAX_FACES = 64
MAX_RATE_HZ = 30.0  # samples per second of the session's own clock (src), all batches
RATE_BURST = 60  # samples allowed beyond that rate (the first second's frames)
SRC_BACK_S = 1.0  # src may step back this much (clock jitter), not more
CLOCK_AHEAD_S = 300.0  # src may run ahead of the server's clock since start_viewing this much
VIDEO_PAST_S = 1.0  # t may exceed the video's duration this much (the last frame's stamp)
SUM_SLACK = 0.02  # emotions sum to 1 within this (float32 softmax rounding)
FIELDS = frozenset(("seq", "t", "src", "paused", "face", "n", "emo", "att", "head", "eyes",
                    "gaze"))


@dataclass(frozen=True)
class Receipt:
    """What a batch did: samples newly stored and samples already there (a resend)."""

    stored: int
    duplicates: int


def ingest_batch(store: Store, key: str, payload: Mapping) -> Receipt:
    """Store a batch for the session of ``key``, all of it or (``BatchRefused``) none."""
    rows = parse_batch(payload)
    now = time.time()
    with store.transaction() as conn:
        try:
            grant = find_session(conn, key)
        except RemoteRefused as exc:
            raise BatchRefused(exc.reason, exc.status) from None
        _check_grant(grant, now)
        _check_times(rows, grant, now)
        near = _stored_near(store, conn, grant.session_id, rows[0][0], rows[-1][0])
        batch = set(r[0] for r in rows)
        stored = {r[0]: r for r in near.rows if r[0] in batch}
        fresh = [r for r in rows if r[0] not in stored]
        changed = next((r[0] for r in rows if r[0] in stored and stored[r[0]] != r), None)
        if changed is not None:
            raise BatchRefused(f"Sample seq {changed} was already stored with other numbers; "
                               "a resend must repeat a sample exactly.", 409)
        if fresh:
            _check_order(near.rows, fresh)
            _check_rate(near, fresh)
            table = sample_table(grant.session_id,
                                 (dict(zip(SAMPLE_COLUMNS, r, strict=True)) for r in fresh))
            part = store.write_part_file(grant.session_id, seq_key("remote", fresh[0][0]),
                                         table)
            record_parts_on(conn, grant.session_id, [part])
        conn.execute("UPDATE remote_sessions SET last_seen = ? WHERE session_id = ?",
                     (now, grant.session_id))
    return Receipt(stored=len(fresh), duplicates=len(rows) - len(fresh))


def parse_batch(payload: object) -> list[tuple]:
    """The batch's samples as rows in ``SAMPLE_COLUMNS`` order, sorted by seq, or
    ``BatchRefused`` naming the first thing wrong (nothing here reads the database)."""
    if not isinstance(payload, Mapping) or set(payload) != {"seq0", "samples"}:
        raise BatchRefused('A batch is a JSON object {"seq0": int, "samples": [...]}.')
    try:
        size = len(json.dumps(payload, separators=(",", ":")).encode())
    except (TypeError, ValueError):
        raise BatchRefused("A batch holds only JSON values.") from None
    if size > MAX_BATCH_BYTES:
        raise BatchRefused(f"A batch is at most {MAX_BATCH_BYTES // 1024} KiB, not "
                           f"{size / 1024:.0f} KiB.", 413)
    samples = payload["samples"]
    if not isinstance(samples, list):
        raise BatchRefused('"samples" is a list of samples.')
    if len(samples) > MAX_SAMPLES:
        raise BatchRefused(f"A batch holds at most {MAX_SAMPLES} samples, not "
                           f"{len(samples)}.", 413)
    rows = sorted((_sample(i, s) for i, s in enumerate(samples)), key=lambda r: r[0])
    seq0 = payload["seq0"]
    if not _is_int(seq0) or (rows and seq0 != min(r[0] for r in rows)) or seq0 < 0:
        raise BatchRefused('"seq0" is the batch\'s first seq (an integer, 0 or more).')
    repeated = next((a[0] for a, b in pairwise(rows) if a[0] == b[0]),
                    None)
    if repeated is not None:
        raise BatchRefused(f"Seq {repeated} appears twice in one batch; each sample has its "
                           "own seq.")
    return rows


def _sample(index: int, sample: object) -> tuple:
    where = f"Sample {index}"
    if not isinstance(sample, dict) or set(sample) != FIELDS:
        raise BatchRefused(f"{where} is an object with exactly the keys "
                           f"{', '.join(sorted(FIELDS))}.")
    seq = sample["seq"]
    if not _is_int(seq) or not 0 <= seq <= MAX_SEQ:
        raise BatchRefused(f"{where}: seq is an integer from 0 to {MAX_SEQ}.")
    where = f"Sample seq {seq}"
    t, src = _number(sample, "t", where), _number(sample, "src", where)
    if t < 0 or src < 0:
        raise BatchRefused(f"{where}: times (t, src) are 0 or more.")
    paused, face = sample["paused"], sample["face"]
    if not (isinstance(paused, bool) and isinstance(face, bool)):
        raise BatchRefused(f"{where}: paused and face are true or false.")
    n = sample["n"]
    if not _is_int(n) or not 0 <= n <= MAX_FACES:
        raise BatchRefused(f"{where}: n (faces seen) is an integer from 0 to {MAX_FACES}.")
    emotions = _emotions(sample["emo"], face, where)
    att, head, eyes = (_share(sample, k, where) for k in ("att", "head", "eyes"))
    gaze = None if sample["gaze"] is None else _share(sample, "gaze", where)
    dominant = None if emotions is None else \
        PRODUCT_EMOTIONS[max(range(len(emotions)), key=emotions.__getitem__)]
    return (seq, t, src, int(paused), int(face), n, *(emotions or (None,) * 5), dominant,
            att, head, eyes, gaze)


def _emotions(value: object, face: bool, where: str) -> list[float] | None:
    """The five product emotions (``PRODUCT_EMOTIONS`` order), present exactly when a face
    was found, each 0..1, summing to 1."""
    if not face:
        if value is not None:
            raise BatchRefused(f"{where}: emo is null when no face was found.")
        return None
    if not isinstance(value, list) or len(value) != len(PRODUCT_EMOTIONS):
        raise BatchRefused(f"{where}: emo is a list of {len(PRODUCT_EMOTIONS)} probabilities "
                           f"({', '.join(PRODUCT_EMOTIONS)}) when a face was found.")
    values = [_finite(v, f"{where}: emo") for v in value]
    if any(not 0 <= v <= 1 for v in values) or abs(sum(values) - 1) > SUM_SLACK:
        raise BatchRefused(f"{where}: emo holds probabilities (0 to 1) that sum to 1.")
    return values


def _share(sample: dict, key: str, where: str) -> float:
    value = _number(sample, key, where)
    if not 0 <= value <= 1:
        raise BatchRefused(f"{where}: {key} is from 0 to 1, not {value:g}.")
    return value


def _number(sample: dict, key: str, where: str) -> float:
    return _finite(sample[key], f"{where}: {key}")


def _finite(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value):
        raise BatchRefused(f"{what} is a finite number (not NaN or infinity).")
    return float(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_grant(grant: SessionGrant, now: float) -> None:
    """A finished session takes no more; a revoked link none; an expired one for
    ``SESSION_GRACE_S`` more (its sessions began before it expired: nobody starts one
    after)."""
    if grant.finished_at is not None:
        raise BatchRefused("This viewing has finished; it takes no more samples.", 409)
    if grant.revoked_at is not None:
        raise BatchRefused("This link was revoked; it takes no more samples.", 403)
    if now > grant.expires_at + SESSION_GRACE_S:
        raise BatchRefused("This link has expired; it takes no more samples.", 403)


def _check_times(rows: list[tuple], grant: SessionGrant, now: float) -> None:
    """Video times inside the video; session times no later than the server's clock allows."""
    end = grant.duration + VIDEO_PAST_S
    late = next((r for r in rows if r[1] > end), None)
    if late is not None:
        raise BatchRefused(f"Sample seq {late[0]}: t = {late[1]:.2f} s is past the video's "
                           f"end ({grant.duration:.2f} s).")
    ahead = now - grant.started_at + CLOCK_AHEAD_S
    early = next((r for r in rows if r[2] > ahead), None)
    if early is not None:
        raise BatchRefused(f"Sample seq {early[0]}: src = {early[2]:.1f} s is later than "
                           f"this session has existed ({now - grant.started_at:.0f} s).")


@dataclass(frozen=True)
class Stored:
    """What a batch is checked against: the stored samples (rows in ``SAMPLE_COLUMNS``
    order) of the parts near its seqs, the session's count and its latest session time."""

    rows: list[tuple]
    count: int
    latest: float | None


def _stored_near(store: Store, conn: sqlite3.Connection, session_id: int, first: int,
                 last: int) -> Stored:
    """The parts that can hold the batch's seqs or the stored seqs just before and after
    them, plus the session's last part (its latest src), read on the batch's transaction.

    The window runs from the highest first seq below ``first`` to the lowest last seq above
    ``last``: the part holding the nearest stored seq on either side always overlaps it."""
    parts = conn.execute("SELECT name, rows, first_seq, last_seq FROM sample_parts WHERE "
                         "session_id = ? ORDER BY first_seq", (session_id,)).fetchall()
    if not parts:
        return Stored([], 0, None)
    low = max((p["first_seq"] for p in parts if p["first_seq"] < first), default=first)
    high = min((p["last_seq"] for p in parts if p["last_seq"] > last), default=last)
    final = max(parts, key=lambda p: p["last_seq"])
    wanted = [p for p in parts if (p["first_seq"] <= high and p["last_seq"] >= low)
              or p is final]
    folder = store.sample_folder(session_id)
    table = read_parts(session_id, [folder / p["name"] for p in wanted])
    finals = table.filter(pc.and_(pc.greater_equal(table["seq"], final["first_seq"]),
                                  pc.less_equal(table["seq"], final["last_seq"])))
    latest = pc.max(finals["source_time"]).as_py()
    return Stored(_as_rows(table), sum(p["rows"] for p in parts), latest)


def _as_rows(table: pa.Table) -> list[tuple]:
    """``SAMPLE_SCHEMA`` rows as tuples in ``SAMPLE_COLUMNS`` order (as ``parse_batch``)."""
    columns = [table[c].to_pylist() for c in SAMPLE_SCHEMA.names[1:]]
    return list(zip(*columns, strict=True))


def _check_order(stored: list[tuple], fresh: list[tuple]) -> None:
    """Session time (src) runs forward with seq, within ``SRC_BACK_S``: inside the batch and
    against the stored samples just before and after it (a batch resent late fits between
    them)."""
    before = max((r[2] for r in stored if r[0] < fresh[0][0]), default=None)
    after = min((r[2] for r in stored if r[0] > fresh[-1][0]), default=None)
    srcs = [before if before is not None else 0.0, *(r[2] for r in fresh)]
    srcs += [after] if after is not None else []
    back = next((i for i, (a, b) in enumerate(pairwise(srcs))
                 if b < a - SRC_BACK_S), None)
    if back is not None:
        raise BatchRefused(f"Session time (src) goes back {srcs[back] - srcs[back + 1]:.1f} s "
                           "between samples; it runs forward with seq.")


def _check_rate(stored: Stored, fresh: list[tuple]) -> None:
    """At most ``MAX_RATE_HZ`` samples per second of session time, over the whole session."""
    total = stored.count + len(fresh)
    span = max(stored.latest or 0.0, max(r[2] for r in fresh))
    if total > MAX_RATE_HZ * span + RATE_BURST:
        raise BatchRefused(f"{total} samples in {span:.1f} s of session time is more than "
                           f"{MAX_RATE_HZ:g} a second.", 429)
