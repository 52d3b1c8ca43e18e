using System.Runtime.InteropServices;

namespace FineTune.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM as a cancellation token: while registered, the signals do not kill the process; the
/// command sees <see cref="Token"/> cancelled and stops what it is doing, in its own way (a run saves its state, a server
/// stops listening).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    /// <summary>Registers the handlers; <paramref name="cancellationToken"/> (the command's own) also stops.</summary>
    public StopSignals(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    /// <summary>Gets the token cancelled by a signal or by the command's own token.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Gets whether a stop was requested.</summary>
    public bool IsStopRequested => _stop.IsCancellationRequested;

    /// <inheritdoc />
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;
        _stop.Cancel();
    }
}
