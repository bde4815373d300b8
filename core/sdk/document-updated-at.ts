/**
 * The one place that turns an environment's `updated_at` into what SDKs compare. Flagsmith sends
 * `X-Flagsmith-Document-Updated-At: str(environment.updated_at.timestamp())`, and its real-time stream sends the
 * same float; SDKs refetch only when a streamed value is greater than the header they saw, so every producer
 * must print the same number to the same precision: use these functions, never a copy of them.
 */

export const documentUpdatedAtHeader = 'X-Flagsmith-Document-Updated-At';

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\+00:00$/;

/** Microseconds since the epoch of a Python `isoformat()` UTC timestamp (`2026-01-02T03:04:05.123456+00:00`). */
export function epochMicroseconds(pythonIso: string): number {
  const match = isoPattern.exec(pythonIso);
  if (!match) throw new RangeError(`not a UTC isoformat timestamp: ${pythonIso}`);
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const milliseconds = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  return milliseconds * 1000 + Number(fraction.padEnd(6, '0'));
}

/**
 * Python's `str(datetime.timestamp())`: microseconds divided by 10^6 (one correctly rounded division, as
 * CPython's timedelta division is) and printed as the shortest repr, with `.0` for a whole second.
 */
export function documentUpdatedAtSeconds(pythonIso: string): string {
  const seconds = epochMicroseconds(pythonIso) / 1_000_000;
  const text = String(seconds);
  return Number.isInteger(seconds) ? `${text}.0` : text;
}

/** An HTTP date (`Last-Modified`), whole seconds as HTTP dates have them. */
export function httpDate(pythonIso: string): string {
  return new Date(Math.floor(epochMicroseconds(pythonIso) / 1_000_000) * 1000).toUTCString();
}
