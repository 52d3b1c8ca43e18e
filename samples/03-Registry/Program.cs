// The model registry with FineTune.Sdk: the model the OpenAI lifecycle (sample 02) trains on the emulator (same seed,
// base model and suffix, so the same ft: id) is registered with its dataset manifest and comparison report, promoted
// through the guard, rolled out to 10% of keys, rolled back in one call, and the audit history printed.
// Offline: an OpenAI-compatible emulator on 127.0.0.1 trains and answers (a test double; it memorises its training
// rows, so the comparison runs on them — with a real model, evaluate a held-out split from 'finetune split').
// usage: dotnet run --project samples/03-Registry
using System.Globalization;
using FineTune.Sdk;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

const string BaseModel = "gpt-4o-mini-2024-07-18";
const string Feature = "support-triage";
var data = Path.Combine(AppContext.BaseDirectory, "data", "support-tickets.jsonl");
var work = Directory.CreateTempSubdirectory("finetune-sample-03-").FullName;
try
{
    // 1. Train as sample 02 does: the emulator behind AddOpenAI, an idempotent start, wait for the model.
    await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { Speed = 50, RandomSeed = 1 });
    var endpoint = await emulator.StartAsync();
    var services = new ServiceCollection();
    services.AddFineTuning().AddOpenAI(options =>
    {
        options.Endpoint = endpoint.ToString();
        options.ApiKey = "sk-emulator";
    });
    await using var serviceProvider = services.BuildServiceProvider();
    var provider = serviceProvider.GetRequiredService<IFineTuneProvider>();
    var chat = serviceProvider.GetRequiredKeyedService<IChatClient>(OpenAIFineTuningBuilderExtensions.DefaultServiceKey);

    UploadedFile file;
    await using (var content = File.OpenRead(data))
    {
        file = await provider.UploadFileAsync(content, "support-tickets.jsonl");
    }

    var request = new FineTuneJobRequest(BaseModel, file.Id) { Suffix = "tickets", Hyperparameters = { Epochs = 3 }, IdempotencyKey = $"sample-03-{file.Sha256![..16]}" };
    var polling = new FineTunePollingOptions { InitialInterval = TimeSpan.FromMilliseconds(200), MaxInterval = TimeSpan.FromSeconds(1) };
    var job = await (await provider.StartJobAndTrackAsync(request, polling)).WaitForCompletionAsync();
    if (job.Status != FineTuneJobStatus.Succeeded)
    {
        Console.Error.WriteLine($"Job ended {job.Status}: {job.Error?.Code} {job.Error?.Message}");
        return 1;
    }

    var model = job.FineTunedModel!;
    Console.WriteLine($"Trained {model} (job {job.Id})");

    // 2. Lineage: the dataset manifest (name, semver, SHA-256) and the comparison report (compare.json).
    var manifest = await new DatasetManifestBuilder().CreateFromFileAsync(data, "1.0.0");
    Console.WriteLine($"Manifest: {manifest.Name} {manifest.Version}, {manifest.Rows} rows, sha256 {manifest.Sha256[..12]}...");

    var options = new EvalRunOptions { MaxConcurrency = 4 };
    options.Scorers.Add(EvalScorers.JsonEquals());
    var golden = new GoldenSetRunRequest(data, [GoldenSetEvaluation.CreateVariant("base", BaseModel, chat), GoldenSetEvaluation.CreateVariant("candidate", model, chat)], options);
    var comparison = new ComparisonOptions { GoldenSetName = "support-tickets.jsonl", GoldenSetSha256 = await ModelRegistryHashes.FileSha256Async(data) };
    var (_, report) = await GoldenSetEvaluation.CompareAsync(golden, comparison, work);
    var primary = report!.Scorers.First(s => s.Scorer == report.PrimaryScorer);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Comparison: {(report.Decision.Passed ? "PASS" : "BLOCK")}, {report.PrimaryScorer} {primary.BaselineMean * 100:0}% -> {primary.CandidateMean * 100:0}% on {report.PairedCases} cases"));

    // 3. The registry: one JSON file (git-friendly), its history beside it. Without DI: ModelRegistry.OpenAsync.
    await using var registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(Path.Combine(work, "registry.json")), new ModelRegistryOptions { BaseDirectory = work });
    var alice = new RegistryChange { Actor = "alice", Reason = "baseline" };
    await registry.RegisterAsync(Feature, new RegistryVariant { Name = "base", ModelId = BaseModel, Provider = RegistryProviders.OpenAI, BaseModel = BaseModel, Owner = "support-oncall" }, alice);
    await registry.RegisterAsync(Feature, new RegistryVariant
    {
        Name = "ft-tickets",
        ModelId = model,
        Provider = RegistryProviders.OpenAI,
        BaseModel = BaseModel,
        Dataset = RegistryDataset.FromManifest(manifest),
        TrainingJobId = job.Id,
        TrainingFileSha256 = file.Sha256,
        Evaluation = await ModelRegistryHashes.ReadEvaluationAsync("compare.json", work),
        Owner = "support-oncall",
    }, alice with { Reason = "trained on support-tickets 1.0.0" });

    // 4. Promote (the guard checks the report: passing, for this exact model id and golden set, file unchanged),
    //    roll out to 10% of targeting keys (sticky), then roll back in one call.
    var bob = new RegistryChange { Actor = "bob" };
    await registry.PromoteAsync(Feature, "ft-tickets", bob with { Reason = "comparison passed" });
    await registry.SetRolloutAsync(Feature, "ft-tickets", 10m, bob with { Reason = "canary" });
    var keys = Enumerable.Range(0, 10_000).Select(i => "customer-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
    Console.WriteLine($"Rollout 10%: {keys.Count(k => registry.Resolve(Feature, k).ModelId == model)} of {keys.Count} keys resolve to {model}");

    await registry.RollbackAsync(Feature, bob with { Reason = "rollback drill" });
    Console.WriteLine($"Rolled back: {keys.Count(k => registry.Resolve(Feature, k).ModelId == model)} keys resolve to it; customer-42 gets {registry.Resolve(Feature, "customer-42").ModelId}");

    // 5. The audit history answers "what data trained it, and who promoted it?".
    Console.WriteLine("History:");
    await foreach (var entry in registry.GetHistoryAsync(Feature))
    {
        var variant = entry.After.FindVariant(entry.Variant);
        var lineage = entry.Operation == "register" && variant?.Dataset is { } d ? $" [{d.Name} {d.Version}, job {variant.TrainingJobId}]" : string.Empty;
        Console.WriteLine($"  v{entry.Version} {entry.Actor} {entry.Operation} {entry.Variant ?? "-"}{lineage}: {entry.Reason}");
    }

    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

// Public so the test that runs this sample in CI can reach its entry point.
public static partial class Program;
