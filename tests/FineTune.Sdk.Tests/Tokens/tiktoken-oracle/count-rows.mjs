// Counts every row of a fine-tuning JSONL file (argv[3]) with the npm tiktoken encoding named in argv[2]
// (o200k_base or cl100k_base) under the billing formula of docs/tokens.md, written here from the formula, not from
// the SDK: 3 for reply priming; per message 3 + every non-null value except weight (strings as text, a content parts
// array as its text parts + 85 per image part, anything else as JSON.stringify), + 1 for a name; tools and functions
// as JSON.stringify. Preference rows count input.messages plus both outputs. Writes one count per line to argv[4].
import fs from 'node:fs';
import { get_encoding } from 'tiktoken';

const [encodingName, input, output] = process.argv.slice(2);
const encoding = get_encoding(encodingName);
const tokens = text => encoding.encode_ordinary(text).length;

function message(m) {
  let n = 3;
  for (const [key, value] of Object.entries(m)) {
    if (value === null || value === undefined || key === 'weight') continue;
    if (typeof value === 'string') n += tokens(value);
    else if (key === 'content' && Array.isArray(value)) {
      for (const part of value) n += part.type === 'image_url' ? 85 : tokens(part.text ?? '');
    } else n += tokens(JSON.stringify(value));
    if (key === 'name') n += 1;
  }
  return n;
}

function row(r) {
  const messages = r.messages ?? [...(r.input?.messages ?? []), ...(r.preferred_output ?? []), ...(r.non_preferred_output ?? [])];
  const extra = r.messages ? r : (r.input ?? {});
  let n = 3;
  for (const m of messages) n += message(m);
  for (const key of ['tools', 'functions']) {
    if (Array.isArray(extra[key]) && extra[key].length > 0) n += tokens(JSON.stringify(extra[key]));
  }
  return n;
}

const counts = fs.readFileSync(input, 'utf8').split('\n').filter(line => line.trim().length > 0).map(line => row(JSON.parse(line)));
fs.writeFileSync(output, counts.join('\n') + '\n');
encoding.free();
