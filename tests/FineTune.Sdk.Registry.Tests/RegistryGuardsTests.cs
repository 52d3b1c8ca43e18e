using FineTune.Sdk;
using static FineTune.Sdk.Registry.Tests.RegistryFixtures;

namespace FineTune.Sdk.Registry.Tests;

public sealed class RegistryGuardsTests
{
    [Theory]
    [InlineData("openai", "ft:gpt-4.1-nano-2025-04-14:acme::abc12345", "gpt-4.1-nano-2025-04-14")]
    [InlineData("openai", "ft:gpt-4.1-nano-2025-04-14:acme:support:abc12345:ckpt-step-40", "gpt-4.1-nano-2025-04-14")]
    [InlineData("openai", "gpt-4.1-nano-2025-04-14", "gpt-4.1-nano-2025-04-14")]
    [InlineData("bedrock", "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc123", "amazon.nova-micro-v1:0")]
    [InlineData("bedrock", "arn:aws:bedrock:us-west-2:123456789012:provisioned-model/abcdef123456", "amazon.nova-micro-v1:0")]
    [InlineData("bedrock", "arn:aws:bedrock:us-west-2:123456789012:custom-model-deployment/xyz789", "amazon.nova-micro-v1:0")]
    [InlineData("bedrock", "amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0")]
    [InlineData("other", "anything goes", "base")]
    public void CheckVariant_WellFormedIds_Pass(string provider, string modelId, string baseModel)
    {
        var act = () => RegistryGuards.CheckVariant(new RegistryVariant { Name = "v", ModelId = modelId, Provider = provider, BaseModel = baseModel });
        act.Should().NotThrow();
    }

    [Theory]
    [InlineData("openai", "ft:gpt-4.1-nano-2025-04-14", "gpt-4.1-nano-2025-04-14", "model-id.openai")]
    [InlineData("openai", "my-model", "gpt-4.1-nano-2025-04-14", "model-id.openai")]
    [InlineData("openai", "ft:gpt-4o-mini-2024-07-18:acme::abc12345", "gpt-4.1-nano-2025-04-14", "model-id.openai")]
    [InlineData("bedrock", "arn:aws:s3:::bucket/key", "amazon.nova-micro-v1:0", "model-id.bedrock")]
    [InlineData("bedrock", "arn:aws:bedrock:us-east-1:1234:custom-model/x", "amazon.nova-micro-v1:0", "model-id.bedrock")]
    [InlineData("bedrock", "Nova Micro", "Nova Micro", "model-id.bedrock")]
    public void CheckVariant_MalformedIds_NameTheRule(string provider, string modelId, string baseModel, string rule)
    {
        var act = () => RegistryGuards.CheckVariant(new RegistryVariant { Name = "v", ModelId = modelId, Provider = provider, BaseModel = baseModel });
        act.Should().Throw<ModelRegistryException>().Which.Rule.Should().Be(rule);
    }

    private static RegistryVariant Adapter(string servingRevision, string adapterRevision = "rev-a", string? endpoint = "http://127.0.0.1:8000/v1") => new()
    {
        Name = "lora-1",
        ModelId = "support-lora",
        Provider = RegistryProviders.SelfHosted,
        BaseModel = "meta-llama/Llama-3.1-8B-Instruct",
        BaseRevision = servingRevision,
        Endpoint = endpoint,
        Adapter = new RegistryAdapter { BaseModel = "meta-llama/Llama-3.1-8B-Instruct", BaseRevision = adapterRevision, Path = "adapters/support", Rank = 16, TargetModules = ["v_proj", "q_proj"], TaskType = "CAUSAL_LM" },
    };

    [Fact]
    public void CheckVariant_SelfHostedAdapterOnItsBase_Passes()
    {
        var act = () => RegistryGuards.CheckVariant(Adapter("rev-a"));
        act.Should().NotThrow();
    }

    [Fact]
    public void CheckVariant_AdapterBaseRevisionDiffersFromServing_IsRefused()
    {
        var act = () => RegistryGuards.CheckVariant(Adapter("rev-b"));
        act.Should().Throw<ModelRegistryException>().Which.Rule.Should().Be("adapter.base-revision");
    }

    [Fact]
    public void CheckVariant_SelfHostedWithoutEndpointOrManifest_IsRefused()
    {
        var noEndpoint = () => RegistryGuards.CheckVariant(Adapter("rev-a", endpoint: null));
        noEndpoint.Should().Throw<ModelRegistryException>().Which.Rule.Should().Be("self-hosted.endpoint");
        var noManifest = () => RegistryGuards.CheckVariant(Adapter("rev-a") with { Adapter = null });
        noManifest.Should().Throw<ModelRegistryException>().Which.Rule.Should().Be("self-hosted.adapter");
    }

    [Fact]
    public void CheckVariant_BadDatasetLineage_IsRefused()
    {
        var badVersion = () => RegistryGuards.CheckVariant(Tuned("ft", null) with { Dataset = new RegistryDataset { Version = "v1", Sha256 = DatasetHash } });
        badVersion.Should().Throw<ModelRegistryException>().Which.Rule.Should().Be("dataset.semver");
        var badHash = () => RegistryGuards.CheckVariant(Tuned("ft", null) with { Dataset = new RegistryDataset { Version = "1.0.0", Sha256 = "abc" } });
        badHash.Should().Throw<ModelRegistryException>().Which.Rule.Should().Be("dataset.sha256");
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("-leading")]
    public void CheckName_Invalid_IsRefused(string name)
    {
        var act = () => RegistryGuards.CheckName(name, "feature");
        act.Should().Throw<ModelRegistryException>().Which.Rule.Should().Be("name.feature");
    }
}
