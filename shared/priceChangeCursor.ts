/**
 * Cursors of the price change logs (docs/live-prices.md#cursors). One cursor is a position in every
 * exchange's log at once: exchange id → [epoch, sequence], where the epoch names the exchange's database
 * (a log started anew restarts its sequence) and the sequence is that log's monotonic change id. An
 * exchange writes cursors that hold its own entry only; the gateway composes one entry per exchange. An
 * exchange given a composed cursor reads its own entry and ignores the others, so one query text serves
 * every exchange of a fan-out.
 */
export type LogPosition = { epoch: string; sequence: number };
export type ChangePositions = Record<string, LogPosition>;

const PREFIX = 'pc1.';
/** Far more exchanges than will ever register; bounds the work a hostile cursor can cause. */
const MAX_ENTRIES = 256;
const MAX_CURSOR_LENGTH = 16_384;
const EXCHANGE_ID = /^[a-z][a-z0-9-]{0,31}$/;

export function encodeChangeCursor(positions: ChangePositions): string {
  const entries = Object.keys(positions)
    .sort()
    .map((exchange) => [exchange, positions[exchange]!.epoch, positions[exchange]!.sequence]);
  return PREFIX + Buffer.from(JSON.stringify(entries), 'utf8').toString('base64url');
}

/** The positions of a cursor, or a sentence saying why the text is not one (for a BAD_USER_INPUT error). */
export function decodeChangeCursor(cursor: string): ChangePositions | string {
  const notACursor = 'is not a price change cursor (take one from an edge, pageInfo.endCursor or an event id)';
  if (cursor.length > MAX_CURSOR_LENGTH || !cursor.startsWith(PREFIX)) return notACursor;
  const body = cursor.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return notACursor;
  let entries: unknown;
  try {
    entries = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return notACursor;
  }
  if (!Array.isArray(entries) || entries.length > MAX_ENTRIES) return notACursor;
  const positions: ChangePositions = {};
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 3) return notACursor;
    const [exchange, epoch, sequence] = entry as unknown[];
    if (typeof exchange !== 'string' || !EXCHANGE_ID.test(exchange)) return notACursor;
    if (typeof epoch !== 'string' || epoch.length > 64 || !Number.isSafeInteger(sequence) || (sequence as number) < 0) return notACursor;
    positions[exchange] = { epoch, sequence: sequence as number };
  }
  return positions;
}

/** Where `exchange` reads from after `positions`: its sequence, or 0 (the whole log) for another epoch or none. */
export function sequenceAfter(positions: ChangePositions, exchange: string, epoch: string): number {
  const own = positions[exchange];
  return own && own.epoch === epoch ? own.sequence : 0;
}
