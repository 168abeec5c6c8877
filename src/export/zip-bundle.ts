import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { drainOrClose } from './drain-or-close.ts';
import type { ChunkSink } from './export-types.ts';

/** One file of a bundle as written: its bytes before compression. */
export interface ZipEntryWritten {
  size: number;
  sha256: string;
}

/**
 * A ZIP file streamed into a sink as its entries are written: one entry at a time, each filled through a ChunkSink
 * with backpressure, so neither an entry nor the bundle is ever held whole in memory. yazl writes data descriptors
 * (sizes and CRC after the data) and switches to ZIP64 by itself past 4 GiB.
 */
export interface ZipBundle {
  /** Adds an entry and waits until `fill` has written all its bytes. */
  addEntry(path: string, options: { mtime: Date; compress: boolean }, fill: (sink: ChunkSink) => Promise<void>): Promise<ZipEntryWritten>;
  /** Adds a small entry held in memory (the manifest). */
  addBuffer(path: string, bytes: Buffer, mtime: Date): void;
  /** Writes the central directory and waits until the sink has taken the last byte. */
  finish(): Promise<void>;
  /** Stops writing; the sink's owner discards what it received. */
  abort(): void;
}

const ENTRY_HIGH_WATER_MARK = 64 * 1024;

export function openZipBundle(target: ChunkSink): ZipBundle {
  const zip = new ZipFile();
  const output = zip.outputStream as Readable;
  let failure: Error | undefined;
  let current: PassThrough | undefined;
  const fail = (error: unknown) => {
    failure ??= error instanceof Error ? error : new Error(String(error));
    // An entry waiting for 'drain' would wait forever once nobody reads the ZIP.
    current?.destroy();
  };
  zip.on('error', (error: unknown) => {
    fail(error);
    output.destroy();
  });
  const pumped = (async () => {
    for await (const chunk of output) await target.write(chunk as Buffer);
  })();
  pumped.catch(fail);

  return {
    async addEntry(path, options, fill) {
      if (failure) throw failure;
      const entry = new PassThrough({ highWaterMark: ENTRY_HIGH_WATER_MARK });
      current = entry;
      zip.addReadStream(entry, path, { mtime: options.mtime, compress: options.compress });
      const hash = createHash('sha256');
      let size = 0;
      await fill({
        async write(chunk) {
          if (failure) throw failure;
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
          if (bytes.byteLength === 0) return;
          hash.update(bytes);
          size += bytes.byteLength;
          if (!entry.write(bytes)) await drainOrClose(entry);
          if (failure) throw failure;
        },
      });
      entry.end();
      return { size, sha256: hash.digest('hex') };
    },

    addBuffer(path, bytes, mtime) {
      zip.addBuffer(bytes, path, { mtime, compress: true });
    },

    async finish() {
      if (failure) throw failure;
      zip.end();
      await pumped;
      if (failure) throw failure;
    },

    abort() {
      fail(new Error('the bundle was aborted'));
      output.destroy();
    },
  };
}
