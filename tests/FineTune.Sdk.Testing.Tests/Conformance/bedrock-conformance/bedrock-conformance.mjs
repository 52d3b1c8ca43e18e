// Drives the FineTune.Sdk.Testing Bedrock emulator with the official AWS SDK for JavaScript v3 clients
// (@aws-sdk/client-s3, @aws-sdk/client-bedrock, @aws-sdk/client-bedrock-runtime, pinned by package-lock.json).
// Usage: node bedrock-conformance.mjs <endpoint http://127.0.0.1:PORT>
// Prints one JSON summary line on stdout: {"ok":bool,"checks":n,"failures":[...]}; exit code 0 only when ok.
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  BedrockClient, CreateModelCustomizationJobCommand, GetModelCustomizationJobCommand, ListModelCustomizationJobsCommand,
  StopModelCustomizationJobCommand, GetCustomModelCommand, ListCustomModelsCommand, DeleteCustomModelCommand,
  CreateProvisionedModelThroughputCommand, GetProvisionedModelThroughputCommand, ListProvisionedModelThroughputsCommand,
  DeleteProvisionedModelThroughputCommand, CreateCustomModelDeploymentCommand, GetCustomModelDeploymentCommand,
  ListCustomModelDeploymentsCommand, DeleteCustomModelDeploymentCommand, paginateListModelCustomizationJobs,
} from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Readable } from 'node:stream';

