namespace FineTune.Sdk.Tests;

public sealed class FineTuneJobRequestTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public void Validate_EpochsOutOfRange_ThrowsNamingFieldAndValue(int epochs)
    {
        var request = new FineTuneJobRequest("gpt-4o-mini-2024-07-18", "file-abc") { Hyperparameters = { Epochs = epochs } };

        var act = request.Validate;

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*Epochs must be between 1 and 50*it was {epochs}*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void Validate_BatchSizeOutOfRange_Throws(int batch)
    {
        var request = new FineTuneJobRequest("m", "file-abc") { Hyperparameters = { BatchSize = batch } };

        FluentActions.Invoking(request.Validate).Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*BatchSize must be between 1 and 256*it was {batch}*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Validate_LearningRateNotPositive_Throws(double lr)
    {
        var request = new FineTuneJobRequest("m", "file-abc") { Hyperparameters = { LearningRateMultiplier = lr } };

        FluentActions.Invoking(request.Validate).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*LearningRateMultiplier must be greater than 0*");
    }

    [Fact]
    public void Validate_BoundaryValues_Pass()
    {
        var low = new FineTuneJobRequest("m", "file-abc") { Hyperparameters = { Epochs = 1, BatchSize = 1, LearningRateMultiplier = 0.0001 } };
        var high = new FineTuneJobRequest("m", "file-abc") { Method = FineTuneMethod.Dpo, Hyperparameters = { Epochs = 50, BatchSize = 256, Beta = 2 } };

        FluentActions.Invoking(low.Validate).Should().NotThrow();
        FluentActions.Invoking(high.Validate).Should().NotThrow();
    }

    [Fact]
    public void Validate_BetaWithSupervised_Throws()
    {
        var request = new FineTuneJobRequest("m", "file-abc") { Hyperparameters = { Beta = 0.1 } };

        FluentActions.Invoking(request.Validate).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Beta applies only to the dpo method*supervised*");
    }

    [Fact]
    public void Validate_ReservedMetadataKey_Throws()
    {
        var request = new FineTuneJobRequest("m", "file-abc");
        request.Metadata[FineTuneJobRequest.IdempotencyMetadataKey] = "x";

        FluentActions.Invoking(request.Validate).Should().Throw<ArgumentException>().WithMessage("*ft_idempotency_key*reserved*");
    }

    [Fact]
    public void Validate_SixteenMetadataPairs_ThrowsBecauseOneIsReserved()
    {
        var request = new FineTuneJobRequest("m", "file-abc");
        for (var i = 0; i < 16; i++)
        {
            request.Metadata[$"k{i}"] = "v";
        }

        FluentActions.Invoking(request.Validate).Should().Throw<ArgumentException>().WithMessage("*at most 15 pairs*16*");
    }

    [Fact]
    public void Validate_SuffixTooLong_Throws()
    {
        var request = new FineTuneJobRequest("m", "file-abc") { Suffix = new string('a', 65) };

        FluentActions.Invoking(request.Validate).Should().Throw<ArgumentException>().WithMessage("*Suffix must be 1 to 64 characters*65*");
    }

    [Fact]
    public void Defaults_AreSupervisedAndAuto()
    {
        var request = new FineTuneJobRequest("m", "file-abc");

        request.Method.Should().Be(FineTuneMethod.Supervised);
        request.Hyperparameters.IsAuto.Should().BeTrue();
        request.IdempotencyKey.Should().BeNull();
    }
}
