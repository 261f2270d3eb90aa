/**
 * A raw Server-Sent Events reader for tests: real fetch, its own parser (not the gateway's nor
 * graphql-sse's), so what a test sees is what travelled on the wire, event ids included.
 */
export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

export interface SseStream {
  status: number;
  events: SseEvent[];
  /** Resolves once `count` `next` events arrived (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
  closed: Promise<void>;
}

export async function openSse(
  url: string,
  body: { query: string; variables?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let notify = () => {};
  const closed = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || !line.includes(':')) continue;
            const at = line.indexOf(':');
            fields[line.slice(0, at)] = line.slice(at + 1).replace(/^ /, '');
          }
          if (fields.event) {
            events.push({ event: fields.event, id: fields.id, data: fields.data ? JSON.parse(fields.data) : null });
            notify();
          }
        }
      }
    } catch {
      // aborted by close()
    }
    notify();
  })();
  const nexts = () => events.filter((e) => e.event === 'next');
  return {
    status: response.status,
    events,
    closed,
    close: () => controller.abort(),
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${nexts().length} of ${count} events after ${timeoutMs} ms: ${JSON.stringify(events.slice(-3))}`)),
          timeoutMs,
        );
        const check = () => {
          if (nexts().length >= count) {
            clearTimeout(timer);
            resolve(nexts());
          }
        };
        notify = check;
        check();
      }),
  };
}
