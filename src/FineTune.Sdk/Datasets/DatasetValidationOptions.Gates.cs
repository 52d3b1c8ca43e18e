using System.Globalization;

namespace FineTune.Sdk;

/// <summary>Options of the whole-file quality gates (codes FT1100–FT1199, documented in <c>docs/dataset-gates.md</c>).</summary>
public sealed partial class DatasetValidationOptions
{
    /// <summary>Gets the exact and near-duplicate gate options (FT1100, FT1101).</summary>
    /// <value>Both checks enabled; near-duplicates at estimated Jaccard 0.85.</value>
    public DuplicateGateOptions Duplicates { get; } = new();

    /// <summary>Gets the contradictory-label gate options (FT1110).</summary>
    /// <value>Enabled.</value>
    public ContradictionGateOptions Contradictions { get; } = new();

    /// <summary>Gets the class-balance gate options (FT1120, FT1121).</summary>
    /// <value>Enabled; minority classes under 5% are a warning.</value>
    public ClassBalanceGateOptions ClassBalance { get; } = new();

    /// <summary>Gets the system-prompt consistency gate options (FT1130, FT1131).</summary>
    /// <value>Enabled; more than 5 distinct system prompts is a warning.</value>
    public SystemPromptGateOptions SystemPrompts { get; } = new();

    /// <summary>Gets the output-format consistency gate options (FT1140).</summary>
    /// <value>Enabled; flags non-JSON answers when at least 80% of answers are JSON.</value>
    public OutputFormatGateOptions OutputFormat { get; } = new();

    /// <summary>Gets the provenance gate options (FT1150, FT1151).</summary>
    /// <value>Enabled; synthetic rows above 30% is an error.</value>
    public ProvenanceGateOptions Provenance { get; } = new();

    /// <summary>Gets the personal-data and secrets gate options (FT1160–FT1167).</summary>
    /// <value>Enabled for every kind.</value>
    public PiiGateOptions Pii { get; } = new();

    partial void ValidateGates(List<string> failures)
    {
        const string prefix = nameof(FineTuningOptions.Datasets);
        var d = Duplicates;
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.NearDuplicateThreshold)}", d.NearDuplicateThreshold, 0.5, 1.0);
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.MinHashCount)}", d.MinHashCount, 16, 1024);
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.Bands)}", d.Bands, 1, 256);
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.RowsPerBand)}", d.RowsPerBand, 1, 64);
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.ShingleSize)}", d.ShingleSize, 1, 16);
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.MaxShinglesPerRow)}", d.MaxShinglesPerRow, 16, 1_000_000);
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.MaxIndexedRows)}", d.MaxIndexedRows, 1, int.MaxValue);
        Range(failures, $"{prefix}.{nameof(Duplicates)}.{nameof(d.MaxExactRows)}", d.MaxExactRows, 1, 500_000_000);
        Range(failures, $"{prefix}.{nameof(Contradictions)}.{nameof(Contradictions.MaxTrackedInputs)}", Contradictions.MaxTrackedInputs, 1, 500_000_000);
        if (d.Bands * d.RowsPerBand > d.MinHashCount)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(Duplicates)}.{nameof(d.Bands)} × {nameof(d.RowsPerBand)} must not exceed {nameof(d.MinHashCount)} ({d.MinHashCount}); it was {d.Bands} × {d.RowsPerBand} = {d.Bands * d.RowsPerBand}."));
        }

        var c = ClassBalance;
        Range(failures, $"{prefix}.{nameof(ClassBalance)}.{nameof(c.MinClassShare)}", c.MinClassShare, 0.0, 0.5);
        Range(failures, $"{prefix}.{nameof(ClassBalance)}.{nameof(c.MinLabeledShare)}", c.MinLabeledShare, 0.0, 1.0);
        Range(failures, $"{prefix}.{nameof(ClassBalance)}.{nameof(c.MaxClasses)}", c.MaxClasses, 2, 10_000);
        Range(failures, $"{prefix}.{nameof(ClassBalance)}.{nameof(c.MaxLabelLength)}", c.MaxLabelLength, 1, 256);
        if (c.LabelFields is null || c.LabelFields.Count == 0 || c.LabelFields.Exists(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{prefix}.{nameof(ClassBalance)}.{nameof(c.LabelFields)} must list at least one non-empty field name; it was [{string.Join(", ", c.LabelFields ?? [])}].");
        }

        var s = SystemPrompts;
        Range(failures, $"{prefix}.{nameof(SystemPrompts)}.{nameof(s.MaxDistinctPrompts)}", s.MaxDistinctPrompts, 1, 1_000_000);
        Range(failures, $"{prefix}.{nameof(SystemPrompts)}.{nameof(s.MissingPromptMajority)}", s.MissingPromptMajority, 0.5, 1.0);

        var o = OutputFormat;
        Range(failures, $"{prefix}.{nameof(OutputFormat)}.{nameof(o.MinJsonShare)}", o.MinJsonShare, 0.5, 1.0);

        var p = Provenance;
        Range(failures, $"{prefix}.{nameof(Provenance)}.{nameof(p.MaxSyntheticShare)}", p.MaxSyntheticShare, 0.0, 1.0);
    }

    private static void Range(List<string> failures, string field, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{field} must be between {min} and {max}; it was {value}."));
        }
    }

    private static void Range(List<string> failures, string field, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{field} must be between {min} and {max}; it was {value}."));
        }
    }
}

