using System.CommandLine;

namespace FineTune.Cli;

/// <summary>Every top-level command, one factory per file under Commands/.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        yield return ValidateCommand.Create(context);
        yield return ConvertCommand.Create(context);
        yield return SplitCommand.Create(context);
        yield return RedactCommand.Create(context);
        yield return ManifestCommand.Create(context);
        yield return AugmentCommand.Create(context);
        yield return EstimateCommand.Create(context);
        yield return TokensCommand.Create(context);
        yield return EmulateCommand.Create(context);
        yield return JobsCommand.Create(context);
        yield return EvalCommand.Create(context);
        yield return RegistryCommand.Create(context);
        yield return AdviseCommand.Create(context);
        yield return RunCommand.Create(context);
    }
}
