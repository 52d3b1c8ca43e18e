using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Sdk;

namespace FineTune.Cli.Tests;

/// <summary>
/// <c>finetune run</c> with <c>provider: bedrock</c> in-process against the Bedrock emulator on loopback: our SigV4 HTTP
/// client for the control plane, Runtime and S3, every emulator answer checked against the API models.
/// </summary>
public sealed class RunBedrockTests : IAsyncDisposable
{
    private readonly BedrockPipelineHost _host = new("ft-run-bedrock-");

    private string Out => Path.Combine(_host.Dir, "out");

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact(Timeout = 180_000)]
    public async Task Run_Bedrock_ConvertsUploadsTrainsHostsComparesRegistersAndReleases()
    {
        await _host.WriteTicketsAsync();
        var pipeline = await _host.WritePipelineAsync("budgetUsd: 100");

        var (code, stdout, stderr) = await RunAsync(pipeline, "--json");

        code.Should().Be(CliApp.Success, stdout + stderr);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        events.Where(e => e["event"]!.GetValue<string>() == "step-completed").Select(e => e["step"]!.GetValue<string>())
            .Should().Equal("validate", "redact", "split", "estimate", "upload", "start", "watch", "diagnose", "compare", "register", "report");
        var messages = events.Select(e => e["message"]?.GetValue<string>() ?? string.Empty).ToList();
        messages.Should().Contain(m => m.StartsWith("hosting: created provisioned-throughput arn:aws:bedrock:us-east-1:123456789012:provisioned-model/", StringComparison.Ordinal) && m.EndsWith(", billed by the hour until deleted", StringComparison.Ordinal));
        messages.Should().Contain(m => m.StartsWith("hosting: deleted provisioned-throughput arn:aws:bedrock:", StringComparison.Ordinal));

        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "report.json")))!;
        report["status"]!.GetValue<string>().Should().Be("completed");
        var conversion = report["conversion"]!;
        conversion["format"]!.GetValue<string>().Should().Be("BedrockConversation");
        conversion["trainRows"]!.GetValue<long>().Should().Be(report["split"]!["trainRows"]!.GetValue<long>());
        conversion["tokensAreEstimates"]!.GetValue<bool>().Should().BeTrue();
        (report["split"]!["trainRows"]!.GetValue<long>(), report["split"]!["validationRows"]!.GetValue<long>(), report["split"]!["holdoutRows"]!.GetValue<long>()).Should().Be((47L, 7L, 11L));
        (conversion["trainRows"]!.GetValue<long>(), conversion["validationRows"]!.GetValue<long>(), conversion["trainTokens"]!.GetValue<long>()).Should().Be((47L, 7L, 4431L));
        (report["estimate"]!["billedTokens"]!.GetValue<long>(), report["estimate"]!["trainingUsd"]!.GetValue<decimal>(), report["estimate"]!["totalUsd"]!.GetValue<decimal>())
            .Should().Be((8862L, 0.0106344m, 62.4606344m), "4,431 estimated tokens × 2 epochs at $1 per 1M with the 20% retry buffer, plus $62.45 of hosting");
        var estimate = report["estimate"]!;
        estimate["hostingUsd"]!.GetValue<decimal>().Should().Be(62.45m, "1 model unit × 1 hour × $60.50 + $1.95 storage");
        estimate["totalUsd"]!.GetValue<decimal>().Should().Be(estimate["trainingUsd"]!.GetValue<decimal>() + 62.45m);
        var upload = report["upload"]!;
        upload["trainingFileId"]!.GetValue<string>().Should().StartWith($"s3://{BedrockPipelineHost.Bucket}/runs/tickets/data/").And.Contain("-train.bedrock.");
        upload["validationFileId"]!.GetValue<string>().Should().Contain("-validation.bedrock.");
        report["job"]!["id"]!.GetValue<string>().Should().StartWith("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/");
        report["job"]!["fineTunedModel"]!.GetValue<string>().Should().StartWith("arn:aws:bedrock:us-east-1:123456789012:custom-model/");
        var hosting = report["hosting"]!;
        hosting["kind"]!.GetValue<string>().Should().Be("provisioned-throughput");
        hosting["released"]!.GetValue<bool>().Should().BeTrue();
        report["metrics"]!.AsArray().Count.Should().BeGreaterThan(0, "Bedrock's step-wise metrics CSV is read from the output prefix");
        var comparison = report["comparison"]!;
        comparison["passed"]!.GetValue<bool>().Should().BeTrue();
        comparison["cases"]!.GetValue<int>().Should().Be(65);
        // The base is right for 32 of 65 (the emulator's documented share of known prompts); the candidate answers its 47
        // trained prompts exactly and the 18 others as the base does (4 of them right): 51 of 65.
        (comparison["baselinePassRate"]!.GetValue<double>() * 65, comparison["candidatePassRate"]!.GetValue<double>() * 65).Should().Be((32.0, 51.0));

        var counts = _host.Count();
        counts.Should().Be(new BedrockPipelineHost.Counts(Uploads: 2, JobCreates: 1, Jobs: 1, ThroughputCreates: 1, ThroughputDeletes: 1, DeploymentCreates: 0, DeploymentDeletes: 0));

        // The candidate answered through the provisioned throughput; the base through the base model's invocation id.
        var runRecords = File.ReadAllLines(Path.Combine(Out, "eval-run.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        runRecords.Where(r => r["variant"]?.GetValue<string>() == "candidate").Select(r => r["modelId"]!.GetValue<string>()).Distinct().Should().Equal(hosting["id"]!.GetValue<string>());
        runRecords.Where(r => r["variant"]?.GetValue<string>() == "base").Select(r => r["modelId"]!.GetValue<string>()).Distinct().Should().Equal("amazon.nova-micro-v1:0");

        // Lineage in the registry: job ARN, custom model ARN, the S3 URIs and the (released) hosting.
        var registry = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "registry.json")))!;
        var candidate = registry["features"]!.AsArray().SelectMany(f => f!["variants"]!.AsArray()).Single(v => v!["name"]!.GetValue<string>().StartsWith("ft-", StringComparison.Ordinal))!;
        candidate["provider"]!.GetValue<string>().Should().Be("bedrock");
        candidate["modelId"]!.GetValue<string>().Should().Be(report["job"]!["fineTunedModel"]!.GetValue<string>());
        candidate["trainingJobId"]!.GetValue<string>().Should().Be(report["job"]!["id"]!.GetValue<string>());
        candidate["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Should().Contain([
            "training-data:" + upload["trainingFileId"]!.GetValue<string>(),
            "validation-data:" + upload["validationFileId"]!.GetValue<string>(),
            $"hosting:provisioned-throughput:{hosting["id"]!.GetValue<string>()} (released at the end of the run)",
        ]);
        (await File.ReadAllTextAsync(Path.Combine(Out, "report.md"))).Should().Contain("created for the comparison, then **deleted**");
    }

    [Fact(Timeout = 180_000)]
    public async Task Run_BedrockNovaAuto_HostsAnOnDemandDeploymentAndKeepsItWhenAsked()
    {
        await _host.WriteTicketsAsync();
        var pipeline = await _host.WritePipelineAsync(hosting: "{mode: auto, keep: true}");

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Success, stdout + stderr);
        stdout.Should().Contain("warning: hosting: kept deployment arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/").And.Contain("it bills until you delete it.");
        _host.Count().Should().Be(new BedrockPipelineHost.Counts(Uploads: 2, JobCreates: 1, Jobs: 1, ThroughputCreates: 0, ThroughputDeletes: 0, DeploymentCreates: 1, DeploymentDeletes: 0));
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "report.json")))!;
        report["hosting"]!["kept"]!.GetValue<bool>().Should().BeTrue();
        report["hosting"]!["status"]!.GetValue<string>().Should().Be("Active");
        report["estimate"]!["hosting"]!.GetValue<string>().Should().Be("on-demand custom-model deployment, billed per token (inference price not in the catalog); custom-model storage $1.95 per month (as of 2024, unverified)");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_BedrockRowTheFamilyCannotTake_StopsAtSplitNamingFileLineAndPath_BeforeAnyUpload()
    {
        // All 70 tickets: five rows call tools, which Nova customization cannot carry.
        await _host.WriteTicketsAsync();
        File.Copy(Path.Combine(FineTune.Tests.RepoPaths.Root, "samples", "data", "support-tickets.jsonl"), Path.Combine(_host.Dir, "all.jsonl"));
        var pipeline = await _host.WritePipelineAsync(dataset: "all.jsonl");

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Failed, stderr);
        stdout.Should().MatchRegex(@"STOPPED at split: the split files cannot be trained on amazon\.nova-micro-v1:0:128k as BedrockConversation: \d+ error\(s\): train\.jsonl line \d+ \$\.tools: FT1312 Rows with tool definitions cannot be converted");
        stdout.Should().Contain("nothing was uploaded.");
        _host.Count().Should().Be(new BedrockPipelineHost.Counts(0, 0, 0, 0, 0, 0, 0));
        File.Exists(Path.Combine(Out, "split", "train.bedrock.jsonl")).Should().BeFalse("a file with errors is never left to upload");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_BedrockTrainingPlusHostingOverBudget_StopsAtEstimateWithBothFigures()
    {
        await _host.WriteTicketsAsync();
        var pipeline = await _host.WritePipelineAsync("budgetUsd: 50");

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Failed, stderr);
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "report.json")))!;
        var training = report["estimate"]!["trainingUsd"]!.GetValue<decimal>();
        training.Should().BeLessThan(1m, "the training alone fits the cap");
        var total = training + 62.45m;
        stdout.Should().Contain(FormattableString.Invariant($"STOPPED at estimate: the estimate ${total:0.####} exceeds the budget cap $50 (budgetUsd): training: "))
            .And.Contain("hosting for the comparison: Provisioned Throughput 1 model unit(s) × 1 hour(s) × $60.50 per unit-hour (no commitment, as of 2026-09-01, unverified) + custom-model storage $1.95 per month (as of 2024, unverified) = $62.45")
            .And.Contain("Nothing was uploaded.");
        _host.Count().Should().Be(new BedrockPipelineHost.Counts(0, 0, 0, 0, 0, 0, 0));
    }

    [Fact(Timeout = 180_000)]
    public async Task Run_BedrockStoppedAfterTheHostingWasCreated_StillReleasesIt()
    {
        await _host.WriteTicketsAsync();
        await File.WriteAllTextAsync(Path.Combine(_host.Dir, "golden.jsonl"), "not json\n");
        var pipeline = await _host.WritePipelineAsync("goldenSet: golden.jsonl");
        await File.WriteAllTextAsync(pipeline, (await File.ReadAllTextAsync(pipeline)).Replace("goldenSet: tickets.jsonl\n", string.Empty, StringComparison.Ordinal));

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Failed, stderr);
        stdout.Should().Contain("STOPPED at compare: ").And.Contain("[compare] hosting: deleted provisioned-throughput arn:aws:bedrock:us-east-1:123456789012:provisioned-model/");
        _host.Count().Should().Be(new BedrockPipelineHost.Counts(Uploads: 2, JobCreates: 1, Jobs: 1, ThroughputCreates: 1, ThroughputDeletes: 1, DeploymentCreates: 0, DeploymentDeletes: 0));
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "report.json")))!;
        report["hosting"]!["released"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact(Timeout = 180_000)]
    public async Task Run_BedrockSweep_TwoJobsAtOnceByDefault_OnlyTheWinnerIsHosted()
    {
        await _host.WriteTicketsAsync();
        var pipeline = await _host.WritePipelineAsync("sweep: {epochs: [1, 2, 3]}");
        await File.WriteAllTextAsync(pipeline, (await File.ReadAllTextAsync(pipeline)).Replace("hyperparameters: {epochs: 2}\n", string.Empty, StringComparison.Ordinal));

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Success, stdout + stderr);
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Out, "report.json")))!;
        report["sweep"]!["maxConcurrentJobs"]!.GetValue<int>().Should().Be(2, "the bedrock default (ours, not an AWS quota)");
        report["sweep"]!["jobs"]!.AsArray().Should().HaveCount(3);
        report["estimate"]!["billedTokens"]!.GetValue<long>().Should().Be(4431L * (1 + 2 + 3), "the whole grid is estimated before anything starts");
        _host.Count().Should().Be(new BedrockPipelineHost.Counts(Uploads: 2, JobCreates: 3, Jobs: 3, ThroughputCreates: 1, ThroughputDeletes: 1, DeploymentCreates: 0, DeploymentDeletes: 0));
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_BedrockBaseModelOfNoKnownFamily_RefusedAtStartUpWithExitTwo()
    {
        await _host.WriteTicketsAsync();
        var pipeline = await _host.WritePipelineAsync();
        await File.WriteAllTextAsync(pipeline, (await File.ReadAllTextAsync(pipeline)).Replace(BedrockPipelineHost.BaseModel, "cohere.command-r-v1:0", StringComparison.Ordinal));

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.UsageError, stdout);
        stderr.Should().StartWith("error: baseModel 'cohere.command-r-v1:0' belongs to no Bedrock family this SDK can convert to (titan, titan-premier, llama3.1, llama3.2, llama3.3, claude3-haiku, nova).");
        stdout.Should().BeEmpty();
        Directory.Exists(Out).Should().BeFalse("nothing runs before the settings are checked");
        _host.Count().Should().Be(new BedrockPipelineHost.Counts(0, 0, 0, 0, 0, 0, 0));
    }

    [Fact(Timeout = 180_000)]
    public async Task SampleBedrockPipelineFile_RunsOfflineAgainstTheEmulatorAndPasses()
    {
        var endpoint = (await _host.EndpointAsync()).ToString().TrimEnd('/');
        var data = Path.Combine(FineTune.Tests.RepoPaths.Root, "samples", "data", "support-tickets-text.jsonl");
        var yaml = (await File.ReadAllTextAsync(Path.Combine(FineTune.Tests.RepoPaths.Root, "samples", "04-BedrockMigration", "finetune.bedrock.yaml")))
            .Replace("http://127.0.0.1:4566", endpoint, StringComparison.Ordinal)
            .Replace("s3Bucket: finetune-sample", "s3Bucket: " + BedrockPipelineHost.Bucket, StringComparison.Ordinal)
            .Replace("s3Prefix: support-triage/", "s3Prefix: runs/tickets/", StringComparison.Ordinal)
            .Replace("../data/support-tickets-text.jsonl", data, StringComparison.Ordinal)
            .Replace("output: ../../artifacts/bedrock-pipeline", "output: out", StringComparison.Ordinal);
        var pipeline = Path.Combine(_host.Dir, "finetune.bedrock.yaml");
        await File.WriteAllTextAsync(pipeline, yaml);

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Success, stdout + stderr);
        stdout.Should().Contain("PASS: arn:aws:bedrock:us-east-1:123456789012:custom-model/").And.Contain("registered as support-triage/ft-support-triage-bedrock-");
        _host.Count().Should().Be(new BedrockPipelineHost.Counts(Uploads: 2, JobCreates: 1, Jobs: 1, ThroughputCreates: 1, ThroughputDeletes: 1, DeploymentCreates: 0, DeploymentDeletes: 0));
    }

    [Theory]
    [InlineData("bedrock:\n  roleArn: arn:aws:iam::123456789012:role/R\n", "f.yaml line 5: bedrock.s3Bucket is required unless dataS3Uri and outputS3Uri are both set.")]
    [InlineData("bedrock:\n  roleArn: not-a-role\n  s3Bucket: b1b\n", "f.yaml line 5: bedrock.roleArn must be an IAM role ARN, arn:aws:iam::123456789012:role/NAME (it was 'not-a-role').")]
    [InlineData("bedrock:\n  roleArn: arn:aws:iam::123456789012:role/R\n  s3Bucket: b1b\n  hosting: {mode: cloud}\n", "f.yaml line 7: bedrock.hosting.mode must be one of auto, provisioned, deployment (it was 'cloud').")]
    [InlineData("bedrock:\n  roleArn: arn:aws:iam::123456789012:role/R\n  s3Bucket: b1b\n  endpoints: {s3: ftp://x}\n", "f.yaml line 7: bedrock.endpoints.s3 must be an absolute http(s) URL.")]
    [InlineData("bedrock:\n  roleArn: arn:aws:iam::123456789012:role/R\n  s3Bucket: b1b\n  secretAccessKey: x\n", "f.yaml line 7: bedrock.secretAccessKey is not a known field; known fields of bedrock: region, roleArn, s3Bucket, s3Prefix, dataS3Uri, outputS3Uri, endpoints, hosting.")]
    [InlineData("", "f.yaml line 1: bedrock is required for provider bedrock: a mapping with roleArn and s3Bucket (or dataS3Uri and outputS3Uri); region, endpoints and hosting are optional. Credentials come from the AWS chain, never from this file.")]
    public void Parse_BadBedrockSection_NamesFileLineAndField(string section, string message)
    {
        var yaml = "provider: bedrock\nbaseModel: amazon.nova-micro-v1:0:128k\ndataset: d.jsonl\n" + section;

        var read = () => FineTunePipelineDefinition.Parse(yaml, "f.yaml");

        read.Should().Throw<FineTunePipelineDefinitionException>().Which.Message.Should().Be(message);
    }

    [Fact]
    public void Parse_BedrockSection_ResolvesTheS3Locations()
    {
        var yaml = "provider: bedrock\nbaseModel: amazon.nova-micro-v1:0:128k\ndataset: d.jsonl\nbedrock:\n  roleArn: arn:aws:iam::123456789012:role/R\n  s3Bucket: my-bucket\n  s3Prefix: team/ft/\n  outputS3Uri: s3://other-bucket/out/\n  hosting: {mode: provisioned, modelUnits: 2, commitment: OneMonth, keep: true}\n";

        var definition = FineTunePipelineDefinition.Parse(yaml, "f.yaml");

        definition.Bedrock!.ResolveDataS3Uri().Should().Be("s3://my-bucket/team/ft/data/");
        definition.Bedrock.ResolveOutputS3Uri().Should().Be("s3://other-bucket/out/");
        definition.Bedrock.Hosting.Should().BeEquivalentTo(new { Mode = "provisioned", ModelUnits = 2, Commitment = "OneMonth", Hours = 1, Keep = true });
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(["run", .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }
}
