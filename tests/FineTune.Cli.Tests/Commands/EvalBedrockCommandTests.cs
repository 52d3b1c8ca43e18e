using System.Globalization;
using System.Text.Json;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.DependencyInjection;
using FakeClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace FineTune.Cli.Tests;

/// <summary><c>finetune eval compare --provider bedrock</c>: the Bedrock base model against a custom model trained and provisioned on the loopback emulator.</summary>
public sealed class EvalBedrockCommandTests : IDisposable
{
    private const int Cases = 20;
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-eval-bedrock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 180_000)]
    public async Task Compare_BaseModelAgainstProvisionedCustomModel_PassesAndTheCandidateAnswersTheTrainedPrompts()
    {
        var clock = new FakeClock(Start);
        var emulatorOptions = new BedrockEmulatorOptions();
        emulatorOptions.Buckets.Add("eval-bucket");
        await using var emulator = new BedrockEmulator(emulatorOptions, clock);
        var endpoint = (await emulator.StartAsync()).ToString().TrimEnd('/');
        var throughputArn = await TrainAndProvisionAsync(endpoint, clock);
        var golden = Path.Combine(_dir, "golden.jsonl");
        File.WriteAllLines(golden, Enumerable.Range(0, Cases).Select(i => JsonSerializer.Serialize(new { id = $"t{i}", input = Prompt(i), expected = Label(i) })));
        var outDir = Path.Combine(_dir, "out");

        var (code, output, error) = await RunAsync(
            "eval", "compare", "--provider", "bedrock", "--endpoint", endpoint, "--region", "us-east-1", "--golden", golden,
            "--base", "amazon.nova-micro-v1:0", "--candidate", throughputArn, "--out", outDir);

        code.Should().Be(CliApp.Success, output + error);
        output.Should().StartWith("PASS");
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "compare.json"))))
        {
            doc.RootElement.GetProperty("decision").GetProperty("passed").GetBoolean().Should().BeTrue();
            doc.RootElement.GetProperty("pairedCases").GetInt32().Should().Be(Cases);
        }

        var records = File.ReadAllLines(Path.Combine(outDir, "run.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var candidate = records.Where(r => r.GetProperty("variant").GetString() == "candidate").ToList();
        candidate.Select(r => r.GetProperty("modelId").GetString()).Should().AllBe(throughputArn);
        candidate.Select(r => (r.GetProperty("caseId").GetString(), r.GetProperty("output").GetString()))
            .Should().BeEquivalentTo(Enumerable.Range(0, Cases).Select(i => ($"t{i}", Label(i))), "the custom model answers every prompt it was trained on");
        var baseWrong = records.Where(r => r.GetProperty("variant").GetString() == "base")
            .Count(r => r.GetProperty("output").GetString() != Label(int.Parse(r.GetProperty("caseId").GetString()![1..], CultureInfo.InvariantCulture)));
        baseWrong.Should().Be(6, "the emulated base model is deliberately imperfect (60% right by prompt hash)");
    }

    [Fact]
    public async Task Eval_UnknownProvider_ExitsTwo()
    {
        var golden = Path.Combine(_dir, "golden.jsonl");
        File.WriteAllText(golden, "{\"id\":\"c1\",\"input\":\"Q?\",\"expected\":\"A\"}\n");

        var (code, output, error) = await RunAsync("eval", "compare", "--provider", "nope", "--golden", golden, "--base", "a", "--candidate", "b", "--out", Path.Combine(_dir, "out"));
        var (runCode, _, runError) = await RunAsync("eval", "run", "--provider", "nope", "--golden", golden, "--model", "a", "--run-file", Path.Combine(_dir, "run.jsonl"));

        code.Should().Be(CliApp.UsageError);
        output.Should().BeEmpty();
        error.Trim().Should().Be("error: --provider must be openai or bedrock (was 'nope').");
        runCode.Should().Be(CliApp.UsageError);
        runError.Trim().Should().Be("error: --provider must be openai or bedrock (was 'nope').");
    }

    private static string Prompt(int i) => $"Ticket {i}: my parcel {i} is late";

    private static string Label(int i) => $"label-{i % 4}";

    /// <summary>Upload, customization job and provisioned throughput through the registration users get; returns the throughput ARN.</summary>
    private async Task<string> TrainAndProvisionAsync(string endpoint, FakeClock clock)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new AWSOptions { Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") });
        services.AddFineTuning().AddBedrock(o =>
        {
            o.Region = "us-east-1";
            o.ServiceUrl = o.RuntimeServiceUrl = o.S3ServiceUrl = endpoint;
            o.RoleArn = "arn:aws:iam::123456789012:role/FineTuning";
            o.OutputS3Uri = "s3://eval-bucket/out/";
            o.UploadS3Uri = "s3://eval-bucket/data/";
        });
        await using var serviceProvider = services.BuildServiceProvider();
        var provider = serviceProvider.GetRequiredService<IFineTuneProvider>();
        var training = Path.Combine(_dir, "train.nova.jsonl");
        File.WriteAllLines(training, Enumerable.Range(0, Cases).Select(i => JsonSerializer.Serialize(new
        {
            schemaVersion = "bedrock-conversation-2024",
            messages = new object[]
            {
                new { role = "user", content = new[] { new { text = Prompt(i) } } },
                new { role = "assistant", content = new[] { new { text = Label(i) } } },
            },
        })));
        UploadedFile file;
        await using (var stream = File.OpenRead(training))
        {
            file = await provider.UploadFileAsync(stream, "train.nova.jsonl");
        }

        var job = await provider.StartJobAsync(new FineTuneJobRequest("amazon.nova-micro-v1:0:128k", file.Id) { Hyperparameters = { Epochs = 2 } });
        clock.Advance(TimeSpan.FromMinutes(10));
        job = await provider.GetJobAsync(job.Id);
        job.Status.Should().Be(FineTuneJobStatus.Succeeded, job.Error?.Message);

        var models = provider.GetService<BedrockModelManagement>()!;
        var throughput = await models.CreateProvisionedThroughputAsync("eval-tickets", job.FineTunedModel!);
        clock.Advance(TimeSpan.FromMinutes(10));
        throughput = await models.GetProvisionedThroughputAsync(throughput.Arn);
        throughput.IsReady.Should().BeTrue();
        return throughput.Arn;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
