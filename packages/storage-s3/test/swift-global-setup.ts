/**
 * One Swift server for every S3 test file of the package (start-up takes 10-25 s). The tests
 * read it with `inject('swift')`.
 */
import type { TestProject } from 'vitest/node';
import { type SwiftServer, type SwiftServerInfo, startSwiftServer } from '../src/testing/swift-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    swift: SwiftServerInfo;
  }
}

let server: SwiftServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startSwiftServer();
  const { endpoint, region, accessKeyId, secretAccessKey } = server;
  project.provide('swift', { endpoint, region, accessKeyId, secretAccessKey });
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
