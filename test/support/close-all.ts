/**
 * Something a test opens in beforeAll: a client or server (close), a service or worker (stop), a database (drop), a
 * connection pool (destroy).
 */
export type TestResource = { close(): unknown } | { stop(): unknown } | { drop(): unknown } | { destroy(): unknown };

/**
 * Releases each resource in the order given (dependents first, the database last); resources a failed set-up never
 * opened are undefined and skipped. A resource with several of the methods is dropped, else stopped, else destroyed,
 * else closed.
 */
export async function closeAll(...resources: Array<TestResource | undefined | null>): Promise<void> {
  for (const resource of resources) {
    if (!resource) continue;
    if ('drop' in resource) await resource.drop();
    else if ('stop' in resource) await resource.stop();
    else if ('destroy' in resource) await resource.destroy();
    else await resource.close();
  }
}
