namespace FineTune.Sdk.Testing;

/// <summary>
/// Settings of a <see cref="BedrockEmulator"/>: the credentials it verifies signatures against, identity, training pace,
/// base-model behaviour and injected faults.
/// </summary>
/// <remarks>
/// The emulator reads these options on every request, so a test may change fault settings between calls
/// (for example set <see cref="ThrottleNextRequests"/> just before the call under test). Fault counters are consumed
/// under the emulator's lock and are safe to set from any thread.
/// </remarks>
public sealed class BedrockEmulatorOptions
{
    /// <summary>Gets or sets the access key id every request must be signed with.</summary>
    /// <value>Default <c>AKIDEXAMPLE</c>, AWS's documentation example.</value>
    public string AccessKeyId { get; set; } = "AKIDEXAMPLE";

    /// <summary>Gets or sets the secret access key signatures are verified against.</summary>
    /// <value>Default <c>wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY</c>, AWS's documentation example.</value>
    public string SecretAccessKey { get; set; } = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// <summary>Gets or sets the session token requests must carry as <c>x-amz-security-token</c>.</summary>
    /// <value>Default <see langword="null"/>: no token is required (one that is sent must still be signed).</value>
    public string? SessionToken { get; set; }

    /// <summary>Gets or sets the region: signatures must be scoped to it and ARNs name it.</summary>
    /// <value>Default <c>us-east-1</c>.</value>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Gets or sets the 12-digit account id in ARNs.</summary>
    /// <value>Default <c>123456789012</c>.</value>
    public string AccountId { get; set; } = "123456789012";

    /// <summary>Gets or sets how far <c>x-amz-date</c> may be from the emulator's clock.</summary>
    /// <value>Default <see langword="null"/>: not checked, so clients on the real clock can talk to an emulator on a
    /// <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>. The service allows about 5 minutes.</value>
    public TimeSpan? MaxClockSkew { get; set; }

    /// <summary>Gets or sets the role ARNs Bedrock can assume; any other answers <c>Could not assume provided IAM role.</c></summary>
    /// <value>Default <see langword="null"/>: any role ARN that matches the service's pattern.</value>
    public IList<string>? AssumableRoleArns { get; set; }

    /// <summary>Gets the S3 buckets that exist when the emulator starts (more can be created with <c>CreateBucket</c>).</summary>
    /// <value>Default empty.</value>
    public IList<string> Buckets { get; } = [];

    /// <summary>Gets or sets the seed of the id generator.</summary>
    /// <value>Default <see langword="null"/>: a random seed. Set it for reproducible ids.</value>
    public int? RandomSeed { get; set; }

    /// <summary>Gets or sets a state file that makes the emulator survive its process: loaded (replayed) at construction when
    /// it exists, rewritten whole (temp file + rename) after every change, so buckets, objects, jobs, custom models,
    /// provisioned throughput, deployments and the clock position are seen — still progressing — by the next emulator
    /// given the same path.</summary>
    /// <value>Default <see langword="null"/>: in memory only. The file's seed wins over <see cref="RandomSeed"/>; fault
    /// settings and open multipart uploads are not saved. One process at a time per file (see docs/emulator.md).</value>
    public string? StatePath { get; set; }

    /// <summary>Gets or sets how many times faster than the default pace jobs, throughput and deployments advance.</summary>
    /// <value>Default 1. Must be &gt; 0. Every duration below is divided by it.</value>
    public double Speed { get; set; } = 1;

    /// <summary>Gets or sets how long a job spends reading and validating its data before training.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan ValidationDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long one training step takes.</summary>
    /// <value>Default 1 second.</value>
    public TimeSpan StepDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a job stays <c>Stopping</c> before <c>Stopped</c>.</summary>
    /// <value>Default 5 seconds.</value>
    public TimeSpan StopDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long provisioned throughput stays <c>Creating</c> before <c>InService</c>.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan ProvisioningDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long a custom model deployment stays <c>Creating</c> before <c>Active</c>.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan DeploymentDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the share of known prompts a base model answers correctly (the rule in docs/emulator.md).</summary>
    /// <value>Default 0.6. Between 0 and 1.</value>
    public double BaseModelAccuracy { get; set; } = 0.6;

    /// <summary>Gets or sets the largest accepted request body (an S3 object or part), in bytes.</summary>
    /// <value>Default 1 GiB. At most 2 GiB − 1.</value>
    public long MaxRequestBytes { get; set; } = 1L << 30;

