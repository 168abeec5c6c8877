import type { Config } from '../config.ts';
import type { DatabaseTarget } from '../db/database-target.ts';
import type { Logger } from '../logger.ts';
import type { ServiceMetrics } from '../ops/metrics.ts';

export interface ServiceContext {
  config: Config;
  target: DatabaseTarget;
  log: Logger;
  /** One registry for the whole process: every service reports into it, one endpoint serves it. */
  metrics: ServiceMetrics;
}

export interface ServiceHandle {
  /** One line for the console: what runs and where. */
  description: string;
  stop(): Promise<void>;
}

export interface RunnableService {
  name: string;
  start(context: ServiceContext): Promise<ServiceHandle>;
}

/** What `chat-archiver start` runs after the database is ready, in this order; stopped in reverse. */
export const runningServices: RunnableService[] = [
  {
    name: 'worker',
    start: async ({ config, target, log, metrics }) => {
      const { startWorker } = await import('../worker/start-worker.ts');
      const { serveOpsEndpoints } = await import('../ops/ops-endpoints.ts');
      const { reportSettings } = await import('../ops/report-routes.ts');
      return startWorker({
        config,
        serviceUrl: target.serviceUrl,
        log,
        // The MCP server shares this event loop: archive jobs at once each run their time slices before it gets a turn
        // (the pathological corpus doubled /healthz latency at 8 per fetch), so `start` claims one per fetch unless
        // WORKER_ARCHIVE_BATCH_SIZE says otherwise.
        archiveBatchSize: config.worker.archiveBatchSize ?? 1,
        observer: metrics.jobObserver,
        searchIndexObserver: metrics.searchIndexObserver,
        exportGcObserver: metrics.exportGcObserver,
        autoArchiveObserver: metrics.autoArchiveObserver,
        // The MCP app serves the process's endpoints; without it, the worker does on its own port.
        ...(config.mcp.enabled
          ? {}
          : { attach: (pools) => serveOpsEndpoints({ ...pools, metrics, reports: reportSettings(config), host: config.mcp.host, port: config.ops.workerHttpPort, extraHosts: config.mcp.allowedHosts }) }),
      });
    },
  },
  {
    name: 'mcp',
    async start({ config, target, log, metrics }) {
      if (!config.mcp.enabled) return { description: 'disabled (MCP_SERVER_ENABLED=false)', stop: async () => {} };
      const { startMcpHttpService } = await import('../mcp/mcp-runtime.ts');
      const service = await startMcpHttpService(config, target.serviceUrl, log, metrics, target.linkSecret ? { linkSecret: target.linkSecret } : {});
      const base = service.url.replace(/\/mcp$/, '');
      return {
        description: `Streamable HTTP on ${service.url} (bearer tokens: chat-archiver token create); health and metrics on ${base}/metrics`,
        stop: service.stop,
      };
    },
  },
];
