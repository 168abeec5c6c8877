import { describe, it, expect } from 'vitest';
import { ExtractiveSummaryAccumulator } from '../../src/analysis/summary.ts';
import { extractMessageContent } from '../../src/chat/message-content.ts';

type Turn = readonly [role: string, text: string];

const englishDebugging: readonly Turn[] = [
  [
    'user',
    'Hi! Our nightly export job to Postgres started failing last week with the error "sorry, too many clients already". ' +
      'It runs with 8 workers and each worker processes batches of rows.',
  ],
  [
    'assistant',
    'That error means the server reached max_connections. With 8 workers and many batches, the server runs out of ' +
      'connections quickly if each batch opens its own connection.\n\n```ts\nconst pool = new Pool({ max: 4 });\n' +
      'for (const batch of batches) await pool.connect();\n```\n\nCould you check `pg_stat_activity` to see who holds ' +
      'the connections? See https://www.postgresql.org/docs/current/monitoring-stats.html for details.',
  ],
  ['user', 'I checked pg_stat_activity. Most of them are idle connections from the export workers.'],
  [
    'assistant',
    'Idle connections from the export workers confirm a connection leak: the workers open connections and never ' +
      'release them. Share one pool per worker process and release each client in a finally block. You can also set ' +
      'idle_in_transaction_session_timeout as a safety net.',
  ],
  ['user', 'Thanks, releasing the clients in a finally block fixed the export job.'],
  ['assistant', 'Great. Keep the pool size per worker small so that 8 workers stay well below max_connections.'],
];

const frenchTrip: readonly Turn[] = [
  [
    'user',
    "Bonjour ! Je prépare un voyage de trois jours à Annecy en juin avec ma compagne. Notre budget total est " +
      "d'environ 600 euros, hébergement compris.",
  ],
  [
    'assistant',
    "Annecy en juin est une très bonne idée : le lac est agréable et les journées sont longues. Avec 600 euros pour " +
      'trois jours, vous pouvez viser un hôtel à environ 100 euros la nuit. Le reste du budget couvre les repas, le ' +
      'vélo autour du lac et une croisière.',
  ],
  ['user', 'Quels hôtels proches de la vieille ville nous conseillez-vous ?'],
  [
    'assistant',
    "L'hôtel du Palais de l'Isle est au cœur de la vieille ville, à partir de 110 euros la nuit. Une option moins " +
      "chère est l'hôtel Kyriad près de la gare, vers 85 euros la nuit.",
  ],
  ['user', "Nous prenons l'hôtel du Palais de l'Isle pour les trois nuits. Merci !"],
  ['assistant', "Excellent choix. Pensez à réserver la croisière sur le lac à l'avance en juin."],
];

function summarise(turns: readonly Turn[], maxChars: number): string {
  const accumulator = new ExtractiveSummaryAccumulator();
  for (const [role, text] of turns) accumulator.add(role, text);
  return accumulator.compose(maxChars);
}

function sentencesOf(summary: string): string[] {
  return summary.split(/(?<=[.!?…])\s+/);
}

