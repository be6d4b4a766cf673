// Child process of bench/peers.ts (run with `node --import tsx`): time per fresh token of one library
// beside a raw fetch POST, both in this process and against the token server at `url` (another
// process, as an authorization server is). One library per process, as in an application: no other
// library's code shares the process's compiled code and caches. The two take turns in batches, in
// alternating order, so load on the machine hits both alike. Prints one JSON line: µs per token of
// every batch, { raw: number[], subject: number[] }.
import { freshTokenContenders, RAW_FETCH } from './peers-libraries.js';

const [subjectName = '', url = '', rounds = '400', perRound = '8'] = process.argv.slice(2);
const contenders = freshTokenContenders(url);
const raw = contenders.get(RAW_FETCH);
const subject = contenders.get(subjectName);
if (!raw || !subject) throw new Error(`unknown library ${subjectName}`);

async function batch(freshToken: () => Promise<unknown>, calls: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) await freshToken();
  return ((performance.now() - started) / calls) * 1000;
}

await batch(raw, 50);
await batch(subject, 50);
const times = { raw: [] as number[], subject: [] as number[] };
for (let round = 0; round < Number(rounds); round++) {
  const subjectFirst = round % 2 === 1;
  if (subjectFirst) times.subject.push(await batch(subject, Number(perRound)));
  times.raw.push(await batch(raw, Number(perRound)));
  if (!subjectFirst) times.subject.push(await batch(subject, Number(perRound)));
}
// Exit once the line is written: keep-alive sockets to the server would hold the process for seconds.
process.stdout.write(`${JSON.stringify(times)}\n`, () => process.exit(0));
