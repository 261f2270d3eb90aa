/**
 * When the soak's faults happen, as offsets from the start of the load, for any duration: the five-minute
 * benchmark and the one-minute CI run share one shape. The hang lasts 10 s whatever the duration.
 */
export type FaultAction =
  'kill exchange' | 'restart exchange' | 'hang exchange' | 'unhang exchange' | 'stop redis' | 'resume redis' | 'register exchange' | 'remove exchange';

export interface FaultEvent {
  atMs: number;
  action: FaultAction;
}

export interface Phase {
  name: string;
  fromMs: number;
}

export interface FaultSchedule {
  events: FaultEvent[];
  /** Phases in order; a request belongs to the last one started when it was sent. */
  phases: Phase[];
  /** When the gateway's RSS is first read ("minute 1"), to compare with the end. */
  rssBaselineMs: number;
}

export const HANG_MS = 10_000;

export function faultSchedule(durationMs: number): FaultSchedule {
  const at = (fraction: number) => Math.round(durationMs * fraction);
  const kill = at(0.2);
  const hang = at(0.35);
  const redis = Math.max(at(0.55), hang + HANG_MS + 2_000);
  const register = Math.max(at(0.7), redis + Math.max(5_000, at(0.05)) + 3_000);
  const remove = Math.max(at(0.8), register + 5_000);
  const final = Math.max(at(0.9), remove + 3_000);
  if (final >= durationMs) throw new Error(`soak: ${durationMs} ms is too short for the fault schedule (at least 60 s)`);
  return {
    events: [
      { atMs: kill, action: 'kill exchange' },
      { atMs: kill + Math.max(3_000, at(0.05)), action: 'restart exchange' },
      { atMs: hang, action: 'hang exchange' },
      { atMs: hang + HANG_MS, action: 'unhang exchange' },
      { atMs: redis, action: 'stop redis' },
      { atMs: redis + Math.max(5_000, at(0.05)), action: 'resume redis' },
      { atMs: register, action: 'register exchange' },
      { atMs: remove, action: 'remove exchange' },
    ],
    phases: [
      { name: 'steady', fromMs: 0 },
      { name: 'exchange killed, restarted', fromMs: kill },
      { name: 'exchange hangs 10 s', fromMs: hang },
      { name: 'Redis SIGSTOP, SIGCONT', fromMs: redis },
      { name: 'exchange registers, is removed', fromMs: register },
      { name: 'steady again', fromMs: final },
    ],
    rssBaselineMs: Math.min(60_000, at(0.2)),
  };
}

export function phaseAt(schedule: FaultSchedule, ms: number): string {
  let name = schedule.phases[0].name;
  for (const phase of schedule.phases) if (ms >= phase.fromMs) name = phase.name;
  return name;
}
