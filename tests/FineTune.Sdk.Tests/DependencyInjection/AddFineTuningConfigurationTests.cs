using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Tests;

public sealed class AddFineTuningConfigurationTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] pairs)
        => new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void AddFineTuning_FromConfiguration_BindsEverySection()
    {
        var services = new ServiceCollection();
        services.AddFineTuning(Settings(
            ("FineTuning:Datasets:MaxFindingsPerCode", "7"),
            ("FineTuning:Tokens:Encoding", "cl100k_base"),
            ("FineTuning:Evaluation:MaxConcurrency", "3")).GetSection("FineTuning"));
        using var sp = services.BuildServiceProvider();

        var options = sp.GetRequiredService<IOptions<FineTuningOptions>>().Value;

        options.Datasets.MaxFindingsPerCode.Should().Be(7);
        options.Tokens.Encoding.Should().Be("cl100k_base");
        options.Evaluation.MaxConcurrency.Should().Be(3);
    }

    [Fact]
    public void AddFineTuning_InvalidConfiguration_FailsAtStartNamingFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddFineTuning(Settings(("Evaluation:MaxConcurrency", "0")));
        using var sp = services.BuildServiceProvider();

        var act = () => sp.GetRequiredService<IOptions<FineTuningOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*Evaluation.MaxConcurrency*0*");
    }

    [Fact]
    public async Task EvalRunner_FromDI_RunsWithTheConfiguredEvaluationOptions()
    {
        // Found defect 2: FineTuningOptions.Evaluation was validated but never reached the runner DI built.
        var services = new ServiceCollection();
        services.AddFineTuning(o =>
        {
            o.Evaluation.Seed = 4242;
            o.Evaluation.CaseTimeout = TimeSpan.FromSeconds(30);
        });
        using var sp = services.BuildServiceProvider();
        var runner = sp.GetRequiredService<IEvalRunner>();
        long? seedSent = null;
        var chat = new ThrowingChatClient(options => seedSent = options?.Seed);

        var results = new List<EvalCaseResult>();
        await foreach (var r in runner.RunAsync([new GoldenCase("c1", [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "hi")], "hello")], [new ModelVariant("base", "m", chat)]))
        {
            results.Add(r);
        }

        seedSent.Should().Be(4242, "Seed = 4242 from FineTuningOptions.Evaluation reaches the runner; the built-in default sends none");
        results.Should().ContainSingle().Which.Error.Should().NotBeNull();
    }

    private sealed class ThrowingChatClient(Action<Microsoft.Extensions.AI.ChatOptions?> onCall) : Microsoft.Extensions.AI.IChatClient
    {
        public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            onCall(options);
            throw new FineTuneException("HTTP 503") { StatusCode = 503, IsTransient = true };
        }

        public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
