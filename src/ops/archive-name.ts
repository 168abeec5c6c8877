import { fitDerivedName } from '../jobs/archive-naming.ts';

/** An archive name from the thread's title; the app leaves titles empty until it generates one. */
export function archiveNameFor(thread: { title: string; createdAt: Date }): string {
  const title = fitDerivedName(thread.title);
  return title || `Thread ${thread.createdAt.toISOString().slice(0, 10)}`;
}
