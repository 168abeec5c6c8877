import { z } from 'zod';

/** What a reader wants to know from `chat_message.metadata`; every field may be missing. */
export interface MessageFacts {
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
}

const count = z.number().finite().nullish().catch(null);
const text = z.string().nullish().catch(null);

const metadataSchema = z.object({
  chatModel: z.object({ provider: text, model: text }).nullish().catch(null),
  usage: z.object({ inputTokens: count, outputTokens: count, totalTokens: count }).nullish().catch(null),
});

/** Reads the display facts of a message's metadata (null on user rows, partial on rows migrated by 0012). */
export function readMessageFacts(metadata: unknown): MessageFacts {
  const parsed = metadataSchema.safeParse(metadata);
  const data = parsed.success ? parsed.data : null;
  return {
    model: data?.chatModel?.model ?? null,
    provider: data?.chatModel?.provider ?? null,
    inputTokens: data?.usage?.inputTokens ?? null,
    outputTokens: data?.usage?.outputTokens ?? null,
    totalTokens: data?.usage?.totalTokens ?? null,
  };
}
