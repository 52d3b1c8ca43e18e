namespace FineTune.Sdk.Tests.Cleanup;

/// <summary>
/// Cancelling a validation (every gate, token counting) at any point of a multi-megabyte file ends it with
/// <see cref="OperationCanceledException"/> and leaves no preparation thread behind. The waits have generous
/// deadlines that only catch a hang; nothing here asserts a duration.
/// </summary>
[Collection(CleanupTests.Name)]
public sealed class ValidationCancellationTests : IDisposable
{
    private const int Rows = 30_000;

    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-cancel-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public async Task ValidateAsync_CancelledAtAPointOfTheFile_ThrowsAndLeavesNoThread(double fraction)
    {
        var bytes = File.ReadAllBytes(Cleanup.WriteDataset(_directory, Rows));
        bytes.Length.Should().BeGreaterThan(8 << 20);
        using var cancellation = new CancellationTokenSource();
        var stream = new CancellingStream(bytes, (long)(bytes.Length * fraction), cancellation);

        var validation = new DatasetValidator().ValidateAsync(stream, Cleanup.AllGates("data.jsonl"), cancellation.Token);
        var thrown = await Record.ExceptionAsync(() => validation.WaitAsync(TimeSpan.FromSeconds(120)));

        thrown.Should().BeAssignableTo<OperationCanceledException>();
        ((OperationCanceledException)thrown!).CancellationToken.Should().Be(cancellation.Token);
        stream.Cancelled.Should().BeTrue();
        (await Cleanup.PreparationThreadsAfterExitAsync()).Should().Be(0, "the run joined its threads; the OS may list one for a moment after it left managed code");
    }

    [Fact]
    public async Task ValidateAsync_CancelledWhileRowsArePreparing_ThrowsAndLeavesNoThread()
    {
        // Cancelled from another thread while the run is busy, not at a read: wherever it lands, the same outcome.
        var bytes = File.ReadAllBytes(Cleanup.WriteDataset(_directory, Rows));
        var validator = new DatasetValidator();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var cancellation = new CancellationTokenSource();
            var stream = new CancellingStream(bytes, (long)(bytes.Length * (0.05 + (0.1 * attempt))), cancellation: null);
            var validation = validator.ValidateAsync(stream, Cleanup.AllGates("data.jsonl"), cancellation.Token);
            await stream.Reached.WaitAsync(TimeSpan.FromSeconds(120));
            await cancellation.CancelAsync();

            var thrown = await Record.ExceptionAsync(() => validation.WaitAsync(TimeSpan.FromSeconds(120)));
            thrown.Should().BeAssignableTo<OperationCanceledException>();
            (await Cleanup.PreparationThreadsAfterExitAsync()).Should().Be(0);
        }
    }

    /// <summary>A stream over bytes that, once a read reaches an offset, cancels a source (when given) and signals.</summary>
    private sealed class CancellingStream(byte[] bytes, long at, CancellationTokenSource? cancellation) : MemoryStream(bytes, writable: false)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Cancelled { get; private set; }

        public Task Reached => _reached.Task;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= at && !_reached.Task.IsCompleted)
            {
                if (cancellation is not null)
                {
                    cancellation.Cancel();
                    Cancelled = true;
                }

                _reached.TrySetResult();
            }

            return base.ReadAsync(buffer[..Math.Min(buffer.Length, 64 * 1024)], cancellationToken);
        }
    }
}
