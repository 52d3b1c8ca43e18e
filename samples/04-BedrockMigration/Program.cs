// OpenAI -> Bedrock with the same data and the same acceptance rule: the OpenAI-format dataset of the OpenAI sample
// is converted to Amazon Nova's format, checked against Nova's rules before anything is uploaded, uploaded to S3,
// trained with a retry-safe start, served through Provisioned Throughput and compared with the base model on held-out
// golden cases through the same IChatClient abstraction the OpenAI sample uses.
// Offline by default: the Bedrock emulator (control plane, Runtime and S3 on one 127.0.0.1 port, SigV4-checked).
// Against AWS: set BEDROCK_ROLE_ARN, BEDROCK_BUCKET (and AWS credentials/region as for any AWS SDK) and omit --offline.
// Provisioned Throughput is billed hourly until deleted; the sample deletes it at the end.
// usage: dotnet run --project samples/04-BedrockMigration [-- --offline]
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
    var golden = lines.Where((_, i) => i % 5 == 0).Select(GoldenCase).ToList();
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
        // 5. The acceptance rule carried over from OpenAI: the custom model must beat the base model on the golden set.
        var baseCorrect = await ScoreAsync(chat, "amazon.nova-micro-v1:0", golden);
        var customCorrect = await ScoreAsync(chat, throughput.Arn, golden);
        Console.WriteLine($"Golden set ({golden.Count} {(holdout ? "held-out" : "in-sample")} cases): base {baseCorrect}/{golden.Count}, custom {customCorrect}/{golden.Count}.");
        Console.WriteLine(customCorrect > baseCorrect ? "Accepted: the Bedrock model is better than its base." : "Rejected: the custom model does not beat its base.");
        return customCorrect > baseCorrect ? 0 : 1;
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

static (string Prompt, string Expected) GoldenCase(string novaLine)
{
    using var doc = JsonDocument.Parse(novaLine);
    var messages = doc.RootElement.GetProperty("messages");
    return (messages[0].GetProperty("content")[0].GetProperty("text").GetString()!, messages[1].GetProperty("content")[0].GetProperty("text").GetString()!);
}

static async Task<int> ScoreAsync(IChatClient chat, string model, List<(string Prompt, string Expected)> golden)
{
    var correct = 0;
    foreach (var (prompt, expected) in golden)
    {
        var reply = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { ModelId = model, MaxOutputTokens = 200 });
        correct += string.Equals(reply.Text.Trim(), expected.Trim(), StringComparison.Ordinal) ? 1 : 0;
    }

    return correct;
}

/// <summary>The sample's entry point, public so the offline run can be a test.</summary>
public static partial class Program;
