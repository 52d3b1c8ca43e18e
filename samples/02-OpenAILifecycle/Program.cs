// The OpenAI fine-tuning lifecycle with FineTune.Sdk: upload -> start (idempotent) -> watch -> checkpoints and
// metrics -> chat with the base and the fine-tuned model.
// Offline by default: an OpenAI-compatible emulator on 127.0.0.1 trains in about a second (it is a test double).
// With OPENAI_API_KEY set, it runs against the real API instead: that trains a real (small, paid) job.
// usage: dotnet run --project samples/02-OpenAILifecycle [-- --offline]
using System.Text;
using System.Text.Json;
using FineTune.Sdk;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

var online = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OPENAI_API_KEY")) && !args.Contains("--offline");
await using var emulator = online ? null : new OpenAIEmulator(new OpenAIEmulatorOptions { Speed = 50, RandomSeed = 1 });
var endpoint = emulator is null ? null : await emulator.StartAsync();
Console.WriteLine(online ? "Real OpenAI API (OPENAI_API_KEY is set): this trains a small paid job." : $"Offline: OpenAI emulator at {endpoint}");

// With DI: AddFineTuning().AddOpenAI(...) registers IFineTuneProvider (the adapter composed with retries, retry-safe
// start, upload de-duplication, logging and telemetry) and a keyed IChatClient, with validated options.
// Without DI: new OpenAIFineTuneProvider(options).AsBuilder().UseStandardPolicies(options.Resilience).Build().
var services = new ServiceCollection();
services.AddFineTuning().AddOpenAI(options =>
{
    if (endpoint is not null)
    {
        options.Endpoint = endpoint.ToString();
        options.ApiKey = "sk-emulator"; // any key works offline; online the key comes from OPENAI_API_KEY
    }
});
await using var serviceProvider = services.BuildServiceProvider();
var provider = serviceProvider.GetRequiredService<IFineTuneProvider>();
var chat = serviceProvider.GetRequiredKeyedService<IChatClient>(OpenAIFineTuningBuilderExtensions.DefaultServiceKey);

// 1. Upload (an identical file already stored is reused, found by the SHA-256 in its stored name).
var training = TrainingData();
var file = await provider.UploadFileAsync(new MemoryStream(training), "support-tickets.jsonl");
Console.WriteLine($"File {file.Id}: {file.Bytes} bytes, sha256 {file.Sha256![..12]}...{(file.Reused ? " (reused, not sent again)" : string.Empty)}");

// 2. Start, idempotently: the key is derived from the data, so re-running never starts (and pays for) a second job.
var request = new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id)
{
    Suffix = "tickets",
    Hyperparameters = { Epochs = 3 },
    IdempotencyKey = $"sample-02-{file.Sha256[..16]}",
};
var polling = online
    ? new FineTunePollingOptions()
    : new FineTunePollingOptions { InitialInterval = TimeSpan.FromMilliseconds(200), MaxInterval = TimeSpan.FromSeconds(1) };
FineTuneJobHandle handle;
try
{
    handle = await provider.StartJobAndTrackAsync(request, polling);
}
catch (FineTuneJobCreationRefusedException refused)
{
    Console.Error.WriteLine(refused.Message);
    return 2;
}

Console.WriteLine($"Job {handle.Id} (status {handle.Status}); rehydrate elsewhere with provider.TrackJob(\"{handle.Id}\")");

// 3. Watch: status changes, events (oldest first) and training metrics, polled with backoff and jitter.
TrainingMetric? lastMetric = null;
await foreach (var update in handle.WatchAsync())
{
    switch (update.Kind)
    {
        case FineTuneJobUpdateKind.StatusChanged:
            Console.WriteLine($"  status -> {update.Job.Status}");
            break;
        case FineTuneJobUpdateKind.Event when update.Event!.Metric is null:
            Console.WriteLine($"  event: {update.Event.Message}");
            break;
        case FineTuneJobUpdateKind.Metric:
            lastMetric = update.Metric;
            break;
    }
}

