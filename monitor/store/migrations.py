"""Store schema migrations. Append only: each entry moves `PRAGMA user_version` up by one."""

from __future__ import annotations

# Shared by both backends' histories (SQLite 9, PostgreSQL 3), after the column is added. An
# existing post was edited when a stored revision's content differs from its current one (what
# the web view's `edited` flag tested before the column); its time is the latest revision that
# changed the content.
EDITED_AT = """
UPDATE posts SET edited_at = COALESCE((SELECT MAX(r.collected_at) FROM revisions r
    JOIN revisions q ON q.id = r.id AND q.revision < r.revision AND q.content_hash != r.content_hash
    WHERE r.id = posts.id), posts.updated_at)
    WHERE EXISTS (SELECT 1 FROM revisions r WHERE r.id = posts.id AND r.content_hash != posts.content_hash);
CREATE INDEX posts_edited ON posts (statement_id, id) WHERE edited_at IS NOT NULL;
CREATE INDEX posts_deleted ON posts (statement_id, id) WHERE deleted_at IS NOT NULL
"""

# Instances sharing one store (store/cluster.py): who is alive, what each holds. Times are
# the database's clock in Unix seconds (EPOCH), so hosts whose clocks differ agree on when a
# lease ends. A source's lease and its next due time live in its own row; posts waiting for
# translation carry their claim.
CLUSTER = """
CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    roles TEXT NOT NULL,
    models TEXT NOT NULL DEFAULT '',
    node TEXT NOT NULL DEFAULT '',
    started_at EPOCH NOT NULL,
    heartbeat_at EPOCH NOT NULL,
    stopped_at EPOCH
);
CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at EPOCH NOT NULL);
ALTER TABLE sources ADD COLUMN host TEXT;
ALTER TABLE sources ADD COLUMN due_at EPOCH;
ALTER TABLE sources ADD COLUMN lease_owner TEXT;
ALTER TABLE sources ADD COLUMN lease_until EPOCH;
CREATE INDEX sources_due ON sources (due_at) WHERE due_at IS NOT NULL;
ALTER TABLE posts ADD COLUMN claimed_by TEXT;
ALTER TABLE posts ADD COLUMN claimed_until EPOCH;
CREATE INDEX posts_claimed ON posts (claimed_by) WHERE claimed_by IS NOT NULL
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: posts, revisions, sources, outbox, translation cache, digest log.
    """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
INSERT INTO meta (key, value) VALUES ('heartbeat', NULL);
CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    platform TEXT NOT NULL,
    revision INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    item TEXT NOT NULL,
    published_at TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('collected', 'translating', 'ready')),
    language TEXT,
    confidence REAL,
    translation TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX posts_stage ON posts (stage, updated_at);
CREATE INDEX posts_source ON posts (source, published_at);
CREATE INDEX posts_collected ON posts (collected_at);
CREATE TABLE revisions (
    id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    item TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    PRIMARY KEY (id, revision)
);
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    cursor TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    last_attempt TEXT,
    last_success TEXT,
    last_error TEXT,
    last_error_kind TEXT,
    last_error_at TEXT,
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    next_poll TEXT,
    posts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE source_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    kind TEXT,
    message TEXT,
    new INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX source_events_at ON source_events (at);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    post_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_post ON outbox (post_id, revision);
CREATE TABLE translation_cache (
    pair TEXT NOT NULL,
    model TEXT NOT NULL,
    sentence TEXT NOT NULL,
    translation TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (pair, model, sentence)
);
CREATE TABLE digests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    recipients TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE UNIQUE INDEX digests_window ON digests (window_start, window_end)
""",
    # 2: the translation status as a column, so untranslated posts can be found again.
    """
ALTER TABLE posts ADD COLUMN translation_status TEXT;
UPDATE posts SET translation_status = json_extract(translation, '$.status') WHERE translation IS NOT NULL;
CREATE INDEX posts_translation_status ON posts (translation_status, language)
""",
    # 3: routing metadata beside each outbox row, so publishing needs no JSON parsing.
    """
ALTER TABLE outbox ADD COLUMN platform TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN collected_at TEXT NOT NULL DEFAULT '';
UPDATE outbox SET platform = json_extract(body, '$.platform'),
    language = json_extract(body, '$.language.code'),
    collected_at = json_extract(body, '$.collected_at')
""",
    # 4: rows are published in order, so one high-water mark replaces a sent_at per row.
    """
CREATE TABLE outbox_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sent_through INTEGER NOT NULL
);
INSERT INTO outbox_cursor (id, sent_through) VALUES (1, COALESCE(
    (SELECT MIN(seq) - 1 FROM outbox WHERE sent_at IS NULL),
    (SELECT MAX(seq) FROM outbox),
    0));
