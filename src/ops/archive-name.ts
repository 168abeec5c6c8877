/** An archive name from the thread's title; the app leaves titles empty until it generates one. */
export function archiveNameFor(thread: { title: string; createdAt: Date }): string {
  const title = thread.title.replace(/\s+/g, ' ').trim();
  if (!title) return `Thread ${thread.createdAt.toISOString().slice(0, 10)}`;
  return title.length <= 255 ? title : `${title.slice(0, 254)}…`;
}
