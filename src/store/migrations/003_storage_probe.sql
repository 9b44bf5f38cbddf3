-- Written to (and rolled back) by /health after the store ran out of disk space, to learn whether it has room
-- again. EXTERNAL storage keeps the probe's value uncompressed, so the probe needs fresh pages.
CREATE TABLE storage_probe (filler text);
ALTER TABLE storage_probe ALTER COLUMN filler SET STORAGE EXTERNAL;
