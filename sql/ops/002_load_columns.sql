-- The columns of every file loaded, and how they changed. Public DfE files
-- carry hundreds of columns that differ from year to year: each header is
-- recorded as written, with the name it has in a wide raw table and the
-- field (if any) it is staged as, so a DfE field code can always be traced
-- to where it is stored.

CREATE TABLE IF NOT EXISTS ops.load_columns (
    load_id     INTEGER NOT NULL,
    source      VARCHAR NOT NULL,
    position    INTEGER NOT NULL,          -- 1-based column position in the file
    header      VARCHAR NOT NULL,          -- as written (e.g. 'PTRWM_EXP')
    column_name VARCHAR,                   -- its column in raw.<source>_wide (wide sources), NULL if never stored
    field       VARCHAR                    -- the typed field it loads into, NULL if none
);

-- Columns new in a file, or missing from it, compared with the previous
-- file of the same kind in the same source (see connectors.FileFamily). A
-- schema change is reported, never a reason to refuse a file.
CREATE TABLE IF NOT EXISTS ops.schema_changes (
    load_id          INTEGER NOT NULL,
    source           VARCHAR NOT NULL,
    path             VARCHAR NOT NULL,
    compared_load_id INTEGER NOT NULL,
    compared_path    VARCHAR NOT NULL,
    change           VARCHAR NOT NULL,     -- 'added' or 'removed'
    header           VARCHAR NOT NULL,
    column_name      VARCHAR
);
