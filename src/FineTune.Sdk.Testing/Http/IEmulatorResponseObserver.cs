namespace FineTune.Sdk.Testing;

/// <summary>Sees every response an emulator gives and its disposal (a test hook; see <see cref="OpenAIEmulator.ObserverFactory"/> and <see cref="BedrockEmulator.ObserverFactory"/>).</summary>
internal interface IEmulatorResponseObserver
{
    /// <summary>Called once per request, with the response about to be sent, on the thread that handled it.</summary>
    void OnResponse(EmulatorRequest request, EmulatorResponse response);

    /// <summary>Called when the emulator is disposed; may throw to report what it saw.</summary>
    void OnDisposed();
}
