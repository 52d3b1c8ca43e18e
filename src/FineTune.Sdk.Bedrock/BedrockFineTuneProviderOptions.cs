using System.Text.RegularExpressions;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// Options of <see cref="BedrockFineTuneProvider"/>. Credentials and the default region come from AWSSDK.Core's
/// chains configured through <c>AWSOptions</c> (the <c>AWS</c> configuration section: <c>Profile</c>,
/// <c>Region</c>, <c>ServiceURL</c>…); these options add what Bedrock customization needs on top.
/// </summary>
public sealed partial class BedrockFineTuneProviderOptions
{
    /// <summary>The default <see cref="CustomizationType"/>.</summary>
    public const string FineTuning = "FINE_TUNING";

    /// <summary>Gets or sets the AWS region (for example <c>us-east-1</c>).</summary>
    /// <value>Defaults to <see langword="null"/>: the <c>AWSOptions</c> region, then AWSSDK.Core's region chain (AWS_REGION, profile, instance metadata).</value>
    public string? Region { get; set; }

    /// <summary>Gets or sets the control-plane endpoint, for example the emulator's <c>http://127.0.0.1:PORT</c>.</summary>
    /// <value>Defaults to <see langword="null"/>: <c>AWSOptions.DefaultClientConfig.ServiceURL</c>, else <c>https://bedrock.{region}.amazonaws.com</c>.</value>
    public string? ServiceUrl { get; set; }

    /// <summary>Gets or sets the Runtime (Converse) endpoint.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="ServiceUrl"/> when set (one emulator port serves both), else <c>https://bedrock-runtime.{region}.amazonaws.com</c>.</value>
    public string? RuntimeServiceUrl { get; set; }

    /// <summary>Gets or sets the S3 endpoint; a set value switches to path-style addressing.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="ServiceUrl"/> when set, else the AWS S3 endpoint of the region.</value>
    public string? S3ServiceUrl { get; set; }

    /// <summary>Gets or sets the IAM role Bedrock assumes to read the data and write the outputs (<c>roleArn</c>).</summary>
    /// <value>Defaults to <see langword="null"/>; required to start jobs.</value>
    public string? RoleArn { get; set; }

    /// <summary>Gets or sets the S3 prefix jobs write their outputs to (<c>outputDataConfig.s3Uri</c>).</summary>
    /// <value>Defaults to <see langword="null"/>; required to start jobs. Example: <c>s3://my-bucket/finetune/output/</c>.</value>
    public string? OutputS3Uri { get; set; }

    /// <summary>Gets or sets the S3 prefix <see cref="BedrockFineTuneProvider.UploadFileAsync"/> stores datasets under.</summary>
    /// <value>Defaults to <see langword="null"/>; required to upload. Example: <c>s3://my-bucket/finetune/data/</c>.</value>
    public string? UploadS3Uri { get; set; }

    /// <summary>Gets or sets the model id the chat client uses when a request names none.</summary>
    /// <value>Defaults to <see langword="null"/>: each request must set <c>ChatOptions.ModelId</c>.</value>
    public string? DefaultChatModel { get; set; }

    /// <summary>Gets or sets the customization type of started jobs.</summary>
    /// <value>Defaults to <c>FINE_TUNING</c>.</value>
    public string CustomizationType { get; set; } = FineTuning;

    /// <summary>Gets or sets the size above which uploads go to S3 in parts.</summary>
    /// <value>Defaults to 16 MiB; at least 5 MiB (S3's smallest part).</value>
    public long MultipartThresholdBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Gets or sets the page size of list calls (<c>maxResults</c>).</summary>
    /// <value>Defaults to 100; 1 to 1000.</value>
    public int ListPageSize { get; set; } = 100;

    /// <summary>Gets the retry, circuit-breaker and timeout settings of the decorators <c>AddBedrock</c> composes above the adapter.</summary>
    /// <value>The defaults of <see cref="FineTuneResilienceOptions"/>.</value>
    public FineTuneResilienceOptions Resilience { get; } = new();

