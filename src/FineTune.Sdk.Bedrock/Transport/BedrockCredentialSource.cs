using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// Resolves AWS credentials the way .NET AWS users configure them: explicit <see cref="AWSOptions.Credentials"/>,
/// else <see cref="AWSOptions"/>' profile / role settings, else AWSSDK.Core's default chain (environment, web
/// identity, shared profile, SSO, container and instance metadata). Resolution is deferred to the first request and
/// refreshed by AWSSDK.Core as temporary credentials expire. Failures never show a key.
/// </summary>
internal sealed class BedrockCredentialSource
{
    private readonly Lazy<AWSCredentials> _credentials;

    public BedrockCredentialSource(AWSOptions? aws)
        => _credentials = new Lazy<AWSCredentials>(() => aws?.Credentials ?? (aws is not null ? aws.GetCredentials() : DefaultAWSCredentialsIdentityResolver.GetCredentials(null)));

    public BedrockCredentialSource(AWSCredentials credentials) => _credentials = new Lazy<AWSCredentials>(credentials);

    /// <summary>Gets the AWSSDK credentials object (for the S3 client).</summary>
    public AWSCredentials Credentials => Resolve();

    public async ValueTask<SigV4Credentials> GetAsync(CancellationToken cancellationToken)
    {
        ImmutableCredentials immutable;
        try
        {
            immutable = await Resolve().GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException ex)
        {
            throw NoCredentials(ex);
        }

        return new SigV4Credentials(immutable.AccessKey, immutable.SecretKey, immutable.UseToken ? immutable.Token : null);
    }

    private AWSCredentials Resolve()
    {
        try
        {
            return _credentials.Value;
        }
        catch (AmazonClientException ex)
        {
            throw NoCredentials(ex);
        }
    }

    private static FineTuneException NoCredentials(Exception inner)
        => new(
            "Bedrock could not resolve AWS credentials. Configure them as for any AWS SDK for .NET client: the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) environment variables, "
            + "a profile (AWS:Profile in configuration or AWS_PROFILE), SSO, web identity, or container/instance metadata. AWSSDK said: " + inner.GetType().Name,
            inner)
        {
            Provider = BedrockErrors.Provider,
        };
}

/// <summary>Region and endpoints from the options, <see cref="AWSOptions"/> and AWSSDK.Core's region chain.</summary>
internal sealed record BedrockEndpoints(string Region, Uri ControlPlane, Uri Runtime, Uri? S3)
{
    public static BedrockEndpoints Resolve(BedrockFineTuneProviderOptions options, AWSOptions? aws)
    {
        var region = options.Region
            ?? aws?.Region?.SystemName
            ?? FallbackRegionFactory.GetRegionEndpoint()?.SystemName
            ?? throw new ArgumentException(
                "Bedrock needs an AWS region: set Bedrock:Region or AWS:Region in configuration, or the AWS_REGION environment variable.", nameof(options));
        var serviceUrl = options.ServiceUrl ?? aws?.DefaultClientConfig?.ServiceURL;
        var control = new Uri(serviceUrl ?? $"https://bedrock.{region}.amazonaws.com");
        var runtime = new Uri(options.RuntimeServiceUrl ?? serviceUrl ?? $"https://bedrock-runtime.{region}.amazonaws.com");
        var s3 = options.S3ServiceUrl ?? serviceUrl;
        return new BedrockEndpoints(region, control, runtime, s3 is null ? null : new Uri(s3));
    }
}
