using FineTune.Sdk.Testing;

namespace FineTune.Sdk.Tests;

public sealed class FineTuneProviderCapabilitiesTests
{
    [Fact]
    public void NotSupported_NamesProviderOperationAndCapability()
    {
        var capabilities = new FineTuneProviderCapabilities("bedrock");

        var exception = capabilities.NotSupported("pausing jobs", nameof(FineTuneProviderCapabilities.SupportsPauseResume));

        exception.Message.Should().Be("The bedrock provider does not support pausing jobs (FineTuneProviderCapabilities.SupportsPauseResume is false); check provider.GetCapabilities() before calling.");
    }

    [Fact]
    public void Defaults_ClaimNothing()
    {
        var capabilities = new FineTuneProviderCapabilities("x");

        capabilities.Methods.Should().Equal(FineTuneMethod.Supervised);
        capabilities.SupportsPauseResume.Should().BeFalse();
        capabilities.SupportsEvents.Should().BeFalse();
        capabilities.SupportsCheckpoints.Should().BeFalse();
        capabilities.SupportsTrainingMetrics.Should().BeFalse();
        capabilities.SupportsIdempotentStart.Should().BeFalse();
        capabilities.JobCreationEndsOn.Should().BeNull();
    }

    [Fact]
    public async Task DelegatingProvider_ForwardsCallsAndAnswersForItself()
    {
        var inner = new FakeFineTuneProvider();
        inner.AddJob("ftjob-1", new FakeJobTimeline(FineTuneJobStatus.Running));
        var decorator = new CountingProvider(inner);

        var job = await decorator.GetJobAsync("ftjob-1");

        job.Status.Should().Be(FineTuneJobStatus.Running);
        decorator.Calls.Should().Be(1);
        decorator.GetService(typeof(CountingProvider)).Should().BeSameAs(decorator);
        decorator.GetCapabilities().ProviderName.Should().Be("fake");
    }

    private sealed class CountingProvider(IFineTuneProvider inner) : DelegatingFineTuneProvider(inner)
    {
        public int Calls { get; private set; }

        public override Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
        {
            Calls++;
            return base.GetJobAsync(jobId, cancellationToken);
        }
    }
}
