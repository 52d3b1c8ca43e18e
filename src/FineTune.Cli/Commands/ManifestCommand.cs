using System.CommandLine;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary><c>finetune manifest IN [--version 1.0.0] [--out FILE]</c>.</summary>
internal static class ManifestCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "The JSONL dataset." };
        var version = new Option<string>("--version") { Description = "The dataset's semantic version (SemVer 2.0.0).", DefaultValueFactory = _ => "1.0.0" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the manifest to this file instead of stdout." };
        var command = new Command("manifest", "Fingerprint a dataset: SHA-256, row counts, format, provenance and findings summary, as JSON.")
        {
            input, version, output,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var file = parseResult.GetValue(input)!;
            return DatasetCommandIO.RunAsync(context, file, async () =>
            {
                var semver = parseResult.GetValue(version)!;
                if (!DatasetManifest.IsValidVersion(semver))
                {
                    await context.Error.WriteLineAsync($"error: --version must be a semantic version such as 1.2.0; it was '{semver}'.").ConfigureAwait(false);
                    return CliApp.UsageError;
                }

                var manifest = await new DatasetManifestBuilder(new DatasetValidator()).CreateFromFileAsync(file.FullName, semver, cancellationToken).ConfigureAwait(false);
                var json = manifest.ToJson();
                if (parseResult.GetValue(output) is { } target)
                {
                    var bytes = System.Text.Encoding.UTF8.GetBytes(json + "\n");
                    await AtomicFile.WriteAsync(target.FullName, (stream, token) => stream.WriteAsync(bytes, token).AsTask(), cancellationToken).ConfigureAwait(false);
                    await context.Output.WriteLineAsync($"Wrote {target.FullName} (sha256 {manifest.Sha256}).").ConfigureAwait(false);
                }
                else
                {
                    await context.Output.WriteLineAsync(json).ConfigureAwait(false);
                }

                return CliApp.Success;
            });
        });
        return command;
    }
}
