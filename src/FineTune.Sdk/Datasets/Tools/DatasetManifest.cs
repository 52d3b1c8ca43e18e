using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// A dataset's fingerprint for lineage: SHA-256 of the file bytes, row counts, format, provenance counts, a
/// findings summary, the user's semantic version and when it was made. Serialized as a small JSON document
/// (schema in <c>docs/dataset-gates.md</c>); the model registry stores it with each model version.
/// </summary>
public sealed class DatasetManifest
{
    /// <summary>The schema version written by this SDK.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Gets the manifest schema version.</summary>
    /// <value><see cref="CurrentSchemaVersion"/> for manifests made by this SDK.</value>
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Gets the dataset's file name (no directory), when it came from a file.</summary>
    /// <value><see langword="null"/> for streams.</value>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Gets the dataset's semantic version (SemVer 2.0.0), as given by the user.</summary>
    /// <value>For example <c>1.2.0</c>.</value>
    [JsonPropertyName("version")]
    public required string Version { get; init; }

    /// <summary>Gets when the manifest was made (from the injected <see cref="TimeProvider"/>).</summary>
    /// <value>A UTC timestamp.</value>
    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets the SHA-256 of the file's bytes, lower-case hex.</summary>
    /// <value>64 hex characters.</value>
    [JsonPropertyName("sha256")]
    public required string Sha256 { get; init; }

    /// <summary>Gets the file's length in bytes.</summary>
    /// <value>Zero for an empty file.</value>
    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }

    /// <summary>Gets the number of non-blank lines.</summary>
    /// <value>Zero for an empty file.</value>
    [JsonPropertyName("rows")]
    public long Rows { get; init; }

    /// <summary>Gets the number of lines that parsed as JSON objects.</summary>
    /// <value>At most <see cref="Rows"/>.</value>
    [JsonPropertyName("parsedRows")]
    public long ParsedRows { get; init; }

    /// <summary>Gets the dataset format (<c>chat</c>, <c>preference</c> or <c>unknown</c>).</summary>
    /// <value>The format most rows have.</value>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>Gets the number of rows per <c>metadata.source</c>.</summary>
    /// <value>Never <see langword="null"/>.</value>
    [JsonPropertyName("provenance")]
    public DatasetManifestProvenance Provenance { get; init; } = new();

    /// <summary>Gets the findings summary.</summary>
    /// <value>Never <see langword="null"/>.</value>
    [JsonPropertyName("findings")]
    public DatasetManifestFindings Findings { get; init; } = new();

    /// <summary>Serializes the manifest as indented JSON.</summary>
    /// <returns>The JSON document.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, DatasetToolsJsonContext.Default.DatasetManifest);

    /// <summary>Reads a manifest from JSON.</summary>
    /// <param name="json">The JSON document.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="JsonException">The document is not a manifest.</exception>
    public static DatasetManifest FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize(json, DatasetToolsJsonContext.Default.DatasetManifest)
            ?? throw new JsonException("The document is null, not a dataset manifest.");
    }

    /// <summary>Checks a version string against SemVer 2.0.0.</summary>
    /// <param name="version">The version, for example <c>1.2.0</c> or <c>2.0.0-rc.1+build.5</c>.</param>
    /// <returns><see langword="true"/> when it is a valid semantic version.</returns>
    public static bool IsValidVersion(string? version) => version is not null && SemVer.IsMatch(version);

    private static readonly Regex SemVer = new(
        @"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(1));
}

/// <summary>Rows per <c>metadata.source</c> value in a <see cref="DatasetManifest"/>.</summary>
public sealed class DatasetManifestProvenance
{
    /// <summary>Gets the rows with <c>metadata.source</c> = <c>human</c>.</summary>
    /// <value>Zero or more.</value>
    [JsonPropertyName("human")]
    public long Human { get; init; }

    /// <summary>Gets the rows with <c>metadata.source</c> = <c>synthetic</c>.</summary>
    /// <value>Zero or more.</value>
    [JsonPropertyName("synthetic")]
    public long Synthetic { get; init; }

    /// <summary>Gets the rows with <c>metadata.source</c> = <c>prod_sample</c>.</summary>
    /// <value>Zero or more.</value>
    [JsonPropertyName("prod_sample")]
    public long ProdSample { get; init; }

    /// <summary>Gets the rows with any other <c>metadata.source</c> value.</summary>
    /// <value>Zero or more.</value>
    [JsonPropertyName("unknown")]
    public long Unknown { get; init; }

    /// <summary>Gets the rows without <c>metadata.source</c>.</summary>
    /// <value>Zero or more.</value>
    [JsonPropertyName("missing")]
    public long Missing { get; init; }
}

/// <summary>The findings summary in a <see cref="DatasetManifest"/>.</summary>
public sealed class DatasetManifestFindings
{
    /// <summary>Gets the number of error findings.</summary>
    /// <value>Zero for a valid file.</value>
    [JsonPropertyName("errors")]
    public int Errors { get; init; }

    /// <summary>Gets the number of warning findings.</summary>
    /// <value>Zero or more.</value>
    [JsonPropertyName("warnings")]
    public int Warnings { get; init; }

    /// <summary>Gets the number of findings per code.</summary>
    /// <value>Never <see langword="null"/>; codes in ordinal order.</value>
    [JsonPropertyName("byCode")]
    public IReadOnlyDictionary<string, int> ByCode { get; init; } = new SortedDictionary<string, int>(StringComparer.Ordinal);
}

