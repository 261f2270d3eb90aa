import { parentPort } from 'node:worker_threads';
import { checkSdl } from './sdlCheck.ts';

/** The worker thread's side of SdlChecker: one job at a time, { id, sdl } in, { id, problems } out. */
parentPort!.on('message', (job: { id: number; sdl: string }) => {
  let problems: string[];
  try {
    problems = checkSdl(job.sdl);
  } catch (err) {
    problems = [`schema: could not be checked (${(err as Error).message})`];
  }
  parentPort!.postMessage({ id: job.id, problems });
});
