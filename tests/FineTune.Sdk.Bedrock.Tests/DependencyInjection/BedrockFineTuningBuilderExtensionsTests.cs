using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Bedrock.Tests;

public sealed class BedrockFineTuningBuilderExtensionsTests
{
    [Fact]
    public async Task AddBedrock_FromConfiguration_ResolvesProviderAndChatClientThatReachTheEndpoint()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, """{"modelCustomizationJobSummaries":[]}"""));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FineTune:Bedrock:ServiceUrl"] = server.Url,
            ["FineTune:Bedrock:Region"] = "us-east-1",
            ["FineTune:Bedrock:RoleArn"] = "arn:aws:iam::123456789012:role/R",
            ["FineTune:Bedrock:ListPageSize"] = "7",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(StubAwsServer.AwsOptions());
        services.AddFineTuning().AddBedrock(configuration.GetSection("FineTune:Bedrock"));
        await using var sp = services.BuildServiceProvider();

        var provider = sp.GetRequiredService<IFineTuneProvider>();
        await foreach (var unused in provider.ListJobsAsync())
        {
        }

        provider.GetService<BedrockFineTuneProvider>().Should().NotBeNull("the adapter sits under the standard decorators");
        sp.GetRequiredService<IChatClient>().Should().BeOfType<BedrockChatClient>();
        provider.GetService<BedrockModelManagement>().Should().NotBeNull();
        server.Requests.Single().Query("maxResults").Should().Be("7");
    }

    [Fact]
    public void AddBedrock_AwsSectionOnly_TakesRegionFromIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:Region"] = "eu-central-1",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddFineTuning().AddBedrock();
        using var sp = services.BuildServiceProvider();

        sp.GetRequiredService<BedrockFineTuneProvider>().Region.Should().Be("eu-central-1");
    }

    [Fact]
    public void AddBedrock_InvalidOptions_FailAtStartWithFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddBedrock(o => { o.Region = "us-east-1"; o.OutputS3Uri = "s3://UPPER/x"; });
        using var sp = services.BuildServiceProvider();

        var act = () => sp.GetRequiredService<IOptionsMonitor<BedrockFineTuneProviderOptions>>().Get(Options.DefaultName);

        act.Should().Throw<OptionsValidationException>().WithMessage("*Bedrock.OutputS3Uri*s3://UPPER/x*");
    }

    [Fact]
    public void AddBedrock_CalledTwice_AddsNothingNewButTheCallback()
    {
        var services = new ServiceCollection();
        var builder = services.AddFineTuning().AddBedrock(o => o.Region = "us-east-1");
        var count = services.Count;

        builder.AddBedrock(o => o.Region = "us-west-2");

        services.Count.Should().Be(count + 1);
    }

    [Fact]
    public void AddBedrock_Keyed_RegistersKeyedProviderAndChatClient()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new AWSOptions { Region = Amazon.RegionEndpoint.USWest2 });
        services.AddFineTuning().AddBedrock(o => o.DefaultChatModel = "m", serviceKey: "west");
        using var sp = services.BuildServiceProvider();

        sp.GetRequiredKeyedService<IFineTuneProvider>("west").GetService<BedrockFineTuneProvider>()!.Region.Should().Be("us-west-2");
        sp.GetRequiredKeyedService<IChatClient>("west").Should().BeOfType<BedrockChatClient>();
        sp.GetService<IFineTuneProvider>().Should().BeNull();
    }
}