const endpoint = process.argv[2];
if (!endpoint) {
  console.error('usage: node bedrock-conformance.mjs <endpoint>');
  process.exit(2);
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const base = { region: 'us-east-1', endpoint, maxAttempts: 1, credentials };
const s3 = new S3Client({ ...base, forcePathStyle: true });
const bedrock = new BedrockClient(base);
// BedrockRuntimeClient defaults to HTTP/2; the emulator speaks HTTP/1.1 (bedrock.md §6.1).
const runtime = new BedrockRuntimeClient({ ...base, requestHandler: new NodeHttpHandler() });
const failures = [];
let checks = 0;

function check(name, condition, detail) {
  checks++;
  if (!condition) failures.push(detail === undefined ? name : `${name}: ${JSON.stringify(detail)}`);
}

async function step(name, body) {
  try {
    await body();
  } catch (error) {
    checks++;
    failures.push(`${name}: threw ${error?.name}: ${error?.message}`);
  }
}

async function expectError(name, promise, errorName, status) {
  try {
    await promise;
    checks++;
    failures.push(`${name}: expected ${errorName}, got success`);
  } catch (error) {
    check(`${name} name`, error.name === errorName, { name: error.name, message: error.message });
    if (status !== undefined) check(`${name} status`, error.$metadata?.httpStatusCode === status, error.$metadata?.httpStatusCode);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(name, read, predicate, timeoutMs = 60_000) {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timeout waiting for ${name}; last ${JSON.stringify(value?.status ?? value)}`);
    await sleep(25);
  }
}

const prompt = (i) => `Node ticket ${i}: where is my parcel number ${i}?`;
const labels = ['billing', 'shipping', 'returns', 'technical', 'account'];
const answer = (i) => JSON.stringify({ label: labels[i % labels.length] });
function novaJsonl(rows) {
  const lines = [];
  for (let i = 0; i < rows; i++) {
    lines.push(JSON.stringify({
      schemaVersion: 'bedrock-conversation-2024',
      system: [{ text: 'Classify the ticket. Answer with JSON.' }],
      messages: [
        { role: 'user', content: [{ text: prompt(i) }] },
        { role: 'assistant', content: [{ text: answer(i) }] },
      ],
    }));
  }
  return lines.join('\n') + '\n';
}

const bucket = 'finetune-conformance';
const role = 'arn:aws:iam::123456789012:role/BedrockFineTuning';
const novaMicro = 'amazon.nova-micro-v1:0:128k';
let jobArn;
let stoppedArn;
let modelArn;
let throughputArn;
let deploymentArn;

await step('s3', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/train.jsonl', Body: novaJsonl(12), ContentType: 'application/jsonl' }));
  check('put etag', typeof put.ETag === 'string' && put.ETag.startsWith('"'), put.ETag);
  // A stream body: the client sends it aws-chunked with a trailing checksum.
  const validationBytes = Buffer.from(novaJsonl(3));
  const streamed = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/validation.jsonl', Body: Readable.from([validationBytes]), ContentLength: validationBytes.length }));
  check('put stream etag', typeof streamed.ETag === 'string', streamed.ETag);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/bad.jsonl', Body: '{"prompt": "old format", "completion": "x"}\n' }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'data/train.jsonl' }));
  check('head length', head.ContentLength === Buffer.byteLength(novaJsonl(12)), head.ContentLength);
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'data/validation.jsonl' }));
  check('get stream body', (await got.Body.transformToString()) === novaJsonl(3));
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'data/', MaxKeys: 2 }));
  check('list page', list.KeyCount === 2 && list.IsTruncated === true && typeof list.NextContinuationToken === 'string', list);
  const rest = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'data/', ContinuationToken: list.NextContinuationToken }));
  check('list rest', rest.KeyCount === 1 && rest.IsTruncated === false && rest.Contents[0].Key === 'data/validation.jsonl', rest.Contents);
  await expectError('get missing', s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'nope' })), 'NoSuchKey', 404);
});

const jobInput = (name, extra = {}) => ({
  jobName: name,
  customModelName: `${name}-model`,
  roleArn: role,
  baseModelIdentifier: novaMicro,
  trainingDataConfig: { s3Uri: `s3://${bucket}/data/train.jsonl` },
  validationDataConfig: { validators: [{ s3Uri: `s3://${bucket}/data/validation.jsonl` }] },
  outputDataConfig: { s3Uri: `s3://${bucket}/output/` },
  hyperParameters: { epochCount: '2', learningRate: '0.00001' },
  ...extra,
});

await step('create', async () => {
  const created = await bedrock.send(new CreateModelCustomizationJobCommand(jobInput('conformance-job', { clientRequestToken: 'token-1' })));
  jobArn = created.jobArn;
  check('create status', created.$metadata.httpStatusCode === 201, created.$metadata.httpStatusCode);
  check('job arn', /^arn:aws:bedrock:us-east-1:123456789012:model-customization-job\/amazon\.nova-micro-v1:0:128k\/[a-z0-9]{12}$/.test(jobArn), jobArn);
  const again = await bedrock.send(new CreateModelCustomizationJobCommand(jobInput('conformance-job', { clientRequestToken: 'token-1' })));
  check('idempotent create', again.jobArn === jobArn, again.jobArn);
  await expectError('bad name', bedrock.send(new CreateModelCustomizationJobCommand(jobInput('bad name!'))), 'ValidationException', 400);
  await expectError('bad uri', bedrock.send(new CreateModelCustomizationJobCommand(jobInput('bad-uri', { trainingDataConfig: { s3Uri: 'https://x' } }))), 'ValidationException', 400);
  await expectError('bad hyper', bedrock.send(new CreateModelCustomizationJobCommand(jobInput('bad-hyper', { hyperParameters: { epochCount: '9' } }))), 'ValidationException', 400);
  await expectError('duplicate name', bedrock.send(new CreateModelCustomizationJobCommand(jobInput('conformance-job'))), 'ConflictException', 400);
});

await step('get and list', async () => {
  const job = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
  check('get status', job.status === 'InProgress', job.status);
  check('get dates', job.creationTime instanceof Date && job.lastModifiedTime instanceof Date);
  check('get fields', job.jobName === 'conformance-job' && job.outputModelName === 'conformance-job-model' && job.baseModelArn === `arn:aws:bedrock:us-east-1::foundation-model/${novaMicro}`, job);
  check('get hyper', job.hyperParameters.epochCount === '2', job.hyperParameters);
  const byName = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: 'conformance-job' }));
  check('get by name', byName.jobArn === jobArn);
  for (let i = 0; i < 3; i++) {
    await bedrock.send(new CreateModelCustomizationJobCommand(jobInput(`page-job-${i}`)));
  }
  const pages = [];
  for await (const page of paginateListModelCustomizationJobs({ client: bedrock, pageSize: 2 }, { sortOrder: 'Ascending' })) pages.push(page);
  const names = pages.flatMap((p) => p.modelCustomizationJobSummaries.map((s) => s.jobName));
  check('paginated list', pages.length === 2 && names.join(',') === 'conformance-job,page-job-0,page-job-1,page-job-2', names);
  const filtered = await bedrock.send(new ListModelCustomizationJobsCommand({ nameContains: 'page-job-1', statusEquals: 'InProgress' }));
  check('filtered list', filtered.modelCustomizationJobSummaries.length === 1 && filtered.nextToken === undefined, filtered.modelCustomizationJobSummaries);
  await expectError('bad token', bedrock.send(new ListModelCustomizationJobsCommand({ nextToken: 'garbage' })), 'ValidationException', 400);
  await expectError('missing job', bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: 'no-such-job' })), 'ResourceNotFoundException', 404);
});

