import { Duration } from 'aws-cdk-lib';

/**
 * Curated tables: typed, deduplicated Apache Iceberg tables, one per kind of event (the construct's own events, and
 * Segment, OTLP logs and Snowplow for the inputs served), kept from the raw JSON Lines by SQL that Athena runs on a
 * schedule (a `MERGE` keyed by event id, partitioned by the event's own day), with erasure by user id.
 *
 * It sits under `query` because it is more of the query side: the MERGE reads the raw table through the same Glue
 * database and runs in the same Athena workgroup. It is off by default: it adds tables, a state machine, schedules
 * and an alarm, and Athena charges for the bytes each run scans (docs/curated.md has the estimate).
 */
export interface CuratedOptions {
  /**
   * How often the MERGE runs. A run is stopped (and alarms) if it is still running when the next is due, so merges
   * never overlap.
   * @default Duration.hours(1)
   */
  readonly schedule?: Duration;
  /**
   * How many hours of raw partitions each MERGE reads. Runs overlap by `lookback - schedule`: a file Firehose
   * delivers late, or a run that failed, is caught up by the next runs within that margin. Larger costs more bytes
   * scanned per run. At least `schedule` plus one hour, whole hours.
   * @default Duration.hours(6)
   */
  readonly lookback?: Duration;
  /**
   * How often compaction (OPTIMIZE) and snapshot expiry (VACUUM) run.
   * @default Duration.days(1)
   */
  readonly upkeepSchedule?: Duration;
  /**
   * How long old table snapshots (time travel, and the data files erased rows were in) are kept before VACUUM
   * removes them. An erasure is complete in S3 only once the snapshots before it have expired.
   * @default Duration.days(7)
   */
  readonly snapshotRetention?: Duration;
  /**
   * The body property that holds the user id of the construct's own events (erasure deletes by it).
   * @default 'userId'
   */
  readonly userIdProperty?: string;
  /**
   * Raw objects (the JSON Lines under the stream's prefix) expire after this many days. For GDPR, erased users'
   * events stay in the raw zone until then (the curated tables leave them out); keep it short. Needs a bucket this
   * construct creates and a prefix that is not empty (so the curated tables' own objects are not expired).
   * @default - raw objects are kept
   */
  readonly rawRetention?: Duration;
  /**
   * The prefix of the curated tables' names: `<prefix>events`, `<prefix>segment`, `<prefix>otlp_logs`,
   * `<prefix>snowplow` and `<prefix>erasures`.
   * @default - the events table's name and `_curated_`
   */
  readonly tablePrefix?: string;
}
