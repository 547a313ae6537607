-- `deliveries` is a queue: every delivery is inserted, claimed (heap-only) and completed (a
-- new row version with index entries), so a table of N rows leaves ~2N dead versions and
-- N dead entries in each index per N deliveries. At the default thresholds (20 % of the
-- table) autovacuum waits until a large table has piled up that much, then works through it
-- while claims step over the dead entries. Vacuuming at 1 % keeps each pass small and the
-- due index short.
ALTER TABLE deliveries SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_vacuum_cost_delay = 0
);
