using System.Net;
using System.Net.Http.Json;
using Gateway;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>samples/08-Gateway served in memory: the rollout share, a flag flip and a rollback while serving.</summary>
public sealed class GatewaySampleTests
{
    private const string Feature = "support-intent";

    [Fact]
    public async Task Classify_Rollout30Percent_ExactlyTheKeysInTheBucketGetTheCandidate()
    {
        await using var app = new SampleApp();
        using var http = app.CreateClient();
        var served = new Dictionary<string, string>();

        for (var i = 0; i < 60; i++)
        {
            var user = "user-" + i;
            served[user] = (await ClassifyAsync(http, user)).Variant;
        }

        served.Should().AllSatisfy(pair => pair.Value.Should().Be(ModelRegistrySnapshot.GetBucket(Feature, pair.Key) < 3000 ? "candidate" : "base", pair.Key));
        served.Values.Should().Contain("candidate").And.Contain("base");
    }

    [Fact]
    public async Task Classify_FlagFlippedOffInConfiguration_EveryoneGetsTheBaseWithoutRestart()
    {
        await using var app = new SampleApp();
        using var http = app.CreateClient();
        var user = Enumerable.Range(0, 1000).Select(i => "user-" + i).First(u => ModelRegistrySnapshot.GetBucket(Feature, u) < 3000);
        (await ClassifyAsync(http, user)).Variant.Should().Be("candidate");

        var configuration = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        configuration["FineTune:Flags:support-intent"] = "false";
        configuration.Reload();

        (await ClassifyAsync(http, user)).Variant.Should().Be("base");
    }

    [Fact]
    public async Task Classify_RollbackWhileServing_NoFailedRequestAndBaseAfterwards()
    {
        await using var app = new SampleApp();
        using var http = app.CreateClient();
        var users = Enumerable.Range(0, 1000).Select(i => "user-" + i).Where(u => ModelRegistrySnapshot.GetBucket(Feature, u) < 3000).Take(8).ToList();
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var served = 0;
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var response = await http.PostAsJsonAsync("/classify", new { userId = users[(worker + i) % users.Count], text = "Where is my parcel?" });
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                }

                Interlocked.Increment(ref served);
            }
        })).ToList();
        await GatewayScope.WaitUntilAsync(() => Volatile.Read(ref served) >= 20, "traffic before the rollback");

        var registry = app.Services.GetRequiredService<IModelRegistry>();
        await registry.RollbackAsync(Feature, new RegistryChange { Actor = "oncall", Reason = "sample test rollback" });
        var after = Volatile.Read(ref served);
        await GatewayScope.WaitUntilAsync(() => Volatile.Read(ref served) >= after + 20, "traffic after the rollback");
        await stop.CancelAsync();
        await Task.WhenAll(load);

        failures.Should().Be(0);
        foreach (var user in users)
        {
            (await ClassifyAsync(http, user)).Variant.Should().Be("base");
        }
    }

    [Fact]
    public async Task Classify_MissingUser_BadRequest()
    {
        await using var app = new SampleApp();
        using var http = app.CreateClient();

        using var response = await http.PostAsJsonAsync("/classify", new { text = "hi" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    private static async Task<ClassifyResponse> ClassifyAsync(HttpClient http, string user)
    {
        using var response = await http.PostAsJsonAsync("/classify", new { userId = user, text = "Where is my parcel?" });
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ClassifyResponse>())!;
    }

    /// <summary>The sample with its own registry file and no console exporter.</summary>
    private sealed class SampleApp : WebApplicationFactory<Program>
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "finetune-sample08-test-" + Guid.NewGuid().ToString("N"));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("FineTune:Registry:Store", "file:" + Path.Combine(_directory, "registry.json"));
            builder.UseSetting("FineTune:Gateway:ConsoleTelemetry", "false");
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
