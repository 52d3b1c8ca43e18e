namespace FineTune.Sdk.Tests;

/// <summary>
/// Tests that measure process-wide memory. xUnit runs a collection with parallelization disabled on its own, after every
/// parallel collection has finished, so nothing else allocates while these measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryTests
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Process-wide memory measurements";
}
