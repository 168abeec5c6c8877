import { UsageError } from './command.ts';

/** One subcommand: it gets the arguments after its name (options are parsed once by its command). */
export type Subcommand = (rest: string[]) => Promise<number>;

/** Runs the subcommand named by the first positional argument, from a table as main.ts does for commands. */
export async function dispatch(table: Readonly<Record<string, Subcommand>>, positionals: readonly string[]): Promise<number> {
  const [name, ...rest] = positionals;
  const names = Object.keys(table);
  const expected = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '');
  if (name === undefined) throw new UsageError(`expected a subcommand: ${expected}`);
  const run = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!run) throw new UsageError(`unknown subcommand "${name}" (expected ${expected})`);
  return run(rest);
}

/** A usage error when a subcommand that takes no positional argument got some. */
export function noArguments(rest: readonly string[]): void {
  if (rest.length) throw new UsageError(`unexpected argument "${rest.join(' ')}"`);
}
