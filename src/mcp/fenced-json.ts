import { z } from 'zod';
import { conversationAnalysisSchema } from '../analysis/conversation-analysis.ts';
import { patternAnalysisResultSchema } from '../analysis/pattern-analysis-result.ts';
import { archiveItemMetadataSchema, archiveMcpMetadataSchema } from '../jobs/archive-metadata.ts';
import type { Fence } from './untrusted-content.ts';

/** Every property name of the objects inside these schemas, however deep. */
function fieldNames(schemas: readonly z.ZodType[]): ReadonlySet<string> {
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (schema: unknown): void => {
    if (!(schema instanceof z.ZodType) || seen.has(schema)) return;
    seen.add(schema);
    const def = schema._zod.def as unknown as Record<string, unknown>;
    if (schema instanceof z.ZodObject) {
      for (const [name, field] of Object.entries(schema.shape)) {
        names.add(name);
        visit(field);
      }
    }
    for (const key of ['element', 'innerType', 'valueType', 'in', 'out', 'left', 'right']) visit(def[key]);
    if (Array.isArray(def.options)) def.options.forEach(visit);
    if (Array.isArray(def.items)) def.items.forEach(visit);
  };
  schemas.forEach(visit);
  return names;
}

/**
 * The property names this service writes into its JSON records (analyses, item and archive metadata). Any other
 * key in such a record is data — a role, a part type, a media type taken from chat messages — and is fenced.
 */
const OWN_FIELD_NAMES = fieldNames([conversationAnalysisSchema, patternAnalysisResultSchema, archiveItemMetadataSchema, archiveMcpMetadataSchema]);

/**
 * A JSON record that holds chat-derived strings (tool, model and provider names, agent ids and names, roles,
 * part and media types) as a response returns it: every string value fenced, and every key that is not one of
 * this service's own field names fenced too. Numbers, booleans and nulls stay as they are.
 */
export function fencedJson(value: unknown, fence: Fence): unknown {
  if (typeof value === 'string') return fence.wrap(value);
  if (Array.isArray(value)) return value.map((v) => fencedJson(v, fence));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [OWN_FIELD_NAMES.has(key) ? key : fence.wrap(key), fencedJson(v, fence)]),
    );
  }
  return value;
}

export function fencedRecordOrNull(value: Record<string, unknown> | null, fence: Fence): Record<string, unknown> | null {
  return value === null ? null : (fencedJson(value, fence) as Record<string, unknown>);
}