/// <summary>Options of the duplicate gates: exact (FT1100) and near-duplicates by MinHash and LSH banding (FT1101).</summary>
public sealed class DuplicateGateOptions
{
    /// <summary>Gets or sets a value indicating whether exact duplicates (after NFKC, case and whitespace normalization) are reported.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool ExactEnabled { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether near-duplicates are reported.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool NearEnabled { get; set; } = true;

    /// <summary>Gets or sets the estimated Jaccard similarity of word shingles at or above which two rows are near-duplicates.</summary>
    /// <value>Defaults to 0.85; between 0.5 and 1.</value>
    public double NearDuplicateThreshold { get; set; } = 0.85;

    /// <summary>Gets or sets the number of MinHash functions per row (verification precision; 8 bits each are kept).</summary>
    /// <value>Defaults to 128.</value>
    public int MinHashCount { get; set; } = 128;

    /// <summary>Gets or sets the number of LSH bands (memory per row and recall grow with it).</summary>
    /// <value>Defaults to 8.</value>
    public int Bands { get; set; } = 8;

    /// <summary>Gets or sets the MinHash values per band (higher: fewer candidates, lower recall).</summary>
    /// <value>Defaults to 4.</value>
    public int RowsPerBand { get; set; } = 4;

    /// <summary>Gets or sets the number of consecutive words in a shingle.</summary>
    /// <value>Defaults to 3.</value>
    public int ShingleSize { get; set; } = 3;

    /// <summary>Gets or sets the most shingles hashed per row (bounds the work on very long rows).</summary>
    /// <value>Defaults to 4096.</value>
    public int MaxShinglesPerRow { get; set; } = 4096;

    /// <summary>Gets or sets the most rows held in the near-duplicate index; later rows are still checked against it but not indexed (FT1102).</summary>
    /// <value>Defaults to 100,000 (about 30 MB of index at the default settings).</value>
    public int MaxIndexedRows { get; set; } = 100_000;

    /// <summary>
    /// Gets or sets the most distinct rows whose fingerprint and first line the exact-duplicate check keeps (16 bytes
    /// per slot, ≤ 4 MB at the default); later rows go to a fixed 8 MB Bloom filter and their duplicates are
    /// reported without the first line.
    /// </summary>
    /// <value>Defaults to 200,000.</value>
    public int MaxExactRows { get; set; } = 200_000;
}

/// <summary>Options of the contradictory-label gate (FT1110): same system prompt and user input, different answer.</summary>
public sealed class ContradictionGateOptions
{
    /// <summary>Gets or sets a value indicating whether the gate runs.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets the most distinct inputs kept with their first answer and line (24 bytes per slot, ≤ 6 MB at
    /// the default); later inputs go to fixed Bloom filters (12 MB) and are reported without the first line.
    /// </summary>
    /// <value>Defaults to 200,000.</value>
    public int MaxTrackedInputs { get; set; } = 200_000;
}

