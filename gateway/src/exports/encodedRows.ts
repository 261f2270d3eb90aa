import type { EncodedPage, ExportNode, PositionedNode } from './ExchangePages.ts';
import type { ProviderFacts } from './ProviderNames.ts';

/**
 * How a merged export (CSV, NDJSON) writes one listing, in three parts: what comes before the provider's
 * names (`head`), the provider's names and kind (`provider`, known only when the row is written: they are
 * looked up per chunk) and the rest of the line (`tail`). head + provider + tail is the whole line.
 */
export interface RowEncoder {
  /** The head and the tail of a listing's line. */
  parts(node: ExportNode): [head: string, tail: string];
  provider(facts: ProviderFacts | undefined): string;
}

const EMPTY = Buffer.alloc(0);

/** Where a page's rows are written before their exact size is known; grown as needed, used synchronously only. */
let scratch = Buffer.allocUnsafeSlow(1 << 20);

/**
 * A page's rows with their listings written as bytes on arrival (`page` and `index`, `node` null). Why: an
 * export holds up to two pages per exchange while the merge works through them, long enough for the
 * garbage collector to move their objects and strings to the old generation, where they stay until a full
 * collection. In a 1,000,000-row export the old space grew to 278-291 MB (from 55) and RSS by 180-196 MB;
 * written as bytes, a held row keeps its key, id and USCC on the heap: old space at most 79-154 MB, RSS
 * +42 to +68 MB. The pages' Buffers live outside the heap and are freed by the full collections that
 * their own growth starts (V8 starts one every ~64 MB of them): reusing them from a pool was tried, and
 * without those collections the old space and large objects grew to 264 MB (docs/exports.md).
 */
export function encodePage(rows: PositionedNode[], encoder: RowEncoder): PositionedNode[] {
  const heads = new Array<string>(rows.length);
  const tails = new Array<string>(rows.length);
  let chars = 0;
  for (let i = 0; i < rows.length; i++) {
    const node = rows[i].node;
    if (!node) throw new Error('encodePage: a row was encoded already');
    [heads[i], tails[i]] = encoder.parts(node);
    chars += heads[i].length + tails[i].length;
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: the scratch never cuts a row short.
  if (scratch.length < chars * 3) scratch = Buffer.allocUnsafeSlow(chars * 3);
  const offsets = new Uint32Array(rows.length * 2 + 1);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    offsets[2 * i] = at;
    at += scratch.write(heads[i], at);
    offsets[2 * i + 1] = at;
    at += scratch.write(tails[i], at);
  }
  offsets[2 * rows.length] = at;
  const bytes = Buffer.allocUnsafeSlow(at);
  scratch.copy(bytes, 0, 0, at);
  const page: EncodedPage = { bytes, offsets, usccs: rows.map((row) => row.node?.provider?.uscc ?? null) };
  return rows.map((row, index) => ({ key: row.key, id: row.id, node: null, page, index }));
}

/** The listing of a row read without an encoder (the byExchange layout's rows always are). */
export function nodeOf(row: PositionedNode): ExportNode {
  if (!row.node) throw new Error(`export row ${row.id} was written as bytes, not kept as a listing`);
  return row.node;
}

/** The provider USCC of a row, encoded or not. */
export function usccOf(row: PositionedNode): string | null {
  return row.page ? row.page.usccs[row.index] : (row.node?.provider?.uscc ?? null);
}

/**
 * The lines of `rows` as one Buffer: each encoded row's bytes copied, with its provider's part between
 * them (a row still holding its listing is encoded here). No string is built per row of an encoded page.
 */
export function writeRows(rows: readonly PositionedNode[], providers: ReadonlyMap<string, ProviderFacts>, encoder: RowEncoder): Buffer {
  const providerParts = new Map<string | null, Buffer>();
  const partOf = (uscc: string | null): Buffer => {
    let part = providerParts.get(uscc);
    if (!part) providerParts.set(uscc, (part = Buffer.from(encoder.provider(uscc === null ? undefined : providers.get(uscc)))));
    return part;
  };
  // Rows still holding their listing (read through `datasets` unencoded): their head and tail, as bytes.
  const loose = new Map<PositionedNode, [Buffer, Buffer]>();
  let size = 0;
  for (const row of rows) {
    size += partOf(usccOf(row)).length;
    if (row.page) {
      size += row.page.offsets[2 * row.index + 2] - row.page.offsets[2 * row.index];
    } else if (row.node) {
      const [head, tail] = encoder.parts(row.node);
      const parts: [Buffer, Buffer] = [Buffer.from(head), Buffer.from(tail)];
      loose.set(row, parts);
      size += parts[0].length + parts[1].length;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const row of rows) {
    const provider = partOf(usccOf(row));
    if (row.page) {
      const { page, index } = row;
      const [start, middle, end] = [page.offsets[2 * index], page.offsets[2 * index + 1], page.offsets[2 * index + 2]];
      at += page.bytes.copy(out, at, start, middle);
      at += provider.copy(out, at);
      at += page.bytes.copy(out, at, middle, end);
    } else {
      const [head, tail] = loose.get(row) ?? [EMPTY, EMPTY];
      at += head.copy(out, at);
      at += provider.copy(out, at);
      at += tail.copy(out, at);
    }
  }
  return out;
}
