namespace FineTune.Sdk;

/// <summary>A loaded golden set: its usable cases and the findings found while reading it.</summary>
public sealed class GoldenSet
{
    /// <summary>Initializes a new instance of the <see cref="GoldenSet"/> class.</summary>
    /// <param name="cases">The usable cases, in file order.</param>
    /// <param name="findings">The findings (codes <c>FT3xxx</c>).</param>
    public GoldenSet(IReadOnlyList<GoldenCase> cases, IReadOnlyList<ValidationFinding>? findings = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        Cases = cases;
        Findings = findings ?? [];
    }

    /// <summary>Gets the usable cases.</summary>
    /// <value>Cases with an id and a prompt; rows with a missing or duplicate id are left out.</value>
    public IReadOnlyList<GoldenCase> Cases { get; }

    /// <summary>Gets the findings: malformed rows, missing or duplicate ids, leakage from the training file.</summary>
    /// <value>Empty when the set is clean.</value>
    public IReadOnlyList<ValidationFinding> Findings { get; }

    /// <summary>Gets a value indicating whether any finding is an error.</summary>
    /// <value><see langword="true"/> when at least one finding has <see cref="FindingSeverity.Error"/>.</value>
    public bool HasErrors => Findings.Any(f => f.Severity == FindingSeverity.Error);
}
