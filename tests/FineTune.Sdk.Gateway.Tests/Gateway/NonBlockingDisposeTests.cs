using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>
/// A synchronous Dispose never waits on async work: it signals and returns, and the background work ends by itself
/// (each test waits for that with a deadline); DisposeAsync waits for it; a container disposed synchronously never throws.
/// </summary>
public sealed class NonBlockingDisposeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task GatewayWorker_DisposeWhileAnItemIgnoresCancellation_ReturnsAtOnceAndTheConsumerEndsOnItsOwn()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new GatewayWorker<int>(4, async (_, _) =>
        {
            started.TrySetResult();
            await release.Task; // a badly behaved call: it does not observe the token
        });
        worker.TryEnqueue(1).Should().BeTrue();
        worker.TryEnqueue(2).Should().BeTrue();
        await started.Task.WaitAsync(Deadline);

        await Task.Run(worker.Dispose).WaitAsync(Deadline); // the old Dispose waited up to 30 s for the consumer here

        worker.Completion.IsCompleted.Should().BeFalse("the item in progress has not ended yet, and Dispose did not wait for it");
        worker.TryEnqueue(3).Should().BeFalse("a disposed worker takes nothing");
        release.SetResult();
        await worker.Completion.WaitAsync(Deadline); // the consumer ends by itself: no thread or task outlives it
        await worker.DisposeAsync(); // a second disposal is harmless and finds the consumer ended
    }

    [Fact]
    public async Task GatewayWorker_DisposeAsync_WaitsForTheConsumerToEnd()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new GatewayWorker<int>(4, async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
        });
        worker.TryEnqueue(1).Should().BeTrue();
        await started.Task.WaitAsync(Deadline);

        var disposing = worker.DisposeAsync().AsTask();
        await Task.Delay(50);
        disposing.IsCompleted.Should().BeFalse("DisposeAsync waits for the item in progress");
        release.SetResult();
        await disposing.WaitAsync(Deadline);
        worker.Completion.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task Monitor_DisposeWithARollbackInFlight_ReturnsAtOnceAndTheRollbackEndsOnItsOwn()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50, brokenCandidate: true);
        var registry = new StuckRollbackRegistry(scope.Registry);
        var monitor = new ModelGatewayMonitor(registry, new GatewayControlOptions { AutoRollback = true }, scope.Clock);
        for (var minute = 0; minute <= 16 && !registry.Entered.Task.IsCompleted; minute++)
        {
            for (var i = 0; i < 10; i++)
            {
                monitor.RecordRequest(GatewayScope.Feature, "base", isBase: true, failed: false);
                monitor.RecordRequest(GatewayScope.Feature, "candidate", isBase: false, failed: true);
            }

            scope.Clock.Advance(TimeSpan.FromMinutes(1)); // the monitor's one-minute check runs on this clock
        }

        await registry.Entered.Task.WaitAsync(Deadline); // the error-rate control tripped and the rollback is stuck in the registry

        await Task.Run(monitor.Dispose).WaitAsync(Deadline); // the old Dispose blocked on the rollback here

        monitor.Completion.IsCompleted.Should().BeFalse("the rollback in flight has not ended, and Dispose did not wait for it");
        registry.Cancelled.Should().BeTrue("Dispose cancels the rollback in flight");
        registry.Release.SetResult();
        await Task.WhenAny(monitor.Completion, Task.Delay(Deadline)); // the rollback ends by itself (cancelled)
        monitor.Completion.IsCompleted.Should().BeTrue("nothing of the monitor runs once the stuck call returns");
        await monitor.DisposeAsync();
    }

    [Fact]
    public async Task ServiceProvider_WithTheRegistryAndTheGatewayDisposedSynchronously_DoesNotThrowAndReleasesTheStore()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        var directory = Path.Combine(Path.GetTempPath(), "finetune-dispose-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var services = new ServiceCollection();
            services.AddKeyedSingleton("openai", scope.OpenAI);
            services.AddFineTuning()
                .AddModelRegistry(o => o.Store = "file:" + Path.Combine(directory, "registry.json"))
                .AddModelGateway(GatewayScope.Feature, o => { o.Shadow.Variant = "candidate"; o.Shadow.Share = 1; });
            ModelRegistry registry;
            using (var provider = services.BuildServiceProvider())
            {
                registry = (ModelRegistry)provider.GetRequiredService<IModelRegistry>();
                await registry.RegisterAsync(GatewayScope.Feature, new RegistryVariant { Name = "base", ModelId = GatewayScope.BaseModel, Provider = RegistryProviders.OpenAI, BaseModel = GatewayScope.BaseModel }, GatewayScope.By());
                var gateway = provider.GetRequiredKeyedService<IChatClient>(GatewayScope.Feature);
                (await gateway.GetResponseAsync("hi")).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
                provider.GetRequiredService<ModelGatewayMonitor>().Should().NotBeNull();
            } // ServiceProvider.Dispose throws for a singleton that is only IAsyncDisposable

            await registry.DisposeAsync().AsTask().WaitAsync(Deadline); // the store was released after the synchronous disposal
            await registry.Invoking(r => r.RegisterAsync("other", new RegistryVariant { Name = "x", ModelId = "m", Provider = RegistryProviders.OpenAI, BaseModel = "m" }, GatewayScope.By()))
                .Should().ThrowAsync<ObjectDisposedException>();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The real registry, except that a rollback hangs until released and ignores cancellation (a stuck store).</summary>
    private sealed class StuckRollbackRegistry(IModelRegistry inner) : IModelRegistry
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Cancelled { get; private set; }

        public ModelRegistrySnapshot Snapshot => inner.Snapshot;

        public ResolvedModel Resolve(string feature, string targetingKey) => inner.Resolve(feature, targetingKey);

        public async Task<RegistryFeature> RollbackAsync(string feature, RegistryChange change, CancellationToken cancellationToken = default)
        {
            using var registration = cancellationToken.Register(() => Cancelled = true);
            Entered.TrySetResult();
            await Release.Task;
            cancellationToken.ThrowIfCancellationRequested();
            return await inner.RollbackAsync(feature, change, cancellationToken);
        }

        public Task<RegistryFeature> RegisterAsync(string feature, RegistryVariant variant, RegistryChange change, CancellationToken cancellationToken = default) => inner.RegisterAsync(feature, variant, change, cancellationToken);

        public Task<RegistryFeature> PromoteAsync(string feature, string variant, RegistryChange change, CancellationToken cancellationToken = default) => inner.PromoteAsync(feature, variant, change, cancellationToken);

        public Task<RegistryFeature> SetRolloutAsync(string feature, string variant, decimal percentage, RegistryChange change, CancellationToken cancellationToken = default) => inner.SetRolloutAsync(feature, variant, percentage, change, cancellationToken);

        public Task<RegistryFeature> RetireAsync(string feature, string variant, RegistryChange change, CancellationToken cancellationToken = default) => inner.RetireAsync(feature, variant, change, cancellationToken);

        public IAsyncEnumerable<RegistryHistoryEntry> GetHistoryAsync(string? feature = null, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(feature, cancellationToken);

        public Task<ModelRegistrySnapshot> RefreshAsync(CancellationToken cancellationToken = default) => inner.RefreshAsync(cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);
    }
}
