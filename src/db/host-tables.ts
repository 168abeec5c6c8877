/** Tables of better-chatbot the service needs to find before it will migrate (the host app must be installed first). */
export const REQUIRED_HOST_TABLES = ['user', 'chat_thread', 'chat_message', 'archive', 'archive_item', 'mcp_server'] as const;
