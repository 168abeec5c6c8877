const DAY_MS = 86_400_000;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS, y: 365 * DAY_MS } as const;
/** Longer than this is a typo, and would overflow a Date once added to now. */
const MAX_DURATION_MS = 10_000 * UNIT_MS.y;

/** How every duration (CLI ages and timeouts, token expiry, config TTLs) is written; for error messages. */
export const DURATION_EXAMPLES = 'a whole number with a unit s, m, h, d, w or y, such as 45s, 90m, 12h, 30d, 2w or 1y';

/**
 * Parses a duration such as `45s`, `90m`, `12h`, `30d`, `2w` or `1y` (365 days) into milliseconds; undefined when
 * malformed (no unit, a fraction, a negative or zero amount, more than 10,000 years), so the caller can word its
 * own error.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})([smhdwy])$/.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (amount <= 0) return undefined;
  const ms = amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** A short human age: `42s`, `3m 12s`, `2h 05m`, `4d 03h`. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${String(hours % 24).padStart(2, '0')}h`;
}
