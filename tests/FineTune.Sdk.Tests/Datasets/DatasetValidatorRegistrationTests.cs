using Microsoft.Extensions.Logging.Testing;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Tests;

public sealed class DatasetValidatorRegistrationTests
{
    [Fact]
    public async Task AddFineTuning_ValidatorUsesConfiguredOptionsAndTheContainersLogger()
    {
        using var provider = new FakeLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        services.AddFineTuning(options => options.Datasets.MaxFindingsPerCode = 2);
        await using var container = services.BuildServiceProvider();
        var validator = container.GetRequiredService<IDatasetValidator>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"messages\":[]}\n", 5))));

        var report = await validator.ValidateAsync(stream, new DatasetValidationRequest { FileName = "five.jsonl" });

        report.Findings.Count(f => f.Code == "FT1021").Should().Be(2);
        report.Summary["FT1021"].Should().Be(5);
        provider.Collector.GetSnapshot().Select(r => r.Id.Id).Should().Equal(1001, 1003, 1002);
    }
}
