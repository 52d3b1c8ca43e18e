using System.Net;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Cli;

/// <summary>
/// The Bedrock registration the <c>finetune</c> commands share (<c>jobs --provider bedrock</c>, <c>eval --provider
/// bedrock</c>): <c>AddBedrock(...)</c> with <c>--endpoint</c> for every service and <c>--region</c>, credentials from
/// the AWS chain, and the AWS documentation example keys (which the Bedrock emulator accepts by default) only for a
/// loopback <c>--endpoint</c> when the environment has no AWS key.
/// </summary>
internal static class BedrockCommandLine
{
    private const string ExampleAccessKey = "AKIDEXAMPLE";
    private const string ExampleSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string EvalKey = "finetune-eval";

    /// <summary>Adds the Bedrock provider (and its Converse <see cref="IChatClient"/>) for the command line's endpoint and region.</summary>
    public static IFineTuningBuilder AddBedrock(IFineTuningBuilder fineTuning, string? endpoint, string? region, Action<BedrockFineTuneProviderOptions>? configure = null, string? serviceKey = null)
    {
        if (endpoint is not null && IsLoopback(endpoint) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")))
        {
            fineTuning.Services.AddSingleton(new AWSOptions
            {
                Credentials = new BasicAWSCredentials(ExampleAccessKey, ExampleSecretKey),
                Region = RegionEndpoint.GetBySystemName(region ?? "us-east-1"),
            });
        }

        return fineTuning.AddBedrock(o =>
        {
            o.Region = region;
            o.ServiceUrl = o.RuntimeServiceUrl = o.S3ServiceUrl = endpoint;
            configure?.Invoke(o);
        }, serviceKey);
    }

    /// <summary>
    /// The keyed Bedrock Converse client that <c>AddBedrock(...)</c> registers, under the chat pipeline (retries, rate
    /// limits, cache). Disposing it disposes the service provider it came from.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static IChatClient CreateChatClient(string? endpoint, string? region, ChatPipelineOptions pipeline)
    {
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"--endpoint is not an absolute URL: {endpoint}");
        }

        var services = new ServiceCollection();
        AddBedrock(services.AddFineTuning(), endpoint, region, serviceKey: EvalKey);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        try
        {
            var converse = provider.GetRequiredKeyedService<IChatClient>(EvalKey);
            return new OwningChatClient(new ChatClientBuilder(converse).UseFineTunePipeline(pipeline).Build(provider), provider);
        }
        catch (OptionsValidationException ex)
        {
            provider.Dispose();
            throw new ArgumentException(string.Join(" ", ex.Failures), ex);
        }
    }

    /// <summary>True for a loopback URL (localhost, 127.0.0.0/8, ::1).</summary>
    public static bool IsLoopback(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)));

    private sealed class OwningChatClient(IChatClient inner, ServiceProvider services) : DelegatingChatClient(inner)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                services.Dispose();
            }
        }
    }
}
