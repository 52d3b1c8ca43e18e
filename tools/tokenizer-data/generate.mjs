// Regenerates src/FineTune.Sdk/Tokens/Data/*.bpe.br from the npm package `tiktoken` (MIT), pinned in
// package-lock.json. Usage (from this folder): npm ci && node generate.mjs
//
// Output format, Brotli-compressed (quality 11, window 24):
//   "FTBPE1"                      6 ASCII bytes
//   u32 LE  n                     number of ranks; ranks are 0..n-1 with no gaps (the script checks)
//   n × u8                        byte length of the token of each rank (1..255)
//   bytes                         the tokens' bytes, concatenated in rank order
//   u32 LE  s                     number of special tokens
//   s × (u16 LE len, UTF-8 name, u32 LE rank)
//   u16 LE len, UTF-8 pattern         the pre-tokenization pattern, which the C# pre-tokenizer re-implements;
//                                 a test compares it with the pattern the code was written for.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../../src/FineTune.Sdk/Tokens/Data');
const version = JSON.parse(fs.readFileSync(path.join(here, 'node_modules/tiktoken/package.json'), 'utf8')).version;

for (const name of ['o200k_base', 'cl100k_base']) {
  const data = require(`tiktoken/encoders/${name}.json`);
  const ranks = new Map();
  for (const line of data.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offset, ...tokens] = line.split(' ');
    const start = Number.parseInt(offset, 10);
    tokens.forEach((token, i) => ranks.set(start + i, Buffer.from(token, 'base64')));
  }
  const n = ranks.size;
  for (let i = 0; i < n; i++) {
    if (!ranks.has(i)) throw new Error(`${name}: rank ${i} missing`);
    const len = ranks.get(i).length;
    if (len < 1 || len > 255) throw new Error(`${name}: rank ${i} has length ${len}`);
  }
  const parts = [];
  const u32 = v => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const str = s => { const b = Buffer.from(s, 'utf8'); const len = Buffer.alloc(2); len.writeUInt16LE(b.length); return Buffer.concat([len, b]); };
  parts.push(Buffer.from('FTBPE1', 'ascii'), u32(n));
  const lengths = Buffer.alloc(n);
  for (let i = 0; i < n; i++) lengths[i] = ranks.get(i).length;
  parts.push(lengths);
  for (let i = 0; i < n; i++) parts.push(ranks.get(i));
  const specials = Object.entries(data.special_tokens).sort((a, b) => a[1] - b[1]);
  parts.push(u32(specials.length));
  for (const [special, rank] of specials) parts.push(str(special), u32(rank));
  parts.push(str(data.pat_str));
  const raw = Buffer.concat(parts);
  const compressed = zlib.brotliCompressSync(raw, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${name}.bpe.br`);
  fs.writeFileSync(out, compressed);
  console.log(`${name}: tiktoken ${version}, ${n} ranks, ${specials.length} special tokens, ${raw.length} bytes -> ${compressed.length} bytes (${path.relative(process.cwd(), out)})`);
}
