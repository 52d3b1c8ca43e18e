using Microsoft.Extensions.Time.Testing;
using FineTune.Tests;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.OpenAI.Tests;

public sealed class OpenAIFineTuneProviderOptionsTests
{
    [Fact]
    public void Ctor_InvalidOptions_NamesFieldsAndValuesButNeverTheKey()
    {
        var options = new OpenAIFineTuneProviderOptions { ApiKey = "sk-secret-value", Endpoint = "ftp://x", IdempotencyScanLimit = 0, UploadPartBytes = 100 * 1024 * 1024 };
        options.Resilience.MaxRetryAttempts = 99;

        var act = () => new OpenAIFineTuneProvider(options);

        var message = act.Should().Throw<ArgumentException>().Which.Message;
        message.Should().Contain("OpenAI.Endpoint").And.Contain("ftp://x").And.Contain("OpenAI.IdempotencyScanLimit").And.Contain("OpenAI.UploadPartBytes")
            .And.Contain("OpenAI.Resilience.MaxRetryAttempts").And.Contain("99");
        message.Should().NotContain("sk-secret-value");
    }

    [Fact]
    public void Validate_NoKeyAnywhere_SaysWhereToSetIt()
    {
        var options = new OpenAIFineTuneProviderOptions();
        var envKey = Environment.GetEnvironmentVariable(OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable);

        var failures = new OpenAIFineTuneProviderOptionsValidator().Validate(null, options).Failures ?? [];

        if (string.IsNullOrWhiteSpace(envKey))
        {
            failures.Should().ContainSingle().Which.Should().Contain("OpenAI.ApiKey").And.Contain("OPENAI_API_KEY");
        }
        else
        {
            failures.Should().BeEmpty("the environment supplies the key");
        }
    }

    [Fact]
    public void Defaults_ArePinned()
    {
        var options = new OpenAIFineTuneProviderOptions();

        options.Endpoint.Should().BeNull();
        OpenAIFineTuneProviderOptions.DefaultEndpoint.Should().Be("https://api.openai.com/v1");
        options.IdempotencyScanLimit.Should().Be(100);
        options.LargeFileThresholdBytes.Should().Be(512L * 1024 * 1024);
        options.UploadPartBytes.Should().Be(64 * 1024 * 1024);
        options.Resilience.MaxRetryAttempts.Should().Be(4);
    }

    [Fact]
    public void GetService_CapabilitiesRetirementsAndChatClient()
    {
        var options = new OpenAIFineTuneProviderOptions { ApiKey = "sk", ModelRetirements = { ["gpt-4o-mini-2024-07-18"] = new DateOnly(2027, 3, 1) } };
        var provider = new OpenAIFineTuneProvider(options);

        var capabilities = provider.GetCapabilities();
        var schedule = provider.GetService<ModelRetirementSchedule>()!;

        capabilities.ProviderName.Should().Be("openai");
        capabilities.SupportsPauseResume.Should().BeTrue();
        capabilities.Methods.Should().Contain([FineTuneMethod.Supervised, FineTuneMethod.Dpo]);
        schedule.GetRetirementDate("ft:gpt-4o-mini-2024-07-18:acme::AbC12345").Should().Be(new DateOnly(2027, 3, 1));
        schedule.GetRetirementDate("gpt-3.5-turbo-0125").Should().Be(new DateOnly(2026, 10, 23));
        provider.GetService<IChatClient>().Should().NotBeNull().And.BeSameAs(provider.GetService<IChatClient>());
#pragma warning disable OPENAI001 // the native client is experimental in OpenAI 2.15
        provider.GetService(typeof(global::OpenAI.FineTuning.FineTuningClient)).Should().NotBeNull("the native client is reachable as object");
#pragma warning restore OPENAI001
        provider.GetService(typeof(IFineTuneProvider), "some-key").Should().BeNull();
    }

