using System.Security.Cryptography;
using FineTune.Sdk.Testing;

namespace FineTune.Sdk.Tests;

public sealed class DeduplicatingUploadFineTuneProviderTests
{
    private static readonly byte[] Content = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n"u8.ToArray();

    [Fact]
    public async Task UploadFileAsync_SameContentTwice_SecondIsReusedAndNothingSent()
    {
        var fake = new FakeFineTuneProvider();
        var provider = new DeduplicatingUploadFineTuneProvider(fake);
        var sha = Convert.ToHexString(SHA256.HashData(Content)).ToLowerInvariant();

        var first = await provider.UploadFileAsync(new MemoryStream(Content), "train.jsonl");
        var second = await provider.UploadFileAsync(new MemoryStream(Content), "train.jsonl");

        first.Reused.Should().BeFalse();
        first.FileName.Should().Be($"train.sha256-{sha[..32]}.jsonl");
        first.Sha256.Should().Be(sha);
        second.Reused.Should().BeTrue();
        second.Id.Should().Be(first.Id);
        fake.CallCount("files.upload").Should().Be(1);
    }

    [Fact]
    public async Task UploadFileAsync_DifferentContent_UploadsAgain()
    {
        var fake = new FakeFineTuneProvider();
        var provider = new DeduplicatingUploadFineTuneProvider(fake);

        await provider.UploadFileAsync(new MemoryStream(Content), "train.jsonl");
        var other = await provider.UploadFileAsync(new MemoryStream([.. Content, .. Content]), "train.jsonl");

        other.Reused.Should().BeFalse();
        fake.Files.Should().HaveCount(2);
    }

    [Fact]
    public async Task UploadFileAsync_NonSeekable_IsSpooledHashedAndSentWhole()
    {
        var fake = new FakeFineTuneProvider();

        var file = await new DeduplicatingUploadFineTuneProvider(fake).UploadFileAsync(new NonSeekableStream(Content), "train.jsonl");

        file.Bytes.Should().Be(Content.Length);
        file.Sha256.Should().HaveLength(64);
    }

    [Theory]
    [InlineData("train.jsonl", "train.sha256-0123456789abcdef0123456789abcdef.jsonl")]
    [InlineData("dir/train", "train.sha256-0123456789abcdef0123456789abcdef.jsonl")]
    [InlineData("train.sha256-ffffffffffffffffffffffffffffffff.jsonl", "train.sha256-0123456789abcdef0123456789abcdef.jsonl")]
    public void StoredFileName_CarriesHashOnce(string name, string expected)
        => DeduplicatingUploadFineTuneProvider.StoredFileName(name, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").Should().Be(expected);

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
