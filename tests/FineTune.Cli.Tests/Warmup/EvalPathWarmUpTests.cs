using FineTune.Sdk;

namespace FineTune.Cli.Tests;

public sealed class EvalPathWarmUpTests
{
    [Fact]
    public async Task RunAsync_WithScorersAndJsonFormat_AnswersAndScoresTheThrowawayCase()
    {
        var settings = new EvalRunOptions { Temperature = 0, MaxOutputTokens = 16, ResponseFormat = Microsoft.Extensions.AI.ChatResponseFormat.Json };
        var scorers = new[] { EvalScorers.Create("exact"), EvalScorers.Create("json-valid"), EvalScorers.Create("json") };

        var warmUp = EvalPathWarmUp.RunAsync(settings, scorers, CancellationToken.None);

        (await Task.WhenAny(warmUp, Task.Delay(TimeSpan.FromSeconds(30)))).Should().BeSameAs(warmUp, "the canned responder answers at once");
        (await warmUp).Should().BeTrue("the throwaway case is answered over loopback HTTP, parsed and scored");
    }

    [Fact]
    public async Task RunAsync_Cancelled_ReturnsFalseWithoutThrowing()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        var warmUp = EvalPathWarmUp.RunAsync(new EvalRunOptions(), [], cancel.Token);

        (await Task.WhenAny(warmUp, Task.Delay(TimeSpan.FromSeconds(30)))).Should().BeSameAs(warmUp);
        (await warmUp).Should().BeFalse("a cancelled warm-up stops, reports it and throws nothing");
    }
}
