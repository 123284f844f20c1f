import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, EtlError } from '@etl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedis, describeRedis, parseRedisUrl } from './redis-connection.js';
import { type RedisTestServer, startRedisServer } from './testing/redis-server.js';

describe('parseRedisUrl', () => {
  it('reads host, port, database and credentials of redis:// URLs', () => {
    expect(parseRedisUrl('redis://localhost:6380')).toEqual({ host: 'localhost', port: 6380 });
    expect(parseRedisUrl('redis://10.0.0.5')).toEqual({ host: '10.0.0.5', port: 6379 });
    expect(parseRedisUrl('redis://:s%40cret@cache:7000/3')).toEqual({
      host: 'cache',
      port: 7000,
      db: 3,
      password: 's@cret',
    });
    expect(parseRedisUrl('redis://etl:pw@[::1]:6379/0')).toEqual({
      host: '::1',
      port: 6379,
      db: 0,
      username: 'etl',
      password: 'pw',
    });
    expect(parseRedisUrl('rediss://cache.example:6390')).toEqual({
      host: 'cache.example',
      port: 6390,
      tls: {},
    });
  });

  it('reads socket URLs in both spellings', () => {
    expect(parseRedisUrl('redis+unix:///tmp/x/redis.sock')).toEqual({ path: '/tmp/x/redis.sock' });
    expect(parseRedisUrl('unix:///run/redis.sock?db=2')).toEqual({ path: '/run/redis.sock', db: 2 });
  });

  it('refuses anything else with a ConfigError naming the option', () => {
    const bad = [
      '',
      'localhost:6379',
      'http://localhost:6379',
      'redis://',
      'redis://h:1/x',
      'redis://h/99999',
      'unix://relative/sock',
      'redis+unix://',
    ];
    for (const url of bad) {
      let error: unknown;
      try {
        parseRedisUrl(url, '--queue');
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe('--queue');
      expect((error as Error).message).toMatch(/redis:\/\/host:port|unix:\/\/\//);
    }
  });

  it('masks the password when describing a connection', () => {
    expect(describeRedis(parseRedisUrl('redis://etl:pw@cache:7000/3'))).toBe('redis://etl:***@cache:7000/3');
    expect(describeRedis(parseRedisUrl('unix:///run/redis.sock?db=1'))).toBe('unix:///run/redis.sock/1');
  });
});

describe('checkRedis', () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('returns the version of a real server', async () => {
    const version = await checkRedis(parseRedisUrl(server.url));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(5);
  });

  it('fails fast with a message naming the address when nothing listens there', async () => {
    const socket = path.join(mkdtempSync(path.join(tmpdir(), 'etl-nothing-')), 'none.sock');
    const error = await checkRedis({ path: socket }, 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).code).toBe('E_QUEUE_UNREACHABLE');
    expect((error as Error).message).toContain(`unix://${socket}`);
  });
});

describe('startRedisServer', () => {
  it('names the package to install when the binary is missing', async () => {
    const error = await startRedisServer({
      binary: 'redis-server-that-does-not-exist',
      spawnAlways: true,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('apt-get install -y redis-server');
  });
});
