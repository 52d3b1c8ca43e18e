namespace FineTune.Sdk.Bedrock.Tests;

public sealed class BedrockHostingPricesTests
{
    [Fact]
    public void EstimateMonthlyProvisionedHosting_NovaOneUnitSixMonths_IsHourlyTimes730PlusStorage()
        => BedrockHostingPrices.EstimateMonthlyProvisionedHosting("amazon.nova-micro-v1:0:128k", 1, "SixMonths").Should().Be((30.25m * 730m) + 1.95m);

    [Fact]
    public void Find_UnknownModel_HasStorageButNoThroughputPrice()
    {
        BedrockHostingPrices.Find("meta.llama3-1-8b-instruct-v1:0:128k", BedrockHostingCharge.StoragePerModelMonth)!.UsdAmount.Should().Be(1.95m);
        BedrockHostingPrices.EstimateMonthlyProvisionedHosting("meta.llama3-1-8b-instruct-v1:0:128k", 1).Should().BeNull();
    }

    [Fact]
    public void BuiltIn_EveryFigure_HasAsOfAndSourceAndIsMarkedUnverified()
        => BedrockHostingPrices.BuiltIn.Should().OnlyContain(p => p.AsOf.Length > 0 && p.Source.Length > 0 && !p.IsVerified);
}
