using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Tests;

public sealed class DatasetValidatorRegistrationTests
{
    [Fact]
    public async Task AddFineTuning_ValidatorUsesConfiguredOptionsAndTheContainersLogger()
    {
        var provider = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        services.AddFineTuning(options => options.Datasets.MaxFindingsPerCode = 2);
        await using var container = services.BuildServiceProvider();
        var validator = container.GetRequiredService<IDatasetValidator>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"messages\":[]}\n", 5))));

        var report = await validator.ValidateAsync(stream, new DatasetValidationRequest { FileName = "five.jsonl" });

        report.Findings.Count(f => f.Code == "FT1021").Should().Be(2);
        report.Summary["FT1021"].Should().Be(5);
        provider.EventIds.Should().Equal(1001, 1003, 1002);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        private readonly List<int> _eventIds = [];

        public IReadOnlyList<int> EventIds
        {
            get
            {
                lock (_eventIds)
                {
                    return [.. _eventIds];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_eventIds)
            {
                _eventIds.Add(eventId.Id);
            }
        }

        public void Dispose()
        {
        }
    }
}
