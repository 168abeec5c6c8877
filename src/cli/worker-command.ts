import { once } from 'node:events';
import { openDatabaseTarget } from '../db/database-target.ts';
import { createLogger, logDestination } from '../logger.ts';
import { createMetrics } from '../ops/metrics.ts';
import { serveOpsEndpoints } from '../ops/ops-endpoints.ts';
import { reportSettings } from '../ops/report-routes.ts';
import { startWorker } from '../worker/start-worker.ts';
import type { Command } from './command.ts';
import { parseOptions, positiveInteger } from './parse-options.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run the job queues (archive, pattern analysis, nightly schedule) until SIGTERM or SIGINT',
  usage: [
    'Usage: chat-archiver worker [--concurrency N]',
    '',
    'Works the archive-conversation queue with N fetch loops (default WORKER_CONCURRENCY), each claiming and',
    'running up to WORKER_ARCHIVE_BATCH_SIZE jobs at once, plus the pattern analysis and its nightly schedule',
    '(PATTERN_CRON in PATTERN_TZ), as the restricted service role. Run as many',
    'worker processes as you like against one database: they share the work and never run a job twice at once.',
    'SIGTERM or SIGINT stops fetching, lets running jobs finish within SHUTDOWN_TIMEOUT_MS, hands the rest back',
    'to the queue and exits 0; a second signal exits at once with status 1.',
    'Serves /healthz, /readyz and /metrics on HOST:WORKER_HTTP_PORT (default 8788).',
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values } = parseOptions(args, { concurrency: { type: 'string' } });
    const cfg = config();
    const concurrency = positiveInteger(values.concurrency, '--concurrency', cfg.worker.concurrency);
    const log = createLogger(cfg.logLevel, logDestination(cfg.logFormat));
    const stopRequested = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    const target = await openDatabaseTarget(cfg, { mode: 'attach' });
    let worker;
    try {
      const metrics = createMetrics();
      worker = await startWorker({
        config: cfg,
        serviceUrl: target.serviceUrl,
        log,
        concurrency,
        observer: metrics.jobObserver,
        searchIndexObserver: metrics.searchIndexObserver,
        exportGcObserver: metrics.exportGcObserver,
        autoArchiveObserver: metrics.autoArchiveObserver,
        attach: (pools) => serveOpsEndpoints({ ...pools, metrics, reports: reportSettings(cfg), host: cfg.mcp.host, port: cfg.ops.workerHttpPort, extraHosts: cfg.mcp.allowedHosts }),
      });
    } catch (error) {
      await target.close();
      throw error;
    }
    stdout.write(`worker: ${worker.description} on ${target.description}\n`);
    await stopRequested;
    const force = () => {
      log.warn('second signal: exiting without waiting for running jobs');
      process.exit(1);
    };
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    stdout.write('worker stopping…\n');
    await worker.stop();
    await target.close();
    stdout.write('worker stopped\n');
    return 0;
  },
};
