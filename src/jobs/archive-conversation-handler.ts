import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import type { createExportWriter } from '../export/export-writer.ts';
import type { ExportFileResult } from '../export/export-types.ts';
import type { ExportStore } from '../export/object-store.ts';
import { deleteReplacedExports } from './replaced-exports.ts';
import type { ArchiveConversationOutput, ArchiveConversationPayload } from './archive-conversation.ts';
import { archiveIdForJob, writeArchive, type ArchiveTarget } from './archive-writer.ts';
import type { TokenCounter } from '../analysis/tokens.ts';
import { PermanentJobError } from './job-failure.ts';
import type { JobContext, JobHandler } from './job-handler.ts';
import { archiveOfUser } from '../sql/archives.ts';
import { DEFAULT_PAGE_BYTES, DEFAULT_PAGE_SIZE, threadToArchive } from '../sql/threads.ts';
import { passOverThread, type ThreadPassResult } from './thread-pass.ts';

/** `createExportWriter` of src/export; injectable so tests can make the export fail. */
export type CreateExportWriter = typeof createExportWriter;

/** Points between the job's steps; a retry after a crash at any of them must leave no duplicate. */
export type ArchiveStep = 'context-read' | 'export-written' | 'archive-row-written' | 'committed';

export interface ArchiveConversationDeps {
  /** Connected as the service role. */
  db: Kysely<Database>;
  config: Pick<Config, 'exportDir' | 'tokenEncoding' | 'summaryMaxChars'> & { mcp: Pick<Config['mcp'], 'serverName'> };
  /** Where exports are written (and replaced ones deleted). */
  store: ExportStore;
  loadTokenCounter(encoding: Config['tokenEncoding']): Promise<TokenCounter>;
  createExportWriter: CreateExportWriter;
  /** Called after each step; tests throw from it to simulate a crash there. */
  checkpoint?(step: ArchiveStep, context: JobContext): Promise<void>;
  pageSize?: number;
  /** Bytes of stored JSON per page of messages (see readThreadMessages). */
  pageBytes?: number;
}

interface ArchiveContext {
  threadTitle: string;
  archive: ArchiveTarget;
  mcpServerId: string | null;
}

/**
 * The `archive-conversation` job: read the thread page by page, extract and count, summarise and analyse while
 * streaming the export to disk, then write archive + item + search document in one transaction.
 */
export function createArchiveConversationHandler(
  deps: ArchiveConversationDeps,
): JobHandler<ArchiveConversationPayload, ArchiveConversationOutput> {
  const paging = { rows: deps.pageSize ?? DEFAULT_PAGE_SIZE, bytes: deps.pageBytes ?? DEFAULT_PAGE_BYTES };
  return async (payload, context) => {
    const checkpoint = (step: ArchiveStep) => deps.checkpoint?.(step, context) ?? Promise.resolve();
    const found = await readArchiveContext(deps, payload, context.jobId);
    await checkpoint('context-read');

    const counter = await deps.loadTokenCounter(deps.config.tokenEncoding);
    const writer = await deps.createExportWriter(
      payload.exportFormat,
      {
        archiveId: found.archive.id,
        archiveName: found.archive.name,
        archiveDescription: found.archive.description,
        threadId: payload.threadId,
        threadTitle: found.threadTitle,
        userId: payload.requestedBy,
        exportedAt: new Date(),
        // The file's character encoding; the token encoding is in the analysis.
        encoding: 'utf-8',
      },
      { store: deps.store, jobId: context.jobId },
    );
    let file: ExportFileResult;
    let pass: ThreadPassResult;
    try {
      pass = await passOverThread(
        { db: deps.db, threadId: payload.threadId, paging, counter, summaryMaxChars: deps.config.summaryMaxChars, signal: context.signal },
        (message) => writer.addMessage(message),
      );
      file = await writer.finish({ messageCount: pass.messageCount, tokensTotal: pass.tokensCount, summary: pass.summary, analysis: pass.analysis });
    } catch (error) {
      await writer.abort();
      throw error;
    }
    const { messageCount, tokensCount } = pass;
    await checkpoint('export-written');
    context.signal.throwIfAborted();

    const written = await writeArchive(
      deps.db,
      {
        jobId: context.jobId,
        userId: payload.requestedBy,
        threadId: payload.threadId,
        threadTitle: found.threadTitle,
        archive: found.archive,
        mcpServerId: found.mcpServerId,
        exportFormat: payload.exportFormat,
        file,
        encoding: counter.encoding,
        tokensCount,
        messageCount,
        summary: pass.summary,
        analysis: pass.analysis,
        searchBody: pass.searchBody,
      },
      () => checkpoint('archive-row-written'),
    );
    await checkpoint('committed');
    // The thread's previous export (another format, or an earlier job's) is named by no row once this commit
    // replaced it. A failure here only leaves a file for the garbage collection.
    await deleteReplacedExports(deps.db, deps.store, deps.config.exportDir, written.replacedLocations, file.storageLocation).catch((error: unknown) =>
      context.log.warn({ err: error }, 'could not delete the replaced export; the export GC will'),
    );
    context.log.debug({ messageCount, tokensCount, fileSize: file.fileSize }, 'conversation archived');
    return {
      archiveId: written.archiveId,
      archiveItemId: written.archiveItemId,
      tokensCount,
      storageLocation: file.storageLocation,
      fileSize: file.fileSize,
    };
  };
}

/**
 * Checks that the thread (and the archive, when given) is the user's and finds their MCP server row. The thread and
 * the server row are host tables the service reads directly (one round trip); the archive is read acting as the user.
 */
async function readArchiveContext(
  deps: ArchiveConversationDeps,
  payload: ArchiveConversationPayload,
  jobId: string,
): Promise<ArchiveContext> {
  const userId = payload.requestedBy;
  const thread = await threadToArchive(deps.db, payload.threadId, deps.config.mcp.serverName);
  if (!thread || thread.userId !== userId) {
    throw new PermanentJobError('thread_not_found', `thread ${payload.threadId} does not exist or does not belong to user ${userId}`);
  }
  let archive: ArchiveTarget;
  if (payload.archiveId) {
    const archiveId = payload.archiveId;
    const existing = await actingAs(deps.db, { userId }, (trx) => archiveOfUser(trx, userId, archiveId));
    if (!existing) {
      throw new PermanentJobError('archive_not_found', `archive ${payload.archiveId} does not exist or does not belong to user ${userId}`);
    }
    archive = { ...existing, isNew: false };
  } else {
    archive = { id: archiveIdForJob(jobId), isNew: true, name: payload.name, description: payload.description ?? null };
  }
  return { threadTitle: thread.title, archive, mcpServerId: thread.mcpServerId };
}
