import { z } from 'zod';

// chat_message.metadata as the app writes it on assistant rows (ChatMetadata), read leniently: each
// field stands alone, so one odd field loses only itself. Rows migrated by the app's 0012 carry only
// {chatModel:{model}} and/or {usage:{totalTokens}}; user rows carry null.

const count = z.number().finite().nonnegative();
const optionalCount = count.optional().catch(undefined);
const name = z.string().trim().min(1).max(200);
const optionalName = name.optional().catch(undefined);

const chatModelSchema = z.object({ provider: optionalName, model: optionalName });

const usageSchema = z.object({
  inputTokens: optionalCount,
  outputTokens: optionalCount,
  totalTokens: optionalCount,
  reasoningTokens: optionalCount,
  cachedInputTokens: optionalCount,
});

export const messageMetadataSchema = z
  .object({
    chatModel: chatModelSchema.optional().catch(undefined),
    usage: usageSchema.optional().catch(undefined),
    toolChoice: z.enum(['auto', 'none', 'manual']).optional().catch(undefined),
    toolCount: count.int().optional().catch(undefined),
    agentId: name.optional().catch(undefined),
  })
  .catch({});

export type MessageMetadata = z.infer<typeof messageMetadataSchema>;
export type ProviderUsage = z.infer<typeof usageSchema>;

/** Parses a `metadata` value of any shape; whatever is not ChatMetadata reads as `{}`. */
export function parseMessageMetadata(metadata: unknown): MessageMetadata {
  const parsed = messageMetadataSchema.parse(metadata);
  return withoutUndefined(parsed);
}

// zod keeps `key: undefined` for optional fields that failed; callers compare with `{}` and serialise.
function withoutUndefined(metadata: MessageMetadata): MessageMetadata {
  const result: MessageMetadata = {};
  const chatModel = metadata.chatModel && pruned(metadata.chatModel);
  if (chatModel && Object.keys(chatModel).length > 0) result.chatModel = chatModel;
  const usage = metadata.usage && pruned(metadata.usage);
  if (usage && Object.keys(usage).length > 0) result.usage = usage;
  if (metadata.toolChoice !== undefined) result.toolChoice = metadata.toolChoice;
  if (metadata.toolCount !== undefined) result.toolCount = metadata.toolCount;
  if (metadata.agentId !== undefined) result.agentId = metadata.agentId;
  return result;
}

function pruned<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
