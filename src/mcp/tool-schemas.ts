import { z } from 'zod';
import { isMultiLineText, isWellFormedText } from './text-checks.ts';
import { ToolError } from './tool-error.ts';

/** Shared argument and result pieces with messages that tell the agent what to send instead. */
export const uuidArgument = (what: string) => z.uuid({ error: `expected ${what} (a uuid)` });

/** The `userId` an admin token may give to act on another user's data (see userInScope); `action` is what it does. */
export const adminUserIdArgument = (action: string) => uuidArgument('a user id').optional().describe(`Admin tokens only: ${action}`);

/** A page or hit count: whole, at least 1, at most `max`, `fallback` when absent. */
export const limitArgument = (max: number, fallback: number) =>
  z
    .number({ error: 'expected a number' })
    .int('expected a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback);

export const isoDateTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time such as 2026-01-31T00:00:00Z' });

export const queuedJob = {
  jobId: z.string().describe('Poll get_job with this id'),
  status: z.literal('queued'),
  deduplicated: z.boolean().describe('True when the same request was already queued or running: this is its job'),
};

const SEARCH_QUERY_MAX_CHARS = 500;

/** A full-text query in websearch syntax, as the search tools take it. */
export const searchQueryArgument = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(SEARCH_QUERY_MAX_CHARS, `must be at most ${SEARCH_QUERY_MAX_CHARS} characters`)
  // PostgreSQL text cannot hold NUL; other control characters are never meant.
  .refine(isMultiLineText, 'must not contain control characters')
  .refine(isWellFormedText, 'must be valid Unicode text');

/** The refusal of a search whose query keeps no word to look for. */
export const noSearchableWords = () =>
  new ToolError('invalid_input', 'query: no searchable words (only punctuation or common words such as "the", "and", "le", "de"); use more specific words');
