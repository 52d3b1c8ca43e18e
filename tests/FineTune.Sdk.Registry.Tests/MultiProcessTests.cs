using System.Diagnostics;
using FineTune.Sdk;
using FineTune.Sdk.Registry.PostgreSql;
using FineTune.Sdk.Registry.Sqlite;
using FineTune.Tests;

namespace FineTune.Sdk.Registry.Tests;

/// <summary>Several <c>finetune registry</c> processes changing one registry at once: no update lost, history complete and in order.</summary>
public sealed class MultiProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-registry-mp-" + Guid.NewGuid().ToString("N")[..12]);

    public MultiProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public Task FileStore_ConcurrentProcesses_LoseNoUpdate() => RunAsync("file:" + Path.Combine(_dir, "registry.json"), () => new FileModelRegistryStore(Path.Combine(_dir, "registry.json")));

    [Fact]
    public Task SqliteStore_ConcurrentProcesses_LoseNoUpdate() => RunAsync("sqlite:" + Path.Combine(_dir, "registry.db"), () => new SqliteModelRegistryStore(Path.Combine(_dir, "registry.db")));

    [SkippableFact]
    public async Task PostgreSqlStore_ConcurrentProcesses_LoseNoUpdate()
    {
        // The CLI uses the default tables; start them empty.
        var connection = TestPostgres.ConnectionString();
        await using (var source = Npgsql.NpgsqlDataSource.Create(connection))
        {
            await using var drop = source.CreateCommand("DROP TABLE IF EXISTS finetune_registry; DROP TABLE IF EXISTS finetune_registry_history");
            await drop.ExecuteNonQueryAsync();
        }

        await RunAsync("postgres:" + connection, () => new PostgreSqlModelRegistryStore(connection));
    }

    private static async Task RunAsync(string store, Func<IModelRegistryStore> open)
    {
        const int Processes = 3;

        var workers = Enumerable.Range(0, Processes).Select(i => Task.Run(async () =>
        {
            var feature = "feature-" + i;
            await Cli(store, "register", feature, "base", "--model", "gpt-4.1-nano-2025-04-14", "--provider", "openai", "--actor", "p" + i);
            await Cli(store, "register", feature, "candidate", "--model", "ft:gpt-4.1-nano-2025-04-14:acme:p" + i + ":abc123", "--base", "gpt-4.1-nano-2025-04-14", "--provider", "openai", "--actor", "p" + i);
            await Cli(store, "promote", feature, "candidate", "--force", "--reason", "multi-process test", "--actor", "p" + i);
            await Cli(store, "rollout", feature, "candidate", "10", "--actor", "p" + i);
            await Cli(store, "rollback", feature, "--actor", "p" + i);
        })).ToList();
        await Task.WhenAll(workers);

        await using var check = open();
        var document = await check.ReadAsync();
        document.Version.Should().Be(Processes * 5);
        document.Features.Should().HaveCount(Processes);
        document.Features.Should().OnlyContain(f => f.Variants.Count == 2 && f.RolloutVariant == null && f.FindVariant("candidate")!.Status == RegistryVariantStatus.Promoted);
        var history = await check.ReadHistoryAsync().ToListAsync();
        history.Select(h => h.Version).Should().Equal(Enumerable.Range(1, Processes * 5).Select(v => (long)v));
        for (var i = 0; i < Processes; i++)
        {
            history.Where(h => h.Actor == "p" + i).Select(h => h.Operation).Should().Equal("register", "register", "promote", "rollout", "rollback");
        }
    }

    private static async Task Cli(string store, params string[] args)
    {
        var cli = Path.Combine(RepoPaths.Root, "src", "FineTune.Cli", "bin", Configuration, "net10.0", "finetune.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cli);
        start.ArgumentList.Add("registry");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--store");
        start.ArgumentList.Add(store);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, $"finetune registry {string.Join(' ', args)} wrote: {await stdout}{await stderr}");
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
