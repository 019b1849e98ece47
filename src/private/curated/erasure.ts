/**
 * Erasure of one user's events: a row in the erasure table (so no later MERGE brings the user back from the raw zone,
 * which keeps lines until they expire), then a DELETE from each curated table. The user id is the statement's one
 * parameter (`?`: Athena's ExecutionParameters; Trino's EXECUTE ... USING). Pure.
 */
import { USER_ID_COLUMN } from './kind';
import { ident, lines } from '../sql';

/** Records an erasure; repeating it for the same user adds nothing. */
export function recordErasureStatement(erasures: string): string {
  return lines([
    `INSERT INTO ${erasures} (${ident('user_id')}, ${ident('erased_at')})`,
    'SELECT "v"."u", CAST(current_timestamp AT TIME ZONE \'UTC\' AS timestamp(6))',
    'FROM (SELECT ? AS "u") AS "v"',
    `WHERE NOT EXISTS (SELECT 1 FROM ${erasures} AS "e" WHERE "e".${ident('user_id')} = "v"."u")`,
  ]);
}

/** Deletes one user's events from a curated table. */
export function eraseStatement(target: string): string {
  return `DELETE FROM ${target} WHERE ${ident(USER_ID_COLUMN)} = ?`;
}
