using System.Text;
using System.Text.Json;
using FineTune.Sdk.Testing;
using FakeClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace FineTune.Cli.Tests;

/// <summary>
/// <c>finetune jobs …</c> in-process against the emulators: <c>--provider emulator</c> (the in-process emulator kept in a
/// state file between invocations), <c>--provider openai</c> and <c>--provider bedrock</c> against loopback emulators on a
/// fake clock, through the same DI registration users get.
/// </summary>
public sealed class JobsCommandTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-jobs-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 180_000)]
    public async Task Emulator_StartWatchAndInspect_AcrossInvocationsThroughTheStateFile()
    {
        var state = Path.Combine(_dir, "state.json");
        var train = Write("train.jsonl", ChatRows(20, 0));
        var valid = Write("valid.jsonl", ChatRows(40, 1000));
        string[] common = ["--provider", "emulator", "--state", state, "--speed", "1000", "--json"];

        var (code, output, error) = await RunAsync(["jobs", "start", "--training-file", train, "--validation-file", valid, "--model", "gpt-4o-mini", "--epochs", "10", "--batch-size", "1", .. common]);
        code.Should().Be(CliApp.Success, error);
        var started = JsonDocument.Parse(output).RootElement;
        var id = started.GetProperty("id").GetString()!;
        id.Should().StartWith("ftjob-");
        started.GetProperty("baseModel").GetString().Should().Be("gpt-4o-mini-2024-07-18");
        started.GetProperty("hyperparameters").GetProperty("epochs").GetInt32().Should().Be(10);

        (code, output, error) = await RunAsync(["jobs", "watch", id, "--poll-interval", "0.05", "--timeout", "60", .. common]);
        code.Should().Be(CliApp.Success, error);
        var lines = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Should().OnlyContain(l => l.GetProperty("type").GetString() == "status" || l.GetProperty("type").GetString() == "event");
        lines[^1].GetProperty("job").GetProperty("status").GetString().Should().Be("succeeded");

        (code, output, _) = await RunAsync(["jobs", "status", id, .. common]);
        code.Should().Be(CliApp.Success);
        var done = JsonDocument.Parse(output).RootElement;
        done.GetProperty("status").GetString().Should().Be("succeeded");
        done.GetProperty("fineTunedModel").GetString().Should().MatchRegex("^ft:gpt-4o-mini-2024-07-18:emulator::[A-Za-z0-9]{8}$");

        (_, output, _) = await RunAsync(["jobs", "list", .. common]);
        Lines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).Should().Equal(id);

        (_, output, _) = await RunAsync(["jobs", "events", id, .. common]);
        var events = Lines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("message").GetString()).ToList();
        events[0].Should().Be($"Created fine-tuning job: {id}");
        events[^1].Should().Be("The job has successfully completed");

        (_, output, _) = await RunAsync(["jobs", "checkpoints", id, .. common]);
        JsonDocument.Parse(output).RootElement.GetProperty("checkpoints").EnumerateArray().Select(c => c.GetProperty("step").GetInt32()).Should().Equal(200, 180, 160);

        (_, output, _) = await RunAsync(["jobs", "metrics", id, .. common]);
        JsonDocument.Parse(output).RootElement.GetProperty("metrics").GetArrayLength().Should().Be(200, "20 rows × 10 epochs at batch size 1");

        (code, output, _) = await RunAsync(["jobs", "diagnose", id, "--validation-examples", "40", "--training-examples", "20", .. common]);
        code.Should().Be(CliApp.Success);
        var diagnosis = JsonDocument.Parse(output).RootElement;
        diagnosis.GetProperty("healthy").GetBoolean().Should().BeFalse();
        diagnosis.GetProperty("steps").GetInt32().Should().Be(200);
        var finding = diagnosis.GetProperty("findings").EnumerateArray().Should().ContainSingle().Subject;
        finding.GetProperty("code").GetString().Should().Be("FT5001");
        finding.GetProperty("kind").GetString().Should().Be("overfitting");
        finding.GetProperty("advice").GetString().Should().Contain("train for fewer epochs (");

        (code, output, _) = await RunAsync(["jobs", "diagnose", id, "--provider", "emulator", "--state", state, "--speed", "1000"]);
        code.Should().Be(CliApp.Success);
        Lines(output)[0].Should().Be($"{id}: 200 steps, 1 finding(s)");
        Lines(output)[1].Should().StartWith("FT5001 overfitting: Overfitting: validation loss fell to ");
    }

    [Fact(Timeout = 120_000)]
    public async Task OpenAI_AgainstALoopbackEmulator_PausesResumesAndCancels()
    {
        var clock = new FakeClock(Start);
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { ReportEstimatedFinish = false }, clock);
        var endpoint = (await emulator.StartAsync()).ToString();
        string[] common = ["--provider", "openai", "--endpoint", endpoint, "--json"];

        var (code, output, error) = await RunAsync(["jobs", "start", "--training-file", Write("t.jsonl", ChatRows(12, 0)), "--model", "gpt-4o-mini-2024-07-18", "--epochs", "3", "--suffix", "cli", .. common]);
        code.Should().Be(CliApp.Success, error);
        var id = JsonDocument.Parse(output).RootElement.GetProperty("id").GetString()!;
        clock.Advance(TimeSpan.FromSeconds(25));

        (await StatusAsync("status", id, common)).Should().Be("running");
        (await StatusAsync("pause", id, common)).Should().Be("paused");
        (await StatusAsync("resume", id, common)).Should().Be("queued");
        (await StatusAsync("cancel", id, common)).Should().Be("cancelled");
        (await StatusAsync("status", id, common)).Should().Be("cancelled");

        (code, _, error) = await RunAsync(["jobs", "pause", id, .. common]);
        code.Should().Be(CliApp.Failed, "the provider refuses to pause a cancelled job");
        error.Should().StartWith("error: ");
        emulator.JobCount.Should().Be(1);
    }

    [Fact(Timeout = 180_000)]
    public async Task Bedrock_AgainstALoopbackEmulator_StartsCompletesDiagnosesAndRefusesPause()
    {
        var clock = new FakeClock(Start);
        var options = new BedrockEmulatorOptions();
        options.Buckets.Add("jobs-bucket");
        await using var emulator = new BedrockEmulator(options, clock);
        var endpoint = (await emulator.StartAsync()).ToString().TrimEnd('/');
        string[] common =
        [
            "--provider", "bedrock", "--endpoint", endpoint, "--region", "us-east-1", "--role-arn", "arn:aws:iam::123456789012:role/FineTuning",
            "--output-uri", "s3://jobs-bucket/out/", "--upload-uri", "s3://jobs-bucket/data/", "--json",
        ];

        var (code, output, error) = await RunAsync(["jobs", "start", "--training-file", Write("nova.jsonl", NovaRows(10, 0)), "--validation-file", Write("nova-valid.jsonl", NovaRows(40, 1000)), "--model", "amazon.nova-micro-v1:0:128k", "--epochs", "5", .. common]);
        code.Should().Be(CliApp.Success, error);
        var started = JsonDocument.Parse(output).RootElement;
        var arn = started.GetProperty("id").GetString()!;
        arn.Should().StartWith("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/");
        (await StatusAsync("status", arn, common)).Should().Be("running");

        clock.Advance(TimeSpan.FromSeconds(60));
        (await StatusAsync("status", arn, common)).Should().Be("succeeded", "10 s reading data + 10 records × 5 epochs × 1 s");

        (_, output, _) = await RunAsync(["jobs", "metrics", arn, .. common]);
        var metrics = JsonDocument.Parse(output).RootElement.GetProperty("metrics").EnumerateArray().ToList();
        metrics.Count(m => m.TryGetProperty("trainLoss", out _)).Should().Be(50);
        metrics.Count(m => m.TryGetProperty("validLoss", out _)).Should().Be(5);

        (code, output, _) = await RunAsync(["jobs", "diagnose", arn, "--validation-examples", "40", .. common]);
        code.Should().Be(CliApp.Success);
        JsonDocument.Parse(output).RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()).Should().Equal("FT5001");

        (code, output, error) = await RunAsync(["jobs", "pause", arn, .. common]);
        code.Should().Be(CliApp.UsageError);
        output.Should().BeEmpty();
        error.Trim().Should().Be("error: --provider bedrock cannot pause jobs: bedrock has no pause or resume (only OpenAI does). Use 'finetune jobs cancel' to stop a job.");
        emulator.JobCount.Should().Be(1);
    }

    [Theory]
    [InlineData("jobs", "status", "ftjob-x", "--provider", "nope")]
    [InlineData("jobs", "status", "ftjob-x", "--provider", "emulator", "--endpoint", "http://127.0.0.1:1/v1")]
    [InlineData("jobs", "start", "--training-file", "missing.jsonl", "--model", "gpt-4o-mini", "--provider", "emulator")]
    public async Task Jobs_BadUsage_ExitsTwo(params string[] args)
    {
        var withState = args.Contains("emulator") ? [.. args, "--state", Path.Combine(_dir, "s.json")] : args;

        var (code, output, error) = await RunAsync(withState);

        code.Should().Be(CliApp.UsageError, error);
        output.Should().BeEmpty();
        error.Should().StartWith("error: ");
    }

    private static async Task<string> StatusAsync(string verb, string id, string[] common)
    {
        var (code, output, error) = await RunAsync(["jobs", verb, id, .. common]);
        code.Should().Be(CliApp.Success, error);
        return JsonDocument.Parse(output).RootElement.GetProperty("status").GetString()!;
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string ChatRows(int count, int start) => string.Concat(Enumerable.Range(start, count).Select(i => JsonSerializer.Serialize(new
    {
        messages = new object[]
        {
            new { role = "system", content = "Classify the ticket." },
            new { role = "user", content = $"Ticket {i}: my parcel {i} is late" },
            new { role = "assistant", content = $"label-{i % 4}" },
        },
    }) + "\n"));

    private static string NovaRows(int count, int start) => string.Concat(Enumerable.Range(start, count).Select(i => JsonSerializer.Serialize(new
    {
        schemaVersion = "bedrock-conversation-2024",
        system = new[] { new { text = "Classify the ticket." } },
        messages = new object[]
        {
            new { role = "user", content = new[] { new { text = $"Ticket {i}: my parcel {i} is late" } } },
            new { role = "assistant", content = new[] { new { text = $"label-{i % 4}" } } },
        },
    }) + "\n"));

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
