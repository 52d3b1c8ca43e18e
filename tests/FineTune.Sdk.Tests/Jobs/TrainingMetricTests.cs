namespace FineTune.Sdk.Tests;

public sealed class TrainingMetricTests
{
    [Fact]
    public void ParseCsv_OpenAIResultsFile_ReadsStepsAndEmptyValidationCells()
    {
        const string csv = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.52,0.61,,\n2,1.20,0.66,1.31,0.64\n3,0.98,0.70,,\n";

        var rows = TrainingMetric.ParseCsv(csv);

        rows.Should().HaveCount(3);
        rows[0].Step.Should().Be(1);
        rows[0].TrainLoss.Should().Be(1.52);
        rows[0].ValidLoss.Should().BeNull();
        rows[1].ValidLoss.Should().Be(1.31);
        rows[1].ValidAccuracy.Should().Be(0.64);
        rows[2].TrainAccuracy.Should().Be(0.70);
    }

    [Fact]
    public void ParseCsv_AliasesAndExtraColumns_MappedOrKept()
    {
        const string csv = "step_number,epoch_number,training_loss,validation_loss,learning_rate\r\n10,1,0.5,0.6,0.0001\r\n";

        var row = TrainingMetric.ParseCsv(csv).Should().ContainSingle().Subject;

        row.Step.Should().Be(10);
        row.Epoch.Should().Be(1);
        row.TrainLoss.Should().Be(0.5);
        row.ValidLoss.Should().Be(0.6);
        row.AdditionalProperties!["learning_rate"].Should().Be(0.0001);
    }

    [Fact]
    public void ParseCsv_UnderGermanCulture_ReadsInvariantNumbers()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            TrainingMetric.ParseCsv("step,train_loss\n1,1.8\n")[0].TrainLoss.Should().Be(1.8);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void ModelRetirementSchedule_FineTunedModel_RetiresWithBase()
    {
        var schedule = new ModelRetirementSchedule([new("gpt-4.1-nano-2025-04-14", new DateOnly(2026, 10, 23))]);

        schedule.GetRetirementDate("ft:gpt-4.1-nano-2025-04-14:acme:drone:AbC12345").Should().Be(new DateOnly(2026, 10, 23));
        schedule.GetRetirementDate("GPT-4.1-NANO-2025-04-14").Should().Be(new DateOnly(2026, 10, 23));
        schedule.GetRetirementDate("gpt-4o-mini-2024-07-18").Should().BeNull();
    }
}
