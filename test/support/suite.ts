import { afterAll, beforeAll } from 'vitest';
import { closeAll, type TestResource } from './close-all.ts';

/** Hands a resource to the suite to release after its tests, and gives it back. */
export type Release = <R extends TestResource>(resource: R) => R;

/**
 * What a describe block opens once for all its tests. `open` runs in beforeAll and returns the values the tests use;
 * they are on the returned object from then on. Every resource handed to `release` is released in afterAll, the
 * last handed first (so the database, handed first, is dropped last) — also when `open` failed halfway.
 */
export function useSuite<T extends object>(open: (release: Release) => Promise<T>): T {
  const suite = {} as T;
  const opened: TestResource[] = [];
  beforeAll(async () => {
    Object.assign(suite, await open((resource) => {
      opened.push(resource);
      return resource;
    }));
  });
  afterAll(() => closeAll(...opened.reverse()));
  return suite;
}
