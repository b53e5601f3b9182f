-- The pipeline's own bookkeeping. Every run, every file and every rejected row
-- is recorded here, so an analyst can always answer "what happened last night?"
-- These statements are idempotent: they run at the start of every run.

CREATE SCHEMA IF NOT EXISTS ops;
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS stg;
CREATE SCHEMA IF NOT EXISTS mart;

CREATE SEQUENCE IF NOT EXISTS ops.run_seq START 1;
CREATE SEQUENCE IF NOT EXISTS ops.load_seq START 1;

-- One row per run of the pipeline.
CREATE TABLE IF NOT EXISTS ops.runs (
    run_id           INTEGER PRIMARY KEY,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    trigger          VARCHAR NOT NULL,      -- 'manual', 'schedule', 'catch-up'
    status           VARCHAR NOT NULL,      -- 'running', 'succeeded', 'unchanged', 'failed', 'interrupted'
    files_seen       INTEGER DEFAULT 0,
    files_loaded     INTEGER DEFAULT 0,
    files_refused    INTEGER DEFAULT 0,
    rows_loaded      BIGINT DEFAULT 0,
    rows_quarantined BIGINT DEFAULT 0,
    checks_failed    INTEGER DEFAULT 0,
    state_hash       VARCHAR,               -- fingerprint of inputs + models, to detect no-op reruns
    published        VARCHAR,               -- the publish/ version written by this run, if any
    error            VARCHAR
);

-- One row per file seen in a landing folder that was new or changed.
CREATE TABLE IF NOT EXISTS ops.loads (
    load_id          INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL,
    source           VARCHAR NOT NULL,
    path             VARCHAR NOT NULL,      -- relative to the landing folder
    sha256           VARCHAR NOT NULL,
    size             BIGINT NOT NULL,
    format           VARCHAR,               -- e.g. 'csv utf-8 ,', 'xlsx Sheet1'
    header_line      INTEGER,
    rows_read        BIGINT DEFAULT 0,
    rows_loaded      BIGINT DEFAULT 0,
    rows_quarantined BIGINT DEFAULT 0,
    values_nulled    BIGINT DEFAULT 0,      -- bad optional values set to NULL (row kept)
    blank_rows       BIGINT DEFAULT 0,
    supersedes       INTEGER[],             -- earlier loads whose rows this one replaces (kept as history)
    time_period      INTEGER,               -- for files whose year comes from the folder or name
    status           VARCHAR NOT NULL,      -- 'loaded', 'duplicate', 'refused'
    message          VARCHAR,               -- why refused, or notes (unknown and dropped columns)
    config_hash      VARCHAR,               -- source mapping in force, so a refused file is retried after a config fix
    loaded_at        TIMESTAMP NOT NULL
);

-- Rows (action = 'row') that were not loaded, and optional values
-- (action = 'value') that were set to NULL or kept but flagged. Values of
-- identifying columns are masked before they are stored here.
CREATE TABLE IF NOT EXISTS ops.quarantine (
    run_id   INTEGER NOT NULL,
    load_id  INTEGER NOT NULL,
    source   VARCHAR NOT NULL,
    file     VARCHAR NOT NULL,
    line     BIGINT,
    "column" VARCHAR,
    value    VARCHAR,
    reason   VARCHAR NOT NULL,
    action   VARCHAR NOT NULL              -- 'row' (row quarantined), 'value' (value nulled), 'flag' (value kept, flagged)
);

-- Data checks run after the models of each run.
CREATE TABLE IF NOT EXISTS ops.checks (
    run_id       INTEGER NOT NULL,
    "check"      VARCHAR NOT NULL,
    model        VARCHAR,
    status       VARCHAR NOT NULL,          -- 'pass', 'fail', 'error'
    failing_rows BIGINT,
    severity     VARCHAR NOT NULL,          -- 'error' blocks publish; 'warn' does not
    description  VARCHAR,
    checked_at   TIMESTAMP NOT NULL
);

-- Models built by each run, with timings.
CREATE TABLE IF NOT EXISTS ops.models (
    run_id     INTEGER NOT NULL,
    model      VARCHAR NOT NULL,
    rows       BIGINT,
    seconds    DOUBLE,
    built_at   TIMESTAMP NOT NULL
);
