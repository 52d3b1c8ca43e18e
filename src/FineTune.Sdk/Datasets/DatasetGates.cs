namespace FineTune.Sdk;

/// <summary>Creates the whole-file quality gates configured by <see cref="DatasetValidationOptions"/>.</summary>
internal static class DatasetGates
{
    public static List<IDatasetGate> Create(DatasetValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return [];
    }
}
