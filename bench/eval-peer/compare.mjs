// Compares, case by case, promptfoo's equals/is-json verdicts with our runner's exact/json-valid scores.
// Usage: node compare.mjs OUR_RUN.jsonl PROMPTFOO_OUT.json   (exit 1 on any disagreement)
import fs from 'node:fs';

const [runFile, promptfooFile] = process.argv.slice(2);
const ours = new Map();
for (const line of fs.readFileSync(runFile, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  const score = (name) => r.scores?.find((s) => s.scorer === name)?.passed ?? false;
  ours.set(r.caseId, { exact: score('exact'), json: score('json-valid'), error: r.error });
}

const report = JSON.parse(fs.readFileSync(promptfooFile, 'utf8'));
const rows = report.results?.results ?? report.results ?? [];
let agree = 0;
const disagreements = [];
for (const row of rows) {
  const id = row.testCase?.metadata?.id ?? row.metadata?.id ?? row.testCase?.description;
  const components = row.gradingResult?.componentResults ?? [];
  const verdict = (type) => components.find((c) => c.assertion?.type === type)?.pass ?? false;
  const theirs = { exact: verdict('equals'), json: verdict('is-json') };
  const mine = ours.get(id);
  if (mine && mine.exact === theirs.exact && mine.json === theirs.json) {
    agree++;
  } else {
    disagreements.push({ id, ours: mine, promptfoo: theirs, error: row.error });
  }
}

const oursExact = [...ours.values()].filter((r) => r.exact).length;
const oursJson = [...ours.values()].filter((r) => r.json).length;
console.log(`peer-check: ${rows.length} promptfoo rows, ${ours.size} runner rows, ${agree} agree, ${disagreements.length} disagree; exact pass ${oursExact}, json-valid pass ${oursJson}`);
for (const d of disagreements.slice(0, 10)) console.log('  disagree', JSON.stringify(d));
process.exit(disagreements.length === 0 && rows.length === ours.size && rows.length > 0 ? 0 : 1);
