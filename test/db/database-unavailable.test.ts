import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/database-unavailable.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises a server shutting down or starting, a refused or reset socket, and a lost connection', () => {
    for (const error of [
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('08006'),
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
      new Error('wrapped', { cause: withCode('57P01') }),
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
    }
  });

  it('does not mistake request errors for an outage', () => {
    for (const error of [withCode('57014', 'canceling statement due to statement timeout'), withCode('23505'), withCode('42501'), new Error('boom'), 'text', null, undefined]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });
});
