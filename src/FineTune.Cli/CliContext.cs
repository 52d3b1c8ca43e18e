namespace FineTune.Cli;

/// <summary>What every command writes to; tests pass string writers.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Gets a value indicating whether stdout is an interactive terminal (progress bars only then).</summary>
    public bool IsInteractive => ReferenceEquals(Output, Console.Out) && !Console.IsOutputRedirected;
}
