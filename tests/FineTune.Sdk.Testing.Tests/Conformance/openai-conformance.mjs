// Drives the FineTune.Sdk.Testing OpenAI emulator with the official npm `openai` client.
// Usage: node openai-conformance.mjs <base-url ending in /v1>
// Prints one JSON summary line on stdout: {"ok":bool,"checks":n,"failures":[...],"timings":{...}}; exit code 0 only when ok.
import OpenAI, { toFile } from 'openai';

const baseURL = process.argv[2] ?? process.env.OPENAI_BASE_URL;
if (!baseURL) {
  console.error('usage: node openai-conformance.mjs <base-url>');
  process.exit(2);
}

const client = new OpenAI({ apiKey: 'sk-emulator', baseURL, maxRetries: 0, timeout: 20_000 });
// Checkpoint permissions need an admin key on the real service; the emulator accepts any key.
const admin = new OpenAI({ apiKey: 'sk-emulator', adminAPIKey: 'sk-admin-emulator', baseURL, maxRetries: 0, timeout: 20_000 });
const failures = [];
let checks = 0;
const timings = {};

function check(name, condition, detail) {
  checks++;
  if (!condition) {
    failures.push(detail === undefined ? name : `${name}: ${JSON.stringify(detail)}`);
  }
}

const labels = ['billing', 'shipping', 'returns', 'technical', 'account'];
const prompt = (i) => `Node ticket ${i}: where is my parcel number ${i}?`;
const answer = (i) => JSON.stringify({ label: labels[i % labels.length] });

