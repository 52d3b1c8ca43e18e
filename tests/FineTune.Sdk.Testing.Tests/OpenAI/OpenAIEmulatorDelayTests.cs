using System.Net;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The OpenAI emulator's injected response delay runs on the emulator's clock, not the wall clock.</summary>
public sealed class OpenAIEmulatorDelayTests
{
    [Fact]
    public async Task ResponseDelay_OnAFakeClock_AnswersOnlyWhenTheClockAdvances()
    {
        var clock = new AutoAdvancingFakeTimeProvider { AutoAdvance = false };
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 3, ResponseDelay = TimeSpan.FromHours(1) }, clock);
        using var http = new HttpClient(emulator.CreateHttpMessageHandler()) { BaseAddress = new Uri("http://emulator/v1/") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", "sk-test");

        var pending = http.GetAsync("models");
        await WaitUntilAsync(() => clock.ScheduledDelays.Count > 0);
        pending.IsCompleted.Should().BeFalse("an hour has not passed on the emulator's clock");
        clock.Advance(TimeSpan.FromHours(1));

        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
