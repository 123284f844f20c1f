/**
 * Subject names of the live bus. Market data goes to `<prefix>.<channel>.<product>` (default
 * prefix `md.coinbase`), so a consumer can take one channel (`md.coinbase.l2_data.*`), one product
 * (`md.coinbase.*.BTC-USD`) or everything (`md.coinbase.>`).
 */

/** Stream that holds the raw frames by default. */
export const DEFAULT_STREAM = 'MD_COINBASE';
/** Subject prefix of the raw frames by default. */
export const DEFAULT_SUBJECT_PREFIX = 'md.coinbase';
/** Subject prefix of the live features by default (outside the raw stream's subjects). */
export const DEFAULT_FEATURES_PREFIX = 'features.coinbase';
/** Token used when a frame has no product (heartbeats, subscriptions) or the value is empty. */
export const NO_PRODUCT_TOKEN = '_';

/**
 * A value made safe as one subject token: `.`, `*`, `>`, whitespace and control characters
 * would split the token or act as wildcards, so they become `_`; empty or null becomes `_`.
 */
export function subjectToken(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return NO_PRODUCT_TOKEN;
  let safe = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 32 || c === 46 /* . */ || c === 42 /* * */ || c === 62 /* > */ || c === 127) {
      safe = false;
      break;
    }
  }
  if (safe) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    out += c <= 32 || c === 46 || c === 42 || c === 62 || c === 127 ? '_' : value[i];
  }
  return out;
}

/** `<prefix>.<channel>.<product>` with each variable part made a safe token. */
export function marketDataSubject(
  prefix: string,
  channel: string,
  productId: string | null | undefined,
): string {
  return `${prefix}.${subjectToken(channel)}.${subjectToken(productId)}`;
}
