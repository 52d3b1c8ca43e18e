using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The official AWSSDK.S3 client over loopback HTTP against the emulator's path-style S3.</summary>
public sealed class BedrockS3Tests : IAsyncLifetime, IDisposable
{
    private const string Bucket = "finetune-data";
    private BedrockEmulator _emulator = null!;
    private AmazonS3Client _s3 = null!;

    public async Task InitializeAsync()
    {
        _emulator = new BedrockEmulator(new BedrockEmulatorOptions { MaxClockSkew = TimeSpan.FromMinutes(5) });
        var endpoint = await _emulator.StartAsync();
        _s3 = Client(endpoint, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        await _s3.PutBucketAsync(Bucket);
    }

    public async Task DisposeAsync()
    {
        _s3.Dispose();
        await _emulator.DisposeAsync();
    }

    public void Dispose()
    {
        _s3?.Dispose();
        _emulator?.Dispose();
    }

    [Fact]
    public async Task PutObject_SmallJsonl_RoundTripsThroughGetHeadAndList()
    {
        var text = BedrockEmulatorTests.NovaRow(1) + "\n";

        var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = "train/data.jsonl", ContentBody = text });
        var head = await _s3.GetObjectMetadataAsync(Bucket, "train/data.jsonl");
        using var get = await _s3.GetObjectAsync(Bucket, "train/data.jsonl");
        using var reader = new StreamReader(get.ResponseStream);
        var list = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = "train/" });

        put.HttpStatusCode.Should().Be(HttpStatusCode.OK);
        put.ETag.Should().Be(S3Digest.ETag(Encoding.UTF8.GetBytes(text)));
        head.ContentLength.Should().Be(Encoding.UTF8.GetByteCount(text));
        (await reader.ReadToEndAsync()).Should().Be(text);
        list.S3Objects.Should().ContainSingle().Which.Key.Should().Be("train/data.jsonl");
        _emulator.GetObjectContent(Bucket, "train/data.jsonl").Should().Equal(Encoding.UTF8.GetBytes(text));
    }

    [Fact]
    public async Task TransferUtility_LargeFile_UploadsInPartsAndReassemblesExactly()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bedrock-s3-{Guid.NewGuid():N}.jsonl");
        var bytes = new byte[21 * 1024 * 1024];
        new Random(5).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            using var transfer = new TransferUtility(_s3);
            await transfer.UploadAsync(new TransferUtilityUploadRequest { BucketName = Bucket, Key = "big/train.jsonl", FilePath = path, PartSize = 5 * 1024 * 1024 });
        }
        finally
        {
            File.Delete(path);
        }

        var log = _emulator.GetRequestLog();
        log.Should().Contain(l => l.StartsWith("POST /finetune-data/big/train.jsonl?uploads", StringComparison.Ordinal));
        log.Count(l => l.StartsWith("PUT /finetune-data/big/train.jsonl?", StringComparison.Ordinal) && l.Contains("partNumber=", StringComparison.Ordinal)).Should().Be(5);
        SHA256.HashData(_emulator.GetObjectContent(Bucket, "big/train.jsonl")!).Should().Equal(SHA256.HashData(bytes));
        var head = await _s3.GetObjectMetadataAsync(Bucket, "big/train.jsonl");
        head.ETag.Should().EndWith("-5\"");
    }

    [Fact]
    public async Task Requests_WrongSecretOrMissingObject_AnswerTheS3Errors()
    {
        using var wrong = Client(_emulator.BaseAddress!, "not-the-secret");
        var refused = async () => await wrong.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = "x.txt", ContentBody = "x" });
        var missing = async () => await _s3.GetObjectAsync(Bucket, "nope.jsonl");
        var noBucket = async () => await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "no-such-bucket", Key = "x.txt", ContentBody = "x" });

        (await refused.Should().ThrowAsync<AmazonS3Exception>()).Which.ErrorCode.Should().Be("SignatureDoesNotMatch");
        (await missing.Should().ThrowAsync<AmazonS3Exception>()).Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await noBucket.Should().ThrowAsync<AmazonS3Exception>()).Which.ErrorCode.Should().Be("NoSuchBucket");
        _emulator.GetObjectContent(Bucket, "x.txt").Should().BeNull();
    }

    private static AmazonS3Client Client(Uri endpoint, string secret) => new(
        new BasicAWSCredentials("AKIDEXAMPLE", secret),
        new AmazonS3Config { ServiceURL = endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
}
