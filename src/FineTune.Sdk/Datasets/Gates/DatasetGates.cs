namespace FineTune.Sdk;

/// <summary>Creates the whole-file quality gates configured by <see cref="DatasetValidationOptions"/>.</summary>
internal static class DatasetGates
{
    public static List<IDatasetGate> Create(DatasetValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = new RowFingerprints();
        var gates = new List<IDatasetGate>();
        if (options.Duplicates.ExactEnabled || options.Duplicates.NearEnabled)
        {
            gates.Add(new DuplicateGate(options.Duplicates, keys));
        }

        if (options.Contradictions.Enabled)
        {
            gates.Add(new ContradictionGate(keys, options.Contradictions));
        }

        if (options.ClassBalance.Enabled)
        {
            gates.Add(new ClassBalanceGate(options.ClassBalance));
        }

        if (options.SystemPrompts.Enabled)
        {
            gates.Add(new SystemPromptGate(options.SystemPrompts, keys));
        }

        if (options.OutputFormat.Enabled)
        {
            gates.Add(new OutputFormatGate(options.OutputFormat));
        }

        if (options.Provenance.Enabled)
        {
            gates.Add(new ProvenanceGate(options.Provenance));
        }

        if (options.Pii.Enabled)
        {
            gates.Add(new PiiGate(options.Pii));
        }

        return gates;
    }
}
