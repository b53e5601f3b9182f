-- The programmes: section of edwh.yaml, written by each run before the
-- models, so intervention_effects and value_for_money can read it. Years
-- are time periods (201516); NULL means the default.
CREATE TABLE IF NOT EXISTS ops.programme_settings (
    programme  VARCHAR PRIMARY KEY,
    pre_from   INTEGER,
    pre_to     INTEGER,
    post_from  INTEGER,
    post_to    INTEGER,
    unit       VARCHAR,
    units      DOUBLE
);
