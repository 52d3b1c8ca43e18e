using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk.Tests.Pipeline;

public sealed class FineTunePipelineRegistrationTests
{
    [Fact]
    public void AddFineTuning_RegistersOnePipelineSingleton()
    {
        var services = new ServiceCollection();
        services.AddFineTuning();
        services.AddFineTuning();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<FineTunePipeline>().Should().BeSameAs(provider.GetRequiredService<FineTunePipeline>());
        services.Count(d => d.ServiceType == typeof(FineTunePipeline)).Should().Be(1);
    }
}
