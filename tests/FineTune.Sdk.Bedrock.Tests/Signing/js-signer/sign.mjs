// Signs each request of a JSON-lines file with @smithy/signature-v4 (the signer @aws-sdk/client-bedrock uses) and
// writes one JSON line per request: {"authorization": "..."}. Usage: node sign.mjs in.jsonl out.jsonl
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

class Sha256 {
  constructor(secret) { this.hash = secret ? createHmac('sha256', secret) : createHash('sha256'); }
  update(data) { this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data); }
  async digest() { return new Uint8Array(this.hash.digest()); }
}

const out = [];
for (const line of readFileSync(process.argv[2], 'utf8').split('\n')) {
  if (!line) continue;
  const r = JSON.parse(line);
  const signer = new SignatureV4({
    service: r.service,
    region: r.region,
    sha256: Sha256,
    credentials: { accessKeyId: r.accessKey, secretAccessKey: r.secretKey, sessionToken: r.sessionToken ?? undefined },
  });
  const request = {
    method: r.method, protocol: 'http:', hostname: r.hostname, port: r.port, path: r.path,
    query: r.query, headers: r.headers, body: r.body === '' ? undefined : r.body,
  };
  const signed = await signer.sign(request, { signingDate: new Date(r.time) });
  out.push(JSON.stringify({ authorization: signed.headers['authorization'] }));
}
writeFileSync(process.argv[3], out.join('\n') + '\n');
