using FineTune.Sdk.Testing;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary>
/// A temporary folder and a Bedrock emulator on loopback for pipeline tests (every answer validated against the API
/// models by tests/Shared/BedrockApi): writes the support tickets without their tool-calling rows (Nova cannot carry
/// them) and a <c>provider: bedrock</c> pipeline file whose three endpoints are the emulator's, and counts what the
/// emulator was asked to create from its request log.
/// </summary>
internal sealed class BedrockPipelineHost : IAsyncDisposable
{
    public const string Bucket = "ft-bucket";
    public const string BaseModel = "amazon.nova-micro-v1:0:128k";

    private readonly BedrockEmulator _emulator;
    private Uri? _endpoint;

    public BedrockPipelineHost(string folderPrefix, double speed = 2000)
    {
        var options = new BedrockEmulatorOptions { Speed = speed, RandomSeed = 5 };
        options.Buckets.Add(Bucket);
        _emulator = new BedrockEmulator(options);
        Dir = Directory.CreateTempSubdirectory(folderPrefix).FullName;
    }

    public string Dir { get; }

    public BedrockEmulator Emulator => _emulator;

    public async ValueTask DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    public async Task<Uri> EndpointAsync() => _endpoint ??= await _emulator.StartAsync();

    /// <summary>The support tickets without tool-calling rows (65 of 70), as <c>tickets.jsonl</c> in <see cref="Dir"/>.</summary>
    public async Task<string> WriteTicketsAsync(Func<string, bool>? keep = null)
    {
        var lines = await File.ReadAllLinesAsync(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"));
        var path = Path.Combine(Dir, "tickets.jsonl");
        await File.WriteAllLinesAsync(path, lines.Where(l => !l.Contains("\"tool_calls\"", StringComparison.Ordinal) && !l.Contains("\"tools\"", StringComparison.Ordinal) && (keep?.Invoke(l) ?? true)));
        return path;
    }

    /// <summary>Writes <c>finetune.yaml</c> (provider bedrock on the emulator) with <paramref name="extra"/> top-level fields and <paramref name="hosting"/> as <c>bedrock.hosting</c>.</summary>
    public async Task<string> WritePipelineAsync(string extra = "", string hosting = "{mode: provisioned, modelUnits: 1}", string dataset = "tickets.jsonl")
    {
        var endpoint = (await EndpointAsync()).ToString().TrimEnd('/');
        var yaml = $"""
            name: bedrock-run
            provider: bedrock
            baseModel: {BaseModel}
            dataset: {dataset}
            split: {"{"}validation: 0.1, holdout: 0.15, seed: 7{"}"}
            hyperparameters: {"{"}epochs: 2{"}"}
            goldenSet: tickets.jsonl
            scorers: [exact, json-valid]
            acceptance: {"{"}disabledRules: [latency-p95]{"}"}
            bedrock:
              region: us-east-1
              roleArn: arn:aws:iam::123456789012:role/FineTuning
              s3Bucket: {Bucket}
              s3Prefix: runs/tickets
              endpoints: {"{"}bedrock: {endpoint}, bedrockRuntime: {endpoint}, s3: {endpoint}{"}"}
              hosting: {hosting}
            output: out
            {extra}
            """;
        var path = Path.Combine(Dir, "finetune.yaml");
        await File.WriteAllTextAsync(path, yaml);
        return path;
    }

    /// <summary>What the emulator was asked to create or delete, from its request log.</summary>
    public Counts Count()
    {
        var log = _emulator.GetRequestLog();
        return new Counts(
            Uploads: log.Count(r => r.StartsWith($"PUT /{Bucket}/runs/tickets/data/", StringComparison.Ordinal)),
            JobCreates: log.Count(r => r.StartsWith("POST /model-customization-jobs", StringComparison.Ordinal)),
            Jobs: _emulator.JobCount,
            ThroughputCreates: log.Count(r => r == "POST /provisioned-model-throughput"),
            ThroughputDeletes: log.Count(r => r.StartsWith("DELETE /provisioned-model-throughput/", StringComparison.Ordinal)),
            DeploymentCreates: log.Count(r => r.StartsWith("POST /model-customization/custom-model-deployments", StringComparison.Ordinal)),
            DeploymentDeletes: log.Count(r => r.StartsWith("DELETE /model-customization/custom-model-deployments/", StringComparison.Ordinal)));
    }

    internal sealed record Counts(int Uploads, int JobCreates, int Jobs, int ThroughputCreates, int ThroughputDeletes, int DeploymentCreates, int DeploymentDeletes);
}
