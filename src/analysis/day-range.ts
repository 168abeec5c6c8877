// Calendar days in an IANA time zone as UTC instants, without a date library: Intl tells the wall
// clock of an instant in the zone, and the zone's offset at local midnight follows from that.

export interface InstantRange {
  /** Inclusive. */
  readonly start: Date;
  /** Exclusive. */
  readonly end: Date;
}

const DAY_MS = 86_400_000;

/** The calendar day before the one `now` falls on in `timeZone`, from local midnight to local midnight. */
export function previousDayRange(now: Date, timeZone: string): InstantRange {
  const today = wallClock(now, timeZone);
  const todayUtc = Date.UTC(today.year, today.month - 1, today.day);
  return {
    start: localMidnight(todayUtc - DAY_MS, timeZone),
    end: localMidnight(todayUtc, timeZone),
  };
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(instant: Date, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const fields: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields['year']!,
    month: fields['month']!,
    day: fields['day']!,
    hour: fields['hour']!,
    minute: fields['minute']!,
    second: fields['second']!,
  };
}

/** Milliseconds the zone's wall clock is ahead of UTC at `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallClock(new Date(instant), timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant the day starting at UTC-midnight `dayUtc` (as a wall-clock date) begins in `timeZone`.
 * Two passes settle a DST change between UTC midnight and local midnight; where a zone skips midnight
 * itself, the day starts at the first instant after the gap.
 */
function localMidnight(dayUtc: number, timeZone: string): Date {
  const first = dayUtc - offsetAt(dayUtc, timeZone);
  const second = dayUtc - offsetAt(first, timeZone);
  return new Date(second);
}
