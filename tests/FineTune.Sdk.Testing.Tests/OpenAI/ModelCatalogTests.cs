namespace FineTune.Sdk.Testing.Tests;

public sealed class ModelCatalogTests
{
    [Fact]
    public void Models_CapsAreTheSdkTrainingLimits()
    {
        foreach (var model in ModelCatalog.Models)
        {
            var expected = TrainingTokenLimit.TryGet(model.Id, out var limit) ? limit.MaxTokensPerExample : BaseModel.AssumedMaxTokensPerExample;
            model.MaxTokensPerExample.Should().Be(expected, model.Id);
            model.Accounting.MaxTokensPerExample.Should().Be(expected, model.Id);
            model.Accounting.Formula.Should().Be(ChatTokenFormula.Billing);
        }

        ModelCatalog.Find("gpt-3.5-turbo-0613")!.MaxTokensPerExample.Should().Be(4_096);
        ModelCatalog.Find("gpt-3.5-turbo")!.MaxTokensPerExample.Should().Be(16_385);
        ModelCatalog.Find("gpt-4o-mini")!.MaxTokensPerExample.Should().Be(65_536);
    }

    [Theory]
    [InlineData("gpt-4o-mini", "o200k_base")]
    [InlineData("gpt-4.1-nano", "o200k_base")]
    [InlineData("o4-mini", "o200k_base")]
    [InlineData("gpt-3.5-turbo-1106", "cl100k_base")]
    public void Accounting_UsesTheModelsTiktokenEncoding(string model, string encoding)
    {
        ModelCatalog.Find(model)!.Accounting.TokenCounter.EncodingName.Should().Be(encoding);
    }
}
