/** A span of time as a person reads it: "45 s", "59 min", "3 h", "12 d" (rounded down). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** "expires in 59 min (2026-11-27T19:30:00.000Z)" or "expired 3 h ago (2026-11-27T15:30:00.000Z)". */
export function describeExpiry(expSeconds: number | undefined, now = Date.now()): string {
  if (expSeconds === undefined) return 'no expiry (exp claim missing or not a number)';
  const at = expSeconds * 1000;
  const when = new Date(at).toISOString();
  return at > now
    ? `expires in ${humanDuration(at - now)} (${when})`
    : `expired ${humanDuration(now - at)} ago (${when})`;
}
