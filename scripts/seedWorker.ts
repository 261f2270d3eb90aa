/**
 * One exchange's seeding, run by `scripts/seed.ts` as a child process so that exchanges seed on separate
 * cores (SQLite and the generator are single-threaded). Prints one JSON line with the result and exits.
 * Usage: seedWorker.ts --id bj --division-code 110000 --count 2000 --db data/bj.db
 */
import { parseArgs } from 'node:util';
import { seedExchangeDatabase } from '../subgraphs/exchange/seedStore.ts';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    'division-code': { type: 'string' },
    count: { type: 'string' },
    db: { type: 'string' },
  },
  strict: true,
});
const { id, db } = values;
const divisionCode = values['division-code'];
const count = Number(values.count);
if (!id || !divisionCode || !db || !Number.isInteger(count) || count < 1) {
  console.error(`seedWorker: needs --id, --division-code, --count (a positive integer) and --db, got ${JSON.stringify(values)}`);
  process.exit(2);
}

const result = seedExchangeDatabase({ exchange: id, divisionCode, count, dbPath: db });
console.log(JSON.stringify({ msg: 'seeded', exchange: id, count: result.count, ms: result.ms, db }));
