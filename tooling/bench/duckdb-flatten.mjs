// Baseline: DuckDB flattens the segment's level2 updates to partitioned Parquet, as a user's SQL
// script would (read_json → unnest → COPY … PARTITION_BY), with the same columns we write.
import { DuckDBInstance } from '@duckdb/node-api';

// `bare`: lines are the WebSocket messages themselves (no envelope, so no capture time).
const [file, out, threads = '2', compression = 'zstd', framing = 'envelope'] = process.argv.slice(2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:', { threads });
const c = await instance.connect();
const events =
  'STRUCT("type" VARCHAR, product_id VARCHAR, updates STRUCT(side VARCHAR, event_time VARCHAR, price_level VARCHAR, new_quantity VARCHAR)[])[]';
const l2 = `STRUCT(channel VARCHAR, "timestamp" VARCHAR, sequence_num BIGINT, events ${events})`;
// Typed columns let DuckDB's JSON reader parse straight into structs (its fastest path).
const sql = `
COPY (
  WITH raw AS (${
    framing === 'bare'
      ? `
    SELECT NULL::VARCHAR AS capture_ts,
      {'channel': channel, 'timestamp': "timestamp", 'sequence_num': sequence_num, 'events': events} AS data
    FROM read_json(${q(file)}, format = 'newline_delimited', maximum_object_size = 67108864,
      columns = {channel: 'VARCHAR', "timestamp": 'VARCHAR', sequence_num: 'BIGINT', events: '${events}'})
    WHERE channel = 'l2_data'`
      : `
    SELECT capture_ts, data FROM read_json(${q(file)}, format = 'newline_delimited',
      columns = {capture_ts: 'VARCHAR', data: '${l2}'}, maximum_object_size = 67108864)
    WHERE data.channel = 'l2_data'`
  }
  ), ev AS (
    SELECT capture_ts, data."timestamp" AS ts, data.sequence_num AS seq, unnest(data.events) AS e FROM raw
  ), up AS (
    SELECT e.product_id AS product_id, e."type" AS event_type, capture_ts, ts, seq, unnest(e.updates) AS u FROM ev
  )
  SELECT product_id, event_type, event_type = 'snapshot' AS is_snapshot, u.side AS side,
         CASE WHEN u.side = 'bid' THEN 'bid' ELSE 'ask' END AS side_normalized,
         CAST(u.price_level AS DOUBLE) AS price_level, CAST(u.new_quantity AS DOUBLE) AS new_quantity,
         CAST(replace(u.event_time, 'Z', '') AS TIMESTAMP_NS) AS event_time,
         CAST(replace(ts, 'Z', '') AS TIMESTAMP_NS) AS server_timestamp,
         CAST(replace(capture_ts, '+00:00', '') AS TIMESTAMP_NS) AS capture_timestamp,
         seq AS sequence_num, 'l2_data' AS channel,
         CAST(CAST(replace(u.event_time, 'Z', '') AS TIMESTAMP) AS DATE) AS date
  FROM up
) TO ${q(out)} (FORMAT parquet, PARTITION_BY (product_id, date), COMPRESSION ${compression}, OVERWRITE_OR_IGNORE)`;
const r = await c.runAndReadAll(sql);
process.stdout.write(JSON.stringify({ rows: Number(r.getRows()[0]?.[0] ?? 0) }));
