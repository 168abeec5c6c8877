import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
};

describe('export store and link configuration', () => {
  it('defaults to the fs store, 1 h links based on HOST:PORT, hourly GC and no retention', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.exportStore).toEqual({ driver: 'fs', downloads: 'proxy', gcCron: '0 * * * *' });
    expect(config.links).toEqual({ ttlMs: 3_600_000, publicBaseUrl: 'http://127.0.0.1:8787' });
  });

  it('reads the s3 settings, link settings and retention', () => {
    const config = loadConfig({
      EXPORT_STORE: 's3',
      EXPORT_S3_BUCKET: 'exports.example',
      EXPORT_S3_PREFIX: 'prod/archiver/',
      EXPORT_S3_ENDPOINT: 'https://s3.eu.example.net',
      EXPORT_S3_REGION: 'eu-central-1',
      EXPORT_S3_FORCE_PATH_STYLE: 'true',
      EXPORT_S3_DOWNLOADS: 'presigned',
      EXPORT_LINK_TTL: '7d',
      EXPORT_LINK_SECRET: 'x'.repeat(40),
      PUBLIC_BASE_URL: 'https://archiver.example.com/',
      EXPORT_RETENTION: '90d',
      EXPORT_GC_CRON: '*/15 * * * *',
    });
    expect(config.exportStore).toEqual({
      driver: 's3',
      s3: { bucket: 'exports.example', prefix: 'prod/archiver/', endpoint: 'https://s3.eu.example.net', region: 'eu-central-1', forcePathStyle: true },
      downloads: 'presigned',
      retentionMs: 90 * 86_400_000,
      gcCron: '*/15 * * * *',
    });
    expect(config.links).toEqual({ ttlMs: 7 * 86_400_000, secret: 'x'.repeat(40), publicBaseUrl: 'https://archiver.example.com' });
  });

  it('refuses what cannot work, naming the variable', () => {
    expect(problemsOf({ EXPORT_STORE: 's3' })).toBe('EXPORT_S3_BUCKET: required with EXPORT_STORE=s3');
    expect(problemsOf({ EXPORT_S3_DOWNLOADS: 'presigned' })).toContain('EXPORT_S3_DOWNLOADS: presigned needs EXPORT_STORE=s3');
    expect(problemsOf({ EXPORT_LINK_TTL: '8d' })).toContain('EXPORT_LINK_TTL: expected at most 7d');
    expect(problemsOf({ EXPORT_LINK_TTL: 'soon' })).toContain('EXPORT_LINK_TTL: expected a duration');
    expect(problemsOf({ EXPORT_LINK_SECRET: 'short' })).toContain('EXPORT_LINK_SECRET: expected at least 32 characters (got "***")');
    expect(problemsOf({ EXPORT_S3_BUCKET: 'Bad_Bucket' })).toContain('EXPORT_S3_BUCKET');
    expect(problemsOf({ EXPORT_S3_ENDPOINT: 'ftp://x' })).toContain('EXPORT_S3_ENDPOINT: expected a URL such as http:// or https://');
    expect(problemsOf({ EXPORT_RETENTION: '0d' })).toContain('EXPORT_RETENTION');
    expect(problemsOf({ EXPORT_S3_PREFIX: '/abs' })).toContain('EXPORT_S3_PREFIX');
  });

  it('reads durations with the units the CLI takes (s to y)', () => {
    expect(loadConfig({ EXPORT_LINK_TTL: '45s' }, '/srv/app').links.ttlMs).toBe(45_000);
    expect(loadConfig({ EXPORT_RETENTION: '1y' }, '/srv/app').exportStore.retentionMs).toBe(365 * 86_400_000);
  });
});
