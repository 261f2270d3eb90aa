/**
 * A Node process's heap after a full garbage collection, read through its inspector (the process is
 * started with `--inspect=127.0.0.1:0`, a debugging flag only the benchmark sets): unlike RSS, which
 * the allocator returns to the system when it pleases, it is what the process keeps alive.
 */
import WebSocket from 'ws';

/** `NODE_OPTIONS` for a child whose heap `heapAfterGc` will read: an inspector on a free local port. */
export const INSPECT_OPTION = '--inspect=127.0.0.1:0';

/** The inspector's WebSocket URL, from the line Node prints on stderr when it listens. */
export function inspectorUrlOf(line: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1] ?? null;
}

/** Forces two full collections, then reads the heap used, in bytes. */
export async function heapAfterGc(inspectorUrl: string): Promise<number> {
  const socket = new WebSocket(inspectorUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const send = (method: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (raw: WebSocket.RawData) => {
        const message = JSON.parse(raw.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (message.id !== id) return;
        socket.off('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const usage = await send('Runtime.getHeapUsage');
    return Number(usage.usedSize);
  } finally {
    socket.close();
  }
}
