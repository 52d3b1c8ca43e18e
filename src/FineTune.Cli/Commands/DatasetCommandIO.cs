namespace FineTune.Cli;

/// <summary>Shared handling of the dataset tools' file errors: a missing input or a refused output is a usage error.</summary>
internal static class DatasetCommandIO
{
    public static async Task<int> RunAsync(CliContext context, FileInfo input, Func<Task<int>> action)
    {
        if (!input.Exists)
        {
            await context.Error.WriteLineAsync($"error: file not found: {input.FullName}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }
    }
}