/// <summary>Makes <see cref="DatasetManifest"/>s: hashes and counts in one streaming pass, findings from the validator.</summary>
/// <remarks>Thread-safe when the validator is.</remarks>
public sealed class DatasetManifestBuilder
{
    private readonly IDatasetValidator? _validator;
    private readonly TimeProvider _timeProvider;
    private readonly DatasetValidationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a builder.</summary>
    /// <param name="validator">The validator whose report fills the findings summary; <see langword="null"/> runs only the whole-file quality gates.</param>
    /// <param name="timeProvider">The clock for <see cref="DatasetManifest.CreatedAt"/>; <see langword="null"/> for the system clock.</param>
    /// <param name="options">Reader limits and gate options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs the manifest's name, counts and hash (docs/diagnostics.md); <see langword="null"/> for none.</param>
    public DatasetManifestBuilder(IDatasetValidator? validator = null, TimeProvider? timeProvider = null, DatasetValidationOptions? options = null, ILogger<DatasetManifestBuilder>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _validator = validator;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _options = options ?? new DatasetValidationOptions();
    }

    /// <summary>Makes a manifest for a stream.</summary>
    /// <param name="content">The JSONL content, read from its current position to the end; seekable when a validator is used (it is read twice). Not disposed.</param>
    /// <param name="version">The dataset's semantic version (SemVer 2.0.0).</param>
    /// <param name="name">The file name to record, if any.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not a semantic version.</exception>
    public async Task<DatasetManifest> CreateAsync(Stream content, string version, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!DatasetManifest.IsValidVersion(version))
        {
            throw new ArgumentException($"The version must be a semantic version such as 1.2.0 (SemVer 2.0.0); it was '{version}'.", nameof(version));
        }

        using var activity = FineTuneTelemetry.ActivitySource.StartActivity("finetune.dataset.manifest");
        var start = content.CanSeek ? content.Position : 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var hashing = new HashingReadStream(content, sha);
        var provenance = new ProvenanceCounts();
        var gates = _validator is null ? DatasetGates.Create(_options) : [];
        var findings = new FindingCollector(_options.MaxFindingsPerCode);
        long rows = 0, parsed = 0, chat = 0, preference = 0;
        await foreach (var line in DatasetRowSource.ReadAsync(hashing, _options, cancellationToken).ConfigureAwait(false))
        {
            rows++;
            if (line.Row is not { } row)
            {
                continue;
            }

            parsed++;
            provenance.Add(row.Source);
            if (row.Format == DatasetFormat.Chat)
            {
                chat++;
            }
            else if (row.Format == DatasetFormat.Preference)
            {
                preference++;
            }

            foreach (var gate in gates)
            {
                gate.Observe(row, findings);
            }
        }

        foreach (var gate in gates)
        {
            gate.Complete(findings);
        }

        var format = chat == 0 && preference == 0 ? DatasetFormat.Unknown : chat >= preference ? DatasetFormat.Chat : DatasetFormat.Preference;
        var summary = new DatasetManifestFindings
        {
            Errors = findings.ErrorCount,
            Warnings = findings.WarningCount,
            ByCode = new SortedDictionary<string, int>(findings.Counts.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal),
        };
        if (_validator is not null)
        {
            if (!content.CanSeek)
            {
                throw new ArgumentException("A manifest with validator findings reads the content twice; pass a seekable stream.", nameof(content));
            }

            content.Position = start;
            var report = await _validator.ValidateAsync(content, new DatasetValidationRequest { FileName = name }, cancellationToken).ConfigureAwait(false);
            format = report.Format == DatasetFormat.Unknown ? format : report.Format;
            summary = new DatasetManifestFindings
            {
                Errors = report.ErrorCount,
                Warnings = report.WarningCount,
                ByCode = new SortedDictionary<string, int>(report.Summary.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal),
            };
        }

        var manifest = new DatasetManifest
        {
            Name = name,
            Version = version,
            CreatedAt = _timeProvider.GetUtcNow(),
            Sha256 = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant(),
            Bytes = hashing.BytesRead,
            Rows = rows,
            ParsedRows = parsed,
            Format = format.Value,
            Provenance = new DatasetManifestProvenance
            {
                Human = provenance.Human,
                Synthetic = provenance.Synthetic,
                ProdSample = provenance.ProdSample,
                Unknown = provenance.Unknown,
                Missing = provenance.Missing,
            },
            Findings = summary,
        };
        activity?.SetTag(DatasetMetrics.RowsTag, rows);
        Log.DatasetManifestBuilt(_logger, name ?? "(stream)", version, rows, manifest.Bytes, manifest.Sha256);
        return manifest;
    }

    /// <summary>Makes a manifest for a file.</summary>
    /// <param name="path">The JSONL file.</param>
    /// <param name="version">The dataset's semantic version (SemVer 2.0.0).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The manifest, named after the file (without its directory).</returns>
    public async Task<DatasetManifest> CreateFromFileAsync(string path, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await CreateAsync(stream, version, Path.GetFileName(path), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A read-only pass-through stream that hashes every byte read.</summary>
    private sealed class HashingReadStream(Stream inner, IncrementalHash hash) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Append(buffer[..read]);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Append(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private void Append(ReadOnlySpan<byte> bytes)
        {
            hash.AppendData(bytes);
            BytesRead += bytes.Length;
        }
    }
}

/// <summary>Source-generated JSON metadata for the dataset tools' documents.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DatasetManifest))]
internal sealed partial class DatasetToolsJsonContext : JsonSerializerContext;
