import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitFixtureSegment } from './__fixtures__/segments.js';
import { readQueueStatus } from './queue-status.js';
import { parseRedisUrl } from './redis-connection.js';
import { SegmentEnqueuer } from './segment-enqueuer.js';
import { segmentQueueNames } from './segment-jobs.js';
import { SharedFileSystemStorage } from './segment-storage.js';
import { type RedisTestServer, startRedisServer } from './testing/redis-server.js';

let server: RedisTestServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

function readyDir(): string {
  const ready = path.join(mkdtempSync(path.join(tmpdir(), 'etl-enqueue-')), 'raw', 'ready', 'coinbase');
  mkdirSync(ready, { recursive: true });
  return ready;
}

async function withQueues<T>(
  queueName: string,
  fn: (q: { state: Queue; convert: Queue; commit: Queue }) => Promise<T>,
): Promise<T> {
  const names = segmentQueueNames(queueName);
  const connection = parseRedisUrl(server.url);
  const q = {
    state: new Queue(names.state, { connection }),
    convert: new Queue(names.convert, { connection }),
    commit: new Queue(names.commit, { connection }),
  };
  try {
    return await fn(q);
  } finally {
    await Promise.all([q.state.close(), q.convert.close(), q.commit.close()]);
  }
}

describe('SegmentEnqueuer', () => {
  it('chains conversions behind their predecessor state and closes each date with a commit flow', async () => {
    const queueName = `t${randomBytes(4).toString('hex')}`;
    const ready = readyDir();
    splitFixtureSegment(ready, 4);
    const enqueuer = new SegmentEnqueuer({ connection: server.url, queueName });
    try {
      const r = await enqueuer.enqueue(ready);
      const ids = [1, 2, 3, 4].map((n) => `segment_20260809T21_0000${n}`);
      expect(r).toMatchObject({ segments: 4, added: ids, alreadyQueued: [], retried: [] });
      expect(r.dates).toHaveLength(1);
      expect(r.dates[0]).toMatchObject({ date: '2026-08-09', segments: ids });
      expect(r.dates[0]!.commitJob).toMatch(/^commit-2026-08-09-[0-9a-f]{12}$/);

      await withQueues(queueName, async (q) => {
        // Segment 1 has no predecessor: it is ready at once; the others wait for a state job.
        expect(await q.convert.getJobState(ids[0]!)).toBe('waiting');
        for (const id of ids.slice(1)) expect(await q.convert.getJobState(id)).toBe('waiting-children');
        const second = await q.convert.getJob(ids[1]!);
        expect(second!.data).toMatchObject({
          inputId: ids[1],
          predecessor: ids[0],
          date: '2026-08-09',
          segment: `${ids[1]}.ndjson`,
        });
        expect(second!.opts.attempts).toBe(3);
        expect((await second!.getDependencies()).unprocessed).toEqual([`bull:${queueName}-state:${ids[0]}`]);
        // State jobs exist for segments 1–3 (4's is added when a successor arrives), in chain order.
        const waiting = await q.state.getWaiting();
        expect(waiting.map((j) => j.id).sort()).toEqual(ids.slice(0, 3));
        expect(waiting.find((j) => j.id === ids[2])!.data.predecessor).toBe(ids[1]);
        expect(await q.commit.getJobState(r.dates[0]!.commitJob)).toBe('waiting-children');
      });

      // The same segments again: nothing is added.
      const again = await enqueuer.enqueue(ready);
      expect(again).toMatchObject({ segments: 4, added: [], alreadyQueued: ids, dates: [] });
      const status = await readQueueStatus({ connection: server.url, queueName });
      expect(status.queues.convert).toEqual({
        waiting: 1,
        active: 0,
        delayed: 0,
        waiting_children: 3,
        done: 0,
        failed: 0,
      });
      expect(status.queues.state.waiting).toBe(3);
      expect(status.queues.commit.waiting_children).toBe(1);
      expect(status.totals.waiting).toBe(4);
      expect(status.failures).toEqual([]);
    } finally {
      await enqueuer.close();
    }
  });

  it("links a later batch's first segment to the last segment of the batch before", async () => {
    const queueName = `t${randomBytes(4).toString('hex')}`;
    const first = readyDir();
    const files = splitFixtureSegment(first, 5);
    const enqueuer = new SegmentEnqueuer({ connection: server.url, queueName });
    try {
      const all = await new SharedFileSystemStorage().list(first);
      await enqueuer.enqueueSegments(all.slice(0, 3));
      const r = await enqueuer.enqueueSegments(all.slice(2));
      expect(r.added).toEqual(['segment_20260809T21_00004', 'segment_20260809T21_00005']);
      expect(r.alreadyQueued).toEqual(['segment_20260809T21_00003']);
      expect(r.dates[0]!.commitJob).not.toBe(
        (await enqueuer.enqueueSegments(all.slice(0, 3))).dates[0]?.commitJob,
      );
      await withQueues(queueName, async (q) => {
        const fourth = await q.convert.getJob('segment_20260809T21_00004');
        expect(fourth!.data.predecessor).toBe('segment_20260809T21_00003');
        const state3 = await q.state.getJob('segment_20260809T21_00003');
        expect(state3!.parentKey).toBe(`bull:${queueName}-convert:segment_20260809T21_00004`);
        expect(state3!.data.url).toContain(path.basename(files[2]!));
        expect(await q.commit.getJobCounts('waiting-children')).toEqual({ 'waiting-children': 2 });
      });
    } finally {
      await enqueuer.close();
    }
  });

  it('refuses an input directory that does not exist', async () => {
    const enqueuer = new SegmentEnqueuer({ connection: server.url, queueName: 'never-used' });
    await expect(enqueuer.enqueue('/nonexistent/ready/coinbase')).rejects.toThrow(/does not exist/);
    await enqueuer.close();
  });
});
