import type { ArchiveView } from '../sql/archives.ts';
import { fenceUntrustedOrNull } from './untrusted-content.ts';

/** An archive as tools and resources return it: the chat text in it fenced. */
export function fencedArchiveView(archive: ArchiveView): ArchiveView {
  return {
    ...archive,
    items: archive.items.map((item) => ({
      ...item,
      threadTitle: fenceUntrustedOrNull(item.threadTitle),
      summary: fenceUntrustedOrNull(item.summary),
    })),
  };
}
