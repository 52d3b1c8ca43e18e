using Microsoft.Extensions.Logging.Testing;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Tests;

public sealed class LoggingFineTuneProviderTests
{
    [Fact]
    public async Task Calls_LogStableEventIdsAndNoContent()
    {
        var logger = new FakeLogger();
        var fake = new FakeFineTuneProvider();
        var provider = new LoggingFineTuneProvider(new DeduplicatingUploadFineTuneProvider(fake), logger);
        var secretRow = "{\"messages\":[{\"role\":\"user\",\"content\":\"Antarctica\"}]}\n"u8.ToArray();

        var file = await provider.UploadFileAsync(new MemoryStream(secretRow), "train.jsonl");
        await provider.UploadFileAsync(new MemoryStream(secretRow), "train.jsonl");
        var job = await provider.StartJobAsync(new FineTuneJobRequest("m", file.Id));
        await provider.CancelJobAsync(job.Id);
        fake.FailureInjector = c => c.Operation == "jobs.get" ? new FineTuneException("HTTP 404") { StatusCode = 404, ProviderCode = "not_found" } : null;
        await FluentActions.Awaiting(() => provider.GetJobAsync(job.Id)).Should().ThrowAsync<FineTuneException>();

        logger.Collector.GetSnapshot().Select(e => e.Id.Id).Should().Contain([2010, 2011, 2012, 2016, 2015]);
        logger.Collector.GetSnapshot().Single(e => e.Id.Id == 2015).Message.Should().Be("fake call jobs.get failed (HTTP 404, not_found, FineTuneException).");
        logger.Collector.GetSnapshot().Single(e => e.Id.Id == 2015).Level.Should().Be(LogLevel.Warning);
        logger.Collector.GetSnapshot().Should().NotContain(e => e.Message.Contains("Antarctica", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartJobAsync_CreationRefused_LoggedAsError()
    {
        var logger = new FakeLogger();
        var fake = new FakeFineTuneProvider { FailureInjector = c => c.Operation == "jobs.start" ? new FineTuneJobCreationRefusedException("refused") { StatusCode = 403, ProviderCode = "wind_down" } : null };

        await FluentActions.Awaiting(() => new LoggingFineTuneProvider(fake, logger).StartJobAsync(new FineTuneJobRequest("m", "file-1")))
            .Should().ThrowAsync<FineTuneJobCreationRefusedException>();

        logger.Collector.GetSnapshot().Should().ContainSingle(e => e.Id.Id == 2014).Which.Level.Should().Be(LogLevel.Error);
    }
}
