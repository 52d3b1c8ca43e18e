// OpenAI -> Bedrock with the same data and the same acceptance rule: the OpenAI-format dataset of the OpenAI sample
// is converted to Amazon Nova's format, checked against Nova's rules before anything is uploaded, uploaded to S3,
// trained with a retry-safe start, served through Provisioned Throughput and compared with the base model on held-out
// golden cases through the same IChatClient abstraction the OpenAI sample uses, with the same comparison and acceptance
// policy as `finetune eval compare` (compare.json, compare.md and compare.html are written to --out, default ./bedrock-compare).
// Offline by default: the Bedrock emulator (control plane, Runtime and S3 on one 127.0.0.1 port, SigV4-checked).
// Against AWS: set BEDROCK_ROLE_ARN, BEDROCK_BUCKET (and AWS credentials/region as for any AWS SDK) and omit --offline.
// Provisioned Throughput is billed hourly until deleted; the sample deletes it at the end.
// usage: dotnet run --project samples/04-BedrockMigration [-- --offline] [--out DIR]
using System.Text.Json;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

const string BaseModel = "amazon.nova-micro-v1:0:128k";
var role = Environment.GetEnvironmentVariable("BEDROCK_ROLE_ARN");
var bucket = Environment.GetEnvironmentVariable("BEDROCK_BUCKET");
var online = !string.IsNullOrWhiteSpace(role) && !string.IsNullOrWhiteSpace(bucket) && !args.Contains("--offline");
bucket = online ? bucket! : "finetune-sample";
role = online ? role! : "arn:aws:iam::123456789012:role/BedrockFineTune";

BedrockEmulator? emulator = null;
if (!online)
{
    var emulatorOptions = new BedrockEmulatorOptions { Speed = 2000, RandomSeed = 4 };
    emulatorOptions.Buckets.Add(bucket);
    emulator = new BedrockEmulator(emulatorOptions);
}

await using var disposeEmulator = emulator;
var endpoint = emulator is null ? null : await emulator.StartAsync();
Console.WriteLine(online ? "Amazon Bedrock (BEDROCK_ROLE_ARN and BEDROCK_BUCKET are set): this trains a paid job." : $"Offline: Bedrock emulator at {endpoint}");

