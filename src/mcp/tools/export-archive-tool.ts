import { z } from 'zod';
import { actingAs } from '../../db/acting-user.ts';
import { exportFormats } from '../../export/export-types.ts';
import { exportArchiveJob } from '../../jobs/export-archive.ts';
import { userOwnsArchive } from '../../sql/archives.ts';
import { enqueueWithinQuota } from '../job-quota.ts';
import { defineTool } from '../tool-definition.ts';
import { notFound } from '../tool-error.ts';
import { queuedJob, uuidArgument } from '../tool-schemas.ts';

export const exportArchiveTool = defineTool({
  name: 'export_archive',
  title: 'Export a whole archive as one ZIP',
  description:
    'Queue one ZIP file of every item of one of your archives, each exported in `format` (json, markdown or pdf), ' +
    'with `manifest.json` listing the archive and, per file, the item id and type, title, format, size and sha256. ' +
    'Answers at once with {jobId, status: "queued"}; poll get_job until it is completed, then give a person its ' +
    '`downloadUrl`. The same request while one is pending returns the same job.',
  input: z.strictObject({
    archiveId: uuidArgument('an archive id'),
    format: z.enum(exportFormats, { error: `expected one of ${exportFormats.join(', ')}` }),
  }),
  output: z.object(queuedJob),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { caller, deps }) {
    const owns = await actingAs(deps.db, { userId: caller.userId }, (trx) => userOwnsArchive(trx, caller.userId, input.archiveId));
    if (!owns) throw notFound('archive', input.archiveId);
    const { jobId, deduplicated } = await enqueueWithinQuota({ caller, deps }, exportArchiveJob, { ...input, requestedBy: caller.userId });
    return { jobId, status: 'queued' as const, deduplicated };
  },
});
