using System.CommandLine;

namespace FineTune.Cli;

/// <summary>The <c>finetune</c> command tree. Commands are thin: parse, call the SDK, render.</summary>
internal static class CliApp
{
    /// <summary>Exit code when the command ran and found nothing blocking.</summary>
    public const int Success = 0;

    /// <summary>Exit code when the command ran and found errors (invalid data, a blocked deploy).</summary>
    public const int Failed = 1;

    /// <summary>Exit code for usage and I/O problems (bad arguments, missing file).</summary>
    public const int UsageError = 2;

    public static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand("finetune: validate fine-tuning data, estimate cost, run jobs and gate deployments on evaluations.");
        foreach (var command in CommandCatalog.Create(context))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        error = new ScrubbingTextWriter(error); // the one choke point of stderr: no command prints a secret
        var context = new CliContext(output, error);
        var root = CreateRootCommand(context);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'finetune --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
