/**
 * An exchange as a shard target in this process: the real exchange schema and store (a small seeded
 * SQLite file), executed without HTTP, for unit tests of the router and the caching fetcher. It counts
 * its calls, records the bodies, can hold answers back (to keep a call in flight) and can fail on demand.
 * A failure here is a value (`ExchangeFailure`), as the real client returns it: faults of the wire are
 * produced for real in the end-to-end tests (FlakyProxy), not here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphql, type GraphQLSchema } from 'graphql';
import { DEFAULT_EXCHANGES, type Category } from '../../shared/domain.ts';
import { seedExchangeDatabase } from '../../subgraphs/exchange/seedStore.ts';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { createExchangeSchema, createContext } from '../../subgraphs/exchange/schema.ts';
import type { ShardTarget } from '../../gateway/src/shards/ShardRouter.ts';
import type { ExchangeResult, GraphQLRequestBody } from '../../gateway/src/exchangeClient/ExchangeClient.ts';
import { exchangeFailure, type ExchangeFailureCode } from '../../gateway/src/exchangeClient/exchangeErrors.ts';

export interface InProcessExchange extends ShardTarget {
  store: DatasetStore;
  /** Calls answered or failed so far. */
  calls: number;
  bodies: GraphQLRequestBody[];
  available: boolean;
  /** When set, every call fails with this code (as the client would report it) and the store is not read. */
  failWith: ExchangeFailureCode | null;
  /** When set, every answer is changed by it before it is returned (e.g. to lie about ids). */
  rewrite: ((data: Record<string, any>) => void) | null;
  /** Holds every answer back until `release()` (calls still arrive and are counted). */
  hold(): void;
  release(): void;
  /** Resolves once `n` calls have arrived (held or not). */
  arrived(n: number): Promise<void>;
  close(): void;
}

export function startInProcessExchange(options: { id: string; count: number; categories?: readonly Category[] }): InProcessExchange {
  const dir = mkdtempSync(join(tmpdir(), `unit-exchange-${options.id}-`));
  const dbPath = join(dir, `${options.id}.db`);
  const divisionCode = DEFAULT_EXCHANGES.find((e) => e.id === options.id)?.divisionCode ?? '440300';
  seedExchangeDatabase({ exchange: options.id, divisionCode, count: options.count, dbPath, categories: options.categories });
  const store = new DatasetStore(options.id, dbPath);
  const schema: GraphQLSchema = createExchangeSchema(store);
  let gate: Promise<void> | null = null;
  let open: () => void = () => {};
  const arrivals: Array<{ n: number; resolve: () => void }> = [];

  const exchange: InProcessExchange = {
    id: options.id,
    store,
    calls: 0,
    bodies: [],
    available: true,
    failWith: null,
    rewrite: null,
    isAvailable: () => exchange.available,
    async send(body): Promise<ExchangeResult> {
      exchange.calls++;
      exchange.bodies.push(structuredClone(body));
      for (const waiter of arrivals.filter((a) => a.n <= exchange.calls)) waiter.resolve();
      if (gate) await gate;
      if (exchange.failWith) return exchangeFailure(options.id, exchange.failWith, `exchange ${options.id}: ${exchange.failWith} (made by the test)`);
      const result = await graphql({
        schema,
        source: body.query,
        variableValues: body.variables,
        operationName: body.operationName,
        contextValue: createContext(store),
      });
      // Through JSON, as an answer off the wire: plain objects, no undefined.
      const wire = JSON.parse(JSON.stringify(result)) as { data?: Record<string, any> | null; errors?: any[] };
      if (wire.data && exchange.rewrite) exchange.rewrite(wire.data);
      return {
        ok: true,
        exchange: options.id,
        data: wire.data ?? null,
        ...(wire.errors ? { errors: wire.errors } : {}),
        catalogVersion: store.catalogVersion,
        latencyMs: 0,
        cacheControl: 'max-age=60',
        sentAt: Date.now(),
      };
    },
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = null;
      open();
    },
    arrived(n) {
      if (exchange.calls >= n) return Promise.resolve();
      return new Promise((resolve) => arrivals.push({ n, resolve }));
    },
    close() {
      exchange.release();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return exchange;
}
