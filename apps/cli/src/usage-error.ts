/** Bad command-line usage or configuration: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}
