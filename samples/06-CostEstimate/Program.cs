// Know the cost before paying: count the billed tokens of a dataset exactly (tiktoken-exact), then price it for several
// models and epoch counts, and check a budget cap the way `finetune run` does before any upload. Offline.
// usage: dotnet run --project samples/06-CostEstimate [-- FILE.jsonl [BUDGET_USD]]
using System.Globalization;
using FineTune.Sdk;

var root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "FineTune.Sdk.sln")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run from the repository.");
}

var path = args.Length > 0 ? args[0] : Path.Combine(root, "samples", "data", "support-tickets.jsonl");
var budget = args.Length > 1 ? decimal.Parse(args[1], CultureInfo.InvariantCulture) : 0.50m;

// 1. Tokens: the validator counts billed tokens per example with the model's encoding (gates off: counting only).
var validator = new DatasetValidator(new DatasetValidationOptions());
await using var file = File.OpenRead(path);
var report = await validator.ValidateAsync(file, new DatasetValidationRequest { FileName = Path.GetFileName(path), Model = "gpt-4o-mini", CountTokens = true });
var tokens = report.Tokens ?? throw new InvalidOperationException("no token counts");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(path)}: {tokens.Examples} examples, {tokens.Billed:N0} billed tokens ({tokens.Encoding}), {report.ErrorCount} errors"));

// 2. Prices: the built-in catalog (docs/cost-model.md) — automatic epochs first, then fixed ones.
var estimator = new CostEstimator();
foreach (var model in new[] { "gpt-4o-mini-2024-07-18", "gpt-4.1-mini-2025-04-14", "gpt-4o-2024-08-06" })
{
    foreach (int? epochs in new int?[] { null, 1, 5 })
    {
        var estimate = estimator.Estimate(tokens, model, epochs);
        var verdict = estimate.Total <= budget ? "within" : "OVER";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {model,-24} {(epochs is null ? $"auto={estimate.Epochs}" : estimate.Epochs.ToString(CultureInfo.InvariantCulture)),7} epochs  {estimate.BilledTokens,9:N0} tokens  ${estimate.Total,8:0.0000}  {verdict} the ${budget:0.00} cap"));
    }
}

// 3. The full breakdown of one estimate, as `finetune estimate` prints it.
Console.WriteLine();
Console.WriteLine(estimator.Estimate(tokens, "gpt-4o-mini-2024-07-18").ToText());
return 0;
