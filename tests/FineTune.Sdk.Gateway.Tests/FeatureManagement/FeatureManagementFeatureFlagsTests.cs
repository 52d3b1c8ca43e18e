using FineTune.Sdk.FeatureManagement;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>The Microsoft.FeatureManagement adapter, with flags in that library's configuration schema, through the gateway.</summary>
public sealed class FeatureManagementFeatureFlagsTests
{
    private const string Flag = "model:support-intent";

    [Fact]
    public async Task EvaluateAsync_TargetingAudience_OnlyListedUsersAndPercentageAreOn()
    {
        await using var provider = Services(new Dictionary<string, string?>
        {
            ["feature_management:feature_flags:0:id"] = "model.support-intent",
            ["feature_management:feature_flags:0:enabled"] = "true",
            ["feature_management:feature_flags:0:conditions:client_filters:0:name"] = "Microsoft.Targeting",
            ["feature_management:feature_flags:0:conditions:client_filters:0:parameters:Audience:Users:0"] = "alice",
            ["feature_management:feature_flags:0:conditions:client_filters:0:parameters:Audience:DefaultRolloutPercentage"] = "0",
        });
        var flags = provider.GetRequiredService<IFeatureFlags>();

        flags.Should().BeOfType<FeatureManagementFeatureFlags>();
        (await flags.EvaluateAsync(Flag, "alice")).Should().Be(FeatureFlagDecision.On);
        (await flags.EvaluateAsync(Flag, "bob")).Should().Be(FeatureFlagDecision.Off);
        (await flags.EvaluateAsync("model:unknown", "alice")).Should().Be(FeatureFlagDecision.Off);
    }

    [Fact]
    public async Task EvaluateAsync_DisabledFlag_Off()
    {
        await using var provider = Services(new Dictionary<string, string?>
        {
            ["feature_management:feature_flags:0:id"] = "model.support-intent",
            ["feature_management:feature_flags:0:enabled"] = "false",
        });

        (await provider.GetRequiredService<IFeatureFlags>().EvaluateAsync(Flag, "alice")).Should().Be(FeatureFlagDecision.Off);
    }

    [Fact]
    public async Task Gateway_VariantAllocation_AllocatedRegistryVariantServesEvenWithoutRegistryRollout()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        await using var provider = Services(new Dictionary<string, string?>
        {
            ["feature_management:feature_flags:0:id"] = "model.support-intent",
            ["feature_management:feature_flags:0:enabled"] = "true",
            ["feature_management:feature_flags:0:variants:0:name"] = "candidate",
            ["feature_management:feature_flags:0:variants:1:name"] = "base",
            ["feature_management:feature_flags:0:allocation:default_when_enabled"] = "base",
            ["feature_management:feature_flags:0:allocation:user:0:variant"] = "candidate",
            ["feature_management:feature_flags:0:allocation:user:0:users:0"] = "vip",
        });
        var flags = provider.GetRequiredService<IFeatureFlags>();
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), flags, timeProvider: scope.Clock).Build();

        (await flags.EvaluateAsync(Flag, "vip")).Should().Be(new FeatureFlagDecision(true, "candidate"));
        (await gateway.GetResponseAsync("hi", GatewayScope.For("vip"))).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("candidate");
        (await gateway.GetResponseAsync("hi", GatewayScope.For("someone"))).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
        scope.LocalEmulator.RequestCount.Should().Be(1);
    }

    [Fact]
    public void AddFeatureManagementFlags_AfterAddModelGateway_ReplacesTheConfigurationFlags()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddFineTuning().AddModelGateway("support-intent").AddFeatureManagementFlags().AddFeatureManagementFlags();

        services.Where(d => d.ServiceType == typeof(IFeatureFlags)).Should().ContainSingle();
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IFeatureFlags>().Should().BeOfType<FeatureManagementFeatureFlags>();
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddFineTuning().AddFeatureManagementFlags();
        return services.BuildServiceProvider();
    }
}
