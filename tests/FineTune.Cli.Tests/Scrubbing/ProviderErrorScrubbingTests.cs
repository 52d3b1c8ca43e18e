using System.Text;
using System.Text.Json;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;
using FineTune.Sdk.OpenAI;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FineTune.Cli.Tests.Scrubbing;

/// <summary>
/// Real-shaped secrets pushed through every provider error path — OpenAI's masked-key 401 from the emulator, 403 and
/// 5xx bodies that echo keys, Bedrock's 403 signature errors echoing the canonical request, failed uploads (files API,
/// S3), chat and evaluation failures, invalid options — must not survive in any exception, log record or written file.
/// </summary>
public sealed class ProviderErrorScrubbingTests : IDisposable
{
    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-scrub-").FullName;

    public ProviderErrorScrubbingTests() =>
        _loggers = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(_logs)));

    public void Dispose()
    {
        _loggers.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task OpenAIUpload_EmulatorAnswers401WithTheMaskedKey_NoSecretSurvives()
    {
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { ApiKey = "sk-proj-TheRightKey0000000000000000000000000000" });
        var endpoint = await emulator.StartAsync();
        var provider = new OpenAIFineTuneProvider(OpenAIOptions(endpoint.ToString()), loggerFactory: _loggers);

        var thrown = await FluentActions.Awaiting(() => provider.UploadFileAsync(new MemoryStream("{}\n"u8.ToArray()), "train.jsonl"))
            .Should().ThrowAsync<FineTuneException>();

        thrown.Which.StatusCode.Should().Be(401);
        thrown.Which.Message.Should().Contain("Incorrect API key provided: [REDACTED]. You can find your API key at");
        emulator.GetRequestLog().Should().NotBeEmpty("the emulator answered the call");
        SecretLeaks.AssertNone(_logs, thrown.Which);
    }

    [Theory]
    [InlineData(403)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task OpenAIUpload_ErrorBodyEchoesKeys_NoSecretSurvives(int status)
    {
        await using var server = new CannedHttpServer(_ => OpenAIError(status));
        var provider = new OpenAIFineTuneProvider(OpenAIOptions(server.Endpoint + "/v1"), loggerFactory: _loggers);

        var thrown = await FluentActions.Awaiting(() => provider.UploadFileAsync(new MemoryStream("{}\n"u8.ToArray()), "train.jsonl"))
            .Should().ThrowAsync<FineTuneException>();

        thrown.Which.StatusCode.Should().Be(status);
        thrown.Which.Message.Should().Contain("Incorrect API key provided: [REDACTED]. Authorization: Bearer [REDACTED]");
        SecretLeaks.AssertNone(_logs, thrown.Which);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task OpenAIChat_ErrorBodyEchoesKeys_NoSecretSurvives(int status)
    {
        await using var server = new CannedHttpServer(_ => OpenAIError(status));
        using var chat = OpenAIChatClients.Create(OpenAIOptions(server.Endpoint + "/v1"), new ChatPipelineOptions { MaxRetries = 0 }, loggerFactory: _loggers);

        var thrown = await FluentActions.Awaiting(() => chat.GetResponseAsync("hello", new ChatOptions { ModelId = "gpt-4o-mini" }))
            .Should().ThrowAsync<FineTuneException>();

        thrown.Which.StatusCode.Should().Be(status);
        thrown.Which.Message.Should().Contain("[REDACTED]");
        SecretLeaks.AssertNone(_logs, thrown.Which);
    }

    [Fact]
    public async Task GoldenSetRun_EveryCallFailsWithAnEchoingBody_LogsAndRunFileHoldNoSecret()
    {
        await using var server = new CannedHttpServer(_ => OpenAIError(503));
        using var chat = OpenAIChatClients.Create(OpenAIOptions(server.Endpoint + "/v1"), new ChatPipelineOptions { MaxRetries = 0 }, loggerFactory: _loggers);
        var golden = Path.Combine(_dir, "golden.jsonl");
        await File.WriteAllTextAsync(golden, "{\"id\":\"c1\",\"input\":\"hello\",\"expected\":\"hi\"}\n{\"id\":\"c2\",\"input\":\"bye\",\"expected\":\"ciao\"}\n");
        var runFile = Path.Combine(_dir, "run.jsonl");
        var request = new GoldenSetRunRequest(golden, [GoldenSetEvaluation.CreateVariant("base", "gpt-4o-mini", chat)], new EvalRunOptions { RunFile = runFile, MaxConcurrency = 1 })
        {
            Runner = new EvalRunner(logger: new FakeLogger<EvalRunner>(_logs)),
        };

        Exception? thrown = null;
        try
        {
            await GoldenSetEvaluation.RunAsync(request);
        }
        catch (Exception ex) when (ex is FineTuneException or InvalidOperationException)
        {
            thrown = ex;
        }

        _logs.GetSnapshot().Where(r => r.Id.Name == "CaseFailed").Should().HaveCount(2).And.OnlyContain(r => r.Message.Contains("[REDACTED]"));
        (await File.ReadAllTextAsync(runFile)).Should().Contain("HTTP 503").And.Contain("[REDACTED]");
        SecretLeaks.AssertNone(_logs, thrown, [runFile]);
    }

    [Fact]
    public async Task BedrockCall_403SignatureErrorEchoesTheCanonicalRequest_NoSecretSurvives()
    {
        var message = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. "
            + "Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'GET\n/model-customization-jobs/job-1\n\n"
            + $"host:127.0.0.1\nx-amz-date:20261203T120000Z\nx-amz-security-token:{SecretLeaks.AwsSessionToken}\n\nhost;x-amz-date;x-amz-security-token\n"
            + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261203T120000Z\n"
            + $"20261203/us-east-1/bedrock/aws4_request\n0d1e1b1f1c5a2e9b3f4a6c8d7e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f'\n(Credential={SecretLeaks.AwsAccessKey}/20261203/us-east-1/bedrock/aws4_request, Signature={SecretLeaks.Signature})";
        await using var server = new CannedHttpServer(_ => BedrockError(403, "InvalidSignatureException", message));
        using var provider = BedrockProvider(server.Endpoint);

        var thrown = await FluentActions.Awaiting(() => provider.GetJobAsync("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/job1"))
            .Should().ThrowAsync<FineTuneException>();

        thrown.Which.StatusCode.Should().Be(403);
        thrown.Which.Message.Should().Contain("x-amz-security-token:[REDACTED]");
        SecretLeaks.AssertNone(_logs, thrown.Which);
    }

    [Fact]
    public async Task BedrockCall_EmulatorRefusesUnknownSessionCredentials_NoSecretSurvives()
    {
        await using var emulator = new BedrockEmulator(new BedrockEmulatorOptions());
        var endpoint = (await emulator.StartAsync()).ToString().TrimEnd('/');
        using var provider = BedrockProvider(endpoint);

        var thrown = await FluentActions.Awaiting(() => provider.GetJobAsync("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/job1"))
            .Should().ThrowAsync<FineTuneException>();

        thrown.Which.StatusCode.Should().Be(403);
        thrown.Which.ProviderCode.Should().Be("UnrecognizedClientException");
        SecretLeaks.AssertNone(_logs, thrown.Which);
    }

    [Theory]
    [InlineData(500, "InternalServerException")]
    [InlineData(503, "ServiceUnavailableException")]
    public async Task BedrockCall_5xxBodyEchoesKeys_NoSecretSurvives(int status, string code)
    {
        await using var server = new CannedHttpServer(_ => BedrockError(status, code, SecretLeaks.EchoingEverything));
        using var provider = BedrockProvider(server.Endpoint);

        var thrown = await FluentActions.Awaiting(() => provider.GetJobAsync("arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/job1"))
            .Should().ThrowAsync<FineTuneException>();

        thrown.Which.StatusCode.Should().Be(status);
        thrown.Which.Message.Should().Contain("[REDACTED]");
        SecretLeaks.AssertNone(_logs, thrown.Which);
    }

    [Fact]
    public async Task BedrockUpload_S3SignatureErrorEchoesKeys_NoSecretSurvives()
    {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. "
            + System.Security.SecurityElement.Escape(SecretLeaks.EchoingEverything) + $"</Message><AWSAccessKeyId>{SecretLeaks.AwsAccessKey}</AWSAccessKeyId>"
            + $"<StringToSign>AWS4-HMAC-SHA256\n20261203T120000Z\n20261203/us-east-1/s3/aws4_request\nabc</StringToSign><SignatureProvided>{SecretLeaks.Signature}</SignatureProvided>"
            + $"<CanonicalRequest>PUT\n/finetune-bucket/data/train.jsonl\n\nhost:127.0.0.1\nx-amz-security-token:{SecretLeaks.AwsSessionToken}\n</CanonicalRequest><RequestId>4442587FB7D0A2F9</RequestId></Error>";
        await using var server = new CannedHttpServer(_ => new CannedResponse(403, "application/xml", xml));
        using var provider = BedrockProvider(server.Endpoint);

        var thrown = await FluentActions.Awaiting(() => provider.UploadFileAsync(new MemoryStream(Encoding.UTF8.GetBytes("{\"prompt\":\"a\",\"completion\":\"b\"}\n")), "train.jsonl"))
            .Should().ThrowAsync<FineTuneException>();

        thrown.Which.Message.Should().Contain("[REDACTED]");
        server.Requests.Should().BeGreaterThan(0);
        SecretLeaks.AssertNone(_logs, thrown.Which);
    }

    [Fact]
    public void Options_EndpointWithUserInfoAndApiKey_MessagesHoldNoSecret()
    {
        var endpoint = $"ftp://svc:{SecretLeaks.UrlPassword}@proxy.example.com/v1?api_key={SecretLeaks.QueryKey}";
        const string Shown = "it was 'ftp://[REDACTED]@proxy.example.com/v1?api_key=[REDACTED]'.";

        var openAI = FluentActions.Invoking(() => new OpenAIFineTuneProvider(new OpenAIFineTuneProviderOptions { Endpoint = endpoint, ApiKey = SecretLeaks.OpenAIKey }))
            .Should().Throw<ArgumentException>().Which;
        var bedrockOptions = BedrockOptions(endpoint);
        var bedrock = FluentActions.Invoking(() => new BedrockFineTuneProvider(bedrockOptions, AwsOptions())).Should().Throw<ArgumentException>().Which;

        var services = new ServiceCollection();
        services.AddFineTuning().AddOpenAI(o =>
        {
            o.Endpoint = endpoint;
            o.ApiKey = SecretLeaks.OpenAIKey;
        });
        using var serviceProvider = services.BuildServiceProvider();
        var fromDi = FluentActions.Invoking(() => serviceProvider.GetRequiredService<IFineTuneProvider>()).Should().Throw<Exception>().Which;

        openAI.Message.Should().Contain("OpenAI.Endpoint must be an absolute http or https address; " + Shown);
        bedrock.Message.Should().Contain("Bedrock.ServiceUrl must be an absolute http or https address; " + Shown);
        fromDi.ToString().Should().Contain("Endpoint must be an absolute http or https address; " + Shown);
        SecretLeaks.AssertNone(_logs, openAI, texts: [("bedrock", bedrock.ToString()), ("di", fromDi.ToString())]);
    }

    internal static CannedResponse OpenAIError(int status) => new(status, "application/json", JsonSerializer.Serialize(new
    {
        error = new { message = SecretLeaks.EchoingEverything, type = status >= 500 ? "server_error" : "invalid_request_error", param = (string?)null, code = status == 401 ? "invalid_api_key" : "upstream_error" },
    }));

    private static CannedResponse BedrockError(int status, string code, string message) => new(
        status,
        "application/json",
        JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }),
        new Dictionary<string, string> { ["x-amzn-ErrorType"] = code + ":http://internal.amazon.com/coral/com.amazon.coral.service/", ["x-amzn-RequestId"] = "7f1c2a9e-0000-4000-8000-000000000001" });

    private static OpenAIFineTuneProviderOptions OpenAIOptions(string endpoint)
    {
        var options = new OpenAIFineTuneProviderOptions { Endpoint = endpoint, ApiKey = SecretLeaks.OpenAIKey };
        options.Resilience.MaxRetryAttempts = 0;
        return options;
    }

    private static BedrockFineTuneProviderOptions BedrockOptions(string endpoint)
    {
        var options = new BedrockFineTuneProviderOptions
        {
            Region = "us-east-1",
            ServiceUrl = endpoint,
            RuntimeServiceUrl = endpoint,
            S3ServiceUrl = endpoint,
            RoleArn = "arn:aws:iam::123456789012:role/FineTuning",
            OutputS3Uri = "s3://finetune-bucket/out/",
            UploadS3Uri = "s3://finetune-bucket/data/",
        };
        options.Resilience.MaxRetryAttempts = 0;
        return options;
    }

    private static AWSOptions AwsOptions() => new()
    {
        Credentials = new SessionAWSCredentials(SecretLeaks.AwsSessionKey, SecretLeaks.AwsSecretKey, SecretLeaks.AwsSessionToken),
        Region = RegionEndpoint.USEast1,
    };

    private BedrockFineTuneProvider BedrockProvider(string endpoint) => new(BedrockOptions(endpoint), AwsOptions(), loggerFactory: _loggers);
}
