import type { ExportFooter, ExportHeader, ExportMessage } from './export-types.ts';

// The document is written in pieces; concatenated in order they form one JSON value:
// {"format":"chat-archiver/v1","archive":…,"thread":…,"exportedAt":…,"encoding":…,"messages":[…],
//  "messageCount":…,"tokensTotal":…,"summary":…,"analysis":…}
// One message per line (the separating comma leads the line) keeps the file greppable and streamable line by line.

export const JSON_EXPORT_FORMAT = 'chat-archiver/v1';

export function renderJsonHeader(header: ExportHeader): string {
  const head = {
    format: JSON_EXPORT_FORMAT,
    archive: { id: header.archiveId, name: header.archiveName, description: header.archiveDescription ?? null },
    thread: { id: header.threadId, title: header.threadTitle, userId: header.userId },
    exportedAt: header.exportedAt.toISOString(),
    encoding: header.encoding,
  };
  const text = JSON.stringify(head);
  return `${text.slice(0, -1)},"messages":[`;
}

/** `index` is the message's position in the export (0 for the first), which decides the separating comma. */
export function renderJsonMessage(message: ExportMessage, index: number): string {
  const body = JSON.stringify({
    id: message.id,
    role: message.role,
    createdAt: message.createdAt.toISOString(),
    tokens: message.tokens,
    parts: message.parts,
    metadata: message.metadata ?? null,
  });
  return `\n${index === 0 ? '' : ','}${body}`;
}

export function renderJsonFooter(footer: ExportFooter): string {
  const tail = JSON.stringify({
    messageCount: footer.messageCount,
    tokensTotal: footer.tokensTotal,
    summary: footer.summary,
    analysis: footer.analysis ?? null,
  });
  return `\n],${tail.slice(1)}\n`;
}
