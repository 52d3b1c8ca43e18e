using FineTune.Sdk.OpenAI;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using FakeTimeProvider = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>
/// A real file registry on a fake clock, and two OpenAI emulators on loopback HTTP: "openai" serves the base variant,
/// "local" (an OpenAI-compatible endpoint named by the fine-tuned variant) serves the candidate.
/// </summary>
internal sealed class GatewayScope : IAsyncDisposable
{
    public const string Feature = "support-intent";
    public const string BaseModel = "gpt-4o-mini-2024-07-18";
    public const string CandidateModel = "gpt-4.1-mini-2025-04-14";
    public const string BrokenFineTune = "ft:gpt-4o-mini-2024-07-18:emulator:support:abc12345";

    private readonly string _directory;

    private GatewayScope(string directory, FakeTimeProvider clock, ModelRegistry registry, OpenAIEmulator openAI, OpenAIEmulator local, Uri localEndpoint)
    {
        _directory = directory;
        Clock = clock;
        Registry = registry;
        OpenAIEmulator = openAI;
        LocalEmulator = local;
        LocalEndpoint = localEndpoint.ToString();
        OpenAI = OpenAIChatClients.CreateBuilder(Options(openAI.BaseAddress!)).Build();
        Local = OpenAIChatClients.CreateBuilder(Options(localEndpoint)).Build();
    }

    public FakeTimeProvider Clock { get; }

    public ModelRegistry Registry { get; }

    public OpenAIEmulator OpenAIEmulator { get; }

    public OpenAIEmulator LocalEmulator { get; }

    public string LocalEndpoint { get; }

    public IChatClient OpenAI { get; }

    public IChatClient Local { get; }

    /// <summary>Starts the scope: "base" is the default; "candidate" (or a broken OpenAI fine-tune) is promoted and rolled out.</summary>
    public static async Task<GatewayScope> StartAsync(decimal rollout = 50, bool brokenCandidate = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "finetune-gateway-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var registry = await ModelRegistry.OpenAsync(
            new FileModelRegistryStore(Path.Combine(directory, "registry.json"), timeProvider: clock),
            new ModelRegistryOptions { PollInterval = TimeSpan.FromHours(1) },
            clock);
        var openAI = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 3 });
        await openAI.StartAsync();
        var local = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 4 });
        var localEndpoint = await local.StartAsync();
        var scope = new GatewayScope(directory, clock, registry, openAI, local, localEndpoint);

        await registry.RegisterAsync(Feature, new RegistryVariant { Name = "base", ModelId = BaseModel, Provider = RegistryProviders.OpenAI, BaseModel = BaseModel }, By());
        var candidate = brokenCandidate
            ? new RegistryVariant { Name = "candidate", ModelId = BrokenFineTune, Provider = RegistryProviders.OpenAI, BaseModel = BaseModel }
            : new RegistryVariant { Name = "candidate", ModelId = CandidateModel, Provider = "local", BaseModel = BaseModel, Endpoint = scope.LocalEndpoint };
        await registry.RegisterAsync(Feature, candidate, By());
        await registry.PromoteAsync(Feature, "candidate", By(force: true));
        if (rollout > 0)
        {
            await registry.SetRolloutAsync(Feature, "candidate", rollout, By());
        }

        return scope;
    }

    public static RegistryChange By(bool force = false) => new() { Actor = "test", Reason = force ? "gateway test" : null, Force = force };

    /// <summary>Options with both clients wired by provider and endpoint.</summary>
    public ModelGatewayOptions GatewayOptions()
    {
        var options = new ModelGatewayOptions();
        options.Clients[RegistryProviders.OpenAI] = OpenAI;
        options.Clients[LocalEndpoint] = Local;
        return options;
    }

    /// <summary>Keys whose rollout bucket is (or is not) under <paramref name="percentage"/>.</summary>
    public static List<string> Keys(bool inRollout, int count, decimal percentage = 50)
    {
        var keys = new List<string>();
        for (var i = 0; keys.Count < count; i++)
        {
            var key = "user-" + i;
            if (ModelRegistrySnapshot.GetBucket(Feature, key) < (int)(percentage * 100) == inRollout)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    public static ChatOptions For(string key) => new() { AdditionalProperties = new() { [ModelGatewayProperties.TargetingKey] = key } };

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 10)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!condition())
        {
            try
            {
                await Task.Delay(10, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out after {seconds} s waiting for {what}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        OpenAI.Dispose();
        Local.Dispose();
        await Registry.DisposeAsync();
        await OpenAIEmulator.DisposeAsync();
        await LocalEmulator.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static OpenAIFineTuneProviderOptions Options(Uri endpoint) => new() { Endpoint = endpoint.ToString(), ApiKey = "sk-gateway-test" };
}

/// <summary>Flags set by the test.</summary>
internal sealed class TestFlags : IFeatureFlags
{
    public Func<string, string, FeatureFlagDecision> Decide { get; set; } = (_, _) => FeatureFlagDecision.On;

    public List<string> Asked { get; } = [];

    public ValueTask<FeatureFlagDecision> EvaluateAsync(string flagName, string targetingKey, CancellationToken cancellationToken = default)
    {
        lock (Asked)
        {
            Asked.Add(flagName);
        }

        return new(Decide(flagName, targetingKey));
    }
}

/// <summary>A scorer whose score the test sets.</summary>
internal sealed class TestScorer(string name, Func<double> score) : IEvalScorer
{
    public string Name => name;

    public ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default) =>
        new(new EvalScore(name, score(), true));
}
