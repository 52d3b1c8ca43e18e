using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Gateway;
using Npgsql;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>
/// Two processes of samples/08-Gateway on one PostgreSQL registry (<c>FINETUNE_TEST_POSTGRES</c>, started by .ci/run):
/// every key gets the same variant from both, and a promotion or rollback written through one is served by both
/// within one second. Skipped locally without the variable; fails with <c>CI=true</c>.
/// </summary>
public sealed class GatewayTwoProcessTests
{
    private const string Feature = "support-intent";

    [SkippableFact]
    public async Task TwoInstances_SharedPostgresRegistry_SameVariantPerKeyAndChangesServedByBothWithinOneSecond()
    {
        var server = PostgresConnectionString();
        var database = "ft_gateway_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(server, $"CREATE DATABASE {database}");
        var registry = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Process? a = null, b = null;
        try
        {
            (a, var urlA) = Start(registry);
            await WaitReadyAsync(http, urlA, a);
            (b, var urlB) = Start(registry);
            await WaitReadyAsync(http, urlB, b);

            var users = Enumerable.Range(0, 40).Select(i => "user-" + i).ToList();
            foreach (var user in users)
            {
                var fromA = (await ClassifyAsync(http, urlA, user)).Variant;
                var fromB = (await ClassifyAsync(http, urlB, user)).Variant;
                fromA.Should().Be(fromB, user);
                fromA.Should().Be(ModelRegistrySnapshot.GetBucket(Feature, user) < 3000 ? "candidate" : "base", user);
            }

            var outside = users.First(u => ModelRegistrySnapshot.GetBucket(Feature, u) >= 3000);

            // A promotion to 100% written through A is served by B within a second (and by A at once).
            (await http.PostAsync(urlA + "admin/rollout/100", null)).StatusCode.Should().Be(HttpStatusCode.OK);
            var promoted = await ServedWithinAsync(http, urlB, outside, "candidate");
            (await ClassifyAsync(http, urlA, outside)).Variant.Should().Be("candidate");

            // A rollback written through B is served by A within a second.
            (await http.PostAsync(urlB + "admin/rollback", null)).StatusCode.Should().Be(HttpStatusCode.OK);
            var rolledBack = await ServedWithinAsync(http, urlA, outside, "base");
            (await ClassifyAsync(http, urlB, outside)).Variant.Should().Be("base");

            Console.WriteLine($"promotion served by the other instance after {promoted.TotalMilliseconds:0} ms, rollback after {rolledBack.TotalMilliseconds:0} ms");
        }
        finally
        {
            Stop(a);
            Stop(b);
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static string PostgresConnectionString()
    {
        if (Environment.GetEnvironmentVariable("FINETUNE_TEST_POSTGRES") is { Length: > 0 } value)
        {
            return value;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("FINETUNE_TEST_POSTGRES is not set, but CI=true: .ci/run must start PostgreSQL and export it.");
        }

        Skip.If(true, "FINETUNE_TEST_POSTGRES is not set: no PostgreSQL server for the two-process gateway test.");
        return string.Empty;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static (Process Process, string Url) Start(string registry)
    {
        var sampleOutput = AppContext.BaseDirectory.Replace(
            Path.Combine("tests", "FineTune.Sdk.Gateway.Tests"), Path.Combine("samples", "08-Gateway"), StringComparison.Ordinal);
        var dll = Path.Combine(sampleOutput, "Gateway.dll");
        File.Exists(dll).Should().BeTrue($"the sample is built beside the tests ({dll})");
        var url = $"http://127.0.0.1:{FreePort()}/";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = sampleOutput };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["FineTune__Registry__Store"] = "postgres:" + registry;
        start.Environment["FineTune__Gateway__ConsoleTelemetry"] = "false";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, url);
    }

    private static async Task WaitReadyAsync(HttpClient http, string url, Process process)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            process.HasExited.Should().BeFalse($"the sample at {url} exited with code {(process.HasExited ? process.ExitCode : 0)}");
            try
            {
                using var response = await http.PostAsJsonAsync(url + "classify", new { userId = "probe", text = "ready?" }, deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private static async Task<ClassifyResponse> ClassifyAsync(HttpClient http, string url, string user)
    {
        using var response = await http.PostAsJsonAsync(url + "classify", new { userId = user, text = "Where is my parcel?" });
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ClassifyResponse>())!;
    }

    /// <summary>Asks until the instance serves <paramref name="expected"/>; fails if that takes more than one second.</summary>
    private static async Task<TimeSpan> ServedWithinAsync(HttpClient http, string url, string user, string expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if ((await ClassifyAsync(http, url, user)).Variant == expected)
            {
                return clock.Elapsed;
            }

            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), $"the instance at {url} must serve '{expected}' within a second of the change");
            await Task.Delay(20);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Stop(Process? process)
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
    }
}
