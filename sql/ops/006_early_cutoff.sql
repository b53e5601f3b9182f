-- A model rebuilt with the same rows as the table it would replace keeps
-- that table, and the models that read it are kept (transforms.State):
-- output is what their fingerprints are made of, content the table's row
-- count, columns and row hash where it was worked out, unchanged marks a
-- model rebuilt with the same rows. transform_global is the run's
-- parameters, key and macros fingerprint: rows are compared only when the
-- next run's is the same.
ALTER TABLE ops.models ADD COLUMN IF NOT EXISTS unchanged BOOLEAN;
ALTER TABLE ops.models ADD COLUMN IF NOT EXISTS output VARCHAR;
ALTER TABLE ops.models ADD COLUMN IF NOT EXISTS content VARCHAR;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS transform_global VARCHAR;
-- The fingerprint of each check's SQL: a result is carried over only to a
-- run whose check is the same.
ALTER TABLE ops.checks ADD COLUMN IF NOT EXISTS fingerprint VARCHAR;
-- The fingerprints of the raw and ops tables the run's models read, so the
-- next run can tell a raw table that only grew (transforms.State.Appended).
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS transform_inputs VARCHAR;
-- partial marks a model rebuilt only for the partitions new rows fall in.
ALTER TABLE ops.models ADD COLUMN IF NOT EXISTS partial BOOLEAN;
