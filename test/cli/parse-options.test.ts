import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.ts';
import { durationOption, uuidArgument, uuidOption } from '../../src/cli/parse-options.ts';

const ID = '3f0c1d2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f';

describe('shared option parsers', () => {
  it('reads the same duration units for every option', () => {
    expect(durationOption('45s', '--timeout')).toBe(45_000);
    expect(durationOption('1y', '--expires-in')).toBe(365 * 86_400_000);
    expect(() => durationOption('3 days', '--older-than', 'an age')).toThrow(new UsageError('--older-than expects an age (a whole number with a unit s, m, h, d, w or y, such as 45s, 90m, 12h, 30d, 2w or 1y), got "3 days"'));
    expect(() => durationOption('0m', '--timeout')).toThrow(/--timeout expects a duration/);
  });

  it('accepts uuids and names the option or argument otherwise', () => {
    expect(uuidOption(ID, '--user')).toBe(ID);
    expect(uuidArgument(ID, 'a job id')).toBe(ID);
    expect(() => uuidOption('bob', '--user')).toThrow(new UsageError('--user expects an id (uuid), got "bob"'));
    expect(() => uuidArgument('x', 'a job id')).toThrow(UsageError);
    expect(() => uuidArgument('x', 'a job id')).toThrow('"x" is not a job id (a uuid such as 3f0c1d2e-…)');
  });
});
