export const jobStates = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof jobStates)[number];

/** Words people type for pg-boss's states. */
const aliases: Record<string, JobState> = {
  queued: 'created',
  waiting: 'created',
  retrying: 'retry',
  running: 'active',
  done: 'completed',
  complete: 'completed',
  canceled: 'cancelled',
  error: 'failed',
};

/** The pg-boss state a user meant, or undefined when the word names none. */
export function parseJobState(text: string): JobState | undefined {
  const word = text.trim().toLowerCase();
  if ((jobStates as readonly string[]).includes(word)) return word as JobState;
  return aliases[word];
}

export const jobStateHelp = `${jobStates.join('|')} (also queued, retrying, running, canceled)`;

/** States after which pg-boss will not run the job again on its own. */
export function isFinished(state: JobState): boolean {
  return state === 'completed' || state === 'cancelled' || state === 'failed';
}