    /// <summary>Checks the options; the messages name each field and its value.</summary>
    /// <param name="prefix">The prefix of field names in messages.</param>
    /// <returns>The failures; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string prefix = "Bedrock")
    {
        var failures = new List<string>();
        foreach (var (name, value) in new[] { (nameof(ServiceUrl), ServiceUrl), (nameof(RuntimeServiceUrl), RuntimeServiceUrl), (nameof(S3ServiceUrl), S3ServiceUrl) })
        {
            if (value is not null && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                failures.Add($"{prefix}.{name} must be an absolute http or https address; it was '{value}'.");
            }
        }

        if (Region is not null && !RegionPattern().IsMatch(Region))
        {
            failures.Add($"{prefix}.{nameof(Region)} must look like 'us-east-1'; it was '{Region}'.");
        }

        if (RoleArn is not null && !BedrockS3Uri.RoleArnPattern().IsMatch(RoleArn))
        {
            failures.Add($"{prefix}.{nameof(RoleArn)} must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME); it was '{RoleArn}'.");
        }

        foreach (var (name, value) in new[] { (nameof(OutputS3Uri), OutputS3Uri), (nameof(UploadS3Uri), UploadS3Uri) })
        {
            if (value is not null && BedrockS3Uri.Check(value) is { } problem)
            {
                failures.Add($"{prefix}.{name} {problem}");
            }
        }

        if (string.IsNullOrWhiteSpace(CustomizationType))
        {
            failures.Add($"{prefix}.{nameof(CustomizationType)} must not be empty.");
        }

        if (MultipartThresholdBytes < 5L * 1024 * 1024)
        {
            failures.Add($"{prefix}.{nameof(MultipartThresholdBytes)} must be at least 5242880 (5 MiB, S3's smallest part); it was {MultipartThresholdBytes}.");
        }

        if (ListPageSize is < 1 or > 1000)
        {
            failures.Add($"{prefix}.{nameof(ListPageSize)} must be between 1 and 1000; it was {ListPageSize}.");
        }

        var resilience = new FineTuneResilienceOptionsValidator().Validate($"{prefix}.{nameof(Resilience)}", Resilience);
        if (resilience.Failed)
        {
            failures.AddRange(resilience.Failures);
        }

        return SecretScrubber.ScrubAll(failures); // values are echoed: an endpoint may carry user-info or a key

    }

    internal void ThrowIfInvalid()
    {
        var failures = Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid Bedrock options: " + string.Join(" ", failures), "options");
        }
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}

/// <summary>S3 URIs as the Bedrock service model accepts them (<c>S3Uri</c> pattern, 1–1024 characters).</summary>
internal static partial class BedrockS3Uri
{
    /// <summary>Returns why <paramref name="uri"/> is not a Bedrock S3 URI, or null when it is.</summary>
    public static string? Check(string uri)
    {
        if (uri.Length is < 1 or > 1024)
        {
            return $"must be 1 to 1024 characters; it was {uri.Length}.";
        }

        return Pattern().IsMatch(uri)
            ? null
            : $"must match Bedrock's S3Uri pattern (s3://bucket/key, lower-case bucket, key characters A-Z a-z 0-9 - ! _ * ' ( ) . and /); it was '{uri}'.";
    }

    /// <summary>Splits <c>s3://bucket/key</c>.</summary>
    public static (string Bucket, string Key) Split(string uri)
    {
        var rest = uri["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (rest, string.Empty) : (rest[..slash], rest[(slash + 1)..]);
    }

    /// <summary>Joins a prefix URI and a relative key with exactly one slash.</summary>
    public static string Join(string prefix, string relative) => prefix.TrimEnd('/') + "/" + relative.TrimStart('/');

    /// <summary>Turns a file name into a key segment the pattern accepts (other characters become <c>-</c>).</summary>
    public static string SafeSegment(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '!' or '_' or '*' or '\'' or '(' or ')' or '.' ? c : '-').ToArray();
        var segment = new string(chars).Trim('.');
        return segment.Length == 0 ? "file" : segment;
    }

    [GeneratedRegex(@"^s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$")]
    internal static partial Regex RoleArnPattern();
}
