using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>A Bedrock variant is sent to the keyed "bedrock" client: the real Bedrock adapter against the Bedrock emulator over loopback HTTP.</summary>
public sealed class BedrockRoutingTests
{
    [Fact]
    public async Task GetResponseAsync_BedrockDefaultVariant_SentThroughTheKeyedBedrockClient()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        await using var bedrock = new BedrockEmulator(new BedrockEmulatorOptions { RandomSeed = 5 });
        var endpoint = await bedrock.StartAsync();
        const string Feature = "ticket-triage";
        await scope.Registry.RegisterAsync(Feature, new RegistryVariant { Name = "nova", ModelId = "amazon.nova-micro-v1:0", Provider = RegistryProviders.Bedrock, BaseModel = "amazon.nova-micro-v1:0" }, GatewayScope.By());
        var services = new ServiceCollection();
        services.AddSingleton<IModelRegistry>(scope.Registry);
        services.AddSingleton(new AWSOptions { Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), Region = RegionEndpoint.USEast1 });
        services.AddFineTuning()
            .AddBedrock(o =>
            {
                o.ServiceUrl = endpoint.ToString();
                o.Region = "us-east-1";
                o.RoleArn = "arn:aws:iam::123456789012:role/BedrockFineTune";
                o.OutputS3Uri = "s3://bucket/output/";
                o.UploadS3Uri = "s3://bucket/data/";
            }, serviceKey: RegistryProviders.Bedrock)
            .AddModelGateway(Feature);
        await using var provider = services.BuildServiceProvider();
        var gateway = provider.GetRequiredKeyedService<IChatClient>(Feature);

        var reply = await gateway.GetResponseAsync("Where is my parcel?", GatewayScope.For("user-1"));

        reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("nova");
        reply.Text.Should().NotBeEmpty();
        bedrock.RequestCount.Should().Be(1);
        scope.OpenAIEmulator.RequestCount.Should().Be(0);
    }
}
