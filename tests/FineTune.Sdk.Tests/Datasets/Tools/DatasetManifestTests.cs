using System.Text;

namespace FineTune.Sdk.Tests;

public sealed class DatasetManifestTests
{
    // sha256 of these exact bytes, computed independently (Python hashlib): 282ab0d7...71f2, 244 bytes.
    private const string Content =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}],\"metadata\":{\"source\":\"human\"}}\n" +
        "{\"messages\":[{\"role\":\"user\",\"content\":\"bye\"},{\"role\":\"assistant\",\"content\":\"ciao\"}],\"metadata\":{\"source\":\"synthetic\"}}\n" +
        "\n" +
        "not json\n";

    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task CreateAsync_KnownContent_HashesCountsAndStampsTime()
    {
        var builder = new DatasetManifestBuilder(timeProvider: new FixedTimeProvider(Now));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Content));

        var manifest = await builder.CreateAsync(stream, "1.2.0", "train.jsonl");

        manifest.Sha256.Should().Be("282ab0d7261d480a99d012ca3eda45f351630b0094fc1f696972aec6ec1071f2");
        manifest.Bytes.Should().Be(244);
        manifest.Rows.Should().Be(3);
        manifest.ParsedRows.Should().Be(2);
        manifest.Format.Should().Be("chat");
        manifest.Version.Should().Be("1.2.0");
        manifest.Name.Should().Be("train.jsonl");
        manifest.CreatedAt.Should().Be(Now);
        manifest.Provenance.Human.Should().Be(1);
        manifest.Provenance.Synthetic.Should().Be(1);
        manifest.Findings.ByCode.Should().ContainKey("FT1151", "half of the sourced rows are synthetic, above the 30% cap");
        manifest.Findings.Errors.Should().Be(1);
    }

    [Fact]
    public async Task ToJson_RoundTrips_WithDocumentedFieldNames()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Content));
        var manifest = await new DatasetManifestBuilder(timeProvider: new FixedTimeProvider(Now)).CreateAsync(stream, "2.0.0-rc.1+build.5");

        var json = manifest.ToJson();
        var back = DatasetManifest.FromJson(json);

        json.Should().Contain("\"schemaVersion\": 1").And.Contain("\"sha256\": \"282ab0d7").And.Contain("\"prod_sample\": 0")
            .And.Contain("\"createdAt\": \"2026-01-02T03:04:05+00:00\"").And.Contain("\"byCode\"");
        json.Should().NotContain("\"name\"", "null fields are left out");
        back.Should().BeEquivalentTo(manifest);
    }

    [Theory]
    [InlineData("1.2")]
    [InlineData("v1.2.0")]
    [InlineData("01.2.0")]
    [InlineData("")]
    public async Task CreateAsync_NotSemver_ThrowsNamingTheValue(string version)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Content));

        var act = () => new DatasetManifestBuilder().CreateAsync(stream, version);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain($"'{version}'");
    }

    [Fact]
    public async Task CreateAsync_WithValidator_TakesFindingsFromItsReport()
    {
        var validator = new FakeValidator(new DatasetValidationReport
        {
            Rows = 3,
            Format = DatasetFormat.Chat,
            ErrorCount = 2,
            Summary = new Dictionary<string, int> { ["FT1003"] = 2 },
        });
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Content));

        var manifest = await new DatasetManifestBuilder(validator, new FixedTimeProvider(Now)).CreateAsync(stream, "1.0.0");

        manifest.Findings.Errors.Should().Be(2);
        manifest.Findings.ByCode.Should().Equal(new Dictionary<string, int> { ["FT1003"] = 2 });
        validator.Calls.Should().Be(1);
        manifest.Sha256.Should().StartWith("282ab0d7");
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class FakeValidator(DatasetValidationReport report) : IDatasetValidator
    {
        public int Calls { get; private set; }

        public async Task<DatasetValidationReport> ValidateAsync(Stream content, DatasetValidationRequest? request = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            await content.CopyToAsync(Stream.Null, cancellationToken);
            return report;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
    }
}
