// Prove a candidate on a golden set before shipping it: run the base and the candidate through the same golden set with
// a custom scorer (the JSON answer's "intent" field) and the built-in exact match, then apply an acceptance policy of
// your own and write compare.json / compare.md / compare.html. Offline: the two "models" are small IChatClients here;
// with a provider they are any IChatClient (OpenAI, Bedrock, the emulator).
// usage: dotnet run --project samples/07-EvalCompare [-- OUTPUT_DIR]
using System.Text.Json;
using FineTune.Sdk;
using Microsoft.Extensions.AI;

var root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "FineTune.Sdk.sln")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run from the repository.");
}

var output = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(root, "artifacts", "07-eval-compare");
var golden = await GoldenSetReader.ReadAsync(Path.Combine(root, "samples", "quickstart", "golden.jsonl"));
Console.WriteLine($"Golden set: {golden.Cases.Count} cases, {golden.Findings.Count} findings");

// The base model knows only refunds; the candidate answers every ticket as the golden set expects but one.
var answers = golden.Cases.ToDictionary(c => c.Messages[^1].Text, c => c.Expected!);
using var baseline = new ScriptedChatClient(prompt => answers[prompt].Contains("refund_request", StringComparison.Ordinal) ? answers[prompt] : "{\"intent\":\"order_status\",\"priority\":\"low\"}");
using var candidate = new ScriptedChatClient(prompt => prompt == golden.Cases[0].Messages[^1].Text ? "{\"intent\":\"technical_issue\",\"priority\":\"low\"}" : answers[prompt]);

var options = new EvalRunOptions { MaxConcurrency = 4 };
options.Scorers.Add(new IntentScorer());
options.Scorers.Add(EvalScorers.ExactMatch());
var results = new List<EvalCaseResult>();
await foreach (var result in new EvalRunner().RunAsync(golden.Cases, [new ModelVariant("base", "rules-v1", baseline), new ModelVariant("candidate", "rules-v2", candidate)], options))
{
    results.Add(result);
}

// The policy: the intent scorer decides (primary), at least 20 points of lift, no bucket may drop more than 20 points,
// latency is not judged (these clients answer in microseconds).
var comparison = new ComparisonOptions { PrimaryScorer = "intent", GoldenSetName = "golden.jsonl" };
comparison.Policy.MinExactMatchLiftPoints = 20;
comparison.Policy.MaxBucketDropPoints = 20;
comparison.Policy.DisabledRules.Add("latency-p95");
var report = EvalComparer.Compare(results, comparison, golden.Cases);
await ComparisonReportWriter.WriteAllAsync(report, output);

var intent = report.Scorers.Single(s => s.Scorer == "intent");
Console.WriteLine($"intent: base {intent.BaselinePassRate:P1} -> candidate {intent.CandidatePassRate:P1} ({intent.Improvements} improved, {intent.Regressions} regressed)");
foreach (var rule in report.Decision.Rules.Where(r => r.Applicable))
{
    Console.WriteLine($"  {(rule.Passed ? "pass" : rule.Blocking ? "BLOCK" : "warn"),-5} {rule.Rule}: {rule.Figure}");
}

Console.WriteLine(report.Decision.Passed ? "PASS" : "BLOCK");
Console.WriteLine($"Reports: {Path.GetRelativePath(root, Path.Combine(output, "compare.html"))}, compare.md, compare.json");
return report.Decision.Passed ? 0 : 1;

/// <summary>A custom scorer: passes when the answer's JSON "intent" equals the expected one (priority is ignored).</summary>
internal sealed class IntentScorer : IEvalScorer
{
    public string Name => "intent";

    public ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default)
    {
        var expected = Intent(goldenCase.Expected);
        var actual = Intent(output);
        return ValueTask.FromResult(EvalScore.FromPass(Name, expected is not null && expected == actual, actual is null ? "no intent in the answer" : null));
    }

    private static string? Intent(string? json)
    {
        try
        {
            using var document = JsonDocument.Parse(json ?? string.Empty);
            return document.RootElement.TryGetProperty("intent", out var intent) ? intent.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>An IChatClient that answers the last user message by a function: a stand-in for a model.</summary>
internal sealed class ScriptedChatClient(Func<string, string> answer) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer(messages.Last(m => m.Role == ChatRole.User).Text))));

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
