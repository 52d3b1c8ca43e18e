using FineTune.Cli.Tests.Scrubbing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FineTune.Sdk.Gateway.Tests.Scrubbing;

/// <summary>
/// Real-shaped secrets pushed through the gateway and the registry — request values, a failing provider, a failing
/// shadow call, a failing online judge, a registry actor — never reach a log event, an alert or an exception message.
/// </summary>
public sealed class GatewayLogScrubbingTests
{
    [Fact]
    public async Task UnknownModelIdHoldingSecrets_RefusedWithoutAnySecretInLogsAlertOrException()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        using var loggers = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(loggers).SetMinimumLevel(LogLevel.Trace));
        await using var monitor = new ModelGatewayMonitor(scope.Registry, timeProvider: scope.Clock, logger: factory.CreateLogger<ModelGatewayMonitor>());
        var alerts = new List<GatewayAlert>();
        monitor.AlertRaised += (_, alert) => alerts.Add(alert);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), monitor, scope.Clock, factory).Build();

        var refused = await gateway.Invoking(g => g.GetResponseAsync("hi", new ChatOptions { ModelId = SecretLeaks.EchoingEverything }))
            .Should().ThrowAsync<ModelGatewayRefusedException>();

        loggers.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4101).Which.Message.Should().Contain(SecretScrubber.Redacted);
        alerts.Should().ContainSingle().Which.Message.Should().Contain(SecretScrubber.Redacted);
        SecretLeaks.AssertNone(loggers.Collector, refused.Which, texts: ("alert message", alerts[0].Message));
    }

    [Fact]
    public async Task FeatureNamedWithSecretsNotInTheRegistry_RefusedWithoutAnySecretInLogsOrException()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        using var loggers = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(loggers).SetMinimumLevel(LogLevel.Trace));
        var feature = "support " + SecretLeaks.EchoingEverything;
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, feature, scope.GatewayOptions(), new TestFlags(), timeProvider: scope.Clock, loggerFactory: factory).Build();

        var refused = await gateway.Invoking(g => g.GetResponseAsync("hi")).Should().ThrowAsync<ModelGatewayRefusedException>();

        loggers.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 4101);
        SecretLeaks.AssertNone(loggers.Collector, refused.Which);
    }

    [Fact]
    public async Task TargetingKeyHoldingSecretAndProviderFailingWithAKeyInItsMessage_NoLogCarriesEither()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        using var loggers = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(loggers).SetMinimumLevel(LogLevel.Trace));
        await using var monitor = new ModelGatewayMonitor(scope.Registry, timeProvider: scope.Clock, logger: factory.CreateLogger<ModelGatewayMonitor>());
        var options = scope.GatewayOptions();
        options.Clients[RegistryProviders.OpenAI] = new ThrowingChatClient(() => new HttpRequestException("upstream said: " + SecretLeaks.EchoingEverything));
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), monitor, scope.Clock, factory).Build();
        var key = GatewayScope.Keys(inRollout: false, 1)[0] + " " + SecretLeaks.GitHubToken;

        for (var i = 0; i < 3; i++)
        {
            await gateway.Invoking(g => g.GetResponseAsync("hi", GatewayScope.For(key))).Should().ThrowAsync<HttpRequestException>();
            using (ModelGatewayContext.BeginScope(SecretLeaks.Jwt))
            {
                await gateway.Invoking(g => g.GetResponseAsync("hi")).Should().ThrowAsync<HttpRequestException>();
            }
        }

        scope.Clock.Advance(TimeSpan.FromMinutes(20)); // the monitor's checks run over the failures
        SecretLeaks.AssertNone(loggers.Collector);
    }

    [Fact]
    public async Task ShadowCallAndOnlineJudgeFailingWithSecretsInTheirMessages_LoggedByTypeOnly()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        using var loggers = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(loggers).SetMinimumLevel(LogLevel.Trace));
        var options = scope.GatewayOptions();
        options.Clients[scope.LocalEndpoint] = new ThrowingChatClient(() => new HttpRequestException("shadow endpoint: " + SecretLeaks.EchoingEverything));
        options.Shadow.Variant = "candidate";
        options.Shadow.Share = 1;
        options.OnlineEvaluation.SampleShare = 1;
        options.OnlineEvaluation.Scorers.Add(EvalScorers.LlmJudge(new ThrowingChatClient(() => new InvalidOperationException("judge: " + SecretLeaks.EchoingEverything))));
        options.OnlineEvaluation.Scorers.Add(new ThrowingScorer());
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), timeProvider: scope.Clock, loggerFactory: factory).Build();

        await gateway.GetResponseAsync("hi", GatewayScope.For("user-1"));

        await GatewayScope.WaitUntilAsync(
            () => loggers.Collector.GetSnapshot().Count(r => r.Id.Id == 4106) >= 2,
            "the failed shadow call and the failed online scorer to be logged");
        var failures = loggers.Collector.GetSnapshot().Where(r => r.Id.Id == 4106).Select(r => r.Message).ToList();
        failures.Should().Contain(m => m.Contains("shadow", StringComparison.Ordinal) && m.Contains(nameof(HttpRequestException), StringComparison.Ordinal));
        failures.Should().Contain(m => m.Contains("online evaluation", StringComparison.Ordinal) && m.Contains(nameof(HttpRequestException), StringComparison.Ordinal));
        SecretLeaks.AssertNone(loggers.Collector);
    }

    [Fact]
    public async Task RegistryChangeByAnActorHoldingASecret_CommitLogCarriesNone()
    {
        var directory = Path.Combine(Path.GetTempPath(), "finetune-scrub-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var logger = new FakeLogger<ModelRegistry>();
            await using (var registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(Path.Combine(directory, "registry.json")), logger: logger))
            {
                await registry.RegisterAsync("support", new RegistryVariant { Name = "base", ModelId = "gpt-4o-mini", Provider = RegistryProviders.OpenAI, BaseModel = "gpt-4o-mini" }, new RegistryChange { Actor = "ci " + SecretLeaks.EchoingEverything });
            }

            logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 4001);
            SecretLeaks.AssertNone(logger.Collector);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A provider client that fails every call with the exception it is given.</summary>
    private sealed class ThrowingChatClient(Func<Exception> failure) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromException<ChatResponse>(failure());

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw failure();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>An online scorer whose endpoint fails with a key in its message.</summary>
    private sealed class ThrowingScorer : IEvalScorer
    {
        public string Name => "throwing";

        public ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("scorer endpoint: " + SecretLeaks.EchoingEverything);
    }
}
