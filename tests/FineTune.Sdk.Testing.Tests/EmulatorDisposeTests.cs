using System.Net.Sockets;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>
/// The emulators' synchronous Dispose never waits on the loopback server: the port closes and the request in flight is
/// cancelled at once, and the server's connections end by themselves (waited for with a deadline); DisposeAsync waits.
/// </summary>
public sealed class EmulatorDisposeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task OpenAIEmulator_DisposeWithARequestInFlight_ReturnsThePortClosesAndTheServerEndsOnItsOwn()
    {
        var clock = new AutoAdvancingFakeTimeProvider { AutoAdvance = false };
        var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 3, ResponseDelay = TimeSpan.FromHours(1) }, clock);
        var address = await emulator.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(address + "/") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", "sk-test");
        var pending = http.GetAsync("models");
        await WaitUntilAsync(() => clock.ScheduledDelays.Count > 0); // the answer waits an hour on the emulator's clock

        await Task.Run(emulator.Dispose).WaitAsync(Deadline);

        await AssertStoppedAsync(address, emulator.ServerCompletion, pending);
    }

    [Fact]
    public async Task BedrockEmulator_DisposeWithARequestInFlight_ReturnsThePortClosesAndTheServerEndsOnItsOwn()
    {
        var clock = new AutoAdvancingFakeTimeProvider { AutoAdvance = false };
        var emulator = new BedrockEmulator(new BedrockEmulatorOptions { ResponseDelay = TimeSpan.FromHours(1) }, clock);
        var address = await emulator.StartAsync();
        using var http = new HttpClient { BaseAddress = address };
        var pending = http.GetAsync("custom-models");
        await WaitUntilAsync(() => emulator.RequestCount > 0 && clock.ScheduledDelays.Count > 0);

        await Task.Run(emulator.Dispose).WaitAsync(Deadline);

        await AssertStoppedAsync(address, emulator.ServerCompletion, pending);
    }

    private static async Task AssertStoppedAsync(Uri address, Task serverCompletion, Task<HttpResponseMessage> pending)
    {
        using (var probe = new TcpClient())
        {
            await probe.Invoking(p => p.ConnectAsync("127.0.0.1", address.Port)).Should().ThrowAsync<SocketException>("the listening socket closed during Dispose");
        }

        await serverCompletion.WaitAsync(Deadline); // every connection ended by itself: nothing of the server is left
        await pending.Invoking(p => p.WaitAsync(Deadline)).Should().ThrowAsync<HttpRequestException>("the request in flight was cut, not answered");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
