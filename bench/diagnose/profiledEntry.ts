/**
 * Runs another entry file (PROFILE_ENTRY, e.g. gateway/src/main.ts) under the V8 CPU profiler, toggled by
 * SIGUSR2: the first SIGUSR2 starts sampling, the second stops and writes PROFILE_OUT (.cpuprofile, for
 * Chrome DevTools or bench/diagnose/gatewayProfile.ts). Used to profile a process only while it is loaded.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.env.PROFILE_ENTRY;
const out = process.env.PROFILE_OUT;
if (!entry || !out) {
  console.error('profiledEntry: PROFILE_ENTRY and PROFILE_OUT are required');
  process.exit(2);
}
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: Number(process.env.PROFILE_INTERVAL_US ?? 250) });
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.start');
    return;
  }
  running = false;
  // In-thread sessions answer synchronously: the profile is written before this handler returns.
  session.post('Profiler.stop', (err, result) => {
    if (err) console.error(`profiledEntry: ${err.message}`);
    else writeFileSync(out, JSON.stringify(result.profile));
  });
});
await import(pathToFileURL(resolve(entry)).href);
