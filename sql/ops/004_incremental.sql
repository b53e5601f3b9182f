-- Incremental rebuilds: each model built (or kept) records the fingerprint
-- of what it was built from, and the next run keeps the table of a model
-- whose fingerprint has not changed (transforms.State). A check that read
-- only kept models carries its previous result; carried says so.
ALTER TABLE ops.models ADD COLUMN IF NOT EXISTS kept BOOLEAN;
ALTER TABLE ops.models ADD COLUMN IF NOT EXISTS fingerprint VARCHAR;
ALTER TABLE ops.checks ADD COLUMN IF NOT EXISTS carried BOOLEAN;
