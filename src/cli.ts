#!/usr/bin/env node
import { main } from './cli/main.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`chat-archiver: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
