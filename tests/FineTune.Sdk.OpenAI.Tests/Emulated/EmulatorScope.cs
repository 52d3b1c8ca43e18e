using Microsoft.Extensions.Time.Testing;
using FineTune.Sdk.Testing;
using FineTune.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.OpenAI.Tests;

/// <summary>An emulator on loopback HTTP on a clock that the client's delays move forward, and a provider pointed at it through the real OpenAI client.</summary>
internal sealed class EmulatorScope : IAsyncDisposable
{
    private EmulatorScope(OpenAIEmulator emulator, AutoAdvancingFakeTimeProvider emulatorClock, Uri endpoint)
    {
        Emulator = emulator;
        EmulatorClock = emulatorClock;
        Endpoint = endpoint;
        Clock = emulatorClock;
    }

    public static string TrainingFile => RepoPaths.Dataset("azure-finetune-tutorial/training_set.jsonl");

    public static string ValidationFile => RepoPaths.Dataset("azure-finetune-tutorial/validation_set.jsonl");

    public OpenAIEmulator Emulator { get; }

    public AutoAdvancingFakeTimeProvider EmulatorClock { get; }

    public AutoAdvancingFakeTimeProvider Clock { get; }

    public Uri Endpoint { get; }

    public static FineTunePollingOptions Polling => new() { InitialInterval = TimeSpan.FromSeconds(2), MaxInterval = TimeSpan.FromSeconds(30), JitterFactor = 0 };

    public static async Task<EmulatorScope> StartAsync(Action<OpenAIEmulatorOptions>? configure = null)
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var options = new OpenAIEmulatorOptions { RandomSeed = 7 };
        configure?.Invoke(options);
        var emulator = new OpenAIEmulator(options, clock);
        var endpoint = await emulator.StartAsync();
        return new EmulatorScope(emulator, clock, endpoint);
    }

    /// <summary>The adapter composed with the standard policies, as <c>AddOpenAI</c> builds it.</summary>
    public IFineTuneProvider CreateProvider(Action<OpenAIFineTuneProviderOptions>? configure = null, ILoggerFactory? loggerFactory = null, Action<OpenAIFineTuneProvider>? adapter = null)
        => Compose(Options(Endpoint, configure), Clock, loggerFactory, httpClient: null, adapter);

    public static OpenAIFineTuneProviderOptions Options(Uri endpoint, Action<OpenAIFineTuneProviderOptions>? configure = null)
    {
        var options = new OpenAIFineTuneProviderOptions { Endpoint = endpoint.ToString(), ApiKey = "sk-emulator-test" };
        options.Resilience.AttemptTimeout = null; // the driving clock fires every timer at once, timeouts included
        options.Resilience.UseJitter = false;
        options.Resilience.CircuitBreakerEnabled = false;
        configure?.Invoke(options);
        return options;
    }

    public static IFineTuneProvider Compose(OpenAIFineTuneProviderOptions options, TimeProvider clock, ILoggerFactory? loggerFactory, HttpClient? httpClient, Action<OpenAIFineTuneProvider>? adapter = null)
    {
        var wire = new OpenAIFineTuneProvider(options, httpClient, clock, loggerFactory);
        adapter?.Invoke(wire);
        var services = new ServiceCollection().AddSingleton(clock);
        if (loggerFactory is not null)
        {
            services.AddSingleton(loggerFactory);
        }

        using var sp = services.BuildServiceProvider();
        return wire.AsBuilder().UseStandardPolicies(options.Resilience, options.IdempotencyScanLimit).Build(sp);
    }

    public async ValueTask DisposeAsync() => await Emulator.DisposeAsync();
}
