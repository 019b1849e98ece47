/**
 * Upkeep of a curated table: compaction of the small files each MERGE writes, and expiry of old snapshots (and the
 * files only they reference). Athena has statements of its own for both; Trino's are table procedures. Pure.
 */

/** Athena: rewrites small data files into larger ones (and applies deletes). */
export function athenaOptimize(target: string): string {
  return `OPTIMIZE ${target} REWRITE DATA USING BIN_PACK`;
}

/**
 * Athena: expires snapshots older than the table's `vacuum_max_snapshot_age_seconds` and removes orphan files. Its
 * syntax takes no retention: the table property sets it (resources.ts sets it from `snapshotRetention`).
 */
export function athenaVacuum(target: string): string {
  return `VACUUM ${target}`;
}

/** Trino's equivalent of Athena's OPTIMIZE. */
export function trinoOptimize(target: string): string {
  return `ALTER TABLE ${target} EXECUTE optimize`;
}

/** Trino's equivalent of Athena's VACUUM's snapshot expiry (retention as Trino's duration text, e.g. `7d`). */
export function trinoExpireSnapshots(target: string, retention: string): string {
  return `ALTER TABLE ${target} EXECUTE expire_snapshots(retention_threshold => '${retention}')`;
}

