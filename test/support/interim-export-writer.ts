import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CreateExportWriter } from '../../src/jobs/archive-conversation-handler.ts';

/** Writes messages as JSON lines, atomically; stands in for src/export in tests until it lands. */
export const interimExportWriter: CreateExportWriter = async (format, header, target) => {
  const extension = { json: 'json', markdown: 'md', pdf: 'pdf' }[format];
  const finalPath = path.resolve(target.exportDir, header.archiveId, `${header.threadId}.${extension}`);
  await mkdir(path.dirname(finalPath), { recursive: true });
  const tempPath = `${finalPath}.${randomBytes(4).toString('hex')}.tmp`;
  const lines: string[] = [JSON.stringify(header)];
  return {
    async addMessage(message) {
      lines.push(JSON.stringify(message));
    },
    async finish(footer) {
      lines.push(JSON.stringify(footer));
      const bytes = Buffer.from(`${lines.join('\n')}\n`);
      await writeFile(tempPath, bytes);
      await rename(tempPath, finalPath);
      return { storageLocation: finalPath, fileSize: (await stat(finalPath)).size, sha256: createHash('sha256').update(bytes).digest('hex') };
    },
    async abort() {
      await rm(tempPath, { force: true });
    },
  };
};
