using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>A training or validation file stored at a provider.</summary>
public sealed class UploadedFile
{
    /// <summary>Initializes a new instance of the <see cref="UploadedFile"/> class.</summary>
    /// <param name="id">The provider's file id, used in <see cref="FineTuneJobRequest"/>.</param>
    /// <param name="fileName">The file name stored at the provider.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null, empty or white space.</exception>
    public UploadedFile(string id, string fileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        FileName = fileName ?? string.Empty;
    }

    /// <summary>Gets the provider's file id.</summary>
    /// <value>As given at construction.</value>
    public string Id { get; }

    /// <summary>Gets the file name stored at the provider (it carries the content hash).</summary>
    /// <value>As given at construction.</value>
    public string FileName { get; }

    /// <summary>Gets the size in bytes.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public long? Bytes { get; init; }

    /// <summary>Gets the SHA-256 of the content, lower-case hexadecimal.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public string? Sha256 { get; init; }

    /// <summary>Gets a value indicating whether an identical file already present was reused instead of uploading again.</summary>
    /// <value><see langword="true"/> when no bytes were sent.</value>
    public bool Reused { get; init; }

    /// <summary>Gets the provider's processing status of the file, for example <c>processed</c> or <c>error</c>.</summary>
    /// <value><see langword="null"/> if the provider reports none.</value>
    public string? Status { get; init; }

    /// <summary>Gets when the provider stored the file.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the provider's own object for this file, for advanced use.</summary>
    /// <value><see langword="null"/> when the adapter kept none.</value>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets provider fields with no neutral property.</summary>
    /// <value><see langword="null"/> when there are none.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; init; }
}
