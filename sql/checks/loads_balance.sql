-- check: loads_balance
-- severity: error
-- description: Every row read from a file is either loaded or quarantined, for every file loaded.
SELECT load_id, path, rows_read, rows_loaded, rows_quarantined
FROM ops.loads
WHERE status = 'loaded'
  AND rows_read <> rows_loaded + rows_quarantined
