using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Tests;

public sealed class EvalServiceRegistrationTests
{
    [Fact]
    public void AddFineTuning_RegistersEvalRunnerSingletonWithClock()
    {
        var services = new ServiceCollection();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        services.AddSingleton<TimeProvider>(clock);
        services.AddFineTuning();
        using var provider = services.BuildServiceProvider();

        var runner = provider.GetRequiredService<IEvalRunner>();
        runner.GetService(typeof(EvalRunner)).Should().BeOfType<EvalRunner>();
        runner.Should().BeSameAs(provider.GetRequiredService<IEvalRunner>());
        runner.GetService(typeof(TimeProvider)).Should().BeSameAs(clock);
        runner.GetService(typeof(string)).Should().BeNull();
        services.Where(d => d.ServiceType == typeof(IEvalRunner)).Should().ContainSingle().Which.Lifetime.Should().Be(ServiceLifetime.Singleton);
    }

    [Fact]
    public void AddFineTuning_InvalidEvaluationOptions_FailAtStartWithFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddFineTuning(o => o.Evaluation.MaxConcurrency = 0);
        using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<IOptions<FineTuningOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().WithMessage("*Evaluation.MaxConcurrency must be between 1 and 1024; it was 0.*");
    }

    [Fact]
    public void EvalRunOptions_Defaults()
    {
        var options = new EvalRunOptions();
        options.Temperature.Should().Be(0);
        options.MaxConcurrency.Should().Be(8);
        options.CaseTimeout.Should().Be(TimeSpan.FromMinutes(2));
        options.RunFile.Should().BeNull();
        options.Scorers.Should().BeEmpty();
    }

    [Fact]
    public void ChatPipelineOptions_Defaults()
    {
        var options = new ChatPipelineOptions();
        options.MaxRetries.Should().Be(3);
        options.RetryBaseDelay.Should().Be(TimeSpan.FromSeconds(1));
        options.MaxRetryAfter.Should().Be(TimeSpan.FromMinutes(2));
        options.RequestsPerMinute.Should().BeNull();
        options.TokensPerMinute.Should().BeNull();
        options.ResponseCacheDirectory.Should().BeNull();
        options.IsTransient.Should().BeNull();
        options.RetryAfter.Should().BeNull();
    }

    [Fact]
    public async Task Runner_LogsStableEventIds_WithoutContents()
    {
        var logger = new FakeLogger<EvalRunner>();
        var client = new FakeChatClient { OnGetResponse = (_, _, _) => throw new InvalidOperationException("secret prompt text") };
        var cases = new[] { new GoldenCase("c1", [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "secret prompt text")], "x") };
        await foreach (var _ in new EvalRunner(logger: logger).RunAsync(cases, [new ModelVariant("base", "m", client)]))
        {
        }

        logger.Collector.GetSnapshot().Select(e => e.Id.Id).Should().Equal(3001, 3003, 3005);
        logger.Collector.GetSnapshot().Should().NotContain(e => e.Message.Contains("secret prompt text") && e.Id.Id != 3003, "only the failure reason (exception message) is logged");
    }
}
