import { describe, expect, it } from 'vitest';
import { collectorMain } from '../src/cli.js';
import { etl } from './helpers.js';

class Capture {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

async function collector(args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await collectorMain(
    args,
    {
      stdout: stdout as unknown as NodeJS.WritableStream,
      stderr: stderr as unknown as NodeJS.WritableStream,
    },
    new AbortController().signal,
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('etl-collector usage', () => {
  it('prints help and exits 0', async () => {
    const r = await collector(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('etl-collector --products BTC-USD,ETH-USD');
  });

  it('exits 2 naming the problem: unknown flag, no sink, no product, unknown channel', async () => {
    expect((await collector(['--bogus'])).stderr).toMatch(/bogus/);
    const noSink = await collector(['--products', 'BTC-USD']);
    expect(noSink.code).toBe(2);
    expect(noSink.stderr).toMatch(/--output <raw-dir>.*--nats <url>/);
    const noProduct = await collector(['--output', '/tmp/x']);
    expect(noProduct.code).toBe(2);
    expect(noProduct.stderr).toMatch(/product/);
    const channel = await collector(['--output', '/tmp/x', '--products', 'A', '--channels', 'level3']);
    expect(channel.code).toBe(2);
    expect(channel.stderr).toMatch(/unknown channel "level3"/);
  });

  it('exits 1 with the URL when NATS cannot be reached', async () => {
    const r = await collector(['--products', 'A', '--nats', 'nats://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
  });
});

describe('etl stream usage', () => {
  it('exits 2 without --from (or NATS_URL) or --output, and on bad numbers', async () => {
    const saved = process.env.NATS_URL;
    delete process.env.NATS_URL;
    try {
      const noFrom = await etl(['stream', '--output', '/tmp/x']);
      expect(noFrom.code).toBe(2);
      expect(noFrom.stderr).toMatch(/--from <nats-url> is required/);
    } finally {
      if (saved !== undefined) process.env.NATS_URL = saved;
    }
    expect((await etl(['stream', '--from', 'nats://127.0.0.1:1'])).stderr).toMatch(/--output/);
    const roll = await etl([
      'stream',
      '--from',
      'nats://127.0.0.1:1',
      '--output',
      '/tmp/x',
      '--roll-interval',
      '0',
    ]);
    expect(roll.code).toBe(2);
    expect(roll.stderr).toMatch(/--roll-interval must be a positive number/);
    const both = await etl([
      'stream',
      '--from',
      'n',
      '--output',
      '/tmp/x',
      '--start-sequence',
      '5',
      '--start-time',
      '2026-08-09T21:00:00Z',
    ]);
    expect(both.stderr).toMatch(/not both/);
  });

  it('lists the command in the help, with its own usage', async () => {
    expect((await etl(['--help'])).stdout).toMatch(/^ {2}stream +convert the live feed from NATS JetStream/m);
    expect((await etl(['stream', '--help'])).stdout).toContain(
      'Usage: etl stream --from <nats-url> --output <processed-dir> [options]',
    );
  });
});