function chatJsonl(rows) {
  const lines = [];
  for (let i = 0; i < rows; i++) {
    lines.push(JSON.stringify({
      messages: [
        { role: 'system', content: 'Classify the ticket. Answer with JSON.' },
        { role: 'user', content: prompt(i) },
        { role: 'assistant', content: answer(i) },
      ],
    }));
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

async function until(jobId, predicate, timeoutMs = 30_000) {
  const start = Date.now();
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(jobId);
    if (predicate(job)) return job;
    if (Date.now() - start > timeoutMs) throw new Error(`timeout waiting for ${jobId}; last status ${job.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function step(name, body) {
  const start = Date.now();
  try {
    await body();
  } catch (error) {
    failures.push(`${name} threw: ${error?.constructor?.name} ${error?.status ?? ''} ${error?.message}`);
  }
  timings[name] = Date.now() - start;
}

let trainingFile;
let longFile;
let job;
// Jobs that must stay non-terminal while the script acts on them train 60 examples x 50 epochs = 3,000 steps.
const longTraining = { method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 50 } } } };

await step('files', async () => {
  trainingFile = await client.files.create({ file: await toFile(chatJsonl(12), 'tickets.jsonl'), purpose: 'fine-tune' });
  check('file id format', /^file-[1-9A-HJ-NP-Za-km-z]{22}$/.test(trainingFile.id), trainingFile.id);
  check('file fields', trainingFile.object === 'file' && trainingFile.purpose === 'fine-tune' && trainingFile.filename === 'tickets.jsonl'
    && trainingFile.bytes === chatJsonl(12).length && Number.isInteger(trainingFile.created_at), trainingFile);
  const retrieved = await client.files.retrieve(trainingFile.id);
  check('file retrieve', retrieved.id === trainingFile.id, retrieved);
  const content = await (await client.files.content(trainingFile.id)).text();
  check('file content round-trips', content === chatJsonl(12).toString('utf8'));
  const extra = await client.files.create({ file: await toFile(Buffer.from('hello'), 'notes.txt'), purpose: 'assistants' });
  const page1 = await client.files.list({ limit: 1 });
  check('files list first page', page1.data.length === 1 && page1.data[0].id === extra.id && page1.has_more === true, page1.data.map((f) => f.id));
  const all = await collect(client.files.list({ limit: 1 }));
  check('files list all pages', all.length === 2 && all[1].id === trainingFile.id, all.map((f) => f.id));
  const fineTuneOnly = await collect(client.files.list({ purpose: 'fine-tune' }));
  check('files list purpose filter', fineTuneOnly.length === 1, fineTuneOnly.map((f) => f.id));
  const deleted = await client.files.delete(extra.id);
  check('file delete', deleted.deleted === true && deleted.id === extra.id, deleted);
  try {
    await client.files.retrieve(extra.id);
    check('deleted file is gone', false);
  } catch (error) {
    check('deleted file is gone', error instanceof OpenAI.NotFoundError, error?.status);
  }
});

await step('uploads', async () => {
  const bytes = chatJsonl(12);
  const upload = await client.uploads.create({ filename: 'big.jsonl', purpose: 'fine-tune', bytes: bytes.length, mime_type: 'text/jsonl' });
  check('upload pending', upload.status === 'pending' && upload.object === 'upload', upload);
  const half = Math.floor(bytes.length / 2);
  const p1 = await client.uploads.parts.create(upload.id, { data: await toFile(bytes.subarray(0, half), 'p1') });
  const p2 = await client.uploads.parts.create(upload.id, { data: await toFile(bytes.subarray(half), 'p2') });
  check('upload part', p1.object === 'upload.part' && p1.upload_id === upload.id, p1);
  const completed = await client.uploads.complete(upload.id, { part_ids: [p1.id, p2.id] });
  check('upload complete', completed.status === 'completed' && completed.file?.bytes === bytes.length, completed);
});

await step('create and train', async () => {
  job = await client.fineTuning.jobs.create({
    model: 'gpt-4o-mini',
    training_file: trainingFile.id,
    suffix: 'node',
    seed: 42,
    metadata: { suite: 'conformance' },
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
  });
  check('job id format', /^ftjob-[A-Za-z0-9]{24}$/.test(job.id), job.id);
  check('job created fields', job.object === 'fine_tuning.job' && job.status === 'validating_files' && job.model === 'gpt-4o-mini-2024-07-18'
    && job.seed === 42 && Array.isArray(job.result_files) && job.fine_tuned_model === null && job.metadata?.suite === 'conformance', job);
  const done = await until(job.id, (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
  check('job succeeded', done.status === 'succeeded', done.status);
  check('fine-tuned model name', /^ft:gpt-4o-mini-2024-07-18:[^:]+:node:[A-Za-z0-9]{8}$/.test(done.fine_tuned_model ?? ''), done.fine_tuned_model);
  check('job resolved hyperparameters', done.hyperparameters.n_epochs === 2 && done.hyperparameters.batch_size === 1
    && done.method?.supervised?.hyperparameters?.n_epochs === 2, done.hyperparameters);
  check('job trained tokens and result file', done.trained_tokens > 0 && done.result_files.length === 1 && Number.isInteger(done.finished_at), done);
  job = done;
});

await step('events', async () => {
  const firstPage = await client.fineTuning.jobs.listEvents(job.id, { limit: 5 });
  check('events first page', firstPage.data.length === 5 && firstPage.has_more === true, firstPage.data.length);
  const events = await collect(client.fineTuning.jobs.listEvents(job.id, { limit: 5 }));
  check('events total', events.length === 6 + 24, events.length);
  check('event id format', events.every((e) => /^ftevent-[A-Za-z0-9]{24}$/.test(e.id) && e.object === 'fine_tuning.job.event'));
  const messages = events.filter((e) => e.type === 'message').map((e) => e.message).reverse();
  check('event sequence', messages[0] === `Created fine-tuning job: ${job.id}` && messages[2] === 'Files validated, moving job to queued state'
    && messages[3] === 'Fine-tuning job started' && messages.at(-1) === 'The job has successfully completed', messages);
  const metrics = events.filter((e) => e.type === 'metrics');
  check('metrics events', metrics.length === 24 && metrics[0].data.step === 24 && metrics[0].data.total_steps === 24
    && typeof metrics[0].data.train_loss === 'number', metrics[0]);
});

await step('checkpoints', async () => {
  const checkpoints = await collect(client.fineTuning.jobs.checkpoints.list(job.id));
  check('checkpoints per epoch, newest first', checkpoints.map((c) => c.step_number).join(',') === '24,12', checkpoints.map((c) => c.step_number));
  check('checkpoint fields', checkpoints.every((c) => /^ftckpt_[A-Za-z0-9]{24}$/.test(c.id) && c.fine_tuning_job_id === job.id
    && typeof c.metrics.train_loss === 'number'), checkpoints[0]);
  check('last checkpoint is the final model', checkpoints[0].fine_tuned_model_checkpoint === job.fine_tuned_model
    && checkpoints[1].fine_tuned_model_checkpoint.endsWith(':ckpt-step-12'), checkpoints.map((c) => c.fine_tuned_model_checkpoint));
  const page = await client.fineTuning.jobs.checkpoints.list(job.id, { limit: 1 });
  check('checkpoints paging', page.data.length === 1 && page.has_more === true, page.data.length);
});

await step('checkpoint permissions', async () => {
  const checkpoints = await collect(client.fineTuning.jobs.checkpoints.list(job.id));
  const model = checkpoints[1].fine_tuned_model_checkpoint;
  const created = await collect(admin.fineTuning.checkpoints.permissions.create(model, { project_ids: ['proj_a', 'proj_b'] }));
  check('permissions created', created.length === 2 && created.every((p) => /^cp_[A-Za-z0-9]{24}$/.test(p.id) && p.object === 'checkpoint.permission'), created);
  const listed = await collect(admin.fineTuning.checkpoints.permissions.list(model, { limit: 1 }));
  check('permissions list all pages', listed.length === 2, listed.map((p) => p.id));
  const filtered = await collect(admin.fineTuning.checkpoints.permissions.list(model, { project_id: 'proj_b' }));
  check('permissions project filter', filtered.length === 1 && filtered[0].project_id === 'proj_b', filtered);
  const deleted = await admin.fineTuning.checkpoints.permissions.delete(created[0].id, { fine_tuned_model_checkpoint: model });
  check('permission delete', deleted.deleted === true && deleted.id === created[0].id, deleted);
});

await step('results file', async () => {
  const csv = await (await client.files.content(job.result_files[0])).text();
  const lines = csv.trim().split('\n');
  check('results csv header', lines[0] === 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy', lines[0]);
  check('results csv rows', lines.length === 25, lines.length);
});

await step('list jobs with pagination', async () => {
  longFile = await client.files.create({ file: await toFile(chatJsonl(60), 'long.jsonl'), purpose: 'fine-tune' });
  const second = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: longFile.id, ...longTraining });
  const third = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: longFile.id, ...longTraining });
  const first = await client.fineTuning.jobs.list({ limit: 2 });
  check('jobs first page newest first', first.data.map((j) => j.id).join() === [third.id, second.id].join() && first.has_more === true, first.data.map((j) => j.id));
  const next = await first.getNextPage();
  check('jobs next page', next.data.map((j) => j.id).join() === job.id && next.has_more === false, next.data.map((j) => j.id));
  const all = await collect(client.fineTuning.jobs.list({ limit: 1 }));
  check('jobs iterate all', all.length === 3, all.length);
  const tagged = await collect(client.fineTuning.jobs.list({ metadata: { suite: 'conformance' } }));
  check('jobs metadata filter', tagged.length === 1 && tagged[0].id === job.id, tagged.map((j) => j.id));
  await client.fineTuning.jobs.cancel(second.id);
  await client.fineTuning.jobs.cancel(third.id);
});

await step('cancel', async () => {
  const toCancel = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: longFile.id, ...longTraining });
  const cancelled = await client.fineTuning.jobs.cancel(toCancel.id);
  check('cancel returns cancelled', cancelled.status === 'cancelled', cancelled.status);
  try {
    await client.fineTuning.jobs.cancel(toCancel.id);
    check('second cancel rejected', false);
  } catch (error) {
    check('second cancel rejected', error instanceof OpenAI.BadRequestError, error?.status);
  }
});

await step('pause and resume', async () => {
  const long = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: longFile.id, ...longTraining });
  await until(long.id, (j) => j.status === 'running');
  const paused = await client.fineTuning.jobs.pause(long.id);
  check('pause returns paused', paused.status === 'paused', paused.status);
  const resumed = await client.fineTuning.jobs.resume(long.id);
  check('resume returns queued', resumed.status === 'queued', resumed.status);
  const cancelled = await client.fineTuning.jobs.cancel(long.id);
  check('cancel after resume', cancelled.status === 'cancelled', cancelled.status);
});

await step('failed job', async () => {
  const small = await client.files.create({ file: await toFile(chatJsonl(7), 'seven.jsonl'), purpose: 'fine-tune' });
  const failing = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: small.id });
  const failed = await until(failing.id, (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
  check('failed job error', failed.status === 'failed' && failed.error?.code === 'invalid_n_examples' && failed.error?.param === 'training_file'
    && failed.error?.message === 'Training file has 7 example(s), but must have at least 10 examples', failed.error);
});

await step('errors', async () => {
  try {
    await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: 'file-doesnotexist' });
    check('bad training file rejected', false);
  } catch (error) {
    check('bad training file rejected', error instanceof OpenAI.BadRequestError && error.param === 'training_file'
      && error.type === 'invalid_request_error', { status: error?.status, param: error?.param, type: error?.type });
  }
  try {
    await client.fineTuning.jobs.retrieve('ftjob-doesnotexist000000000');
    check('missing job is 404', false);
  } catch (error) {
    check('missing job is 404', error instanceof OpenAI.NotFoundError, error?.status);
  }
});

await step('chat', async () => {
  const completion = await client.chat.completions.create({ model: job.fine_tuned_model, messages: [{ role: 'user', content: prompt(3) }] });
  check('fine-tuned model answers trained prompt', completion.choices[0].message.content === answer(3), completion.choices[0].message.content);
  check('chat usage', completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0
    && completion.usage.total_tokens === completion.usage.prompt_tokens + completion.usage.completion_tokens, completion.usage);
  check('chat shape', completion.object === 'chat.completion' && completion.choices[0].finish_reason === 'stop', completion);
  const stream = await client.chat.completions.create({
    model: job.fine_tuned_model,
    messages: [{ role: 'user', content: prompt(4) }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    usage = chunk.usage ?? usage;
  }
  check('streamed chat', text === answer(4) && usage?.total_tokens > 0, { text, usage });
  const base = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Something never seen' }] });
  check('base model answers', typeof base.choices[0].message.content === 'string');
});

await step('models', async () => {
  const models = await collect(client.models.list());
  check('models list has base and fine-tuned', models.some((m) => m.id === 'gpt-4o-mini-2024-07-18') && models.some((m) => m.id === job.fine_tuned_model));
  const model = await client.models.retrieve(job.fine_tuned_model);
  check('model retrieve', model.id === job.fine_tuned_model && model.object === 'model', model);
});

const summary = { ok: failures.length === 0, checks, failures, timings };
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
