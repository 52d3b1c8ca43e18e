using System.Text;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary>
/// The CLI's stderr: every string written passes through <see cref="SecretScrubber"/> first, so no command can print
/// a key, a token or a credential-bearing URL from a provider error or an option. Line-oriented: a secret split over
/// two writes of single characters is not recognised (commands write whole messages).
/// </summary>
internal sealed class ScrubbingTextWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter takes string? and so does the inner writer's
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value) => inner.Write(value);

    public override void Write(char[] buffer, int index, int count) => inner.Write(SecretScrubber.Scrub(new string(buffer, index, count)));

    public override void Write(string? value) => inner.Write(SecretScrubber.Scrub(value));

    public override void WriteLine(string? value) => inner.WriteLine(SecretScrubber.Scrub(value));

    public override Task WriteAsync(char value) => inner.WriteAsync(value);

    public override Task WriteAsync(string? value) => inner.WriteAsync(SecretScrubber.Scrub(value));

    public override Task WriteAsync(char[] buffer, int index, int count) => inner.WriteAsync(SecretScrubber.Scrub(new string(buffer, index, count)));

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(SecretScrubber.Scrub(buffer.ToString()).AsMemory(), cancellationToken);

    public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(SecretScrubber.Scrub(value));

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) => inner.WriteLineAsync(SecretScrubber.Scrub(buffer.ToString()).AsMemory(), cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();

    // The inner writer belongs to the caller (Console.Error, a test's StringWriter): not disposed here.
}
