using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.OpenAI.Tests;

public sealed class OpenAILogTests
{
    [Fact]
    public async Task Lifecycle_LogsStableEventIdsAndNeverTheKeyOrContent()
    {
        await using var scope = await EmulatorScope.StartAsync();
        using var logProvider = new FakeLoggerProvider();
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logProvider));
        var provider = scope.CreateProvider(loggerFactory: logs);
        var content = await File.ReadAllTextAsync(EmulatorScope.TrainingFile);

        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        scope.Emulator.Options.LoseJobCreateResponses = 1;
        await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id) { IdempotencyKey = "log-key" });
        scope.Emulator.Options.RefuseJobCreation = true;
        await FluentActions.Awaiting(() => provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id)))
            .Should().ThrowAsync<FineTuneJobCreationRefusedException>();

        var ids = logProvider.Collector.GetSnapshot().Select(e => e.Id.Id).ToList();
        ids.Should().Contain([2010, 2011, 2004, 2013, 2014]);
        logProvider.Collector.GetSnapshot().Single(e => e.Id.Id == 2014).Level.Should().Be(LogLevel.Error);
        logProvider.Collector.GetSnapshot().Should().NotContain(e => e.Message.Contains("sk-emulator-test", StringComparison.Ordinal));
        logProvider.Collector.GetSnapshot().Should().NotContain(e => e.Message.Contains("Antarctica", StringComparison.Ordinal), "rows are never logged");
        content.Should().Contain("Antarctica", "the check above would be vacuous otherwise");
    }
}