    [Fact]
    public async Task AddOpenAI_FromConfiguration_ResolvesWorkingProviderAndChatClient()
    {
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions(), new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var endpoint = await emulator.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FineTuning:OpenAI:Endpoint"] = endpoint.ToString(),
            ["FineTuning:OpenAI:ApiKey"] = "sk-config",
            ["FineTuning:OpenAI:DefaultChatModel"] = "gpt-4o-mini-2024-07-18",
            ["FineTuning:OpenAI:Resilience:MaxRetryAttempts"] = "2",
            ["FineTuning:OpenAI:ModelRetirements:gpt-4o-mini-2024-07-18"] = "2027-02-01",
        }).Build();
        var services = new ServiceCollection();
        services.AddFineTuning().AddOpenAI(configuration.GetSection("FineTuning:OpenAI"));
        await using var sp = services.BuildServiceProvider();

        var provider = sp.GetRequiredService<IFineTuneProvider>();
        var chat = sp.GetRequiredKeyedService<IChatClient>(OpenAIFineTuningBuilderExtensions.DefaultServiceKey);
        var reply = await chat.GetResponseAsync("hello");

        provider.Should().BeOfType<OpenTelemetryFineTuneProvider>("the adapter is composed with the standard policies").And.BeSameAs(sp.GetRequiredService<IFineTuneProvider>());
        provider.GetService<OpenAIFineTuneProvider>().Should().NotBeNull("GetService answers through the chain");
        sp.GetRequiredService<IOptionsMonitor<OpenAIFineTuneProviderOptions>>().Get(Options.DefaultName).Resilience.MaxRetryAttempts.Should().Be(2);
        provider.GetService<ModelRetirementSchedule>()!.GetRetirementDate("gpt-4o-mini-2024-07-18").Should().Be(new DateOnly(2027, 2, 1));
        reply.Text.Should().NotBeNullOrEmpty();
        (await provider.ListJobsAsync().CountAsync()).Should().Be(0);
    }

    [Fact]
    public void AddOpenAI_Keyed_RegistersSeparateProvidersPerKey()
    {
        var services = new ServiceCollection();
        services.AddFineTuning()
            .AddOpenAI(o => { o.ApiKey = "a"; o.Endpoint = "http://127.0.0.1:1/v1"; }, serviceKey: "emulator")
            .AddOpenAI(o => o.ApiKey = "b", serviceKey: "real");
        using var sp = services.BuildServiceProvider();

        var emulator = sp.GetRequiredKeyedService<IFineTuneProvider>("emulator");
        var real = sp.GetRequiredKeyedService<IFineTuneProvider>("real");

        emulator.Should().NotBeSameAs(real);
        sp.GetRequiredKeyedService<IChatClient>("emulator").GetService<ChatClientMetadata>()!.ProviderUri.Should().Be(new Uri("http://127.0.0.1:1/v1/"));
        sp.GetService<IFineTuneProvider>().Should().BeNull("only keyed registrations were asked for");
    }

    [Fact]
    public void AddOpenAI_NoKey_RegistersNoUnkeyedChatClient()
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddOpenAI(o => o.ApiKey = "a");
        using var sp = services.BuildServiceProvider();

        sp.GetService<IChatClient>().Should().BeNull("the app did not ask for an unkeyed chat client");
        sp.GetRequiredKeyedService<IChatClient>(OpenAIFineTuningBuilderExtensions.DefaultServiceKey).GetService<ChatClientMetadata>().Should().NotBeNull("the keyed client is the composed OpenAI chat pipeline");
        sp.GetRequiredService<IFineTuneProvider>().Should().BeSameAs(sp.GetRequiredKeyedService<IFineTuneProvider>(OpenAIFineTuningBuilderExtensions.DefaultServiceKey));
        services.Where(d => d.ServiceType == typeof(IFineTuneProvider)).Should().OnlyContain(d => d.Lifetime == ServiceLifetime.Singleton);
    }

    [Fact]
    public async Task AddOpenAI_InProcessHandler_RunsAJobWithoutSockets()
    {
        var clock = new AutoAdvancingFakeTimeProvider();
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 5 }, clock);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddFineTuning().AddOpenAI(
            o =>
            {
                o.Endpoint = OpenAIEmulator.InProcessEndpoint.ToString();
                o.ApiKey = "sk";
                o.Resilience.AttemptTimeout = null;
            },
            _ => emulator.CreateHttpMessageHandler());
        await using var sp = services.BuildServiceProvider();
        var provider = sp.GetRequiredService<IFineTuneProvider>();

        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var handle = await provider.StartJobAndTrackAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id), EmulatorScope.Polling, sp.GetRequiredService<TimeProvider>());

        (await handle.WaitForCompletionAsync()).Status.Should().Be(FineTuneJobStatus.Succeeded);
        emulator.JobCount.Should().Be(1);
    }

    [Fact]
    public async Task AddOpenAI_HttpClientName_SendsThroughTheFactoryClient()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var counter = new CountingHandler();
        var services = new ServiceCollection();
        services.AddHttpClient("openai-proxy").AddHttpMessageHandler(() => counter);
        services.AddFineTuning().AddOpenAI(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Endpoint"] = scope.Endpoint.ToString(),
            ["ApiKey"] = "sk",
            ["HttpClientName"] = "openai-proxy",
        }).Build());
        await using var sp = services.BuildServiceProvider();

        (await sp.GetRequiredService<IFineTuneProvider>().ListJobsAsync().CountAsync()).Should().Be(0);

        counter.Requests.Should().Be(1);
    }

    [Fact]
    public void AddOpenAI_HttpClientNameWithoutFactory_FailsSayingWhatToRegister()
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddOpenAI(o => { o.ApiKey = "sk"; o.HttpClientName = "missing"; });
        using var sp = services.BuildServiceProvider();

        var act = () => sp.GetRequiredService<IFineTuneProvider>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*HttpClientName*AddHttpClient(\"missing\")*");
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public void AddOpenAI_CalledTwice_AddsNothingNew()
    {
        var services = new ServiceCollection();
        var builder = services.AddFineTuning().AddOpenAI(o => o.ApiKey = "a");
        var count = services.Count;

        builder.AddOpenAI(o => o.ApiKey = "b");

        services.Count.Should().Be(count + 1, "only the second configure callback is added");
    }

    [Fact]
    public void AddOpenAI_InvalidOptions_FailAtStartWithFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddOpenAI(o => { o.ApiKey = "a"; o.IdempotencyScanLimit = -5; });
        using var sp = services.BuildServiceProvider();

        var act = () => sp.GetRequiredService<IOptionsMonitor<OpenAIFineTuneProviderOptions>>().Get(Options.DefaultName);

        act.Should().Throw<OptionsValidationException>().WithMessage("*OpenAI.IdempotencyScanLimit*-5*");
    }
}

internal static class AsyncEnumerableCount
{
    public static async Task<int> CountAsync<T>(this IAsyncEnumerable<T> source)
    {
        var n = 0;
        await foreach (var unused in source)
        {
            n++;
        }

        return n;
    }
}
