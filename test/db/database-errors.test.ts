import { describe, expect, it } from 'vitest';
import { classifyDatabaseError } from '../../src/db/database-errors.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyDatabaseError', () => {
  it('calls a server shutting down or starting, a refused or reset socket, and a lost connection an outage', () => {
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
      expect(classifyDatabaseError(error)).toBe('outage');
    }
  });

  it('tells timeouts, conflicts and refused data apart, also when wrapped', () => {
    expect(classifyDatabaseError(withCode('57014', 'canceling statement due to statement timeout'))).toBe('timeout');
    expect(classifyDatabaseError(withCode('23505'))).toBe('conflict');
    expect(classifyDatabaseError(new Error('wrapped', { cause: withCode('23505') }))).toBe('conflict');
    expect(classifyDatabaseError(withCode('40001'))).toBe('conflict');
    expect(classifyDatabaseError(withCode('40P01'))).toBe('conflict');
    expect(classifyDatabaseError(withCode('22P02', 'invalid input syntax for type uuid'))).toBe('invalid_input');
    expect(classifyDatabaseError(withCode('23514'))).toBe('invalid_input');
  });

  it('leaves errors that are not about the request or the server unclassified', () => {
    for (const error of [withCode('42501'), withCode('42P01'), new Error('boom'), 'text', null, undefined]) {
      expect(classifyDatabaseError(error)).toBeUndefined();
    }
  });
});
