// Writes the same golden set in two shapes: ours (golden.jsonl: {id, input, expected, tags}) and promptfoo's
// (tests.jsonl: one test per line with equals + is-json assertions). Usage: node make-golden.mjs N OUTDIR
import fs from 'node:fs';
import path from 'node:path';

const n = Number(process.argv[2] ?? 200);
const out = process.argv[3] ?? '.';
fs.mkdirSync(out, { recursive: true });
const ours = [];
const theirs = [];
for (let i = 0; i < n; i++) {
  const id = `c${i}`;
  const question = `Answer case ${i} with its code.`;
  const expected = i % 10 === 1 ? `{"answer":"A${i}"}` : `A${i}`;
  ours.push(JSON.stringify({ id, input: question, expected, tags: [i % 2 === 0 ? 'even' : 'odd'] }));
  theirs.push(JSON.stringify({
    description: id,
    vars: { question },
    assert: [{ type: 'equals', value: expected }, { type: 'is-json' }],
    metadata: { id },
  }));
}
fs.writeFileSync(path.join(out, 'golden.jsonl'), ours.join('\n') + '\n');
fs.writeFileSync(path.join(out, 'tests.jsonl'), theirs.join('\n') + '\n');
