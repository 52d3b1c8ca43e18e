using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FakeClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>
/// The emulators' loss curves respond to hyperparameters (docs/emulator.md): emulated jobs with those settings, their
/// metrics as a client reads them (the OpenAI results CSV, Bedrock's metrics CSVs in S3), and the diagnosis they get.
/// </summary>
public sealed class EmulatedCurveTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TrainingDiagnostician _diagnostician = new();

    [Theory(Timeout = 120_000)]
    [InlineData(20, 10, 1.8, new[] { TrainingFindingCodes.ValidationLossRising })] // many epochs on few rows
    [InlineData(200, 1, 1.8, new[] { TrainingFindingCodes.LossStillFalling })] // one epoch on many rows
    [InlineData(100, 3, 10.0, new[] { TrainingFindingCodes.LossSpikes })] // a high learning-rate multiplier
    [InlineData(100, 3, 1.8, new string[0])] // the defaults: healthy
    public async Task OpenAI_JobWithHyperparameters_HasTheMatchingDiagnosis(int rows, int epochs, double multiplier, string[] expected)
    {
        var clock = new FakeClock(Start);
        using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 3 }, clock);
        using var client = RawOpenAIClient.InProcess(emulator);
        var training = (await client.UploadAsync(EmulatorTestData.ChatJsonl(rows))).GetProperty("id").GetString()!;
        var validation = (await client.UploadAsync(EmulatorTestData.ChatJsonl(40, start: 10_000), "valid.jsonl")).GetProperty("id").GetString()!;
        var jobId = await client.CreateJobAsync(training, new
        {
            validation_file = validation,
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = epochs, batch_size = 1, learning_rate_multiplier = multiplier } } },
        });
        clock.Advance(TimeSpan.FromSeconds(20 + (rows * epochs)));
        var job = await client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("succeeded");

        using var csv = await client.Http.GetAsync($"files/{job.GetProperty("result_files")[0].GetString()}/content");
        var metrics = TrainingMetric.ParseCsv(await csv.Content.ReadAsStringAsync());
        metrics.Should().HaveCount(rows * epochs);
        var diagnosis = _diagnostician.Diagnose(metrics, new TrainingDiagnosticsContext { TrainingExamples = rows, ValidationExamples = 40, Epochs = epochs, LearningRateMultiplier = multiplier });

        diagnosis.Findings.Select(f => f.Code).Should().Equal(expected, string.Join(" | ", diagnosis.Findings.Select(f => f.Message)));
    }

    [Fact(Timeout = 120_000)]
    public async Task OpenAI_ManyEpochsOnFewRows_AdvisesTheEpochWhereValidationLossWasLowest()
    {
        var clock = new FakeClock(Start);
        using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 3 }, clock);
        using var client = RawOpenAIClient.InProcess(emulator);
        var training = (await client.UploadAsync(EmulatorTestData.ChatJsonl(20))).GetProperty("id").GetString()!;
        var validation = (await client.UploadAsync(EmulatorTestData.ChatJsonl(40, start: 10_000), "valid.jsonl")).GetProperty("id").GetString()!;
        var jobId = await client.CreateJobAsync(training, new { validation_file = validation, method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 10, batch_size = 1 } } } });
        clock.Advance(TimeSpan.FromSeconds(220));
        var job = await client.GetAsync($"fine_tuning/jobs/{jobId}");
        using var csv = await client.Http.GetAsync($"files/{job.GetProperty("result_files")[0].GetString()}/content");

        var finding = _diagnostician.Diagnose(TrainingMetric.ParseCsv(await csv.Content.ReadAsStringAsync()), new TrainingDiagnosticsContext { Epochs = 10, ValidationExamples = 40 }).Findings.Single();

        finding.Figures["min_valid_step"].Should().BeInRange(50, 80, "validation loss rises after about 3 epochs of 20 steps");
        finding.Figures["suggested_epochs"].Should().BeInRange(3, 4);
    }

    [Theory(Timeout = 120_000)]
    [InlineData(10, "5", "0.00001", new[] { TrainingFindingCodes.ValidationLossRising })] // many epochs on few rows
    [InlineData(200, "1", "0.00001", new[] { TrainingFindingCodes.LossStillFalling })] // one epoch on many rows
    [InlineData(100, "2", "0.0001", new[] { TrainingFindingCodes.LossSpikes })] // 10× the default learning rate
    [InlineData(100, "2", "0.00001", new string[0])] // the defaults: healthy
    public async Task Bedrock_JobWithHyperparameters_HasTheMatchingDiagnosis(int rows, string epochs, string learningRate, string[] expected)
    {
        var clock = new FakeClock(Start);
        var options = new BedrockEmulatorOptions { RandomSeed = 3 };
        options.Buckets.Add("curves");
        using var emulator = new BedrockEmulator(options, clock);
        using var http = new HttpClient(new SigningHandler(emulator.CreateHttpMessageHandler())) { BaseAddress = BedrockEmulator.InProcessEndpoint };
        emulator.PutObject("curves", "train.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, rows).Select(BedrockEmulatorTests.NovaRow))));
        emulator.PutObject("curves", "valid.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(10_000, 40).Select(BedrockEmulatorTests.NovaRow))));
        var body = new JsonObject
        {
            ["jobName"] = "curve",
            ["customModelName"] = "curve-model",
            ["roleArn"] = "arn:aws:iam::123456789012:role/BedrockFineTuning",
            ["baseModelIdentifier"] = "amazon.nova-micro-v1:0:128k",
            ["trainingDataConfig"] = new JsonObject { ["s3Uri"] = "s3://curves/train.jsonl" },
            ["validationDataConfig"] = new JsonObject { ["validators"] = new JsonArray(new JsonObject { ["s3Uri"] = "s3://curves/valid.jsonl" }) },
            ["outputDataConfig"] = new JsonObject { ["s3Uri"] = "s3://curves/out/" },
            ["hyperParameters"] = new JsonObject { ["epochCount"] = epochs, ["learningRate"] = learningRate },
        };
        using var created = await http.PostAsync("/model-customization-jobs", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var arn = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["jobArn"]!.GetValue<string>();
        clock.Advance(TimeSpan.FromSeconds(10 + (rows * int.Parse(epochs, System.Globalization.CultureInfo.InvariantCulture))));
        JsonNode.Parse(await http.GetStringAsync("/model-customization-jobs/" + Uri.EscapeDataString(arn)))!["status"]!.GetValue<string>().Should().Be("Completed");

        var prefix = $"out/model-customization-job-{arn[(arn.LastIndexOf('/') + 1)..]}/";
        var metrics = TrainingMetric.ParseCsv(Encoding.UTF8.GetString(emulator.GetObjectContent("curves", prefix + "training_artifacts/step_wise_training_metrics.csv")!))
            .Concat(TrainingMetric.ParseCsv(Encoding.UTF8.GetString(emulator.GetObjectContent("curves", prefix + "validation_artifacts/post_fine_tuning_validation/validation_metrics.csv")!)))
            .ToList();
        var diagnosis = _diagnostician.Diagnose(metrics, new TrainingDiagnosticsContext { TrainingExamples = rows, ValidationExamples = 40 });

        diagnosis.Findings.Select(f => f.Code).Should().Equal(expected, string.Join(" | ", diagnosis.Findings.Select(f => f.Message)));
    }
}
