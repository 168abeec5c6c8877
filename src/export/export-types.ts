/** Formats an archive export can be written in. */
export const exportFormats = ['json', 'markdown', 'pdf'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** What an export says about its archive and thread, written before the first message. */
export interface ExportHeader {
  archiveId: string;
  archiveName: string;
  archiveDescription?: string | null;
  threadId: string;
  threadTitle: string;
  userId: string;
  exportedAt: Date;
  /** Recorded as given; files are always written as UTF-8. */
  encoding: string;
}

/** One `chat_message` row, with `parts` and `metadata` exactly as stored (unparsed). */
export interface ExportMessage {
  id: string;
  role: string;
  createdAt: Date;
  parts: unknown[] | null;
  metadata: unknown;
  /** Token count of the message, computed by the archiver. */
  tokens: number;
}

/** What an export says after the last message. */
export interface ExportFooter {
  messageCount: number;
  tokensTotal: number;
  summary: string;
  analysis: unknown;
}

/** Where a committed export file lives and what it holds. */
export interface ExportFileResult {
  /** The committed object's location in its store: `file:///abs/path` or `s3://bucket/key`. */
  storageLocation: string;
  fileSize: number;
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
}

/** Destination of rendered bytes; `write` resolves once the chunk may be followed by another (backpressure). */
export interface ChunkSink {
  write(chunk: string | Uint8Array): Promise<void>;
}
