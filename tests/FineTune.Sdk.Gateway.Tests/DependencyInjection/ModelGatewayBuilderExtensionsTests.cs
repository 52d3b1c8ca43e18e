using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>AddModelGateway: a keyed chat client per feature, configuration flags that follow reloads, validated thresholds.</summary>
public sealed class ModelGatewayBuilderExtensionsTests
{
    [Fact]
    public async Task AddModelGateway_ConfigurationFlagFlip_RoutesWithoutRestart()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FineTune:Flags:support-intent"] = "true" }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IModelRegistry>(scope.Registry);
        services.AddSingleton<TimeProvider>(scope.Clock);
        services.AddKeyedSingleton("openai", scope.OpenAI);
        services.AddKeyedSingleton("local", scope.Local);
        services.AddFineTuning()
            .AddModelGateway(GatewayScope.Feature)
            .AddConfigurationFeatureFlags(configuration.GetSection("FineTune:Flags"));
        await using var provider = services.BuildServiceProvider();
        var gateway = provider.GetRequiredKeyedService<IChatClient>(GatewayScope.Feature);
        var key = GatewayScope.Keys(inRollout: true, 1)[0];

        (await gateway.GetResponseAsync("hi", GatewayScope.For(key))).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("candidate");

        configuration["FineTune:Flags:support-intent"] = "false";
        configuration.Reload();

        (await gateway.GetResponseAsync("hi", GatewayScope.For(key))).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
        gateway.GetService<ModelGatewayMonitor>().Should().BeSameAs(provider.GetRequiredService<ModelGatewayMonitor>());
    }

    [Fact]
    public void AddModelGateway_CalledTwice_RegistersOneClientPerFeature()
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddModelGateway("a").AddModelGateway("a").AddModelGateway("b");

        services.Count(d => d.ServiceType == typeof(IChatClient) && Equals(d.ServiceKey, "a")).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IChatClient) && Equals(d.ServiceKey, "b")).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(ModelGatewayMonitor)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IFeatureFlags)).Should().Be(1);
    }

    [Fact]
    public async Task ConfigureGatewayControls_InvalidSection_FailsWithFieldNames()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Controls:ErrorRateMultiplier"] = "often",
            ["Controls:StaleAfter"] = "-1.00:00:00",
            ["Controls:AutoRollback"] = "true",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IModelRegistry>(scope.Registry);
        services.AddFineTuning().ConfigureGatewayControls(configuration.GetSection("Controls"));
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<ModelGatewayMonitor>();

        act.Should().Throw<OptionsValidationException>().Which.Message.Should()
            .Contain("GatewayControlOptions.ErrorRateMultiplier must be at least 1; it was NaN.")
            .And.Contain("GatewayControlOptions.StaleAfter must be positive; it was -1.00:00:00.");
    }

    [Fact]
    public async Task ConfigureGatewayControls_ValidSection_ReadsEveryThreshold()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ErrorRateMultiplier"] = "3",
            ["MinErrorRate"] = "0.1",
            ["ErrorRateWindow"] = "00:30:00",
            ["MinRequestsPerCheck"] = "7",
            ["AutoRollback"] = "true",
            ["RollbackActor"] = "sre-bot",
            ["JudgeScoreDrop"] = "0.02",
            ["MinJudgeSamples"] = "50",
            ["StaleAfter"] = "60.00:00:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IModelRegistry>(scope.Registry);
        services.AddFineTuning().ConfigureGatewayControls(configuration);
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<ModelGatewayMonitor>().Options;

        options.Should().BeEquivalentTo(new GatewayControlOptions
        {
            ErrorRateMultiplier = 3,
            MinErrorRate = 0.1,
            ErrorRateWindow = TimeSpan.FromMinutes(30),
            MinRequestsPerCheck = 7,
            AutoRollback = true,
            RollbackActor = "sre-bot",
            JudgeScoreDrop = 0.02,
            MinJudgeSamples = 50,
            StaleAfter = TimeSpan.FromDays(60),
        });
    }

    [Fact]
    public void GatewayControlOptions_Defaults_AreTheDocumentedOnes()
    {
        var options = new GatewayControlOptions();

        options.ErrorRateMultiplier.Should().Be(2);
        options.ErrorRateWindow.Should().Be(TimeSpan.FromMinutes(15));
        options.JudgeScoreDrop.Should().Be(0.05);
        options.StaleAfter.Should().Be(TimeSpan.FromDays(90));
        options.AutoRollback.Should().BeFalse();
        new ModelGatewayOptions().OnlineEvaluation.SampleShare.Should().Be(0.01);
        new ModelGatewayOptions().Shadow.Variant.Should().BeNull();
    }

    [Fact]
    public async Task ConfigurationFeatureFlags_ModelPrefix_MatchesKeyWithOrWithoutIt()
    {
        var options = new FeatureFlagOptions();
        options.Flags["support-intent"] = true;
        options.Flags["model:other"] = true;
        var flags = new ConfigurationFeatureFlags(options);

        (await flags.EvaluateAsync("model:support-intent", "k")).IsEnabled.Should().BeTrue();
        (await flags.EvaluateAsync("MODEL:OTHER", "k")).IsEnabled.Should().BeTrue();
        (await flags.EvaluateAsync("model:unknown", "k")).Should().Be(FeatureFlagDecision.Off);
    }
}
