import { describe, expect, it } from 'vitest';
import { archiveNameFor } from '../../src/ops/archive-name.ts';
import { isLoopbackHost } from '../../src/ops/dashboard-server.ts';
import { describePayload, errorMessage, formatTimestamp } from '../../src/ops/describe-job.ts';
import { formatAge, parseDuration } from '../../src/ops/duration.ts';
import { isFinished, parseJobState } from '../../src/ops/job-states.ts';

describe('parseDuration', () => {
  it('reads a whole number with a unit', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration(' 45s ')).toBe(45_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('10000y')).toBe(10_000 * 365 * 86_400_000);
  });
  it('rejects anything else', () => {
    for (const text of ['30', 'd', '30x', '1.5d', '-3d', '0d', '30 d', '30D', '', '1234567d', '3 days', '10001y', '999999w']) {
      expect(parseDuration(text)).toBeUndefined();
    }
  });
});

describe('formatAge', () => {
  it('keeps two units at most', () => {
    expect(formatAge(0)).toBe('0s');
    expect(formatAge(59_999)).toBe('59s');
    expect(formatAge(192_000)).toBe('3m 12s');
    expect(formatAge(2 * 3_600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(formatAge(4 * 86_400_000 + 3 * 3_600_000 + 59 * 60_000)).toBe('4d 03h');
    expect(formatAge(-5)).toBe('0s');
  });
});

describe('parseJobState', () => {
  it('accepts pg-boss states and the words people use', () => {
    expect(parseJobState('failed')).toBe('failed');
    expect(parseJobState('Queued')).toBe('created');
    expect(parseJobState('retrying')).toBe('retry');
    expect(parseJobState('running')).toBe('active');
    expect(parseJobState('canceled')).toBe('cancelled');
    expect(parseJobState('expired')).toBeUndefined();
    expect(parseJobState('dead')).toBeUndefined();
  });
  it('knows which states are final', () => {
    expect(['created', 'retry', 'active', 'completed', 'cancelled', 'failed'].filter((s) => isFinished(s as never))).toEqual(['completed', 'cancelled', 'failed']);
  });
});

describe('job descriptions', () => {
  it('finds the message of what pg-boss stored for a failure', () => {
    expect(errorMessage({ name: 'Error', message: 'boom', stack: 'Error: boom\n at x' })).toBe('boom');
    expect(errorMessage({ name: 'ZodError', message: 'bad payload' })).toBe('ZodError: bad payload');
    expect(errorMessage({ value: 'thrown string' })).toBe('thrown string');
    expect(errorMessage({ error: { message: 'nested' } })).toBe('nested');
    expect(errorMessage({ error: { code: 'job_failed', message: 'disk full', retryable: true } })).toBe('disk full');
    expect(errorMessage({ error: { code: 'thread_not_found', message: 'no thread 42', retryable: false } })).toBe('thread_not_found: no thread 42');
    expect(errorMessage({ code: 42 })).toBe('{"code":42}');
    expect(errorMessage(null)).toBeUndefined();
  });
  it('says what a payload is about, tolerating foreign shapes', () => {
    expect(describePayload({ threadId: 't-1', name: 'Q1', exportFormat: 'pdf', requestedBy: 'u' })).toBe('thread t-1 "Q1" (pdf)');
    expect(describePayload({ range: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' }, trigger: 'schedule' })).toBe(
      '2026-01-01 … 2026-02-01, all users (schedule)',
    );
    expect(describePayload({ range: { start: 1 }, userId: 'u-9' })).toBe('? … ?, user u-9');
    expect(describePayload({ other: true })).toBe('{"other":true}');
    expect(describePayload(null)).toBe('');
  });
  it('prints timestamps in UTC, to the second', () => {
    expect(formatTimestamp(new Date('2026-01-31T14:05:09.987Z'))).toBe('2026-01-31 14:05:09Z');
    expect(formatTimestamp(null)).toBe('-');
  });
});

describe('archiveNameFor', () => {
  const createdAt = new Date('2026-01-05T10:00:00Z');
  it('uses the title, on one line, at most 100 characters (the app\'s limit)', () => {
    expect(archiveNameFor({ title: '  Trip\nplanning  ', createdAt })).toBe('Trip planning');
    const long = archiveNameFor({ title: 'x'.repeat(300), createdAt });
    expect(long).toHaveLength(100);
    expect(long.endsWith('…')).toBe(true);
  });
  it('names an untitled thread after its day', () => {
    expect(archiveNameFor({ title: '   ', createdAt })).toBe('Thread 2026-01-05');
  });
});

describe('isLoopbackHost', () => {
  it('accepts only addresses reachable from this machine alone', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1', '::ffff:127.0.0.1x']) expect(isLoopbackHost(host)).toBe(false);
  });
});
