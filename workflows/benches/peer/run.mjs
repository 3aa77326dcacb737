// Runs a state machine definition N times on aws-local-stepfunctions, all
// started at once as benches/journey.rs starts the engine's, and prints
// `FIGURES <executions/s> <peak RSS MiB>`.
// Usage: node run.mjs DEFINITION.json INPUT.json N
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

const [definitionPath, inputPath, count] = process.argv.slice(2);
const n = Number.parseInt(count, 10);
if (!definitionPath || !inputPath || !(n > 0)) {
  console.error('usage: node run.mjs DEFINITION.json INPUT.json N');
  process.exit(2);
}
const definition = JSON.parse(readFileSync(definitionPath, 'utf8'));
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const machine = new StateMachine(definition);

const started = process.hrtime.bigint();
const results = await Promise.all(
  Array.from({ length: n }, () => machine.run(input).result),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (results.length !== n) {
  throw new Error(`${results.length} of ${n} executions finished`);
}
// maxRSS is in KiB.
const peakMib = process.resourceUsage().maxRSS / 1024;
console.log(`FIGURES ${n / seconds} ${peakMib}`);
