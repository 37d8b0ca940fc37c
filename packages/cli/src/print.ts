/** One human line for what a function invocation returned (a ChainResult). */
export function describeResult(result: unknown): string {
  if (typeof result === 'object' && result !== null && 'status' in result) {
    const r = result as { status: string; code?: string; message?: string };
    if (r.status === 'parked') return `parked in the dead-letter place (${r.code}: ${r.message})`;
    return r.status;
  }
  return 'done';
}