describe('ExtractiveSummaryAccumulator', () => {
  it('summarises an English conversation starting from its topic', () => {
    const summary = summarise(englishDebugging, 500);
    const sentences = sentencesOf(summary);

    expect(sentences[0]).toBe(
      'Our nightly export job to Postgres started failing last week with the error "sorry, too many clients already".',
    );
    expect(sentences).toContain('Most of them are idle connections from the export workers.');
    expect(summary).not.toContain('Hi!');
    expect(summary.length).toBeLessThanOrEqual(500);
    expect(sentences.length).toBeGreaterThanOrEqual(3);
  });

  it('summarises a French conversation starting from its topic', () => {
    const summary = summarise(frenchTrip, 500);
    const sentences = sentencesOf(summary);

    expect(sentences[0]).toBe('Je prépare un voyage de trois jours à Annecy en juin avec ma compagne.');
    expect(summary).toContain("L'hôtel du Palais de l'Isle est au cœur de la vieille ville");
    expect(summary).not.toContain('Bonjour');
    expect(summary).not.toContain('Excellent choix.');
    expect(summary.length).toBeLessThanOrEqual(500);
  });

  it('quotes sentences in conversation order', () => {
    const summary = summarise(frenchTrip, 1000);
    const positions = sentencesOf(summary).map((sentence) =>
      frenchTrip.map(([, text]) => text).join(' ').indexOf(sentence.replace(/…$/, '')),
    );
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('gives the same summary for the same input, every time', () => {
    const first = summarise(englishDebugging, 400);
    const accumulator = new ExtractiveSummaryAccumulator();
    for (const [role, text] of englishDebugging) accumulator.add(role, text);
    expect(accumulator.compose(400)).toBe(first);
    expect(accumulator.compose(400)).toBe(first);
    expect(summarise(englishDebugging, 400)).toBe(first);
  });

  it('never exceeds maxChars, cutting the topic at a word when nothing else fits', () => {
    const accumulator = new ExtractiveSummaryAccumulator();
    for (const [role, text] of englishDebugging) accumulator.add(role, text);
    for (let maxChars = 0; maxChars <= 700; maxChars += 7) {
      expect(accumulator.compose(maxChars).length).toBeLessThanOrEqual(maxChars);
    }
    expect(accumulator.compose(40)).toBe('Our nightly export job to Postgres…');
    expect(accumulator.compose(0)).toBe('');
    expect(accumulator.compose(Number.NaN)).toBe('');
  });

  it('caps the number of quoted sentences', () => {
    const accumulator = new ExtractiveSummaryAccumulator();
    for (const [role, text] of englishDebugging) accumulator.add(role, text);
    expect(sentencesOf(accumulator.compose(5000, { maxSentences: 2 }))).toHaveLength(2);
  });

  it('never quotes code, URLs or tool JSON', () => {
    const rows = [
      {
        role: 'user',
        parts: [{ type: 'text', text: 'Please list the open issues about the archive export bug in acme/app.' }],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'step-start' },
          {
            type: 'tool-github_search_issues',
            toolCallId: 'call_1',
            state: 'output-available',
            input: { q: 'archive export bug', repo: 'acme/app' },
            output: {
              content: [{ type: 'text', text: { items: [{ title: 'Archive export bug crashes the worker badly' }] } }],
            },
          },
          {
            type: 'text',
            text:
              'The archive export bug is tracked in issue 14, which describes the worker crash. ' +
              'A fix would validate the export payload:\n```js\nconst payload = schema.parse(job.data); // export bug fix\n```\n' +
              'Details of the export bug are at https://github.com/acme/app/issues/14 for the archive team.',
          },
        ],
      },
    ];
    const accumulator = new ExtractiveSummaryAccumulator();
    for (const row of rows) accumulator.add(row.role, extractMessageContent(row.parts).prose);
    const summary = accumulator.compose(1000);

    expect(summary).toContain('Please list the open issues about the archive export bug in acme/app.');
    expect(summary).toContain('The archive export bug is tracked in issue 14, which describes the worker crash.');
    for (const leftover of ['schema.parse', 'const', 'https://', 'github.com', '{', 'crashes the worker badly']) {
      expect(summary).not.toContain(leftover);
    }
  });

  it('keeps short inline code readable without weighing it', () => {
    const summary = summarise(
      [
        ['user', 'How do I set up a development environment on a fresh laptop?'],
        ['assistant', 'Run `npm ci` in the project folder to install the exact dependency versions from the lockfile.'],
      ],
      500,
    );
    expect(summary).toContain('Run npm ci in the project folder');
    expect(summary).not.toContain('`');
  });

  it('does not quote a sentence that repeats one already quoted', () => {
    const summary = summarise(
      [
        ['user', 'How do I install the project dependencies for the archive service?'],
        ['assistant', 'Run npm ci in the project folder to install the archive service dependencies exactly.'],
      ],
      500,
    );
    expect(summary).toBe('How do I install the project dependencies for the archive service?');
  });

  it('summarises text without spaces between words (Japanese)', () => {
    const summary = summarise(
      [
        ['user', '来月の京都旅行の予算を相談したいです。三日間で五万円以内に収めたいと考えています。'],
        ['assistant', '京都では旅館より駅近くのビジネスホテルを選ぶと予算を抑えられます。交通はバスの一日券が便利です。'],
      ],
      200,
    );
    expect(summary.startsWith('来月の京都旅行の予算を相談したいです。')).toBe(true);
    expect(summary.length).toBeLessThanOrEqual(200);
  });

  it('looks past a pasted blob for the topic', () => {
    const blob = Buffer.from(Array.from({ length: 600 }, (_, index) => (index * 7919) % 256)).toString('base64');
    const summary = summarise(
      [
        ['user', blob],
        ['user', 'Why does the upload of this file fail with a checksum error?'],
        ['assistant', 'The checksum error means the file was truncated during the upload to the bucket.'],
      ],
      300,
    );
    expect(summary.startsWith('Why does the upload of this file fail with a checksum error?')).toBe(true);
    expect(summary).not.toContain(blob.slice(0, 20));
  });

  it('returns an empty summary when nothing was said', () => {
    expect(summarise([], 300)).toBe('');
    expect(summarise([['user', '```\nonly code\n```'], ['assistant', '']], 300)).toBe('');
  });

  it('stays bounded over 100,000 messages and still reads the start and the end', () => {
    const accumulator = new ExtractiveSummaryAccumulator();
    accumulator.add('user', 'We need to plan the migration of the billing database to the new cluster.');
    let largest = accumulator.retained;
    for (let index = 1; index < 100_000; index++) {
      accumulator.add(
        index % 2 === 0 ? 'user' : 'assistant',
        `Step ${index} checks replica number ${index % 37} of the billing shard ${index % 11}. ` +
          `Its lag stays under ${index % 5} seconds.`,
      );
      if (index % 1000 === 0) {
        const retained = accumulator.retained;
        largest = {
          headSentences: Math.max(largest.headSentences, retained.headSentences),
          tailMessages: Math.max(largest.tailMessages, retained.tailMessages),
          tailChars: Math.max(largest.tailChars, retained.tailChars),
        };
      }
    }
    accumulator.add('assistant', 'The billing database now runs on the new cluster after the final cutover.');

    expect(largest.headSentences).toBe(200);
    expect(largest.tailMessages).toBeLessThanOrEqual(1_000);
    expect(largest.tailChars).toBeLessThanOrEqual(60_000);
    expect(accumulator.retained.tailChars).toBeLessThanOrEqual(60_000);

    const summary = accumulator.compose(600);
    expect(summary.startsWith('We need to plan the migration of the billing database to the new cluster.')).toBe(true);
    expect(summary).toContain('The billing database now runs on the new cluster after the final cutover.');
    expect(summary.length).toBeLessThanOrEqual(600);
  });

  it('keeps only the end of one huge message', () => {
    const accumulator = new ExtractiveSummaryAccumulator();
    accumulator.add('user', 'Summarise this very long log of the deployment pipeline for me.');
    const filler = Array.from({ length: 20_000 }, (_, index) => `Stage ${index} deployed service number ${index % 9} fine.`);
    accumulator.add('assistant', `${filler.join(' ')} Finally the canary release of the payment service failed its checks.`);
    expect(accumulator.retained.tailChars).toBeLessThanOrEqual(60_000);
    expect(accumulator.compose(400)).toContain('Finally the canary release of the payment service failed its checks.');
  });
});
