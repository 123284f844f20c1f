export { createBucket, swiftFromInjected } from './swift-client.js';
export type { SwiftServer, SwiftServerInfo } from './swift-server.js';
export { awsEnvironment, startSwiftServer, swiftInstalled } from './swift-server.js';
