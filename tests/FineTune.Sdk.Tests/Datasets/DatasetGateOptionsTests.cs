using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Tests;

public sealed class DatasetGateOptionsTests
{
    [Fact]
    public void Defaults_ArePinned()
    {
        var options = new DatasetValidationOptions();

        options.Duplicates.Should().BeEquivalentTo(new
        {
            ExactEnabled = true, NearEnabled = true, NearDuplicateThreshold = 0.85, MinHashCount = 128, Bands = 8, RowsPerBand = 4,
            ShingleSize = 3, MaxShinglesPerRow = 4096, MaxIndexedRows = 100_000, MaxExactRows = 200_000,
        });
        options.Contradictions.MaxTrackedInputs.Should().Be(200_000);
        options.ClassBalance.LabelFields.Should().Equal("intent", "label", "category", "class");
        options.ClassBalance.MinClassShare.Should().Be(0.05);
        options.SystemPrompts.MaxDistinctPrompts.Should().Be(5);
        options.OutputFormat.MinJsonShare.Should().Be(0.8);
        options.Provenance.MaxSyntheticShare.Should().Be(0.30);
        options.Provenance.SyntheticShareSeverity.Should().Be(FindingSeverity.Error);
        options.Pii.PersonalDataSeverity.Should().Be(FindingSeverity.Warning);
        options.Pii.SecretSeverity.Should().Be(FindingSeverity.Error);
        Validate(options).Should().BeEmpty();
    }

    [Fact]
    public void Validate_OutOfRangeValues_NameFieldAndValue()
    {
        var options = new DatasetValidationOptions();
        options.Duplicates.NearDuplicateThreshold = 0.2;
        options.Duplicates.Bands = 40;
        options.Provenance.MaxSyntheticShare = 1.5;
        options.ClassBalance.LabelFields.Clear();
        options.Duplicates.MaxExactRows = 0;
        options.Contradictions.MaxTrackedInputs = -1;

        var failures = Validate(options);

        failures.Should().Contain("Datasets.Duplicates.MaxExactRows must be between 1 and 500000000; it was 0.");
        failures.Should().Contain("Datasets.Contradictions.MaxTrackedInputs must be between 1 and 500000000; it was -1.");

        failures.Should().Contain("Datasets.Duplicates.NearDuplicateThreshold must be between 0.5 and 1; it was 0.2.");
        failures.Should().Contain(f => f.StartsWith("Datasets.Duplicates.Bands × RowsPerBand must not exceed MinHashCount (128); it was 40 × 4 = 160", StringComparison.Ordinal));
        failures.Should().Contain("Datasets.Provenance.MaxSyntheticShare must be between 0 and 1; it was 1.5.");
        failures.Should().Contain(f => f.StartsWith("Datasets.ClassBalance.LabelFields must list", StringComparison.Ordinal));
    }

    [Fact]
    public void AddFineTuning_RegistersDatasetToolsAsSingletons()
    {
        var services = new ServiceCollection();
        services.AddFineTuning(o => o.Datasets.Duplicates.NearDuplicateThreshold = 0.95);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<DatasetSplitter>().Should().BeSameAs(provider.GetRequiredService<DatasetSplitter>());
        provider.GetRequiredService<DatasetRedactor>().Should().BeSameAs(provider.GetRequiredService<DatasetRedactor>());
        provider.GetRequiredService<DatasetManifestBuilder>().Should().NotBeNull();
        services.Where(d => d.ServiceType == typeof(DatasetSplitter) || d.ServiceType == typeof(DatasetRedactor) || d.ServiceType == typeof(DatasetManifestBuilder))
            .Should().HaveCount(3).And.OnlyContain(d => d.Lifetime == ServiceLifetime.Singleton);
    }

    [Fact]
    public void Create_AllGatesDisabled_ReturnsNone()
    {
        var options = new DatasetValidationOptions();
        options.Duplicates.ExactEnabled = options.Duplicates.NearEnabled = false;
        options.Contradictions.Enabled = options.ClassBalance.Enabled = options.SystemPrompts.Enabled = false;
        options.OutputFormat.Enabled = options.Provenance.Enabled = options.Pii.Enabled = false;

        DatasetGates.Create(options).Should().BeEmpty();
        DatasetGates.Create(new DatasetValidationOptions()).Should().HaveCount(7);
    }

    private static List<string> Validate(DatasetValidationOptions options)
    {
        var failures = new List<string>();
        options.Validate(failures);
        return failures;
    }
}
