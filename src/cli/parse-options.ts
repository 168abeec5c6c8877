import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from '../ops/duration.ts';
import { UsageError } from './command.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `util.parseArgs` with strict checking, its errors turned into usage errors (exit 2). */
export function parseOptions<T extends Options>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/^TypeError \[\w+\]: /, '') : String(error));
  }
}

export function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`${flag} expects a positive whole number, got "${value}"`);
  return Number(value);
}

export function isUuid(text: string): boolean {
  return z.uuid().safeParse(text).success;
}

/** The value of an option that names a row (`--user`, `--thread`, …); a usage error unless it is a uuid. */
export function uuidOption(text: string, flag: string): string {
  if (!isUuid(text)) throw new UsageError(`${flag} expects an id (uuid), got "${text}"`);
  return text;
}

/** A positional argument that names a row (a job, a token); a usage error unless it is a uuid. */
export function uuidArgument(text: string, what: string): string {
  if (!isUuid(text)) throw new UsageError(`"${text}" is not ${what} (a uuid such as 3f0c1d2e-…)`);
  return text;
}

/** An age, timeout or expiry option in milliseconds (see parseDuration); a usage error when malformed. */
export function durationOption(text: string, flag: string, noun: 'a duration' | 'an age' = 'a duration'): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} expects ${noun} (${DURATION_EXAMPLES}), got "${text}"`);
  return ms;
}
