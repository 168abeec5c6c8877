import { z } from 'zod';
import { isMultiLineText, isSingleLineText, isWellFormedText } from '../mcp/text-checks.ts';

// better-chatbot validates archive names at 1–100 characters and descriptions at ≤ 500 when a user edits an
// archive: anything longer made here could never be saved again in the app. Longer values are refused, never cut.
export const ARCHIVE_NAME_MAX = 100;
export const ARCHIVE_DESCRIPTION_MAX = 500;

export const archiveNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(ARCHIVE_NAME_MAX, `must be at most ${ARCHIVE_NAME_MAX} characters (better-chatbot's limit for archive names)`)
  .refine(isSingleLineText, 'must not contain control characters')
  .refine(isWellFormedText, 'must be valid Unicode text')
  .describe(`Name of the archive (1–${ARCHIVE_NAME_MAX} characters, one line)`);

export const archiveDescriptionSchema = z
  .string()
  .trim()
  .max(ARCHIVE_DESCRIPTION_MAX, `must be at most ${ARCHIVE_DESCRIPTION_MAX} characters (better-chatbot's limit for archive descriptions)`)
  .refine(isMultiLineText, 'must not contain control characters other than line breaks and tabs')
  .refine(isWellFormedText, 'must be valid Unicode text')
  .describe(`Description of the archive (at most ${ARCHIVE_DESCRIPTION_MAX} characters)`);

/** A name derived from data (a thread title) made to fit, marked with an ellipsis: only for names nobody typed. */
export function fitDerivedName(text: string): string {
  const name = text.replace(/\s+/g, ' ').trim();
  if (name.length <= ARCHIVE_NAME_MAX) return name;
  return `${Array.from(name.slice(0, ARCHIVE_NAME_MAX - 1)).join('').slice(0, ARCHIVE_NAME_MAX - 1)}…`;
}

/** The CLI's check of a value given on the command line: the same rules, one message per problem. */
export function archiveTextProblem(schema: z.ZodType, flag: string, value: string): string | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : `${flag} ${parsed.error.issues.map((i) => i.message).join('; ')}`;
}
