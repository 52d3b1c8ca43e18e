using FineTune.Sdk.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk.Tests;

public sealed class FineTuneProviderBuilderTests
{
    [Fact]
    public async Task Build_FirstUseIsOutermost()
    {
        var order = new List<string>();
        var fake = new FakeFineTuneProvider();
        fake.AddJob("ftjob-1", new FakeJobTimeline(FineTuneJobStatus.Running));

        var provider = fake.AsBuilder()
            .Use(inner => new Recording(inner, "outer", order))
            .Use(inner => new Recording(inner, "inner", order))
            .Build();
        await provider.GetJobAsync("ftjob-1");

        order.Should().Equal("outer", "inner");
        provider.Should().BeOfType<Recording>().Which.Name.Should().Be("outer");
    }

    [Fact]
    public void Build_PassesServicesToFactories()
    {
        using var services = new ServiceCollection().AddSingleton(TimeProvider.System).BuildServiceProvider();
        IServiceProvider? seen = null;

        new FakeFineTuneProvider().AsBuilder().Use((inner, sp) =>
        {
            seen = sp;
            return inner;
        }).Build(services);

        seen.Should().BeSameAs(services);
    }

    [Fact]
    public void GetService_AnswersThroughTheWholeChain()
    {
        var fake = new FakeFineTuneProvider();

        var provider = fake.AsBuilder().UseStandardPolicies().Build();

        provider.GetService<FakeFineTuneProvider>().Should().BeSameAs(fake, "the adapter is reachable through every decorator");
        provider.GetService<ResilientFineTuneProvider>().Should().NotBeNull();
        provider.GetService<RetrySafeStartFineTuneProvider>().Should().NotBeNull();
        provider.GetService<DeduplicatingUploadFineTuneProvider>().Should().NotBeNull();
        provider.GetService<OpenTelemetryFineTuneProvider>().Should().BeSameAs(provider);
        provider.GetService<LoggingFineTuneProvider>().Should().BeNull("no logger factory was given, so no logging decorator was added");
        provider.GetCapabilities().ProviderName.Should().Be("fake");
    }

    [Fact]
    public void Build_FactoryReturningNull_Throws()
    {
        var act = () => new FakeFineTuneProvider().AsBuilder().Use(_ => null!).Build();

        act.Should().Throw<InvalidOperationException>().WithMessage("*position 0*");
    }

    private sealed class Recording(IFineTuneProvider inner, string name, List<string> order) : DelegatingFineTuneProvider(inner)
    {
        public string Name => name;

        public override Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
        {
            order.Add(name);
            return base.GetJobAsync(jobId, cancellationToken);
        }
    }
}
