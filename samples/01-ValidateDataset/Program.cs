// Validates a fine-tuning dataset with FineTune.Sdk, first through dependency injection, then without it.
// usage: dotnet run --project samples/01-ValidateDataset -- [FILE.jsonl]   (defaults to samples/data/support-tickets.jsonl)
using FineTune.Sdk;
using Microsoft.Extensions.DependencyInjection;

var path = args.Length > 0 ? args[0] : FindBundledDataset();

// With DI: AddFineTuning registers IDatasetValidator with validated options.
var services = new ServiceCollection();
services.AddFineTuning(options => options.Datasets.MaxFindingsPerCode = 20);
await using var provider = services.BuildServiceProvider();
var validator = provider.GetRequiredService<IDatasetValidator>();

DatasetValidationReport report = await validator.ValidateFileAsync(path);

Console.WriteLine($"{path}: {report.Rows} rows, format {report.Format}, {report.ErrorCount} errors, {report.WarningCount} warnings");
foreach (ValidationFinding finding in report.Findings)
{
    Console.WriteLine($"  {finding.Severity} {finding.Code} line {finding.Line} {finding.Path}: {finding.Message}");
}

// Without DI: the same engine, constructed directly, here forced to the chat format.
var direct = new DatasetValidator(new DatasetValidationOptions { MaxDepth = 32 });
var again = await direct.ValidateFileAsync(path, DatasetFormat.Chat);
Console.WriteLine(again.IsValid ? "Valid: ready to upload." : "Invalid: fix the errors above first.");

return report.IsValid ? 0 : 1;

static string FindBundledDataset()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "samples", "data", "support-tickets.jsonl");
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }

    return Path.Combine("samples", "data", "support-tickets.jsonl");
}
