import { readFileSync } from 'node:fs';

/** Resident set now and its high-water mark (VmHWM) of a live process, in bytes, from /proc (Linux). */
export function processMemory(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: field('VmRSS'), peakRss: field('VmHWM') };
}

export const MB = 1e6;
