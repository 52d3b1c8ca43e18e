using FineTune.Sdk.Tests;

namespace FineTune.Cli.Tests;

/// <summary>
/// The CLI on the fuzz suite's mutated real files (<see cref="Mutations"/>): every command that reads a dataset exits
/// 0, 1 or 2 and never writes a stack trace.
/// </summary>
public sealed class CliFuzzTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ft-cli-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void DatasetCommands_MutatedRealFiles_ExitZeroOneOrTwoWithoutAStackTrace()
    {
        var iteration = 0;
        Fuzz.Run("cli", Mutations.File(allowHuge: false), file =>
        {
            var n = Interlocked.Increment(ref iteration);
            var input = Path.Combine(_directory, $"in-{n}.jsonl");
            File.WriteAllBytes(input, file.Bytes);
            string[][] commands =
            [
                ["validate", input, "--json", "--model", "gpt-4o-mini"],
                ["validate", input, "--gates", "none"],
                ["split", input, "--out-dir", Path.Combine(_directory, $"split-{n}")],
                ["redact", input, "--out", Path.Combine(_directory, $"redacted-{n}.jsonl")],
                ["augment", input, "--out", Path.Combine(_directory, $"augmented-{n}.jsonl")],
                ["manifest", input, "--version", "1.0.0"],
                ["estimate", input, "--model", "gpt-4o-mini"],
            ];
            foreach (var args in commands)
            {
                using var output = new StringWriter();
                using var error = new StringWriter();
                var code = Fuzz.WaitFor(CliApp.RunAsync(args, output, error));
                code.Should().BeOneOf([0, 1, 2], "{0} exits 0, 1 or 2 ({1})", args[0], error);
                error.ToString().Should().NotContain("   at ", "{0} writes a message, not a stack trace", args[0]);
            }
        }, iterations: 40);
    }
}
