using System.Globalization;

namespace FineTune.Sdk.Testing;

/// <summary>
/// The loopback HTTP server an emulator may start: at most one at a time, started and stopped under one lock. Shared by
/// <see cref="OpenAIEmulator"/> and <see cref="BedrockEmulator"/>.
/// </summary>
internal sealed class LoopbackHost
{
    private readonly object _gate = new();
    private LoopbackHttpServer? _server;

    /// <summary>Gets how many connections the running server has accepted (0 when not started).</summary>
    public int AcceptedConnections
    {
        get
        {
            lock (_gate)
            {
                return _server?.AcceptedConnections ?? 0;
            }
        }
    }

    /// <summary>Starts serving on 127.0.0.1.</summary>
    /// <param name="process">The emulator's request handler.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="maxBodyBytes">The largest request body accepted.</param>
    /// <param name="basePath">What follows the port in the returned base address ("" or "/v1").</param>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>The base address, <c>http://127.0.0.1:PORT</c> followed by <paramref name="basePath"/>.</returns>
    /// <exception cref="InvalidOperationException">The server was already started.</exception>
    public Uri Start(Func<EmulatorRequest, EmulatorResponse> process, int port, long maxBodyBytes, string basePath, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_server is not null)
            {
                throw new InvalidOperationException("The emulator's HTTP server is already started.");
            }

            var server = new LoopbackHttpServer(process, port, maxBodyBytes);
            server.Start();
            _server = server;
            return new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{server.Port}{basePath}"));
        }
    }

    /// <summary>Stops the server, if started, and waits for open connections to finish.</summary>
    /// <returns>A task that completes when the server is stopped.</returns>
    public async ValueTask StopAsync()
    {
        if (Detach() is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the server, if started, without waiting: it no longer accepts, its port is closed, its open connections are
    /// cancelled and end by themselves.
    /// </summary>
    /// <returns>A task that completes when the last connection has ended (completed when none was started).</returns>
    public Task Stop()
    {
        if (Detach() is not { } server)
        {
            return Task.CompletedTask;
        }

        server.Stop();
        return server.Completion;
    }

    private LoopbackHttpServer? Detach()
    {
        lock (_gate)
        {
            var server = _server;
            _server = null;
            return server;
        }
    }
}