await step('stop', async () => {
  stoppedArn = (await bedrock.send(new CreateModelCustomizationJobCommand(jobInput('stop-job')))).jobArn;
  const stop = await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: stoppedArn }));
  check('stop status', stop.$metadata.httpStatusCode === 200);
  const stopping = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: stoppedArn }));
  check('stopping', stopping.status === 'Stopping' || stopping.status === 'Stopped', stopping.status);
  const stopped = await until('stopped', () => bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: stoppedArn })), (j) => j.status === 'Stopped');
  check('stopped end time', stopped.endTime instanceof Date);
  await expectError('stop again', bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: stoppedArn })), 'ValidationException', 400);
});

await step('failed job', async () => {
  const bad = await bedrock.send(new CreateModelCustomizationJobCommand(jobInput('bad-data-job', { trainingDataConfig: { s3Uri: `s3://${bucket}/data/bad.jsonl` }, validationDataConfig: undefined })));
  const failed = await until('failed', () => bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: bad.jobArn })), (j) => j.status !== 'InProgress');
  check('failed status', failed.status === 'Failed', failed.status);
  check('failure message', typeof failed.failureMessage === 'string' && failed.failureMessage.includes('bad.jsonl') && failed.failureMessage.includes('line 1'), failed.failureMessage);
});

await step('completed', async () => {
  const done = await until('completed', () => bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn })), (j) => j.status !== 'InProgress');
  check('completed', done.status === 'Completed', done.status);
  modelArn = done.outputModelArn;
  check('output model arn', /^arn:aws:bedrock:us-east-1:123456789012:custom-model\/amazon\.nova-micro-v1:0:128k\/[a-z0-9]{12}$/.test(modelArn ?? ''), modelArn);
  check('training loss', typeof done.trainingMetrics?.trainingLoss === 'number', done.trainingMetrics);
  check('validation loss', typeof done.validationMetrics?.[0]?.validationLoss === 'number', done.validationMetrics);
  const id = jobArn.split('/').pop();
  const csv = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `output/model-customization-job-${id}/training_artifacts/step_wise_training_metrics.csv` }));
  const lines = (await csv.Body.transformToString()).trim().split('\n');
  check('metrics csv header', lines[0] === 'step_number,epoch_number,training_loss,perplexity', lines[0]);
  check('metrics csv rows', lines.length === 1 + 24, lines.length);
  const validation = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `output/model-customization-job-${id}/validation_artifacts/` }));
  check('validation csv', validation.KeyCount === 1, validation.Contents);
});

await step('custom model', async () => {
  const model = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: modelArn }));
  check('model fields', model.modelName === 'conformance-job-model' && model.jobArn === jobArn && model.modelStatus === 'Active', model);
  const byName = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: 'conformance-job-model' }));
  check('model by name', byName.modelArn === modelArn);
  const list = await bedrock.send(new ListCustomModelsCommand({ baseModelArnEquals: `arn:aws:bedrock:us-east-1::foundation-model/${novaMicro}`, nameContains: 'conformance' }));
  check('model list', list.modelSummaries.length === 1 && list.modelSummaries[0].modelArn === modelArn, list.modelSummaries);
});

await step('provisioned throughput', async () => {
  const created = await bedrock.send(new CreateProvisionedModelThroughputCommand({ modelUnits: 1, provisionedModelName: 'conformance-pt', modelId: modelArn }));
  throughputArn = created.provisionedModelArn;
  check('pt create status', created.$metadata.httpStatusCode === 201, created.$metadata.httpStatusCode);
  check('pt arn', /^arn:aws:bedrock:us-east-1:123456789012:provisioned-model\/[a-z0-9]{12}$/.test(throughputArn), throughputArn);
  const ready = await until('in service', () => bedrock.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: throughputArn })), (p) => p.status === 'InService');
  check('pt fields', ready.modelArn === modelArn && ready.modelUnits === 1 && ready.foundationModelArn.endsWith(novaMicro), ready);
  const list = await bedrock.send(new ListProvisionedModelThroughputsCommand({ statusEquals: 'InService' }));
  check('pt list', list.provisionedModelSummaries.length === 1, list.provisionedModelSummaries);
  await expectError('delete model in use', bedrock.send(new DeleteCustomModelCommand({ modelIdentifier: modelArn })), 'ConflictException', 400);
});

await step('deployment', async () => {
  const created = await bedrock.send(new CreateCustomModelDeploymentCommand({ modelDeploymentName: 'conformance-deployment', modelArn }));
  deploymentArn = created.customModelDeploymentArn;
  check('deployment status code', created.$metadata.httpStatusCode === 202, created.$metadata.httpStatusCode);
  const active = await until('active', () => bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: deploymentArn })), (d) => d.status === 'Active');
  check('deployment fields', active.modelArn === modelArn && active.createdAt instanceof Date, active);
  const list = await bedrock.send(new ListCustomModelDeploymentsCommand({ modelArnEquals: modelArn }));
  check('deployment list', list.modelDeploymentSummaries.length === 1 && list.modelDeploymentSummaries[0].customModelDeploymentName === 'conformance-deployment', list.modelDeploymentSummaries);
});

