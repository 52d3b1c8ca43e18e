using Microsoft.Extensions.Logging.Testing;
using System.Diagnostics.Metrics;
using FineTune.Tests;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Tests;

/// <summary>The validator over the real public files in ../shared/datasets (see SOURCES.md there).</summary>
public sealed class DatasetValidatorTests
{
    [Fact]
    public async Task ValidateFileAsync_DroneTrainingToolCalls_IsClean()
    {
        var report = await ValidateAsync("openai-cookbook/drone_training.jsonl");

        report.Format.Should().Be(DatasetFormat.Chat);
        report.Rows.Should().Be(103);
        report.ErrorCount.Should().Be(0);
        report.Findings.Where(f => f.Code.StartsWith("FT10", StringComparison.Ordinal)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("azure-finetune-tutorial/training_set.jsonl")]
    [InlineData("azure-finetune-tutorial/validation_set.jsonl")]
    public async Task ValidateFileAsync_AzureTutorialFiles_HaveNoErrorsAndWarnOnlyAboutSize(string file)
    {
        var report = await ValidateAsync(file);

        report.Format.Should().Be(DatasetFormat.Chat);
        report.Rows.Should().Be(10);
        report.ErrorCount.Should().Be(0);
        report.Findings.Where(f => f.Code.StartsWith("FT10", StringComparison.Ordinal)).Select(f => f.Code).Should().Equal("FT1010");
    }

    [Fact]
    public async Task ValidateFileAsync_CookbookToyFile_ReportsTheKnownFlaws()
    {
        var report = await ValidateAsync("openai-cookbook/toy_chat_fine_tuning.jsonl");

        report.Rows.Should().Be(5);
        report.Findings.Where(f => f.Code.StartsWith("FT10", StringComparison.Ordinal)).Select(f => (f.Code, f.Severity, f.Line)).Should().BeEquivalentTo(new[]
        {
            ("FT1033", FindingSeverity.Info, 3L),    // no system message
            ("FT1032", FindingSeverity.Warning, 4L), // no user message
            ("FT1009", FindingSeverity.Error, 0L),   // 5 rows, under the provider's minimum of 10
        });
        report.Findings.Should().OnlyContain(f => f.File != null && f.File.EndsWith("toy_chat_fine_tuning.jsonl", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("llama-factory/alpaca_en_demo.json", "999 elements", "Alpaca")]
    [InlineData("llama-factory/alpaca_zh_demo.json", "1000 elements", "Alpaca")]
    [InlineData("llama-factory/identity.json", "91 elements", "Alpaca")]
    [InlineData("llama-factory/dpo_en_demo.json", "300 elements", "ShareGPT preference")]
    [InlineData("llama-factory/glaive_toolcall_en_demo.json", "300 elements", "ShareGPT format")]
    [InlineData("llama-factory/mllm_demo.json", "6 elements", "chat rows")]
    [InlineData("banking77/categories.json", "77 elements", "plain values")]
    [InlineData("llama-factory/dataset_info.json", "JSON object spread over", "not JSON Lines")]
    public async Task ValidateFileAsync_JsonDocumentFiles_ReportOneClearFinding(string file, string count, string looksLike)
    {
        var report = await ValidateAsync(file);

        report.Format.Should().Be(DatasetFormat.Unknown);
        var finding = report.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be("FT1011");
        finding.Line.Should().Be(1);
        finding.Message.Should().Contain("not JSON Lines").And.Contain(count).And.Contain(looksLike);
    }

    [Theory]
    [InlineData("banking77/train.csv", 10015)] // 10,004 CSV records; 11 quoted texts hold a bare line feed
    [InlineData("banking77/test.csv", 3084)]
    public async Task ValidateFileAsync_Banking77Csv_ReportsCsv(string file, long rows)
    {
        var report = await ValidateAsync(file);

        report.Rows.Should().Be(rows);
        report.Findings.Should().ContainSingle().Which.Should().Match<ValidationFinding>(f => f.Code == "FT1012" && f.Line == 1 && f.Message.Contains("CSV"));
    }

    [Theory]
    [InlineData("azure-samples-openai/generated_labels_context_switching_prepared_train.jsonl", "legacy prompt/completion format, which is not accepted for chat models")]
    [InlineData("azure-samples-openai/generated_labels_context_switching_prepared_valid.jsonl", "legacy prompt/completion format, which is not accepted for chat models")]
    [InlineData("openai-cookbook/dbpedia_samples.jsonl", "text/label classification")]
    public async Task ValidateFileAsync_ForeignJsonlRows_ReportOneClearFinding(string file, string looksLike)
    {
        var report = await ValidateAsync(file);

        report.Format.Should().Be(DatasetFormat.Unknown);
        report.Findings.Should().ContainSingle().Which.Should().Match<ValidationFinding>(f => f.Code == "FT1013" && f.Line == 1 && f.Message.Contains(looksLike));
    }

    [Fact]
    public async Task ValidateFileAsync_LegacyFileForcedAsChat_ReportsEveryRowWithAHint()
    {
        var report = await new DatasetValidator().ValidateFileAsync(RepoPaths.Dataset("azure-samples-openai/generated_labels_context_switching_prepared_valid.jsonl"), DatasetFormat.Chat);

        report.Summary["FT1021"].Should().Be(45);
        report.Findings[0].Message.Should().Contain("legacy prompt/completion");
    }

    [Fact]
    public async Task ValidateFileAsync_BedrockConversationFile_PointsAtTheBedrockLayout()
    {
        var report = await ValidateAsync("bedrock-nova-tooluse/formatted_test_ft.jsonl");

        report.Format.Should().Be(DatasetFormat.Chat);
        report.Summary["FT1015"].Should().Be(240);   // top-level system and schemaVersion on each of 120 rows
        report.Summary["FT1029"].Should().Be(240);   // {text} content parts without a type
        report.Findings.First(f => f.Code == "FT1015").Message.Should().Contain("Bedrock");
    }

    [Fact]
    public async Task ValidateFileAsync_BundledSample_IsValid()
    {
        var report = await new DatasetValidator().ValidateFileAsync(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"));

        report.Format.Should().Be(DatasetFormat.Chat);
        report.Rows.Should().Be(70, "the file's 70 lines");
        report.ErrorCount.Should().Be(0);
        report.WarningCount.Should().Be(0);
    }

    [Fact]
    public async Task ValidateFileAsync_MissingFile_ThrowsFileNotFound()
    {
        var act = () => new DatasetValidator().ValidateFileAsync(Path.Combine(Path.GetTempPath(), "no-such-dir-ft", "x.jsonl"));

        await act.Should().ThrowAsync<IOException>();
    }

    [Fact]
    public async Task ValidateAsync_UnsupportedForcedFormat_Throws()
    {
        using var stream = new MemoryStream();
        var act = () => new DatasetValidator().ValidateAsync(stream, new DatasetValidationRequest { Format = new DatasetFormat("alpaca") });

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("alpaca");
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheField()
    {
        var act = () => new DatasetValidator(new DatasetValidationOptions { MaxDepth = 1 });

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("MaxDepth").And.Contain("1");
    }

    [Fact]
    public async Task ValidateAsync_RecordsRowsCounterAndLogsWithoutContents()
    {
        var rows = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "FineTune.Sdk" && instrument.Name == "finetune.dataset.rows")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "finetune.dataset.format" && (string?)tag.Value == "chat")
                {
                    Interlocked.Add(ref rows, value);
                }
            }
        });
        listener.Start();
        var logger = new FakeLogger();
        var validator = new DatasetValidator(null, logger, TimeProvider.System);

        await validator.ValidateFileAsync(RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl"));

        Interlocked.Read(ref rows).Should().BeGreaterThanOrEqualTo(5);
        logger.Collector.GetSnapshot().Select(e => e.Id.Id).Should().Contain([1001, 1002, 1003]);
        logger.Collector.GetSnapshot().Should().OnlyContain(e => !e.Message.Contains("banana", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void GetService_Options_ReturnsTheOptions()
    {
        var options = new DatasetValidationOptions();
        var validator = new DatasetValidator(options);

        validator.GetService(typeof(DatasetValidationOptions)).Should().BeSameAs(options);
        validator.GetService(typeof(DatasetValidationOptions), "key").Should().BeNull();
        validator.GetService(typeof(string)).Should().BeNull();
    }

    private static Task<DatasetValidationReport> ValidateAsync(string file) =>
        new DatasetValidator().ValidateFileAsync(RepoPaths.Dataset(file));
}
