using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Tests;

public sealed class CostEstimatorTests
{
    [Fact]
    public void Estimate_800RowsOf400TokensFor3EpochsAt8Dollars_Is768BeforeTheBuffer()
    {
        var estimator = new CostEstimator();
        var estimate = estimator.Estimate(new CostEstimateRequest { Model = "gpt-3.5-turbo-0125", TrainingExamples = 800, TrainingTokens = 800 * 400, Epochs = 3 });

        estimate.Price.TrainingPerMillionTokens.Should().Be(8.00m);
        estimate.BilledTokens.Should().Be(960_000);
        estimate.Subtotal.Should().Be(7.68m);
        estimate.RetryBuffer.Should().Be(1.536m);
        estimate.Total.Should().Be(9.216m);
        estimate.Lines.Select(l => l.Label).Should().Equal("Training", "Retry buffer (20%)");
    }

    [Theory]
    [InlineData(1, 25)]
    [InlineData(5, 20)]
    [InlineData(10, 10)]
    [InlineData(33, 3)]
    [InlineData(34, 3)]
    [InlineData(800, 3)]
    [InlineData(8_333, 3)]
    [InlineData(8_334, 2)]
    [InlineData(25_000, 1)]
    [InlineData(100_000, 1)]
    public void AutoEpochs_Examples_FollowsTheCookbookRule(long examples, int expected)
    {
        CostEstimator.AutoEpochs(examples).Should().Be(expected);
    }

    [Fact]
    public void Estimate_NoEpochs_UsesTheAutomaticRule()
    {
        var estimate = new CostEstimator().Estimate(new CostEstimateRequest { Model = "gpt-4o-mini", TrainingExamples = 10, TrainingTokens = 1000 });
        estimate.Epochs.Should().Be(10);
        estimate.EpochsAreAutomatic.Should().BeTrue();
        estimate.Subtotal.Should().Be(10_000 * 3.00m / 1_000_000m);
    }

    [Fact]
    public void Estimate_UnknownModel_ThrowsNamingKnownModels()
    {
        var act = () => new CostEstimator().Estimate(new CostEstimateRequest { Model = "llama-9", TrainingExamples = 10, TrainingTokens = 1 });
        act.Should().Throw<ArgumentException>().WithMessage("*'llama-9'*gpt-4o-mini*");
    }

    [Theory]
    [InlineData("gpt-4o-mini-2024-07-18", 3.00)]
    [InlineData("gpt-4o-2024-08-06", 25.00)]
    [InlineData("ft:gpt-4.1-nano-2025-04-14:org::abc", 1.50)]
    [InlineData("gpt-4.1-mini-2025-04-14", 5.00)]
    [InlineData("amazon.nova-micro-v1:0:128k", 1.00)]
    public void Estimate_ModelNames_MatchTheLongestCatalogEntry(string model, double price)
    {
        new CostEstimator().Estimate(new CostEstimateRequest { Model = model, TrainingExamples = 10, TrainingTokens = 1 })
            .Price.TrainingPerMillionTokens.Should().Be((decimal)price);
    }

    [Fact]
    public void Estimate_ValidationTokens_NotBilledByOpenAI()
    {
        var estimate = new CostEstimator().Estimate(new CostEstimateRequest { Model = "gpt-4o-mini", TrainingExamples = 100, TrainingTokens = 1000, ValidationTokens = 500, Epochs = 2 });
        estimate.BilledTokens.Should().Be(2000);
    }

    [Fact]
    public void Estimate_ConfiguredPrice_ReplacesTheBuiltInOne()
    {
        var options = new CostEstimationOptions { RetryBuffer = 0, Prices = [new ModelPrice { Model = "gpt-4o-mini", TrainingPerMillionTokens = 1m, BillsValidationTokens = true, Currency = "EUR" }] };
        var estimate = new CostEstimator(options).Estimate(new CostEstimateRequest { Model = "gpt-4o-mini", TrainingExamples = 100, TrainingTokens = 1_000_000, ValidationTokens = 1_000_000, Epochs = 1 });

        estimate.Total.Should().Be(2m);
        estimate.Currency.Should().Be("EUR");
        estimate.Lines.Select(l => l.Label).Should().Equal("Training", "Validation", "Retry buffer (0%)");
    }

    [Fact]
    public void ToText_Estimate_ShowsEveryLine()
    {
        var text = new CostEstimator().Estimate(new CostEstimateRequest { Model = "gpt-3.5-turbo", TrainingExamples = 800, TrainingTokens = 320_000 }).ToText();
        text.Should().Contain("Training examples       800").And.Contain("Epochs                  3 (auto)")
            .And.Contain("Billed tokens           960,000").And.Contain("Training                $7.68")
            .And.Contain("Retry buffer (20%)      $1.54").And.Contain("Total                   $9.22").And.Contain("unverified");
    }

