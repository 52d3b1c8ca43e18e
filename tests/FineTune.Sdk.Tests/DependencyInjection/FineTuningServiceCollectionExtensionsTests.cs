using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Tests;

public sealed class FineTuningServiceCollectionExtensionsTests
{
    [Fact]
    public void AddFineTuning_RegistersValidatorAsSingleton()
    {
        var services = new ServiceCollection();
        services.AddFineTuning();
        using var provider = services.BuildServiceProvider();

        var a = provider.GetRequiredService<IDatasetValidator>();
        var b = provider.GetRequiredService<IDatasetValidator>();

        a.Should().BeSameAs(b);
        services.Where(d => d.ServiceType == typeof(IDatasetValidator)).Should().ContainSingle()
            .Which.Lifetime.Should().Be(ServiceLifetime.Singleton);
    }

    [Fact]
    public void AddFineTuning_CalledTwice_AddsNothingNew()
    {
        var services = new ServiceCollection();
        services.AddFineTuning();
        var count = services.Count;

        var builder = services.AddFineTuning(o => o.Datasets.MaxDepth = 10);

        builder.Services.Should().BeSameAs(services);
        services.Count.Should().Be(count + 1, "only the second configure callback is added");
    }

    [Fact]
    public void AddFineTuning_InvalidOptions_FailAtStartWithFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddFineTuning(o => o.Datasets.MaxDepth = 1);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<FineTuningOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*Datasets.MaxDepth*1*");
    }
}
