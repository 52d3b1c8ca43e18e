using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FakeClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace FineTune.Sdk.Testing.Tests;

/// <summary><c>StatePath</c>: an emulator's files, jobs, events and clock survive its process and keep progressing.</summary>
public sealed class EmulatorStateFileTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("emulator-state-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact(Timeout = 120_000)]
    public async Task OpenAI_JobStartedInOneEmulator_IsSeenStillProgressingByTheNextWithTheSameIds()
    {
        var path = Path.Combine(_folder, "openai.json");
        string fileId, jobId;
        string[] eventsBefore;
        var clock = new FakeClock(Start);
        using (var first = new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = path, RandomSeed = 5 }, clock))
        using (var client = RawOpenAIClient.InProcess(first))
        {
            fileId = (await client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
            jobId = await client.CreateJobAsync(fileId, new { suffix = "kept", method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 2 } } } });
            clock.Advance(TimeSpan.FromSeconds(30));
            (await client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("status").GetString().Should().Be("running");
            eventsBefore = EventIds(await client.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100"));
        }

        File.Exists(path).Should().BeTrue();
        Directory.GetFiles(_folder).Should().Equal([path], "the file is written through a temp file and a rename");

        // A new process: a new clock that starts where the first one started; the state file's position moves it on.
        var later = new FakeClock(Start);
        using var second = new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = path }, later);
        using var resumed = RawOpenAIClient.InProcess(second);
        var job = await resumed.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("running");
        job.GetProperty("training_file").GetString().Should().Be(fileId);
        EventIds(await resumed.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100")).Should().Equal(eventsBefore);

        later.Advance(TimeSpan.FromSeconds(14));
        var done = await resumed.GetAsync($"fine_tuning/jobs/{jobId}");
        done.GetProperty("status").GetString().Should().Be("succeeded", "12 rows × 2 epochs = 24 steps; 10 + 10 + 24 = 44 s after creation");
        done.GetProperty("finished_at").GetInt64().Should().Be(Start.AddSeconds(44).ToUnixTimeSeconds());

        // The same requests on one emulator that never restarted give the same job, events and model.
        var control = await ControlRunAsync();
        done.GetProperty("fine_tuned_model").GetString().Should().Be(control.Model);
        EventIds(await resumed.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100")).Should().Equal(control.Events);
    }

    [Fact(Timeout = 120_000)]
    public async Task OpenAI_StateFile_KeepsDeletedFilesDeletedAndCancelledJobsCancelled()
    {
        var path = Path.Combine(_folder, "openai.json");
        var clock = new FakeClock(Start);
        string kept, deleted, jobId;
        using (var first = new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = path }, clock))
        using (var client = RawOpenAIClient.InProcess(first))
        {
            kept = (await client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
            deleted = (await client.UploadAsync(EmulatorTestData.ChatJsonl(10), "other.jsonl")).GetProperty("id").GetString()!;
            (await client.SendAsync(HttpMethod.Delete, $"files/{deleted}")).Status.Should().Be(200);
            jobId = await client.CreateJobAsync(kept);
            clock.Advance(TimeSpan.FromSeconds(25));
            await client.PostAsync($"fine_tuning/jobs/{jobId}/cancel");
        }

        using var second = new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = path }, new FakeClock(Start.AddHours(1)));
        using var resumed = RawOpenAIClient.InProcess(second);
        var files = (await resumed.GetAsync("files")).GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
        files.Should().Equal(kept);
        (await resumed.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("status").GetString().Should().Be("cancelled");
        second.JobCount.Should().Be(1);
    }

    [Fact(Timeout = 120_000)]
    public async Task Bedrock_JobStartedInOneEmulator_CompletesInTheNextWithTheSameModelArn()
    {
        var path = Path.Combine(_folder, "bedrock.json");
        var clock = new FakeClock(Start);
        string arn;
        using (var first = NewBedrock(path, clock))
        using (var http = Signed(first))
        {
            first.PutObject("training-bucket", "data/train.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 10).Select(BedrockEmulatorTests.NovaRow))));
            var created = await http.PostAsync("/model-customization-jobs", Json(BedrockJobBody("job-kept")));
            created.StatusCode.Should().Be(HttpStatusCode.Created);
            arn = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["jobArn"]!.GetValue<string>();
            clock.Advance(TimeSpan.FromSeconds(15));
        }

        var later = new FakeClock(Start);
        using var second = NewBedrock(path, later);
        using var resumed = Signed(second);
        var job = JsonNode.Parse(await resumed.GetStringAsync("/model-customization-jobs/" + Uri.EscapeDataString(arn)))!;
        job["status"]!.GetValue<string>().Should().Be("InProgress");
        job["jobName"]!.GetValue<string>().Should().Be("job-kept");

        later.Advance(TimeSpan.FromSeconds(15));
        job = JsonNode.Parse(await resumed.GetStringAsync("/model-customization-jobs/" + Uri.EscapeDataString(arn)))!;
        job["status"]!.GetValue<string>().Should().Be("Completed", "10 s reading data + 10 records × 2 epochs × 1 s = 30 s");
        job["endTime"]!.GetValue<string>().Should().Be("2026-03-01T09:00:30.000Z");
        second.GetObjectContent("training-bucket", "data/train.jsonl").Should().NotBeNull("S3 objects are part of the state");

        using var control = NewBedrock(Path.Combine(_folder, "control.json"), new FakeClock(Start));
        using var controlHttp = Signed(control);
        control.PutObject("training-bucket", "data/train.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 10).Select(BedrockEmulatorTests.NovaRow))));
        var controlArn = JsonNode.Parse(await (await controlHttp.PostAsync("/model-customization-jobs", Json(BedrockJobBody("job-kept")))).Content.ReadAsStringAsync())!["jobArn"]!.GetValue<string>();
        controlArn.Should().Be(arn, "ids derive from the state file's seed and the change's position");
        ((FakeClock)control.TimeProvider).Advance(TimeSpan.FromSeconds(30));
        var controlJob = JsonNode.Parse(await controlHttp.GetStringAsync("/model-customization-jobs/" + Uri.EscapeDataString(arn)))!;
        job["outputModelArn"]!.GetValue<string>().Should().Be(controlJob["outputModelArn"]!.GetValue<string>());
        job["trainingMetrics"]!["trainingLoss"]!.GetValue<double>().Should().Be(controlJob["trainingMetrics"]!["trainingLoss"]!.GetValue<double>());
    }

    [Fact]
    public void Open_CorruptOrForeignStateFile_ThrowsNamingTheFileAndTheJsonPath()
    {
        var path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, """{"format":"finetune-emulator-state","version":1,"emulator":"openai","seed":1,"entries":[{"at":"2026-03-01T09:00:00.0000000+00:00","op":7}]}""");
        var corrupt = () => new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = path });
        corrupt.Should().Throw<InvalidDataException>().WithMessage($"Emulator state file {path}: $.entries[0].op must be a string.");

        var foreign = () => new BedrockEmulator(new BedrockEmulatorOptions { StatePath = path });
        foreign.Should().Throw<InvalidDataException>().WithMessage($"Emulator state file {path}: $.emulator is 'openai', but this is the bedrock emulator.");

        File.WriteAllText(path, "{not json");
        corrupt.Should().Throw<InvalidDataException>().WithMessage($"Emulator state file {path} is not valid JSON (line 1): delete it to start over.");
    }

    [Fact]
    public void Options_EmptyStatePath_IsRejected()
    {
        var openai = () => new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = " " });
        openai.Should().Throw<ArgumentException>().WithMessage("OpenAIEmulatorOptions.StatePath must not be empty*");
        var bedrock = () => new BedrockEmulator(new BedrockEmulatorOptions { StatePath = "" });
        bedrock.Should().Throw<ArgumentException>().WithMessage("*StatePath*");
    }

    private async Task<(string Model, string[] Events)> ControlRunAsync()
    {
        var clock = new FakeClock(Start);
        using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = Path.Combine(_folder, "control.json"), RandomSeed = 5 }, clock);
        using var client = RawOpenAIClient.InProcess(emulator);
        var fileId = (await client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var jobId = await client.CreateJobAsync(fileId, new { suffix = "kept", method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 2 } } } });
        clock.Advance(TimeSpan.FromSeconds(44));
        var job = await client.GetAsync($"fine_tuning/jobs/{jobId}");
        return (job.GetProperty("fine_tuned_model").GetString()!, EventIds(await client.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100")));
    }

    private static string[] EventIds(JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString() + " " + e.GetProperty("message").GetString()).ToArray();

    private static BedrockEmulator NewBedrock(string path, TimeProvider clock)
    {
        var options = new BedrockEmulatorOptions { StatePath = path, RandomSeed = 9 };
        options.Buckets.Add("training-bucket");
        return new BedrockEmulator(options, clock);
    }

    private static HttpClient Signed(BedrockEmulator emulator) =>
        new(new SigningHandler(emulator.CreateHttpMessageHandler())) { BaseAddress = BedrockEmulator.InProcessEndpoint };

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static JsonObject BedrockJobBody(string name) => new()
    {
        ["jobName"] = name,
        ["customModelName"] = name + "-model",
        ["roleArn"] = "arn:aws:iam::123456789012:role/BedrockFineTuning",
        ["baseModelIdentifier"] = "amazon.nova-micro-v1:0:128k",
        ["trainingDataConfig"] = new JsonObject { ["s3Uri"] = "s3://training-bucket/data/train.jsonl" },
        ["outputDataConfig"] = new JsonObject { ["s3Uri"] = "s3://training-bucket/out/" },
        ["hyperParameters"] = new JsonObject { ["epochCount"] = "2" },
    };
}
