import { scenarios } from './scenarios/index.js';

// Usage: pnpm bench [--quick] [scenario-name ...]
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
if (unknown.length > 0) {
  console.error(`Unknown scenario(s): ${unknown.join(', ')}. Available: ${scenarios.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
for (const s of scenarios) {
  if (names.length > 0 && !names.includes(s.name)) continue;
  console.log(`\n=== ${s.name}: ${s.description}`);
  await s.run({ quick });
}
