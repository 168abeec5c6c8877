import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/ops/metrics.ts';

describe('export GC metrics', () => {
  it('counts deletions by reason', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.exportGcObserver.onCollected({ deleted: ['a/x.json', 'a/y.json', 'b/z.md'], expired: 1, staleUploads: 2 });
    metrics.exportGcObserver.onCollected({ deleted: ['c/w.pdf'], expired: 0, staleUploads: 0 });
    const { body } = await metrics.render();
    expect(body).toContain('chat_archiver_export_gc_deleted_total{reason="unnamed"} 3');
    expect(body).toContain('chat_archiver_export_gc_deleted_total{reason="expired"} 1');
    expect(body).toContain('chat_archiver_export_gc_deleted_total{reason="stale_upload"} 2');
  });
});