// 1. Convert the OpenAI chat JSONL to Nova's bedrock-conversation-2024 records and check them against Nova's rules.
var dataset = Path.Combine(AppContext.BaseDirectory, "data", "support-tickets.jsonl");
var work = Directory.CreateTempSubdirectory("bedrock-migration-");
try
{
    var family = BedrockModelFamily.Find(BaseModel)!;
    var all = Path.Combine(work.FullName, "all.nova.jsonl");
    var conversion = await new BedrockDatasetConverter(family).ConvertAsync(dataset, all, skipInvalidRows: true);
    Console.WriteLine($"Converted {conversion.RowsWritten} of {conversion.RowsRead} rows ({conversion.RowsRead - conversion.RowsWritten} tool-calling rows cannot be carried by Nova customization).");

    // The golden set: every fifth converted row. Against AWS hold these rows out of training (pass --holdout); the
    // offline emulator only knows the prompts it was trained on, so offline they stay in the training file.
    var lines = await File.ReadAllLinesAsync(all);
    var holdout = online || args.Contains("--holdout");
    var train = Path.Combine(work.FullName, "train.jsonl");
    await File.WriteAllLinesAsync(train, lines.Where((_, i) => !holdout || i % 5 != 0));
    // The golden set in the OpenAI chat format `finetune eval compare --golden` reads (held-out chat rows: the last
    // assistant message is the expected answer), so the same file gates the OpenAI and the Bedrock candidate.
    var golden = Path.Combine(work.FullName, "golden.jsonl");
    await File.WriteAllLinesAsync(golden, lines.Where((_, i) => i % 5 == 0).Select(GoldenChatRow));
    var report = await new BedrockDatasetValidator(family).ValidateAsync(train, new Dictionary<string, string> { ["epochCount"] = "2" });
    Console.WriteLine($"Nova checks: {report.Records} records, {report.Findings.Count} finding(s); {report.Tokens} tokens per epoch ({report.TokenCountMethod}).");
    if (!report.IsValid)
    {
        foreach (var finding in report.Findings)
        {
            Console.Error.WriteLine($"  {finding.Code} line {finding.Line} {finding.Path}: {finding.Message}");
        }

        return 1;
    }

    // 2. The provider through DI: the Bedrock adapter under the standard decorators.
    var services = new ServiceCollection();
    if (!online)
    {
        // The emulator checks every signature against the AWS documentation example keys.
        services.AddSingleton(new AWSOptions { Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") });
    }

    services.AddFineTuning().AddBedrock(options =>
    {
        options.Region = online ? Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1" : "us-east-1";
        options.ServiceUrl = endpoint?.ToString();
        options.RoleArn = role;
        options.OutputS3Uri = $"s3://{bucket}/finetune/output/";
        options.UploadS3Uri = $"s3://{bucket}/finetune/data/";
    });
    await using var serviceProvider = services.BuildServiceProvider();
    var provider = serviceProvider.GetRequiredService<IFineTuneProvider>();
    var chat = serviceProvider.GetRequiredService<IChatClient>();

    // 3. Upload and start: the idempotency key becomes Bedrock's clientRequestToken, so re-running never pays twice.
    UploadedFile file;
    await using (var stream = File.OpenRead(train))
    {
        file = await provider.UploadFileAsync(stream, "support-tickets.nova.jsonl");
    }

    var job = await provider.StartJobAsync(new FineTuneJobRequest(BaseModel, file.Id)
    {
        Suffix = "tickets",
        Hyperparameters = { Epochs = 2 },
        IdempotencyKey = $"sample-04-{file.Sha256![..16]}",
    });
    Console.WriteLine($"Job {job.Id} ({job.Status})");
    while (!job.Status.IsTerminal)
    {
        await Task.Delay(online ? TimeSpan.FromMinutes(1) : TimeSpan.FromMilliseconds(50));
        job = await provider.GetJobAsync(job.Id);
    }

    if (job.Status != FineTuneJobStatus.Succeeded)
    {
        Console.Error.WriteLine($"Job ended {job.Status}: {job.Error?.Message}");
        return 1;
    }

    var metrics = await provider.GetTrainingMetricsAsync(job.Id);
    Console.WriteLine($"Model {job.FineTunedModel}: {metrics.Count} metric rows, train loss {(metrics.Count > 0 ? metrics[0].TrainLoss : null):0.###} -> {(metrics.Count > 0 ? metrics[^1].TrainLoss : null):0.###}");

    // 4. Make it callable: Provisioned Throughput (or models.CreateDeploymentAsync for on-demand Nova deployments).
    var models = provider.GetService<BedrockModelManagement>()!;
    var throughput = await models.CreateProvisionedThroughputAsync("tickets-sample", job.FineTunedModel!, idempotencyKey: job.Id);
    while (!throughput.IsReady)
    {
        await Task.Delay(online ? TimeSpan.FromSeconds(30) : TimeSpan.FromMilliseconds(20));
        throughput = await models.GetProvisionedThroughputAsync(throughput.Arn);
    }

    try
    {
        // 5. `finetune eval compare`, as an API: the base model and the custom model (through Converse) on the golden
        // set with exact match, paired statistics and the default acceptance policy -- the same gate as for OpenAI.
        var options = new EvalRunOptions { MaxConcurrency = 4, MaxOutputTokens = 200 };
        options.Scorers.Add(EvalScorers.ExactMatch());
        var request = new GoldenSetRunRequest(golden, [new ModelVariant("base", "amazon.nova-micro-v1:0", chat), new ModelVariant("candidate", throughput.Arn, chat)], options);
        var comparison = new ComparisonOptions { GoldenSetName = "support-tickets golden (every fifth row)" };
        var outDir = OptionValue(args, "--out") ?? Path.Combine(Environment.CurrentDirectory, "bedrock-compare");
        var (_, compared) = await GoldenSetEvaluation.CompareAsync(request, comparison, outDir);
        var exact = compared!.Scorers.Single(s => s.Scorer == "exact");
        Console.WriteLine($"Golden set ({compared.PairedCases} {(holdout ? "held-out" : "in-sample")} cases): exact match base {exact.BaselinePassRate:P0}, custom {exact.CandidatePassRate:P0}.");
        Console.WriteLine(compared.Decision.Passed
            ? $"Accepted by the acceptance policy (reports in {outDir})."
            : $"Blocked by the acceptance policy: {string.Join("; ", compared.Decision.Rules.Where(r => r.Applicable && !r.Passed).Select(r => r.Rule))} (reports in {outDir}).");
        return compared.Decision.Passed ? 0 : 1;
    }
    finally
    {
        await models.DeleteProvisionedThroughputAsync(throughput.Arn);
    }
}
finally
{
    work.Delete(recursive: true);
}

static string GoldenChatRow(string novaLine)
{
    using var doc = JsonDocument.Parse(novaLine);
    var messages = doc.RootElement.GetProperty("messages");
    return JsonSerializer.Serialize(new
    {
        messages = new object[]
        {
            new { role = "user", content = messages[0].GetProperty("content")[0].GetProperty("text").GetString() },
            new { role = "assistant", content = messages[1].GetProperty("content")[0].GetProperty("text").GetString() },
        },
    });
}

static string? OptionValue(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

/// <summary>The sample's entry point, public so the offline run can be a test.</summary>
public static partial class Program;
