/** The service's own schema (its tables and its migration ledger), beside the host app's `public`. */
export const SERVICE_SCHEMA = 'mcp_archiver';
/** pg-boss's schema: its job tables, installed by `migrate`. */
export const PGBOSS_SCHEMA = 'pgboss';
