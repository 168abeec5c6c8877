import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.ts';
import { durationOption, uuidArgument, uuidOption } from '../../src/cli/parse-options.ts';
import { dispatch } from '../../src/cli/subcommands.ts';

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

describe('dispatch', () => {
  const table = { list: async (rest: string[]) => rest.length, show: async () => 7 };
  it('runs the named subcommand with the arguments after its name', async () => {
    expect(await dispatch(table, ['list', 'a', 'b'])).toBe(2);
    expect(await dispatch(table, ['show'])).toBe(7);
  });
  it('names the choices when the subcommand is missing or unknown', async () => {
    await expect(dispatch(table, [])).rejects.toThrow(new UsageError('expected a subcommand: list or show'));
    await expect(dispatch(table, ['toString'])).rejects.toThrow(new UsageError('unknown subcommand "toString" (expected list or show)'));
  });
});
