import { autoArchiveJob } from '../jobs/auto-archive.ts';
import { nightlyPatternsJob } from '../jobs/nightly-patterns.ts';
import { formatTimestamp } from '../ops/describe-job.ts';
import type { Command } from './command.ts';
import { formatTable } from './format-table.ts';
import { withOpsSession } from './ops-session.ts';
import { parseOptions } from './parse-options.ts';

interface ScheduleView {
  queue: string;
  key: string;
  cron: string;
  timeZone: string;
  nextRun: string | null;
  lastJobId: string | null;
}

export const schedulesCommand: Command = {
  name: 'schedules',
  summary: 'the cron schedules: queue, expression, time zone, next run, last job',
  usage: [
    'Usage: chat-archiver schedules [--json]',
    '',
    'Lists the schedules registered in pg-boss (the worker registers the nightly pattern analysis, PATTERN_CRON in',
    `PATTERN_TZ, on the ${nightlyPatternsJob.queue} queue when it starts, and, when AUTO_ARCHIVE_AFTER is set, the`,
    `retention run, AUTO_ARCHIVE_CRON in UTC, on the ${autoArchiveJob.queue} queue). Next run is computed in the`,
    "schedule's time zone and shown in UTC.",
  ].join('\n'),
  async run(args, { config, stdout }) {
    const { values } = parseOptions(args, { json: { type: 'boolean' } });
    const cfg = config();
    const schedules = await withOpsSession(cfg, async ({ boss }) =>
      (await boss.getSchedules()).map(
        (s): ScheduleView => ({
          queue: s.name,
          key: s.key,
          cron: s.cron,
          timeZone: s.timezone,
          nextRun: boss.previewSchedule(s.cron, { tz: s.timezone, count: 1 })[0]?.toISOString() ?? null,
          lastJobId: s.lastJobId,
        }),
      ),
    );
    if (values.json) {
      stdout.write(`${JSON.stringify(schedules)}\n`);
      return 0;
    }
    if (schedules.length === 0) {
      stdout.write(
        `no schedules registered yet (the worker registers "${cfg.patterns.cron}" in ${cfg.patterns.timeZone} for ${nightlyPatternsJob.queue} when it starts)\n`,
      );
      return 0;
    }
    stdout.write(
      `${formatTable(schedules, [
        { header: 'QUEUE', value: (s) => s.queue },
        { header: 'KEY', value: (s) => s.key || '-' },
        { header: 'CRON', value: (s) => s.cron },
        { header: 'TIME ZONE', value: (s) => s.timeZone },
        { header: 'NEXT RUN', value: (s) => (s.nextRun ? formatTimestamp(new Date(s.nextRun)) : 'never') },
        { header: 'LAST JOB', value: (s) => s.lastJobId ?? '-' },
      ])}\n`,
    );
    return 0;
  },
};
