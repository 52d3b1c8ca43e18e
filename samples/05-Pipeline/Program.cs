// The whole lifecycle from C#: the pipeline file samples/quickstart/finetune.yaml run by FineTunePipeline against the
// OpenAI emulator in-process (no key, no network). `finetune run` does the same from the command line.
// usage: dotnet run --project samples/05-Pipeline [-- OUTPUT_DIR]
using FineTune.Sdk;
using FineTune.Sdk.OpenAI;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.DependencyInjection;

var root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "FineTune.Sdk.sln")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run from the repository.");
}

var definition = await FineTunePipelineDefinition.LoadAsync(Path.Combine(root, "samples", "quickstart", "finetune.yaml"));
definition.Output = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(root, "artifacts", "05-pipeline");
if (Directory.Exists(definition.Output))
{
    Directory.Delete(definition.Output, recursive: true); // a fresh run each time; keep the folder to resume instead
}

// The target: any IFineTuneProvider composed with the standard policies (de-duplicated uploads and a retry-safe start
// make a resumed run never pay twice) and the IChatClient that reaches the base and the fine-tuned model.
await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { Speed = 200, RandomSeed = 7 });
using var http = new HttpClient(emulator.CreateHttpMessageHandler());
var options = new OpenAIFineTuneProviderOptions { Endpoint = OpenAIEmulator.InProcessEndpoint.ToString(), ApiKey = "emulator" };
var provider = new OpenAIFineTuneProvider(options, http).AsBuilder().UseStandardPolicies(options.Resilience).Build();
using var chat = OpenAIChatClients.Create(options, httpClient: http);
var target = new FineTunePipelineTarget(provider, chat)
{
    Polling = new FineTunePollingOptions { InitialInterval = TimeSpan.FromMilliseconds(100), MaxInterval = TimeSpan.FromMilliseconds(500) },
};

// FineTunePipeline comes from DI (AddFineTuning registers it) or from its constructor.
var services = new ServiceCollection();
services.AddFineTuning();
await using var serviceProvider = services.BuildServiceProvider();
var pipeline = serviceProvider.GetRequiredService<FineTunePipeline>();

var progress = new ConsoleProgress();
FineTunePipelineResult result = await pipeline.RunAsync(definition, target, progress);

Console.WriteLine($"Outcome: {result.Outcome}; passed: {result.Passed}; registered: {result.RegisteredVariant is not null}");
Console.WriteLine($"Model: {result.FineTunedModel}");
Console.WriteLine($"Report: {Path.GetRelativePath(root, result.ReportPath)}");
return result.Outcome == FineTunePipelineOutcome.Completed && result.Passed == true ? 0 : 1;

/// <summary>Prints step boundaries and the pipeline's one-line messages (metrics are left out).</summary>
internal sealed class ConsoleProgress : IProgress<FineTunePipelineEvent>
{
    public void Report(FineTunePipelineEvent value)
    {
        if (value.Kind is FineTunePipelineEventKind.StepCompleted or FineTunePipelineEventKind.Warning or FineTunePipelineEventKind.Stopped)
        {
            Console.WriteLine($"{value.Kind,-14} {value.Step,-9} {(value.Kind == FineTunePipelineEventKind.StepCompleted ? string.Empty : value.Message)}");
        }
    }
}
