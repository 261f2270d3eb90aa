// Imports the modules named on the command line (run with `node --import tsx`) and prints, as JSON, the
// CommonJS files Node loaded for them (node_modules packages are CommonJS here, better-sqlite3 included).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
for (const entry of process.argv.slice(2)) await import(pathToFileURL(entry).href);
process.stdout.write(JSON.stringify(Object.keys(require('node:module')._cache)));
// An imported module may hold timers or sockets open; what it loaded is all this process was for.
process.exit(0);
