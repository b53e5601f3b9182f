-- The file's size, modification and change times, device and inode when
-- its bytes were read (empty where the system has no change time). A rerun
-- that finds the same path with the same stat knows the bytes are the ones
-- recorded and does not read the file again to hash it: at national scale
-- hashing every landed file was most of the time of a run with nothing new.
ALTER TABLE ops.loads ADD COLUMN IF NOT EXISTS file_stat VARCHAR;
