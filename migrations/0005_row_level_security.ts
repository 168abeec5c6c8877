import { sql, type Kysely } from 'kysely';

/**
 * Turns on row-level security for the archive tables and the service's per-user tables. The policy created here
 * lets every role see and do what it could before (the host app's own role is unaffected); the restrictive
 * policies that confine the service role to the user it acts for are (re)created by `migrate` together with
 * the role's grants (src/db/row-level-security.ts), because the role's name is configuration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    DECLARE t text;
    BEGIN
      FOREACH t IN ARRAY ARRAY['public.archive', 'public.archive_item', 'mcp_archiver.search_document'] LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
        IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE format('%I.%I', schemaname, tablename)::regclass = t::regclass
                       AND policyname = 'everyone_unchanged') THEN
          EXECUTE format('CREATE POLICY everyone_unchanged ON %s AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true)', t);
        END IF;
      END LOOP;
    END $$;
  `.execute(db);
}
