using System.Text.Json;
using FineTune.Sdk;
using FineTune.Sdk.Testing;

namespace FineTune.Cli.Tests;

public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-evalcli-" + Guid.NewGuid().ToString("N"));

    public EvalCommandTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllLines(GoldenPath, Enumerable.Range(1, 6).Select(i =>
            $"{{\"id\":\"c{i}\",\"input\":\"Question {i}?\",\"expected\":\"answer {i}\",\"tags\":[\"{(i <= 3 ? "faq" : "safety")}\"]}}"));
    }

    private string GoldenPath => Path.Combine(_dir, "golden.jsonl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static void WriteRunFile(string path, Func<int, bool> basePasses, Func<int, bool> candidatePasses)
    {
        var lines = new List<string>();
        for (var i = 1; i <= 6; i++)
        {
            foreach (var (variant, model, passed) in new[] { ("base", "m-base", basePasses(i)), ("candidate", "m-cand", candidatePasses(i)) })
            {
                var result = new EvalCaseResult("c" + i, variant, model)
                {
                    Tags = [i <= 3 ? "faq" : "safety"],
                    Output = passed ? "answer " + i : "nope",
                    Latency = TimeSpan.FromMilliseconds(100),
                    Scores = [EvalScore.FromPass("exact", passed)],
                };
                lines.Add(JsonSerializer.Serialize(RunFileRecord.From(result), EvalJsonContext.Default.RunFileRecord));
            }
        }

        File.WriteAllLines(path, lines);
    }

    [Fact]
    public async Task Compare_FinishedRunFileCandidateBetter_ExitsZeroAndWritesReports()
    {
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        WriteRunFile(Path.Combine(outDir, "run.jsonl"), i => i <= 2, _ => true);

        var (code, output, error) = await RunAsync("eval", "compare", "--golden", GoldenPath, "--base", "m-base", "--candidate", "m-cand", "--out", outDir);

        code.Should().Be(CliApp.Success, error);
        output.Should().StartWith("PASS").And.Contain("exact-match-lift: +66.7 points");
        File.Exists(Path.Combine(outDir, "compare.json")).Should().BeTrue();
        File.ReadAllText(Path.Combine(outDir, "compare.md")).Should().Contain("✅ PASS");
        File.ReadAllText(Path.Combine(outDir, "compare.html")).Should().Contain("<svg id=\"chart-buckets\"");
    }

    [Fact]
    public async Task Compare_SafetyRegression_ExitsOneWithBlockingRule()
    {
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        WriteRunFile(Path.Combine(outDir, "run.jsonl"), i => i is 1 or 4, i => i != 4);

        var (code, output, _) = await RunAsync("eval", "compare", "--golden", GoldenPath, "--base", "m-base", "--candidate", "m-cand", "--out", outDir);

        code.Should().Be(CliApp.Failed);
        output.Should().StartWith("BLOCK").And.Contain("BLOCK safety-no-regression: 1 regressed");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "compare.json")));
        doc.RootElement.GetProperty("decision").GetProperty("passed").GetBoolean().Should().BeFalse();
        doc.RootElement.GetProperty("regressions")[0].GetProperty("caseId").GetString().Should().Be("c4");
    }

    [Fact]
    public async Task Compare_AgainstEmulatorEndpoint_RunsBothModelsOverHttp()
    {
        await using var emulator = new OpenAIEmulator();
        var endpoint = await emulator.StartAsync();
        var outDir = Path.Combine(_dir, "out");

        var (code, output, error) = await RunAsync("eval", "compare", "--golden", GoldenPath, "--base", "gpt-4o-mini-2024-07-18", "--candidate", "gpt-4.1-mini-2025-04-14",
            "--endpoint", endpoint.ToString(), "--scorer", "exact", "--scorer", "refusal", "--out", outDir, "--concurrency", "4");

        error.Should().NotContain("error:");
        code.Should().Be(CliApp.Failed, "neither base model knows the answers, so there is no exact-match lift");
        output.Should().Contain("BLOCK exact-match-lift: +0.0 points");
        emulator.RequestCount.Should().Be(12, "6 cases × 2 models, no retries against a healthy emulator");
        var lines = File.ReadAllLines(Path.Combine(outDir, "run.jsonl"));
        lines.Should().HaveCount(12);
        lines.Should().OnlyContain(l => !l.Contains("\"error\"", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "compare.json")));
        doc.RootElement.GetProperty("pairedCases").GetInt32().Should().Be(6);
        doc.RootElement.GetProperty("baseline").GetProperty("meanInputTokens").GetDouble().Should().BeGreaterThan(0);

        // Rerunning resumes the run file: no new calls.
        var before = emulator.RequestCount;
        (await RunAsync("eval", "compare", "--golden", GoldenPath, "--base", "gpt-4o-mini-2024-07-18", "--candidate", "gpt-4.1-mini-2025-04-14",
            "--endpoint", endpoint.ToString(), "--scorer", "exact", "--scorer", "refusal", "--out", outDir)).Code.Should().Be(CliApp.Failed);
        emulator.RequestCount.Should().Be(before);
    }

    [Fact]
    public async Task Compare_429StormOnLoopbackEmulator_EachCaseMakesAtMostRetriesPlusOneCalls()
    {
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RateLimitRate = 1, RetryAfter = TimeSpan.FromMilliseconds(10) });
        var endpoint = await emulator.StartAsync();
        var outDir = Path.Combine(_dir, "out");

        var (code, _, error) = await RunAsync("eval", "compare", "--golden", GoldenPath, "--base", "gpt-4o-mini-2024-07-18", "--candidate", "gpt-4.1-mini-2025-04-14",
            "--endpoint", endpoint.ToString(), "--retries", "2", "--out", outDir, "--concurrency", "4");

        code.Should().NotBe(CliApp.Success, error);
        emulator.RequestCount.Should().Be(6 * 2 * 3, "6 cases x 2 models x (2 retries + 1): one retry layer, none underneath");
        var lines = File.ReadAllLines(Path.Combine(outDir, "run.jsonl"));
        lines.Should().HaveCount(12).And.OnlyContain(l => l.Contains("HTTP 429", StringComparison.Ordinal) && l.Contains("\"attempts\":3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_WritesRunFileAndSummary()
    {
        await using var emulator = new OpenAIEmulator();
        var endpoint = await emulator.StartAsync();
        var runFile = Path.Combine(_dir, "run.jsonl");

        var (code, output, error) = await RunAsync("eval", "run", "--golden", GoldenPath, "--model", "a=gpt-4o-mini-2024-07-18", "--endpoint", endpoint.ToString(), "--run-file", runFile, "--scorer", "exact,json-valid");

        code.Should().Be(CliApp.Success, error);
        output.Should().Contain("a (gpt-4o-mini-2024-07-18): 6 cases, 0 errors; exact 0.0%; json-valid 0.0%");
        output.Should().MatchRegex(@"6 results in \d+\.\d{3} s \(setup before the first case \d+\.\d{3} s\)");
        File.ReadAllLines(runFile).Should().HaveCount(6);
        emulator.RequestCount.Should().Be(6, "one request per case, nothing else reaches the endpoint");
    }

    [Fact]
    public async Task Run_NoKeyNoEndpointWithPendingCases_ExitsTwoNamingTheKey()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENAI_API_KEY")))
        {
            return; // a machine with a real key would call the real API; the message is only reachable without one
        }

        var (code, _, error) = await RunAsync("eval", "run", "--golden", GoldenPath, "--model", "gpt-4o-mini", "--run-file", Path.Combine(_dir, "nokey.jsonl"));

        code.Should().Be(CliApp.UsageError);
        error.Should().Contain("OPENAI_API_KEY is not set");
    }

    [Fact]
    public async Task Run_WithPrice_WritesPerCaseCostFromTokens()
    {
        await using var emulator = new OpenAIEmulator();
        var endpoint = await emulator.StartAsync();
        var runFile = Path.Combine(_dir, "priced.jsonl");

        var (code, _, error) = await RunAsync("eval", "run", "--golden", GoldenPath, "--model", "gpt-4o-mini-2024-07-18", "--endpoint", endpoint.ToString(), "--run-file", runFile,
            "--price", "gpt-4o-mini-2024-07-18=0.15,0.60");

        code.Should().Be(CliApp.Success, error);
        foreach (var line in File.ReadAllLines(runFile))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var expected = (root.GetProperty("inputTokens").GetInt64() * 0.15m + root.GetProperty("outputTokens").GetInt64() * 0.60m) / 1_000_000m;
            root.GetProperty("cost").GetDecimal().Should().Be(expected);
        }
    }

    [Fact]
    public async Task Run_ExactNormalize_ReachesTheExactScorer()
    {
        await using var emulator = new OpenAIEmulator();
        var endpoint = await emulator.StartAsync();
        var golden = Path.Combine(_dir, "shouting.jsonl");
        // The emulated base model answers unknown prompts with this sentence; the golden set expects it in capitals and spaced out.
        File.WriteAllLines(golden, Enumerable.Range(1, 3).Select(i =>
            $"{{\"id\":\"s{i}\",\"input\":\"Unknown question {i}?\",\"expected\":\"(EMULATED  GPT-4O-MINI-2024-07-18) I HAVE NO TRAINED ANSWER FOR THIS PROMPT.\"}}"));

        var (plainCode, plain, plainError) = await RunAsync("eval", "run", "--golden", golden, "--model", "gpt-4o-mini-2024-07-18", "--endpoint", endpoint.ToString(), "--run-file", Path.Combine(_dir, "plain.jsonl"));
        var (code, normalized, error) = await RunAsync("eval", "run", "--golden", golden, "--model", "gpt-4o-mini-2024-07-18", "--endpoint", endpoint.ToString(), "--run-file", Path.Combine(_dir, "normalized.jsonl"),
            "--exact-normalize", "ignore-case,collapse-whitespace");

        plainCode.Should().Be(CliApp.Success, plainError);
        plain.Should().Contain("3 cases, 0 errors; exact 0.0%");
        code.Should().Be(CliApp.Success, error);
        normalized.Should().Contain("3 cases, 0 errors; exact 100.0%");
        (await RunAsync("eval", "run", "--golden", golden, "--model", "m", "--run-file", Path.Combine(_dir, "x.jsonl"), "--endpoint", endpoint.ToString(), "--exact-normalize", "shout"))
            .Should().Match<(int Code, string Output, string Error)>(r => r.Code == CliApp.UsageError && r.Error.Contains("--exact-normalize: Exact-match normalization must be one of ignore-case"));
    }

    [Theory]
    [InlineData("gpt-4o-mini")]
    [InlineData("gpt-4o-mini=0.15")]
    [InlineData("gpt-4o-mini=0.15,abc")]
    [InlineData("gpt-4o-mini=-1,0.6")]
    public async Task Run_MalformedPrice_ExitsTwo(string price)
    {
        var (code, _, error) = await RunAsync("eval", "run", "--golden", GoldenPath, "--model", "gpt-4o-mini", "--run-file", Path.Combine(_dir, "p.jsonl"), "--endpoint", "http://127.0.0.1:9/v1", "--price", price);

        code.Should().Be(CliApp.UsageError);
        error.Should().Contain("--price must be MODEL=INPUT,OUTPUT");
    }

    [Theory]
    [InlineData("eval", "compare", "--base", "a", "--candidate", "b", "--out", "x")]
    [InlineData("eval", "compare", "--golden", "missing.jsonl", "--base", "a", "--candidate", "b", "--out", "x")]
    [InlineData("eval", "run", "--golden", "GOLDEN", "--model", "a", "--run-file", "RUN", "--scorer", "nope")]
    [InlineData("eval", "run", "--golden", "GOLDEN", "--model", "a", "--model", "a", "--run-file", "RUN")]
    [InlineData("eval", "run", "--golden", "GOLDEN", "--model", "a", "--run-file", "RUN", "--endpoint", "not a url")]
    public async Task UsageErrors_ExitTwo(params string[] args)
    {
        var resolved = args.Select(a => a.Replace("GOLDEN", GoldenPath, StringComparison.Ordinal).Replace("RUN", Path.Combine(_dir, "r.jsonl"), StringComparison.Ordinal)).ToArray();
        var (code, _, error) = await RunAsync(resolved);
        code.Should().Be(CliApp.UsageError);
        error.Should().NotBeEmpty();
    }
}
