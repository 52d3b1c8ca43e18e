using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Tests;

/// <summary>A logger that keeps every entry (event id, level, rendered message).</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly List<(int EventId, LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}

/// <summary>A typed <see cref="CapturingLogger"/>, for types whose constructor takes an <see cref="ILogger{TCategoryName}"/>.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly CapturingLogger _inner = new();

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Entries => _inner.Entries;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _inner.Log(logLevel, eventId, state, exception, formatter);
}
