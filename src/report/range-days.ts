/** The local calendar day (YYYY-MM-DD) of an instant on `timeZone`'s wall clock. */
function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Every local day that the range [start, end) touches on `timeZone`'s calendar, in order. */
export function rangeDays(range: { start: string; end: string }, timeZone: string): string[] {
  const first = localDay(new Date(range.start), timeZone);
  const last = localDay(new Date(Date.parse(range.end) - 1), timeZone);
  const days: string[] = [];
  // Calendar arithmetic on the dates themselves (at UTC noon), so no daylight-saving change shifts a day.
  for (let day = new Date(`${first}T12:00:00Z`); ; day = new Date(day.getTime() + 86_400_000)) {
    const text = day.toISOString().slice(0, 10);
    if (text > last) break;
    days.push(text);
  }
  return days;
}
