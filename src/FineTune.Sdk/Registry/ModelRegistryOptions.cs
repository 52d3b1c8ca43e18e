using System.Globalization;

namespace FineTune.Sdk;

/// <summary>Options of <see cref="ModelRegistry"/> and of <c>AddModelRegistry(...)</c>.</summary>
public sealed class ModelRegistryOptions
{
    /// <summary>Gets or sets the store, as <c>file:PATH</c>, <c>sqlite:PATH</c> or <c>postgres:CONNECTION-STRING</c>.</summary>
    /// <value>
    /// Used by dependency injection to create the store; defaults to <see langword="null"/> (required there). The
    /// <c>sqlite:</c> and <c>postgres:</c> schemes need the FineTune.Sdk.Registry.Sqlite and .PostgreSql packages.
    /// </value>
    public string? Store { get; set; }

    /// <summary>Gets or sets the folder relative comparison-report paths are resolved against.</summary>
    /// <value>Defaults to <see langword="null"/>: the folder of a file store, otherwise the current directory.</value>
    public string? BaseDirectory { get; set; }

    /// <summary>Gets or sets how often the store is polled for changes made elsewhere.</summary>
    /// <value>Defaults to 1 second; between 10 ms and 1 hour.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the age after which a variant's last evaluation is reported stale.</summary>
    /// <value>Defaults to 90 days; positive.</value>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Gets or sets how long a file-store writer waits for the cross-process lock.</summary>
    /// <value>Defaults to 30 seconds; positive.</value>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many times an operation without an expected version is re-applied after a conflict.</summary>
    /// <value>Defaults to 200; at least 1.</value>
    public int MaxCommitAttempts { get; set; } = 200;

    /// <summary>Gets base-model retirement dates added to those the provider adapters publish.</summary>
    /// <value>Model id (case-insensitive) to date; empty by default.</value>
    public IDictionary<string, DateOnly> RetirementDates { get; } = new Dictionary<string, DateOnly>(StringComparer.OrdinalIgnoreCase);

    internal void Validate(List<string> failures, bool storeRequired, IReadOnlyCollection<string>? knownSchemes)
    {
        if (storeRequired && string.IsNullOrWhiteSpace(Store))
        {
            failures.Add($"{nameof(ModelRegistryOptions)}.{nameof(Store)} is required (file:PATH, sqlite:PATH or postgres:CONNECTION-STRING); it was empty.");
        }
        else if (Store is not null && knownSchemes is not null)
        {
            var colon = Store.IndexOf(':', StringComparison.Ordinal);
            var scheme = colon > 0 ? Store[..colon] : string.Empty;
            if (!knownSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase) || colon == Store.Length - 1)
            {
                failures.Add($"{nameof(ModelRegistryOptions)}.{nameof(Store)} must be SCHEME:TARGET with a scheme of {string.Join(", ", knownSchemes)}; it was '{(scheme.Length == 0 ? "(no scheme)" : scheme + ":…")}'. SQLite and PostgreSQL need their package and AddSqliteModelRegistryStore()/AddPostgreSqlModelRegistryStore().");
            }
        }

        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromHours(1))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(ModelRegistryOptions)}.{nameof(PollInterval)} must be between 10 ms and 1 hour; it was {PollInterval}."));
        }

        if (StaleAfter <= TimeSpan.Zero)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(ModelRegistryOptions)}.{nameof(StaleAfter)} must be positive; it was {StaleAfter}."));
        }

        if (LockTimeout <= TimeSpan.Zero)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(ModelRegistryOptions)}.{nameof(LockTimeout)} must be positive; it was {LockTimeout}."));
        }

        if (MaxCommitAttempts < 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(ModelRegistryOptions)}.{nameof(MaxCommitAttempts)} must be at least 1; it was {MaxCommitAttempts}."));
        }
    }
}
