import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLE_NAMES } from '../../src/config.ts';

const configurationDoc = readFileSync(new URL('../../docs/CONFIGURATION.md', import.meta.url), 'utf8');

describe('docs/CONFIGURATION.md', () => {
  it('documents every environment variable that src/config.ts reads', () => {
    const undocumented = ENV_VARIABLE_NAMES.filter((name) => !configurationDoc.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });

  it('documents no variable that src/config.ts does not read', () => {
    const tableRows = configurationDoc.split('\n').filter((line) => line.startsWith('| `'));
    const documented = tableRows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
    expect(documented.filter((name) => !ENV_VARIABLE_NAMES.includes(name))).toEqual([]);
  });
});
