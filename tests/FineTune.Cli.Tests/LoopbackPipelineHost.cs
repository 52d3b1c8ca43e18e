using System.Text.Json;
using FineTune.Sdk.Testing;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary>
/// A temporary folder and an OpenAI emulator on loopback for pipeline tests: writes a pipeline file (provider openai with the
/// emulator's endpoint, the support tickets, output <c>out</c>) and counts the files and jobs the emulator holds.
/// </summary>
internal sealed class LoopbackPipelineHost(string folderPrefix) : IAsyncDisposable
{
    private readonly OpenAIEmulator _emulator = new(new OpenAIEmulatorOptions { Speed = 400, RandomSeed = 3 });
    private Uri? _endpoint;

    public string Dir { get; } = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    public async ValueTask DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    public async Task<Uri> EndpointAsync() => _endpoint ??= await _emulator.StartAsync();

    /// <summary>Writes <c>finetune.yaml</c> in <see cref="Dir"/> with <paramref name="extra"/> appended; returns its path.</summary>
    public async Task<string> WritePipelineAsync(string name, string extra)
    {
        var endpoint = await EndpointAsync();
        var yaml = $"""
            name: {name}
            provider: openai
            endpoint: {endpoint}
            baseModel: gpt-4o-mini-2024-07-18
            dataset: {Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl")}
            split: {"{"}validation: 0.1, holdout: 0.15, seed: 7{"}"}
            scorers: [exact, json-valid]
            acceptance: {"{"}disabledRules: [latency-p95]{"}"}
            output: out
            {extra}
            """;
        var path = Path.Combine(Dir, "finetune.yaml");
        await File.WriteAllTextAsync(path, yaml);
        return path;
    }

    /// <summary>The fine-tune files and jobs the emulator holds.</summary>
    public async Task<(int Files, int Jobs)> CountsAsync()
    {
        using var http = new HttpClient();
        var endpoint = (await EndpointAsync()).ToString().TrimEnd('/');
        using var files = JsonDocument.Parse(await http.GetStringAsync(endpoint + "/files?purpose=fine-tune"));
        using var jobs = JsonDocument.Parse(await http.GetStringAsync(endpoint + "/fine_tuning/jobs?limit=100"));
        return (files.RootElement.GetProperty("data").GetArrayLength(), jobs.RootElement.GetProperty("data").GetArrayLength());
    }
}
