// The synchronous baseline of the archive tool, for bench/mcp-archive.ts only: the same MCP HTTP server as
// `chat-archiver mcp` (same auth, pools, audit, per-request server), except that `archive_conversation` does the whole
// archive inside the request — read, count, summarise, analyse, export, write — as a service class without a queue
// would, with the worker's own handler, and answers when it is done.
//   node bench/support/inline-archive-server.ts   (environment as for `chat-archiver mcp`)
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadTokenCounter } from '../../src/analysis/tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabaseTarget } from '../../src/db/database-target.ts';
import { createExportWriter } from '../../src/export/export-writer.ts';
import { createArchiveConversationHandler } from '../../src/jobs/archive-conversation-handler.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { createLogger } from '../../src/logger.ts';
import { archiverTools } from '../../src/mcp/archiver-server.ts';
import { startMcpHttpService } from '../../src/mcp/mcp-runtime.ts';
import { defineTool, type ToolDefinition } from '../../src/mcp/tool-definition.ts';
import { archiveConversationTool } from '../../src/mcp/tools/archive-conversation-tool.ts';

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const target = await openDatabaseTarget(config, { mode: 'attach' });
let archive: ReturnType<typeof createArchiveConversationHandler> | undefined;

const inlineArchiveTool = defineTool({
  ...archiveConversationTool,
  output: z.object({ archiveId: z.string(), tokensCount: z.number(), fileSize: z.number() }),
  async run(input, { caller, deps, log: toolLog }) {
    // The handler checks, as the caller, that the thread is theirs, as the real tool does before enqueueing.
    archive ??= createArchiveConversationHandler({ db: deps.db, config, store: deps.store, loadTokenCounter, createExportWriter });
    const payload = archiveConversationJob.payload.parse({ ...input, requestedBy: caller.userId });
    const jobId = randomUUID();
    const done = await archive(payload, {
      jobId,
      queue: archiveConversationJob.queue,
      attempt: 1,
      maxAttempts: 1,
      createdOn: new Date(),
      signal: new AbortController().signal,
      log: toolLog,
    });
    return { archiveId: done.archiveId, tokensCount: done.tokensCount, fileSize: done.fileSize };
  },
});

// Same server, one tool swapped: everything else a request goes through stays identical to the real one.
const tools = archiverTools as ToolDefinition[];
tools[tools.findIndex((tool) => tool.name === archiveConversationTool.name)] = inlineArchiveTool;

const service = await startMcpHttpService(config, target.serviceUrl, log);
process.stdout.write(`inline archive server listening on ${service.url}\n`);
await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
await service.stop();
await target.close();
