// A tiny OpenAI-compatible loopback endpoint for the eval peer check and benchmark.
// POST /v1/chat/completions answers deterministically from the case number in the last user message,
// after a fixed delay (LATENCY_MS, default 100). Prints "LISTENING <port>" once ready.
import http from 'node:http';

const latency = Number(process.env.LATENCY_MS ?? 100);
const port = Number(process.argv[2] ?? 0);

export function answerFor(prompt) {
  const match = /case (\d+)/.exec(prompt);
  const i = match ? Number(match[1]) : 0;
  switch (i % 5) {
    case 0: return `A${i}`;                      // the expected answer
    case 1: return `{"answer":"A${i}"}`;         // JSON (expected for i % 10 == 1, not for 6)
    case 2: return `{"answer": "A${i}"`;         // broken JSON
    case 3: return `a${i}`;                      // wrong case
    default: return '[1, 2, 3]';                 // a JSON array
  }
}

let inFlight = 0;
let maxInFlight = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.endsWith('/chat/completions')) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        inFlight--;
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"bad json","type":"invalid_request_error"}}');
        return;
      }
      const user = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
      const prompt = typeof user?.content === 'string' ? user.content : (user?.content ?? []).map((p) => p.text ?? '').join('');
      const content = answerFor(prompt);
      setTimeout(() => {
        inFlight--;
        const payload = JSON.stringify({
          id: 'chatcmpl-peer',
          object: 'chat.completion',
          created: 1763700000,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: Math.ceil(prompt.length / 4) + 3, completion_tokens: Math.ceil(content.length / 4), total_tokens: Math.ceil(prompt.length / 4) + 3 + Math.ceil(content.length / 4) },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
      }, latency);
    });
    return;
  }
  if (req.method === 'GET' && req.url.endsWith('/stats')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ maxInFlight }));
    maxInFlight = 0;
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`);
});
