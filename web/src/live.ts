import { createClient, type Client } from 'graphql-sse';
import type { Price } from './api.ts';
import { t } from './i18n.ts';

/**
 * Live prices in the app (docs/web-app.md#live-prices): one `priceChanged` subscription over Server-Sent
 * Events at /graphql/stream for the whole app, whatever the page. The open view listens (`watchPrices`);
 * the last changes are kept for the overview's feed. A broken connection is retried by graphql-sse's
 * client, and every retry sends the cursor of the last change received as Last-Event-ID, so it resumes
 * exactly after it: nothing missed, nothing twice.
 */

export interface LiveChange {
  dataset: {
    id: string;
    title: string;
    titleZh: string;
    productCode: string;
    exchange: { id: string; name: string; nameZh: string; city: string };
  };
  previous: Price | null;
  current: Price;
  changedAt: string;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const SUBSCRIPTION = `subscription LivePrices {
  priceChanged {
    dataset { id title titleZh productCode exchange { id name nameZh city } }
    previous { model amount currency }
    current { model amount currency }
    changedAt
  }
}`;

/** How many changes the overview's feed keeps. */
export const RECENT_LIMIT = 12;
/** The longest wait between two attempts to reconnect. */
const MAX_RETRY_MS = 10_000;

const recent: LiveChange[] = [];
const listeners = new Map<(change: LiveChange) => void, Element>();
let lastCursor: string | null = null;
let client: Client | null = null;
let state: LiveState = 'connecting';
let wasLive = false;
/** Streams the server ended in a row with no change received: the backoff before subscribing again. */
let ended = 0;

/** The changes received since the app opened, newest first. */
export function recentChanges(): readonly LiveChange[] {
  return recent;
}

/** Calls `listener` with every change while `owner` is in the page (see `forgetDetached`). */
export function watchPrices(owner: Element, listener: (change: LiveChange) => void): void {
  listeners.set(listener, owner);
}

/** Drops the listeners of views no longer shown (main.ts calls it after each render). */
export function forgetDetached(): void {
  for (const [listener, owner] of listeners) if (!owner.isConnected) listeners.delete(listener);
}

function setState(next: LiveState): void {
  state = next;
  wasLive ||= next === 'live';
  showState();
}

/** The indicator in the header: its text in the current language, its state for styles and tests. */
export function showState(): void {
  const indicator = document.getElementById('live');
  if (!indicator) return;
  indicator.dataset.state = state;
  indicator.textContent = t(`live.${state}`);
}

function received(change: LiveChange, cursor: unknown): void {
  if (typeof cursor === 'string') lastCursor = cursor;
  recent.unshift(change);
  recent.length = Math.min(recent.length, RECENT_LIMIT);
  for (const [listener, owner] of listeners) if (owner.isConnected) listener(change);
}

/** Backs off 1 s, 2 s, 4 s... up to MAX_RETRY_MS, with some jitter so that many tabs do not come back at once. */
function backoff(retries: number): Promise<void> {
  const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** retries) + Math.random() * 500;
  return new Promise((resolve) => setTimeout(resolve, delay));
}

function subscribe(): void {
  client ??= createClient({
    url: '/graphql/stream',
    retryAttempts: Infinity,
    retry: backoff,
    // Asked at every (re)connection: resume right after the last change this page received.
    headers: (): Record<string, string> => (lastCursor ? { 'last-event-id': lastCursor } : {}),
    // After a first connection, every new one (a retry, or a new subscription after the server ended one) is a reconnection.
    on: { connecting: (again) => setState(again || wasLive ? 'reconnecting' : 'connecting'), connected: () => setState('live') },
  });
  client.subscribe<{ priceChanged: LiveChange }, { cursor?: string }>(
    { query: SUBSCRIPTION },
    {
      next: (result) => {
        ended = 0;
        if (result.data) received(result.data.priceChanged, result.extensions?.cursor);
      },
      // The server ended the stream (a restart, or it found this page too slow): subscribe again, from the last cursor.
      error: reopen,
      complete: reopen,
    },
  );
}

function reopen(): void {
  setState('reconnecting');
  void backoff(ended++).then(subscribe);
}

/** Starts the subscription once, when the app loads. */
export function startLive(): void {
  if (client) return;
  setState('connecting');
  subscribe();
}
