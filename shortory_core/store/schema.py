"""The database schema as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a database has had. A migration is never edited
once released: a change to the schema is a new entry at the end of ``MIGRATIONS``.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: projects, their one source video, and the comments about it.
    """
    CREATE TABLE projects (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        created_at  REAL NOT NULL,
        is_demo     INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE videos (
        project_id  INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        source_url  TEXT NOT NULL DEFAULT '',
        title       TEXT NOT NULL DEFAULT '',
        duration    REAL NOT NULL,
        width       INTEGER NOT NULL DEFAULT 0,
        height      INTEGER NOT NULL DEFAULT 0,
        fps         REAL NOT NULL DEFAULT 0,
        has_audio   INTEGER NOT NULL DEFAULT 0,
        heatmap     TEXT NOT NULL DEFAULT '[]',
        chapters    TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE comments (
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        cid         TEXT NOT NULL,
        parent_cid  TEXT,
        author      TEXT NOT NULL DEFAULT '',
        text        TEXT NOT NULL,
        likes       INTEGER NOT NULL DEFAULT 0,
        is_reply    INTEGER NOT NULL DEFAULT 0,
        published   TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (project_id, cid)
    );
    """,
    # 2: viewers' reactions (live or recorded), found moments, rendered clips.
    """
    CREATE TABLE reaction_sessions (
        id          INTEGER PRIMARY KEY,
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        viewer      TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('live', 'recording')),
        source_path TEXT NOT NULL DEFAULT '',
        time_offset REAL NOT NULL DEFAULT 0,
        status      TEXT NOT NULL DEFAULT 'pending',
        started_at  REAL NOT NULL,
        ended_at    REAL,
        meta        TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE reaction_samples (
        session_id  INTEGER NOT NULL REFERENCES reaction_sessions(id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        video_time  REAL NOT NULL,
        source_time REAL NOT NULL,
        paused      INTEGER NOT NULL DEFAULT 0,
        face_found  INTEGER NOT NULL,
        n_faces     INTEGER NOT NULL,
        happy       REAL, sad REAL, angry REAL, neutral REAL, surprise REAL,
        dominant    TEXT,
        attention   REAL,
        head_pose   REAL, eyes_open REAL, gaze REAL,
        PRIMARY KEY (session_id, seq)
    );
    CREATE INDEX reaction_samples_time ON reaction_samples(session_id, video_time);
    CREATE TABLE moments (
        id          INTEGER PRIMARY KEY,
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        start_time  REAL NOT NULL,
        end_time    REAL NOT NULL,
        centre      REAL NOT NULL,
        score       REAL NOT NULL,
        label       TEXT NOT NULL DEFAULT '',
        data        TEXT NOT NULL DEFAULT '{}',
        created_at  REAL NOT NULL
    );
    CREATE TABLE clips (
        id          INTEGER PRIMARY KEY,
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        start_time  REAL NOT NULL,
        end_time    REAL NOT NULL,
        score       REAL NOT NULL DEFAULT 0,
        label       TEXT NOT NULL DEFAULT '',
        mode        TEXT NOT NULL DEFAULT 'exact',
        vertical    INTEGER NOT NULL DEFAULT 0,
        path        TEXT NOT NULL DEFAULT '',
        status      TEXT NOT NULL DEFAULT 'queued',
        error       TEXT NOT NULL DEFAULT '',
        meta        TEXT NOT NULL DEFAULT '{}',
        created_at  REAL NOT NULL
    );
    """,
    # 3: background jobs (jobs/): what runs, for whom, how far it got, and which process owns it.
    """
    CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        project_id  INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        subject_id  INTEGER,
        params      TEXT NOT NULL DEFAULT '{}',
        status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
                      ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        progress    REAL NOT NULL DEFAULT 0,
        message     TEXT NOT NULL DEFAULT '',
        error       TEXT NOT NULL DEFAULT '',
        result      TEXT NOT NULL DEFAULT '{}',
        owner_host  TEXT NOT NULL DEFAULT '',
        owner_pid   INTEGER NOT NULL DEFAULT 0,
        owner_start TEXT NOT NULL DEFAULT '',
        heartbeat   REAL NOT NULL DEFAULT 0,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        attempts    INTEGER NOT NULL DEFAULT 1,
        created_at  REAL NOT NULL,
        started_at  REAL,
        ended_at    REAL
    );
    CREATE INDEX jobs_status ON jobs(status);
    CREATE INDEX jobs_project ON jobs(project_id, kind);
    UPDATE clips SET status = 'failed', error = 'interrupted: stopped before it was rendered'
        WHERE status IN ('queued', 'rendering');
    UPDATE reaction_sessions SET status = 'failed' WHERE status = 'analysing';
    """,
    # 4: what each comment import read and skipped, kept for the project page.
    """
    CREATE TABLE comment_imports (
        id          INTEGER PRIMARY KEY,
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        created_at  REAL NOT NULL,
        report      TEXT NOT NULL
    );
    """,
    # 5: the small preview the pages show instead of a big original (clips/preview.py).
    """
    ALTER TABLE videos ADD COLUMN preview TEXT NOT NULL DEFAULT '';
    """,
    # 6: the comments' time references, extracted once per import (signals/stored_mentions.py),
    # and the most-liked comments listed without sorting them all.
    """
    CREATE TABLE mention_sets (
        project_id  INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
        comments    INTEGER NOT NULL,
        rules       TEXT NOT NULL,
        refs        BLOB NOT NULL,
        quoted      BLOB NOT NULL
    );
    CREATE INDEX comments_by_likes ON comments(project_id, likes DESC);
    """,
    # 7: each page's settings per project (sliders, toggles), kept across pages and restarts.
    """
    CREATE TABLE page_settings (
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        page        TEXT NOT NULL,
        data        TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (project_id, page)
    );
    """,
    # 8: viewer profiles (vision/profiles.py), one per viewer name and emotion model: a
    # profile's prototypes live in one model's feature space.
    """
    CREATE TABLE viewer_profiles (
        viewer      TEXT NOT NULL,
        model       TEXT NOT NULL,
        data        TEXT NOT NULL,
        created_at  REAL NOT NULL,
        PRIMARY KEY (viewer, model)
    );
    """,
    # 9: found moments were kept in a table that nothing read (the pages and commands find
    # them again from the comments and the timeline each time); it goes.
    """
    DROP TABLE moments;
    """,
    # 10: one unit of work, once. A batch row's session has a work key (its recording, viewer,
    # offset and group), unique per project, so two runs of one manifest, or a resumed one,
    # find the same session instead of making another. A job may hold a claim (an analysis of
    # session 7) that no other active job holds, so two processes never do the same work at
    # once. Sessions that batches made before get their key; of a key's duplicates the
    # analysed one, else the oldest, keeps it.
    """
    ALTER TABLE reaction_sessions ADD COLUMN work_key TEXT;
    UPDATE reaction_sessions SET work_key = keyed.work_key FROM (
        SELECT id, work_key, ROW_NUMBER() OVER (
            PARTITION BY project_id, work_key
            ORDER BY status = 'analysed' DESC, id) AS rank
        FROM (SELECT id, project_id, status, json_array(
                  json_extract(meta, '$.media_url'), viewer, time_offset,
                  COALESCE(json_extract(meta, '$.group'), '')) AS work_key
              FROM reaction_sessions
              WHERE kind = 'recording' AND json_extract(meta, '$.media_url') IS NOT NULL)
    ) AS keyed WHERE reaction_sessions.id = keyed.id AND keyed.rank = 1;
    CREATE UNIQUE INDEX reaction_sessions_work ON reaction_sessions(project_id, work_key)
        WHERE work_key IS NOT NULL;
    ALTER TABLE jobs ADD COLUMN claim TEXT;
    CREATE UNIQUE INDEX jobs_claim ON jobs(claim)
        WHERE claim IS NOT NULL AND status IN ('queued', 'running');
    """,
    # 11: the remote panel (remote/). An invite is a link for one viewer (``viewer``) or an
    # open one (NULL: the viewer types a name); its token carries ``nonce``, so a token of a
    # deleted invite never opens another that reuses the id. A remote viewer's session is an
    # ordinary live session plus its row here: the session key's SHA-256 (the key itself is
    # given to the browser once), when it was last heard from and whether it finished.
    # ``withdrawn`` counts the viewers who withdrew (their sessions are gone); ``base_url`` is
    # the address the link was given out with, ``opened_at`` when a viewer first opened it.
    # Deleting a project deletes its invites; deleting a session deletes its row here.
    """
    CREATE TABLE remote_invites (
        id          INTEGER PRIMARY KEY,
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        viewer      TEXT,
        viewer_group TEXT NOT NULL DEFAULT '',
        nonce       TEXT NOT NULL UNIQUE,
        created_at  REAL NOT NULL,
        expires_at  REAL NOT NULL,
        revoked_at  REAL,
        withdrawn   INTEGER NOT NULL DEFAULT 0,
        base_url    TEXT NOT NULL DEFAULT '',
        opened_at   REAL
    );
    CREATE INDEX remote_invites_project ON remote_invites(project_id);
    CREATE TABLE remote_sessions (
        session_id  INTEGER PRIMARY KEY REFERENCES reaction_sessions(id) ON DELETE CASCADE,
        invite_id   INTEGER NOT NULL REFERENCES remote_invites(id) ON DELETE CASCADE,
        key_hash    TEXT NOT NULL UNIQUE,
        last_seen   REAL NOT NULL,
        finished_at REAL
    );
    CREATE INDEX remote_sessions_invite ON remote_sessions(invite_id);
    """,
    # 12: reaction samples move to Parquet files (store/sample_files.py); this lists the files
    # that count, one row per written part, with what a reader prunes by (seqs, video times).
    # ``reaction_samples`` stays for stores made before: their rows move into files once.
    """
    CREATE TABLE sample_parts (
        session_id  INTEGER NOT NULL REFERENCES reaction_sessions(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        rows        INTEGER NOT NULL,
        first_seq   INTEGER NOT NULL,
        last_seq    INTEGER NOT NULL,
        start_time  REAL,
        end_time    REAL,
        written_at  REAL NOT NULL,
        PRIMARY KEY (session_id, name)
    );
    """,
    # 13: each comment knows the import that added it, and an import can be switched off (its
    # comments stop counting) or deleted with its comments (by cascade). ``comments`` is how
    # many it added: they leave only with it, so the counts need no scan of the comments.
    # Comments stored before belong to one "earlier imports" entry per project, whose report
    # keeps the reports of those imports; the old report rows go.
    """
    ALTER TABLE comment_imports ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE comment_imports ADD COLUMN comments INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE comments ADD COLUMN import_id INTEGER
        REFERENCES comment_imports(id) ON DELETE CASCADE;
    INSERT INTO comment_imports (project_id, created_at, report, comments)
        SELECT p.id,
               COALESCE((SELECT MIN(i.created_at) FROM comment_imports i
                         WHERE i.project_id = p.id), p.created_at),
               json_object('file', 'earlier imports', 'earlier', 1,
                           'imports', (SELECT json_group_array(json(i.report))
                                       FROM comment_imports i WHERE i.project_id = p.id)),
               (SELECT COUNT(*) FROM comments c WHERE c.project_id = p.id)
        FROM projects p
        WHERE EXISTS (SELECT 1 FROM comments c WHERE c.project_id = p.id)
           OR EXISTS (SELECT 1 FROM comment_imports i WHERE i.project_id = p.id);
    DELETE FROM comment_imports WHERE json_extract(report, '$.earlier') IS NULL;
    UPDATE comments SET import_id = (SELECT i.id FROM comment_imports i
                                     WHERE i.project_id = comments.project_id);
    """,
    # 14: each study's norm summary (panel/norms.py), per set of panel options, with the state
    # of the study's data it was computed from; a summary whose state no longer matches is
    # computed again, and a deleted study's summaries go with it (by cascade).
    """
    CREATE TABLE norm_summaries (
        project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        options     TEXT NOT NULL,
        state       TEXT NOT NULL,
        summary     TEXT NOT NULL,
        computed_at REAL NOT NULL,
        PRIMARY KEY (project_id, options)
    );
    """,
    # 15: each sample part keeps the figures a viewer's verdict needs (store/sample_files.py,
    # ``SamplePart``), so a panel is judged from these rows and not by opening every file.
    # Parts written before have NULLs, filled from their files when first needed.
    """
    ALTER TABLE sample_parts ADD COLUMN source_from REAL;
    ALTER TABLE sample_parts ADD COLUMN source_to REAL;
    ALTER TABLE sample_parts ADD COLUMN paused INTEGER;
    ALTER TABLE sample_parts ADD COLUMN face_playing INTEGER;
    ALTER TABLE sample_parts ADD COLUMN counted_from REAL;
    ALTER TABLE sample_parts ADD COLUMN counted_to REAL;
    """,
    # 16: each sample part names the file of its per-second sums (store/sample_seconds.py),
    # written with it; a panel reads those. Parts written before have NULL: their samples
    # are binned as they are.
    """
    ALTER TABLE sample_parts ADD COLUMN seconds TEXT;
    """,
    # 17: an import's comments are one Parquet file of its project's folder
    # (store/stored_comments.py), named here; imports made before have NULL: their comments
    # are rows of ``comments``.
    """
    ALTER TABLE comment_imports ADD COLUMN file TEXT;
    """,
]

LATEST_VERSION = len(MIGRATIONS)
