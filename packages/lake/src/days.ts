const dt = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar day written YYYY-MM-DD. */
export function isDay(value: string): boolean {
  const t = Date.parse(`${value}T00:00:00Z`);
  return dt.test(value) && !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === value;
}