/// <summary>Options of the class-balance gate (FT1120 counts, FT1121 minority class).</summary>
public sealed class ClassBalanceGateOptions
{
    /// <summary>Gets or sets a value indicating whether the gate runs.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets the JSON field names read as the label when the answer is a JSON object, in order of preference.</summary>
    /// <value>Defaults to <c>intent</c>, <c>label</c>, <c>category</c>, <c>class</c>.</value>
    public List<string> LabelFields { get; } = ["intent", "label", "category", "class"];

    /// <summary>Gets or sets the longest plain-text answer still read as a label.</summary>
    /// <value>Defaults to 40 characters.</value>
    public int MaxLabelLength { get; set; } = 40;

    /// <summary>Gets or sets the share of rows that must carry a label for the file to count as a classification set.</summary>
    /// <value>Defaults to 0.9.</value>
    public double MinLabeledShare { get; set; } = 0.9;

    /// <summary>Gets or sets the most distinct labels a classification set may have (more means free text, not labels).</summary>
    /// <value>Defaults to 100.</value>
    public int MaxClasses { get; set; } = 100;

    /// <summary>Gets or sets the share of labeled rows under which a class is a minority-class warning.</summary>
    /// <value>Defaults to 0.05.</value>
    public double MinClassShare { get; set; } = 0.05;
}

/// <summary>Options of the system-prompt consistency gate (FT1130 too many prompts, FT1131 missing prompt).</summary>
public sealed class SystemPromptGateOptions
{
    /// <summary>Gets or sets a value indicating whether the gate runs.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the most distinct (normalized) system prompts before a warning.</summary>
    /// <value>Defaults to 5.</value>
    public int MaxDistinctPrompts { get; set; } = 5;

    /// <summary>Gets or sets the share of rows with a system prompt from which rows without one are flagged.</summary>
    /// <value>Defaults to 0.9.</value>
    public double MissingPromptMajority { get; set; } = 0.9;
}

/// <summary>Options of the output-format consistency gate (FT1140).</summary>
public sealed class OutputFormatGateOptions
{
    /// <summary>Gets or sets a value indicating whether the gate runs.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the share of answers that must parse as JSON before the others are flagged.</summary>
    /// <value>Defaults to 0.8.</value>
    public double MinJsonShare { get; set; } = 0.8;
}

/// <summary>Options of the provenance gate (<c>metadata.source</c>: FT1150 unknown value, FT1151 synthetic share).</summary>
public sealed class ProvenanceGateOptions
{
    /// <summary>Gets or sets a value indicating whether the gate runs.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the largest accepted share of <c>synthetic</c> rows among rows with a known source.</summary>
    /// <value>Defaults to 0.30.</value>
    public double MaxSyntheticShare { get; set; } = 0.30;

    /// <summary>Gets or sets the severity of exceeding <see cref="MaxSyntheticShare"/>.</summary>
    /// <value>Defaults to <see cref="FindingSeverity.Error"/>.</value>
    public FindingSeverity SyntheticShareSeverity { get; set; } = FindingSeverity.Error;
}

/// <summary>Options of the personal-data and secrets gate (FT1160–FT1167).</summary>
public sealed class PiiGateOptions
{
    /// <summary>Gets or sets a value indicating whether the gate runs.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether IP addresses are reported (FT1165).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool DetectIpAddresses { get; set; } = true;

    /// <summary>Gets or sets the severity of personal data (emails, phones, cards, SSNs, IBANs, IPs).</summary>
    /// <value>Defaults to <see cref="FindingSeverity.Warning"/>.</value>
    public FindingSeverity PersonalDataSeverity { get; set; } = FindingSeverity.Warning;

    /// <summary>Gets or sets the severity of secrets (API keys, bearer tokens).</summary>
    /// <value>Defaults to <see cref="FindingSeverity.Error"/>.</value>
    public FindingSeverity SecretSeverity { get; set; } = FindingSeverity.Error;
}