var job = handle.Job!;
if (job.Status != FineTuneJobStatus.Succeeded)
{
    Console.Error.WriteLine($"Job ended {job.Status}: {job.Error?.Code} {job.Error?.Message}");
    return 1;
}

Console.WriteLine($"Model {job.FineTunedModel}: {job.TrainedTokens} trained tokens, {job.Hyperparameters.Epochs} epochs, " +
    $"{(job.FinishedAt - job.CreatedAt)?.TotalSeconds:0.#} s; last reported step {lastMetric?.Step} loss {lastMetric?.TrainLoss:0.###}");

// 4. Checkpoints and the results CSV parsed into step rows.
await foreach (var checkpoint in provider.GetCheckpointsAsync(job.Id))
{
    Console.WriteLine($"  checkpoint step {checkpoint.StepNumber}: {checkpoint.ModelId} (train loss {checkpoint.Metrics?.TrainLoss:0.###})");
}

var rows = await provider.GetTrainingMetricsAsync(job.Id);
Console.WriteLine($"  metrics: {rows.Count} steps, train loss {rows[0].TrainLoss:0.###} -> {rows[^1].TrainLoss:0.###}");

// 5. The same IChatClient calls the base and the fine-tuned model.
ChatMessage[] prompt = [new(ChatRole.System, SystemPrompt), new(ChatRole.User, Tickets[3].Text)];
foreach (var model in new[] { job.BaseModel!, job.FineTunedModel! })
{
    var reply = await chat.GetResponseAsync(prompt, new ChatOptions { ModelId = model, ResponseFormat = ChatResponseFormat.Json });
    Console.WriteLine($"  {model}: {reply.Text}  ({reply.Usage?.InputTokenCount} in / {reply.Usage?.OutputTokenCount} out, {reply.AdditionalProperties?[ChatPipelineProperties.LatencyMilliseconds]:0} ms)");
}

var retires = provider.GetService<ModelRetirementSchedule>()?.GetRetirementDate(job.FineTunedModel!);
Console.WriteLine(retires is { } date ? $"The fine-tuned model retires with its base on {date:yyyy-MM-dd}." : "No retirement date is published for its base model yet.");
return 0;

static byte[] TrainingData()
{
    var sb = new StringBuilder();
    foreach (var (text, label) in Tickets)
    {
        var row = new Dictionary<string, object>
        {
            ["messages"] = new object[]
            {
                new Dictionary<string, string> { ["role"] = "system", ["content"] = SystemPrompt },
                new Dictionary<string, string> { ["role"] = "user", ["content"] = text },
                new Dictionary<string, string> { ["role"] = "assistant", ["content"] = $"{{\"label\":\"{label}\"}}" },
            },
        };
        sb.Append(JsonSerializer.Serialize(row)).Append('\n');
    }

    return Encoding.UTF8.GetBytes(sb.ToString());
}

public static partial class Program
{
    private const string SystemPrompt = "Classify the support ticket as billing, shipping, returns, technical or account. Answer with JSON.";

    private static readonly (string Text, string Label)[] Tickets =
    [
        ("I was charged twice for my March invoice.", "billing"),
        ("My parcel has been stuck in customs for a week.", "shipping"),
        ("How do I send back a jacket that does not fit?", "returns"),
        ("The app crashes when I open the settings page.", "technical"),
        ("I cannot reset my password, the email never arrives.", "account"),
        ("Can I get a refund for the annual plan I cancelled?", "billing"),
        ("The tracking number shows delivered but nothing came.", "shipping"),
        ("The return label in my order page is blank.", "returns"),
        ("Sync between my phone and laptop stopped working.", "technical"),
        ("Please merge my two accounts into one.", "account"),
        ("Why is there a VAT line on my receipt?", "billing"),
        ("Can you deliver to a pickup point instead of my home?", "shipping"),
    ];
}
