// Reads JSONL {"text": "..."} lines from argv[2] and writes one JSONL line per input to argv[3]:
// {"o200k": [...], "cl100k": [...], "o200k_special": [...], "cl100k_special": [...]}
// where the *_special arrays allow every special token of the encoding (all others are encode_ordinary).
import fs from 'node:fs';
import { get_encoding } from 'tiktoken';

const [input, output] = process.argv.slice(2);
const o200k = get_encoding('o200k_base');
const cl100k = get_encoding('cl100k_base');
const lines = fs.readFileSync(input, 'utf8').split('\n').filter(line => line.length > 0);
const out = [];
for (const line of lines) {
  const { text } = JSON.parse(line);
  out.push(JSON.stringify({
    o200k: Array.from(o200k.encode_ordinary(text)),
    cl100k: Array.from(cl100k.encode_ordinary(text)),
    o200k_special: Array.from(o200k.encode(text, 'all', [])),
    cl100k_special: Array.from(cl100k.encode(text, 'all', [])),
  }));
}
fs.writeFileSync(output, out.join('\n') + '\n');
o200k.free();
cl100k.free();
