namespace FineTune.Sdk;

/// <summary>
/// Collects findings with a cap per code (so a million bad rows do not make a million objects) while still
/// counting every occurrence for the summary.
/// </summary>
internal sealed class FindingCollector(int maxFindingsPerCode, string? file = null)
{
    private readonly List<ValidationFinding> _findings = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Gets the kept findings, in the order they were added.</summary>
    public IReadOnlyList<ValidationFinding> Findings => _findings;

    /// <summary>Gets the number of findings per code, including those past the cap.</summary>
    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>Gets the number of error findings, including those past the cap.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>Gets the number of warning findings, including those past the cap.</summary>
    public int WarningCount { get; private set; }

    /// <summary>Adds a finding recorded earlier (by a worker's own collector), counting it as <see cref="Add(string, FindingSeverity, long, string, string)"/> does.</summary>
    public void Replay(ValidationFinding finding)
    {
        _counts.TryGetValue(finding.Code, out var count);
        _counts[finding.Code] = count + 1;
        if (finding.Severity == FindingSeverity.Error)
        {
            ErrorCount++;
        }
        else if (finding.Severity == FindingSeverity.Warning)
        {
            WarningCount++;
        }

        if (count < maxFindingsPerCode)
        {
            _findings.Add(finding);
        }
    }

    /// <summary>Moves every kept finding to <paramref name="target"/> and starts afresh (for an uncapped per-row recorder).</summary>
    public void MoveTo(List<ValidationFinding> target)
    {
        target.AddRange(_findings);
        _findings.Clear();
        _counts.Clear();
        ErrorCount = 0;
        WarningCount = 0;
    }

    /// <summary>Adds a finding.</summary>
    public void Add(string code, FindingSeverity severity, long line, string path, string message)
        => Add(code, severity, line, path, message, additionalProperties: null);

    /// <summary>Adds a finding with extra data (counts, never row contents).</summary>
    public void Add(string code, FindingSeverity severity, long line, string path, string message, IReadOnlyDictionary<string, object?>? additionalProperties)
    {
        if (Tally(code, severity) < maxFindingsPerCode)
        {
            _findings.Add(new ValidationFinding(code, severity, line, path, message) { File = file, AdditionalProperties = additionalProperties });
        }
    }

    /// <summary>
    /// When <paramref name="code"/> already holds its cap of kept findings, counts one more finding as
    /// <see cref="Add(string, FindingSeverity, long, string, string)"/> would and returns true: the caller need not
    /// build a message that would not be kept (a gate can report hundreds of thousands of rows). Otherwise counts
    /// nothing and returns false.
    /// </summary>
    public bool TallyPastCap(string code, FindingSeverity severity)
    {
        if (!_counts.TryGetValue(code, out var count) || count < maxFindingsPerCode)
        {
            return false;
        }

        Tally(code, severity);
        return true;
    }

    /// <summary>Counts a finding; returns the count of its code before it.</summary>
    private int Tally(string code, FindingSeverity severity)
    {
        _counts.TryGetValue(code, out var count);
        _counts[code] = count + 1;
        if (severity == FindingSeverity.Error)
        {
            ErrorCount++;
        }
        else if (severity == FindingSeverity.Warning)
        {
            WarningCount++;
        }

        return count;
    }
}
