// A consumer of the published packages: configuration-bound DI, validation, a cost estimate, a fine-tuning job on the
// packaged emulator and one evaluation through the composed chat pipeline. Prints one line per step; exit 0 = all good.
// usage: dotnet run -- DATASET.jsonl
using FineTune.Sdk;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: PackageConsumer DATASET.jsonl");
    return 2;
}

await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { Speed = 50, RandomSeed = 1 });
var endpoint = await emulator.StartAsync();

var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?> { ["FineTuning:Datasets:MaxFindingsPerCode"] = "5" })
    .Build();
var services = new ServiceCollection();
services.AddFineTuning(configuration.GetSection("FineTuning")).AddOpenAI(options =>
{
    options.Endpoint = endpoint.ToString();
    options.ApiKey = "sk-consumer";
});
await using var container = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

DatasetValidationReport report;
await using (var stream = File.OpenRead(args[0]))
{
    report = await container.GetRequiredService<IDatasetValidator>().ValidateAsync(
        stream, new DatasetValidationRequest { FileName = Path.GetFileName(args[0]), Model = "gpt-4o-mini", CountTokens = true });
}

Console.WriteLine($"validate: {report.Tokens!.Examples} examples, {report.Findings.Count(f => f.Severity == FindingSeverity.Error)} errors");

var estimate = new CostEstimator().Estimate(report.Tokens, "gpt-4o-mini", epochs: null);
Console.WriteLine($"estimate: {estimate.BilledTokens} billed tokens over {estimate.Epochs} epochs");

var provider = container.GetRequiredService<IFineTuneProvider>();
var file = await provider.UploadFileAsync(args[0]);
var handle = await provider.StartJobAndTrackAsync(
    new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id) { IdempotencyKey = "consumer-" + file.Sha256![..16] },
    new FineTunePollingOptions { InitialInterval = TimeSpan.FromMilliseconds(100), MaxInterval = TimeSpan.FromMilliseconds(500) });
var job = await handle.WaitForCompletionAsync();
Console.WriteLine($"job: {job.Status} {job.FineTunedModel}");

var chat = container.GetRequiredKeyedService<IChatClient>(OpenAIFineTuningBuilderExtensions.DefaultServiceKey);
var runner = container.GetRequiredService<IEvalRunner>();
GoldenCase[] cases = [new("c1", [new ChatMessage(ChatRole.User, "Where is my parcel?")], expected: null)];
var results = new List<EvalCaseResult>();
await foreach (var result in runner.RunAsync(cases, [GoldenSetEvaluation.CreateVariant("candidate", job.FineTunedModel!, chat)]))
{
    results.Add(result);
}

Console.WriteLine($"eval: {results.Count} result, error {results[0].Error ?? "none"}, output {(string.IsNullOrEmpty(results[0].Output) ? "empty" : "present")}");
return job.Status == FineTuneJobStatus.Succeeded && results[0].Error is null ? 0 : 1;
