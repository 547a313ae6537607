-- Room on every page of `deliveries` for a row's next versions. A claim changes only
-- `claimed_until`, which no index holds: with free space on the row's page the update is
-- heap-only (HOT) and writes no entry in any of the table's six indexes. Pages filled to
-- 100 % (the default) left no room, so most claims wrote six index entries each.
ALTER TABLE deliveries SET (fillfactor = 50);
