namespace FineTune.Sdk.Tests;

/// <summary>Validator options for tests of the per-row rules: every whole-file quality gate off, so repeated fixture rows are not duplicates.</summary>
internal static class TestOptions
{
    public static DatasetValidationOptions RulesOnly()
    {
        var options = new DatasetValidationOptions();
        options.Duplicates.ExactEnabled = options.Duplicates.NearEnabled = false;
        options.Contradictions.Enabled = options.ClassBalance.Enabled = options.SystemPrompts.Enabled = false;
        options.OutputFormat.Enabled = options.Provenance.Enabled = options.Pii.Enabled = false;
        return options;
    }
}
