/**
 * Lines handed on undecoded (`NDJSONReaderOptions.rawLines`), and their decoding: a reader on
 * a worker thread splits and scans lines, and the thread that consumes them decodes and parses
 * the ones the line parser did not take, with exactly the reader's checks and reasons.
 */
import { errorMessage } from '@etl/core';
import { rawText } from './line-text.js';

/** A line's bytes (a copy, without its terminator) and whether it had a terminator. */
export class RawLine {
  constructor(
    readonly bytes: Uint8Array,
    readonly terminated: boolean,
  ) {}
}

/** Why a line cannot be used, as the reader counts and quarantines it. */
export type LineRejectKind = 'invalid_json' | 'truncated_line' | 'invalid_utf8';

/**
 * Decodes lines strictly (invalid UTF-8 is refused, never replaced; a BOM inside the file stays
 * visible) and parses them as JSON. On failure `decodeJson` returns undefined (JSON.parse never
 * does) and `kind` and `reason` say why.
 */
export class JsonLineDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  kind: LineRejectKind = 'invalid_json';
  reason = '';

  /** The line's text, or undefined when it is not valid UTF-8. */
  decodeText(bytes: Uint8Array, terminated: boolean): string | undefined {
    try {
      return this.decoder.decode(bytes);
    } catch {
      this.fail(terminated, 'invalid_utf8', 'invalid UTF-8');
      return undefined;
    }
  }

  /** The line's JSON value, or undefined when it is not valid UTF-8 or not valid JSON. */
  decodeJson(bytes: Uint8Array, terminated: boolean): unknown {
    const text = this.decodeText(bytes, terminated);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      this.fail(terminated, 'invalid_json', `invalid JSON: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private fail(terminated: boolean, kind: LineRejectKind, reason: string): void {
    // A cut-off last line is its own kind, whatever the decoder or parser said about it.
    if (!terminated) {
      this.kind = 'truncated_line';
      this.reason = 'truncated last line';
    } else {
      this.kind = kind;
      this.reason = reason;
    }
  }
}

/** A line's text for its quarantine entry, as the reader writes it (invalid UTF-8 shown as U+FFFD). */
export function rawLineText(bytes: Uint8Array): string {
  return rawText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
}
