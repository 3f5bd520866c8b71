/**
 * URL checks with no dependencies (the configuration readers import this without the HTTP stack).
 */
/** Whether `s` is an absolute http(s) URL. */
export function isHttpUrl(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