    /// <summary>Gets or sets a path fragment that restricts the request faults below to matching paths.</summary>
    /// <value>Default <see langword="null"/>: faults apply to every path. Example: <c>/model-customization-jobs</c>.</value>
    public string? FaultPathContains { get; set; }

    /// <summary>Gets or sets how many of the next requests are answered 429 <c>ThrottlingException</c> (S3: 503 <c>SlowDown</c>).</summary>
    /// <value>Default 0.</value>
    public int ThrottleNextRequests { get; set; }

    /// <summary>Gets or sets the probability (0..1) that a request is throttled, drawn from a seeded generator.</summary>
    /// <value>Default 0.</value>
    public double ThrottleRate { get; set; }

    /// <summary>Gets or sets how many of the next requests fail with <see cref="ServerErrorStatusCode"/>.</summary>
    /// <value>Default 0.</value>
    public int ServerErrorNextRequests { get; set; }

    /// <summary>Gets or sets the probability (0..1) that a request fails with <see cref="ServerErrorStatusCode"/>.</summary>
    /// <value>Default 0.</value>
    public double ServerErrorRate { get; set; }

    /// <summary>Gets or sets the status of injected server errors: 500 <c>InternalServerException</c> or 503 <c>ServiceUnavailableException</c>.</summary>
    /// <value>Default 500.</value>
    public int ServerErrorStatusCode { get; set; } = 500;

    /// <summary>Gets or sets a delay added to every matching response, on the emulator's <see cref="TimeProvider"/> (slow responses).</summary>
    /// <value>Default zero.</value>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Gets or sets how many of the next job creations succeed on the server but lose their response.</summary>
    /// <value>Default 0. The job exists (and is listed); over HTTP the answer is cut off mid-response, in-process the
    /// handler throws <see cref="HttpRequestException"/>. For idempotency tests.</value>
    public int LoseJobCreateResponses { get; set; }

    /// <summary>Checks the options and throws when one is out of range.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        Check(!string.IsNullOrWhiteSpace(AccessKeyId), nameof(AccessKeyId), "must not be empty", "(empty)");
        Check(!string.IsNullOrEmpty(SecretAccessKey), nameof(SecretAccessKey), "must not be empty", "(empty)");
        Check(!string.IsNullOrWhiteSpace(Region) && Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'), nameof(Region), "must be a region name such as us-east-1", Region);
        Check(AccountId is { Length: 12 } && AccountId.All(char.IsAsciiDigit), nameof(AccountId), "must be 12 digits", AccountId);
        Check(StatePath is null || !string.IsNullOrWhiteSpace(StatePath), nameof(StatePath), "must not be empty", "(empty)");
        Check(Speed > 0 && !double.IsInfinity(Speed), nameof(Speed), "must be a finite number > 0", Speed);
        Check(StepDuration > TimeSpan.Zero, nameof(StepDuration), "must be > 0", StepDuration);
        foreach (var (value, name) in new[] { (ValidationDuration, nameof(ValidationDuration)), (StopDuration, nameof(StopDuration)), (ProvisioningDuration, nameof(ProvisioningDuration)), (DeploymentDuration, nameof(DeploymentDuration)), (ResponseDelay, nameof(ResponseDelay)) })
        {
            Check(value >= TimeSpan.Zero, name, "must not be negative", value);
        }

        Check(MaxClockSkew is null || MaxClockSkew > TimeSpan.Zero, nameof(MaxClockSkew), "must be > 0 when set", MaxClockSkew!);
        foreach (var (value, name) in new[] { (BaseModelAccuracy, nameof(BaseModelAccuracy)), (ThrottleRate, nameof(ThrottleRate)), (ServerErrorRate, nameof(ServerErrorRate)) })
        {
            Check(value is >= 0 and <= 1, name, "must be between 0 and 1", value);
        }

        Check(ServerErrorStatusCode is 500 or 503, nameof(ServerErrorStatusCode), "must be 500 or 503", ServerErrorStatusCode);
        Check(MaxRequestBytes is > 0 and < int.MaxValue, nameof(MaxRequestBytes), "must be between 1 and 2147483646", MaxRequestBytes);
        foreach (var bucket in Buckets)
        {
            Check(S3Names.IsValidBucket(bucket), nameof(Buckets), "must hold valid S3 bucket names", bucket);
        }
    }

    private static void Check(bool ok, string name, string rule, object value)
    {
        if (!ok)
        {
            throw new ArgumentException($"BedrockEmulatorOptions.{name} {rule} (was {value}).", name);
        }
    }
}
