using FineTune.Sdk;
using FineTune.Sdk.OpenAI;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Cli;

/// <summary>
/// The provider a <c>finetune jobs</c> command talks to, built through the same registration users get
/// (<c>AddFineTuning().AddOpenAI(...)</c> / <c>AddBedrock(...)</c>, which apply <c>UseStandardPolicies</c>):
/// <c>emulator</c> = the OpenAI emulator in-process, kept in a state file between invocations; <c>openai</c> = OpenAI (key
/// from <c>OPENAI_API_KEY</c>, <c>--endpoint</c> for a loopback <c>finetune emulate openai</c>); <c>bedrock</c> = Amazon
/// Bedrock (AWS configuration chain, <c>--endpoint</c> for <c>finetune emulate bedrock</c>).
/// </summary>
internal sealed class JobsProviderScope : IAsyncDisposable
{
    /// <summary>The state file of <c>--provider emulator</c> when <c>--state</c> is not given, under the current folder.</summary>
    public const string DefaultStatePath = ".finetune/emulator-state.json";

    private readonly ServiceProvider _services;
    private readonly OpenAIEmulator? _emulator;

    private JobsProviderScope(string name, ServiceProvider services, OpenAIEmulator? emulator)
    {
        Name = name;
        _services = services;
        _emulator = emulator;
        Provider = services.GetRequiredService<IFineTuneProvider>();
    }

    public string Name { get; }

    public IFineTuneProvider Provider { get; }

    /// <summary>Builds the provider; options are validated here (start-up), so a bad option fails before any call.</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid.</exception>
    public static JobsProviderScope Create(JobsSettings settings)
    {
        var services = new ServiceCollection();
        var fineTuning = services.AddFineTuning();
        OpenAIEmulator? emulator = null;
        switch (settings.Provider)
        {
            case "emulator":
                if (settings.Endpoint is not null)
                {
                    throw new ArgumentException("--endpoint is for --provider openai or bedrock; --provider emulator runs in-process (use --state to choose its file).");
                }

                emulator = new OpenAIEmulator(new OpenAIEmulatorOptions
                {
                    StatePath = Path.GetFullPath(settings.StatePath ?? DefaultStatePath),
                    Speed = settings.Speed,
                    ReportEstimatedFinish = false,
                });
                var inProcess = emulator;
                fineTuning.AddOpenAI(o =>
                {
                    o.Endpoint = OpenAIEmulator.InProcessEndpoint.ToString();
                    o.ApiKey = "emulator";
                }, _ => inProcess.CreateHttpMessageHandler());
                break;
            case "openai":
                var hasKey = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable));
                fineTuning.AddOpenAI(o =>
                {
                    o.Endpoint = settings.Endpoint;

                    // A local endpoint (the emulator) accepts any key; a real endpoint needs OPENAI_API_KEY (checked at start-up).
                    o.ApiKey = !hasKey && settings.Endpoint is not null && BedrockCommandLine.IsLoopback(settings.Endpoint) ? "local-endpoint" : null;
                });
                break;
            case "bedrock":
                BedrockCommandLine.AddBedrock(fineTuning, settings.Endpoint, settings.Region, o =>
                {
                    o.RoleArn = settings.RoleArn;
                    o.OutputS3Uri = settings.OutputUri;
                    o.UploadS3Uri = settings.UploadUri;
                });
                break;
            default:
                throw new ArgumentException($"--provider must be emulator, openai or bedrock (was '{settings.Provider}').");
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        try
        {
            return new JobsProviderScope(settings.Provider, provider, emulator);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            provider.Dispose();
            emulator?.Dispose();
            throw new ArgumentException(string.Join(" ", ex.Failures), ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync().ConfigureAwait(false);
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The options every <c>finetune jobs</c> subcommand shares.</summary>
internal sealed record JobsSettings(string Provider, bool Json, string? StatePath, double Speed, string? Endpoint, string? Region, string? RoleArn, string? OutputUri, string? UploadUri);