    [Fact]
    public void ToJson_Estimate_HasTheStableFields()
    {
        var json = new CostEstimator().Estimate(new CostEstimateRequest { Model = "gpt-3.5-turbo", TrainingExamples = 800, TrainingTokens = 320_000, Epochs = 3 }).ToJson();
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        root.GetProperty("billed_tokens").GetInt64().Should().Be(960_000);
        root.GetProperty("subtotal").GetDecimal().Should().Be(7.68m);
        root.GetProperty("total").GetDecimal().Should().Be(9.216m);
        root.GetProperty("epochs").GetInt32().Should().Be(3);
        root.GetProperty("currency").GetString().Should().Be("USD");
        root.GetProperty("lines").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingFieldAndValue()
    {
        var act = () => new CostEstimator(new CostEstimationOptions { RetryBuffer = -1 });
        act.Should().Throw<ArgumentException>().WithMessage("*Costs.RetryBuffer*-1*");
    }

    [Fact]
    public void AddFineTuning_RegistersTokenCounterAndEstimatorAsSingletons()
    {
        var services = new ServiceCollection();
        services.AddFineTuning();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ITokenCounter>().Should().BeSameAs(TiktokenTokenizer.O200kBase);
        provider.GetRequiredService<ICostEstimator>().Should().BeSameAs(provider.GetRequiredService<ICostEstimator>());
        services.Single(d => d.ServiceType == typeof(ICostEstimator)).Lifetime.Should().Be(ServiceLifetime.Singleton);
        services.Single(d => d.ServiceType == typeof(ITokenCounter)).Lifetime.Should().Be(ServiceLifetime.Singleton);
    }

    [Fact]
    public void AddFineTuning_PricesFromConfiguration_AreUsed()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FineTuning:Costs:RetryBuffer"] = "0.1",
            ["FineTuning:Costs:Prices:0:Model"] = "my-model",
            ["FineTuning:Costs:Prices:0:Provider"] = "local",
            ["FineTuning:Costs:Prices:0:TrainingPerMillionTokens"] = "2.5",
            ["FineTuning:Tokens:Encoding"] = "cl100k_base",
        }).Build();
        var services = new ServiceCollection();
        services.AddFineTuning(o => configuration.GetSection("FineTuning").Bind(o));
        using var provider = services.BuildServiceProvider();

        var estimate = provider.GetRequiredService<ICostEstimator>().Estimate(new CostEstimateRequest { Model = "my-model", TrainingExamples = 100, TrainingTokens = 1_000_000, Epochs = 1 });
        estimate.Subtotal.Should().Be(2.5m);
        estimate.RetryBuffer.Should().Be(0.25m);
        provider.GetRequiredService<ITokenCounter>().EncodingName.Should().Be("cl100k_base");
    }

    [Theory]
    [InlineData("Tokens:Encoding", "p50k_base", "*Tokens.Encoding*p50k_base*")]
    [InlineData("Costs:Prices:0:Currency", "dollars", "*Costs.Prices[0].Currency*dollars*")]
    [InlineData("Costs:Prices:0:TrainingPerMillionTokens", "-1", "*Costs.Prices[0].TrainingPerMillionTokens*-1*")]
    public void AddFineTuning_InvalidTokenOrCostOptions_FailAtStart(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Costs:Prices:0:Model"] = "x",
            [key] = value,
        }).Build();
        var services = new ServiceCollection();
        services.AddFineTuning(o => configuration.Bind(o));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<FineTuningOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().WithMessage(message);
    }

    [Theory]
    [InlineData("ft:gpt-4o-mini-2024-07-18:acme::abc123", "gpt-4o-mini", 0.30)]
    [InlineData("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini", 0.80)]
    [InlineData("gpt-4.1", "gpt-4.1", 3.00)]
    public void FindPrice_KnownModel_ReturnsLongestMatchingFamily(string model, string family, double input)
    {
        var price = new CostEstimator().FindPrice(model);

        price.Should().NotBeNull();
        price!.Model.Should().Be(family);
        price.InputPerMillionTokens.Should().Be((decimal)input);
    }

    [Fact]
    public void FindPrice_UnknownModel_ReturnsNull()
    {
        new CostEstimator().FindPrice("my-own-model").Should().BeNull();
    }
}
