// Entry of the SDL check worker thread (see SdlChecker.ts). The gateway runs its TypeScript through tsx,
// but on Node 20 a worker does not inherit the loader that `--import tsx` registered in the main thread,
// so this plain-JavaScript entry registers tsx in the worker, then loads the TypeScript module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
