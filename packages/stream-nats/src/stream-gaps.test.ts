import { EtlError } from '@etl/core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamReader } from './jetstream-reader.js';
import { connectNats } from './nats-connection.js';
import { type NatsTestServer, startNatsServer } from './testing/nats-server.js';

let server: NatsTestServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer({ ignoreEnv: true });
  nc = await connectNats(server.url, { name: 'stream-gaps-test' });
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

/** A stream that keeps only its last `keep` messages, holding `count` published ones. */
async function limitedStream(name: string, keep: number, count: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name, subjects: [`${name.toLowerCase()}.>`], max_msgs: keep });
  const js = jetstream(nc);
  for (let i = 1; i <= count; i++) await js.publish(`${name.toLowerCase()}.x`, JSON.stringify({ i }));
}

async function readAll(reader: JetStreamReader, stream: string): Promise<number[]> {
  const seqs: number[] = [];
  for await (const batch of reader.read(stream)) for (const r of batch) seqs.push(r.line);
  return seqs;
}

describe('JetStreamReader and holes it cannot fill', () => {
  it('fails, naming the sequences, when the stream removed messages after the resume point', async () => {
    await limitedStream('GAP_RESUME', 5, 10); // holds 6..10
    for (const durable of ['gap-durable', undefined]) {
      const reader = new JetStreamReader({
        connection: nc,
        ...(durable ? { durable, recreateDurable: true } : {}),
        startSequence: 3,
        stopAfterIdleMs: 300,
      });
      const error = await readAll(reader, 'GAP_RESUME').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EtlError);
      expect((error as EtlError).code).toBe('E_STREAM_GAP');
      expect((error as Error).message).toMatch(/sequence 3-5 were removed by the stream's limits/);
    }
  });

  it('reads from the start sequence when the stream still holds it', async () => {
    await limitedStream('GAP_NONE', 5, 10);
    const reader = new JetStreamReader({ connection: nc, startSequence: 6, stopAfterIdleMs: 300 });
    expect(await readAll(reader, 'GAP_NONE')).toEqual([6, 7, 8, 9, 10]);
  });

  it('fails when a durable resumes after messages the stream removed meanwhile', async () => {
    await limitedStream('GAP_LIVE', 4, 4);
    const first = new JetStreamReader({ connection: nc, durable: 'live', ack: 'manual', batchSize: 2 });
    const seen: number[] = [];
    for await (const batch of first.read('GAP_LIVE')) {
      seen.push(...batch.map((r) => r.line));
      if (seen.length >= 2) break;
    }
    expect(seen.slice(0, 2)).toEqual([1, 2]);
    first.ack();
    // While no reader runs, the stream keeps only its last 4 messages: 5..20 are gone.
    const js = jetstream(nc);
    for (let i = 0; i < 20; i++) await js.publish('gap_live.x', '{}');
    const second = new JetStreamReader({ connection: nc, durable: 'live', stopAfterIdleMs: 300 });
    const error = await readAll(second, 'GAP_LIVE').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as EtlError | undefined)?.code).toBe('E_STREAM_GAP');
    // The server moves the durable's ack floor past removed messages it had delivered (3 and 4),
    // so the durable alone names the hole from there; `etl stream` resumes from its own position.
    expect((error as Error).message).toMatch(/messages at sequence [3-5]-20 were removed/);
  });
});