DROP INDEX outbox_unsent;
ALTER TABLE outbox DROP COLUMN sent_at
""",
    # 5: deletions: consecutive rechecks that found a post missing, and when it was declared gone.
    """
ALTER TABLE posts ADD COLUMN misses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN deleted_at TEXT;
ALTER TABLE revisions ADD COLUMN deleted_at TEXT
""",
    # 6: statements: the statement each post belongs to (posts published before stand alone).
    """
ALTER TABLE posts ADD COLUMN statement_id TEXT;
UPDATE posts SET statement_id = id WHERE stage != 'collected';
CREATE INDEX posts_statement ON posts (statement_id)
""",
    # 7: full-text search (store/search_index.py): each post's index row id, and the index of
    # every stored post, built with SQL functions the store registers (stemming is Python's).
    """
ALTER TABLE posts ADD COLUMN search_doc INTEGER;
UPDATE posts SET search_doc = numbered.doc FROM (SELECT id, search_doc_base(published_at) + ROW_NUMBER() OVER (PARTITION BY published_at ORDER BY rowid) - 1 AS doc FROM posts) AS numbered WHERE numbered.id = posts.id;
CREATE UNIQUE INDEX posts_search_doc ON posts (search_doc);
CREATE VIRTUAL TABLE post_search USING fts5(original, translation, tags, tokenize = "ascii tokenchars '_'", detail = full, columnsize = 0);
INSERT INTO post_search (rowid, original, translation, tags) SELECT search_doc, search_original(item, language), search_translation(translation), search_tags(platform, source, language) FROM posts
""",
    # 8: alerts: each (alert, statement, event, channel) recorded once, then delivered.
    """
CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert TEXT NOT NULL,
    channel TEXT NOT NULL,
    statement_id TEXT NOT NULL,
    event TEXT NOT NULL,
    event_key TEXT NOT NULL,
    post_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    matched_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'summarised')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt TEXT,
    sent_at TEXT
);
CREATE UNIQUE INDEX alert_events_once ON alert_events (alert, statement_id, event, event_key, channel);
CREATE INDEX alert_events_due ON alert_events (status, next_attempt)
""",
    # 9: the timeline's "edited only" and "deleted only" start from the few posts that were:
    # `edited_at` (the last content change, set by `save_fetch`, never cleared) and a partial
    # index on each, so neither walks every post testing its revisions.
    "ALTER TABLE posts ADD COLUMN edited_at TEXT;" + EDITED_AT,
    # 10: instances sharing a store (store/cluster.py); the embedded store has one, but the
    # schema is the same on both backends.
    CLUSTER.replace("EPOCH", "REAL"),
)

# The PostgreSQL store started at the SQLite schema's version 8: its history begins there.
# Times stay RFC 3339 text (they sort the same as in SQLite); text compares byte by byte
# (COLLATE "C", as in SQLite), whatever the server's locale; `rowid` is the insertion order
# SQLite gives every table for free; the outbox's `seq` is only ever assigned under an
# advisory lock (`store.outbox.queue_record`), so rows commit in `seq` order.
PG_MIGRATIONS: tuple[str, ...] = (
    # 1: the schema of SQLite migrations 1-8, full-text search as a tsvector.
    """
CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT COLLATE "C");
INSERT INTO meta (key, value) VALUES ('heartbeat', NULL);
CREATE TABLE posts (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id TEXT COLLATE "C" PRIMARY KEY,
    source TEXT COLLATE "C" NOT NULL,
    platform TEXT COLLATE "C" NOT NULL,
    revision INTEGER NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL,
    item TEXT COLLATE "C" NOT NULL,
    published_at TEXT COLLATE "C" NOT NULL,
    first_seen_at TEXT COLLATE "C" NOT NULL,
    collected_at TEXT COLLATE "C" NOT NULL,
    stage TEXT COLLATE "C" NOT NULL CHECK (stage IN ('collected', 'translating', 'ready')),
    language TEXT COLLATE "C",
    confidence DOUBLE PRECISION,
    translation TEXT COLLATE "C",
    updated_at TEXT COLLATE "C" NOT NULL,
    translation_status TEXT COLLATE "C",
    misses INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT COLLATE "C",
    statement_id TEXT COLLATE "C",
    search_doc BIGINT UNIQUE
);
CREATE INDEX posts_stage ON posts (stage, updated_at);
CREATE INDEX posts_source ON posts (source, published_at);
CREATE INDEX posts_collected ON posts (collected_at);
CREATE INDEX posts_translation_status ON posts (translation_status, language);
CREATE INDEX posts_statement ON posts (statement_id);
CREATE TABLE revisions (
    id TEXT COLLATE "C" NOT NULL,
    revision INTEGER NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL,
    item TEXT COLLATE "C" NOT NULL,
    collected_at TEXT COLLATE "C" NOT NULL,
    deleted_at TEXT COLLATE "C",
    PRIMARY KEY (id, revision)
);
CREATE TABLE sources (
    name TEXT COLLATE "C" PRIMARY KEY,
    platform TEXT COLLATE "C" NOT NULL,
    etag TEXT COLLATE "C",
    last_modified TEXT COLLATE "C",
    cursor TEXT COLLATE "C",
    extra TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    last_attempt TEXT COLLATE "C",
    last_success TEXT COLLATE "C",
    last_error TEXT COLLATE "C",
    last_error_kind TEXT COLLATE "C",
    last_error_at TEXT COLLATE "C",
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    next_poll TEXT COLLATE "C",
    posts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE source_events (
    seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    source TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL,
    ok INTEGER NOT NULL,
    kind TEXT COLLATE "C",
    message TEXT COLLATE "C",
    new INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX source_events_at ON source_events (at);
CREATE TABLE outbox (
    seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    message_id TEXT COLLATE "C" NOT NULL,
    post_id TEXT COLLATE "C" NOT NULL,
    revision INTEGER NOT NULL,
    source TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT COLLATE "C",
    platform TEXT COLLATE "C" NOT NULL DEFAULT '',
    language TEXT COLLATE "C" NOT NULL DEFAULT '',
    collected_at TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX outbox_post ON outbox (post_id, revision);
CREATE TABLE outbox_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sent_through BIGINT NOT NULL
);
INSERT INTO outbox_cursor (id, sent_through) VALUES (1, 0);
CREATE TABLE translation_cache (
    pair TEXT COLLATE "C" NOT NULL,
    model TEXT COLLATE "C" NOT NULL,
    sentence TEXT COLLATE "C" NOT NULL,
    translation TEXT COLLATE "C" NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pair, model, sentence)
);
CREATE TABLE digests (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    window_start TEXT COLLATE "C" NOT NULL,
    window_end TEXT COLLATE "C" NOT NULL,
    recipients TEXT COLLATE "C" NOT NULL,
    message_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT COLLATE "C",
    next_attempt TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    sent_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX digests_window ON digests (window_start, window_end);
CREATE TABLE post_search (
    doc BIGINT PRIMARY KEY,
    original TEXT COLLATE "C" NOT NULL,
    translation TEXT COLLATE "C" NOT NULL,
    tags TEXT COLLATE "C" NOT NULL,
    terms TSVECTOR NOT NULL
);
CREATE INDEX post_search_terms ON post_search USING GIN (terms);
CREATE TABLE alert_events (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    alert TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL,
    statement_id TEXT COLLATE "C" NOT NULL,
    event TEXT COLLATE "C" NOT NULL,
    event_key TEXT COLLATE "C" NOT NULL,
    post_id TEXT COLLATE "C" NOT NULL,
    revision INTEGER NOT NULL,
    matched_at TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'sent', 'summarised')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT COLLATE "C",
    next_attempt TEXT COLLATE "C",
    sent_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX alert_events_once ON alert_events (alert, statement_id, event, event_key, channel);
CREATE INDEX alert_events_due ON alert_events (status, next_attempt)
""",
    # 2: the search index takes new entries into its tree at once. With GIN's default
    # pending list, every query scans up to 4 MB of unsorted entries until a vacuum (a word
    # in 10,000 posts: 7 ms instead of 0.05), and the planner, seeing an expensive index,
    # walks the table in `doc` order instead. Posts arrive a few a second at most.
    """
ALTER INDEX post_search_terms SET (fastupdate = off);
SELECT gin_clean_pending_list('post_search_terms')
""",
    # 3: SQLite's 9, edited posts and deleted posts indexed for the timeline. Analysed at
    # once: without statistics on the new column the planner guesses many edited posts and
    # walks the timeline in order instead (100,000 posts: 280 ms, then 1.3 ms).
    'ALTER TABLE posts ADD COLUMN edited_at TEXT COLLATE "C";' + EDITED_AT + ";\nANALYZE posts",
    # 4: SQLite's 10, instances sharing the store.
    CLUSTER.replace(" TEXT", ' TEXT COLLATE "C"').replace("EPOCH", "DOUBLE PRECISION"),
)
