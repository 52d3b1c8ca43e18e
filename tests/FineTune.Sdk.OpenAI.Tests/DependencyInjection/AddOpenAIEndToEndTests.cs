using Microsoft.Extensions.Logging.Testing;
using FineTune.Sdk.Testing;
using FineTune.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.OpenAI.Tests;

/// <summary>Through DI, over loopback HTTP, against the emulator: the composed provider runs a whole job lifecycle.</summary>
public sealed class AddOpenAIEndToEndTests
{
    [Fact]
    public async Task ComposedProvider_Lifecycle_DeduplicatesRetriesAndFindsLostStart()
    {
        await using var scope = await EmulatorScope.StartAsync();
        using var logProvider = new FakeLoggerProvider();
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logProvider));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(scope.Clock);
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddFineTuning().AddOpenAI(o =>
        {
            o.Endpoint = scope.Endpoint.ToString();
            o.ApiKey = "sk-emulator-test";
            o.Resilience.AttemptTimeout = null; // the driving clock fires every timer at once
            o.Resilience.UseJitter = false;
        });
        await using var sp = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var provider = sp.GetRequiredService<IFineTuneProvider>();

        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var again = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        scope.Emulator.Options.LoseJobCreateResponses = 1;
        scope.Emulator.Options.RateLimitNextRequests = 2;
        var handle = await provider.StartJobAndTrackAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id) { IdempotencyKey = "di-e2e" }, EmulatorScope.Polling, scope.Clock);
        var done = await handle.WaitForCompletionAsync();
        var events = await provider.GetEventsOldestFirstAsync(done.Id);

        again.Reused.Should().BeTrue("the second upload found the first by its SHA-256");
        done.Status.Should().Be(FineTuneJobStatus.Succeeded);
        done.FineTunedModel.Should().NotBeNullOrEmpty();
        events.Should().NotBeEmpty();
        scope.Emulator.JobCount.Should().Be(1, "the retried start found the job the lost response created");
        logProvider.Collector.GetSnapshot().Select(e => e.Id.Id).Should().Contain([2010, 2011, 2004, 2013, 2012], "logging, resilience and retry-safe start are all in the chain");
        provider.GetService<OpenAIFineTuneProvider>().Should().NotBeNull();
    }
}