const question = { role: 'user', content: [{ text: prompt(3) }] };
await step('converse', async () => {
  for (const modelId of [throughputArn, deploymentArn]) {
    const reply = await runtime.send(new ConverseCommand({ modelId, system: [{ text: 'Classify the ticket. Answer with JSON.' }], messages: [question], inferenceConfig: { maxTokens: 200, temperature: 0 } }));
    check('converse text', reply.output.message.content[0].text === answer(3), reply.output);
    check('converse stop', reply.stopReason === 'end_turn', reply.stopReason);
    check('converse usage', reply.usage.inputTokens > 0 && reply.usage.outputTokens > 0 && reply.usage.totalTokens === reply.usage.inputTokens + reply.usage.outputTokens, reply.usage);
    check('converse latency', typeof reply.metrics.latencyMs === 'number');
  }
  const base = await runtime.send(new ConverseCommand({ modelId: 'amazon.nova-micro-v1:0', messages: [{ role: 'user', content: [{ text: 'never trained prompt' }] }] }));
  check('base model', base.output.message.content[0].text.includes('no trained answer'), base.output);
  const cut = await runtime.send(new ConverseCommand({ modelId: throughputArn, messages: [question], inferenceConfig: { maxTokens: 1 } }));
  check('max tokens', cut.stopReason === 'max_tokens' && cut.usage.outputTokens === 1, cut);
  await expectError('alternation', runtime.send(new ConverseCommand({ modelId: throughputArn, messages: [question, question] })), 'ValidationException', 400);
  await expectError('unknown model', runtime.send(new ConverseCommand({ modelId: 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/zzzzzzzzzzzz', messages: [question] })), 'ResourceNotFoundException', 404);
});

await step('converse stream', async () => {
  const reply = await runtime.send(new ConverseStreamCommand({ modelId: throughputArn, messages: [question] }));
  let text = '';
  const kinds = [];
  let stopReason;
  let usage;
  for await (const event of reply.stream) {
    const kind = Object.keys(event).find((k) => event[k] !== undefined);
    kinds.push(kind);
    if (event.contentBlockDelta) text += event.contentBlockDelta.delta.text;
    if (event.messageStop) stopReason = event.messageStop.stopReason;
    if (event.metadata) usage = event.metadata.usage;
  }
  check('stream text', text === answer(3), text);
  check('stream events', kinds[0] === 'messageStart' && kinds.at(-1) === 'metadata' && kinds.includes('contentBlockStop') && kinds.includes('messageStop'), kinds);
  check('stream stop', stopReason === 'end_turn', stopReason);
  check('stream usage', usage?.outputTokens > 0, usage);
});

await step('cleanup', async () => {
  await bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: deploymentArn }));
  await bedrock.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: throughputArn }));
  await bedrock.send(new DeleteCustomModelCommand({ modelIdentifier: modelArn }));
  await expectError('deleted model', bedrock.send(new GetCustomModelCommand({ modelIdentifier: modelArn })), 'ResourceNotFoundException', 404);
});

await step('wrong secret', async () => {
  const wrong = { ...base, credentials: { ...credentials, secretAccessKey: 'not-the-secret' } };
  await expectError('bedrock wrong secret', new BedrockClient(wrong).send(new ListModelCustomizationJobsCommand({})), 'InvalidSignatureException', 403);
  await expectError('runtime wrong secret', new BedrockRuntimeClient({ ...wrong, requestHandler: new NodeHttpHandler() }).send(new ConverseCommand({ modelId: 'amazon.nova-micro-v1:0', messages: [question] })), 'InvalidSignatureException', 403);
  await expectError('s3 wrong secret', new S3Client({ ...wrong, forcePathStyle: true }).send(new PutObjectCommand({ Bucket: bucket, Key: 'x.txt', Body: 'x' })), 'SignatureDoesNotMatch', 403);
  await expectError('wrong access key', new BedrockClient({ ...base, credentials: { ...credentials, accessKeyId: 'AKIDOTHER' } }).send(new ListCustomModelsCommand({})), 'UnrecognizedClientException', 403);
});

console.log(JSON.stringify({ ok: failures.length === 0, checks, failures }));
process.exit(failures.length === 0 ? 0 : 1);
