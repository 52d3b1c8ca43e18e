using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// Datasets in and metrics out of S3 through AWSSDK.S3: one PUT up to the multipart threshold, TransferUtility's
/// multipart upload above it; the SHA-256 is sent as the object's checksum (single PUT) and kept in its metadata
/// (<c>x-amz-meta-sha256</c>) either way. The SDK's own retries are off: one retry layer per call path.
/// </summary>
internal sealed class BedrockObjectStore : IDisposable
{
    public const string Sha256MetadataKey = "sha256";

    private readonly Lazy<AmazonS3Client> _client;
    private readonly long _multipartThreshold;

    public BedrockObjectStore(BedrockCredentialSource credentials, string region, Uri? serviceUrl, long multipartThreshold)
    {
        _multipartThreshold = multipartThreshold;
        _client = new Lazy<AmazonS3Client>(() =>
        {
            var config = new AmazonS3Config
            {
                MaxErrorRetry = 0,
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            };
            if (serviceUrl is not null)
            {
                config.ServiceURL = serviceUrl.ToString();
                config.AuthenticationRegion = region;
                config.ForcePathStyle = true;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }

            return new AmazonS3Client(credentials.Credentials, config);
        });
    }

    /// <summary>Uploads <paramref name="content"/> (seekable, positioned at its start) to <paramref name="uri"/>.</summary>
    public async Task<int> UploadAsync(Stream content, long length, string uri, string sha256Hex, CancellationToken cancellationToken)
    {
        var (bucket, key) = BedrockS3Uri.Split(uri);
        try
        {
            if (length <= _multipartThreshold)
            {
                var put = new PutObjectRequest
                {
                    BucketName = bucket,
                    Key = key,
                    InputStream = content,
                    AutoCloseStream = false,
                    AutoResetStreamPosition = false,
                    ContentType = "application/jsonl",
                    ChecksumSHA256 = Convert.ToBase64String(Convert.FromHexString(sha256Hex)),
                    UseChunkEncoding = false,
                };
                put.Metadata.Add(Sha256MetadataKey, sha256Hex);
                await _client.Value.PutObjectAsync(put, cancellationToken).ConfigureAwait(false);
                return 1;
            }

            var partSize = Math.Max(5L * 1024 * 1024, _multipartThreshold);
            var upload = new TransferUtilityUploadRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = content,
                AutoCloseStream = false,
                AutoResetStreamPosition = false,
                ContentType = "application/jsonl",
                PartSize = partSize,
            };
            upload.Metadata.Add(Sha256MetadataKey, sha256Hex);
            using var transfer = new TransferUtility(_client.Value, new TransferUtilityConfig { MinSizeBeforePartUpload = _multipartThreshold, ConcurrentServiceRequests = 4 });
            await transfer.UploadAsync(upload, cancellationToken).ConfigureAwait(false);
            return (int)((length + partSize - 1) / partSize);
        }
        catch (AmazonS3Exception ex)
        {
            throw Map(ex, "s3.upload");
        }
        catch (AmazonServiceException ex)
        {
            throw Map(ex, "s3.upload");
        }
        catch (AmazonClientException ex)
        {
            throw new FineTuneException($"S3 upload to {uri} failed: {ex.Message}", ex) { Provider = BedrockErrors.Provider, IsTransient = true };
        }
    }

    /// <summary>Reads a small text object, or null when it does not exist.</summary>
    public async Task<string?> ReadTextAsync(string uri, CancellationToken cancellationToken)
    {
        var (bucket, key) = BedrockS3Uri.Split(uri);
        try
        {
            using var response = await _client.Value.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonServiceException ex)
        {
            throw Map(ex, "s3.get");
        }
        catch (AmazonClientException ex)
        {
            throw new FineTuneException($"S3 read of {uri} failed: {ex.Message}", ex) { Provider = BedrockErrors.Provider, IsTransient = true };
        }
    }

    /// <summary>Lists the objects under a prefix URI, every page.</summary>
    public async IAsyncEnumerable<(string Uri, long Bytes, DateTimeOffset? LastModified)> ListAsync(string prefixUri, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (bucket, prefix) = BedrockS3Uri.Split(prefixUri);
        string? continuation = null;
        do
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.Value.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = continuation }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonServiceException ex)
            {
                throw Map(ex, "s3.list");
            }
            catch (AmazonClientException ex)
            {
                throw new FineTuneException($"S3 list of {prefixUri} failed: {ex.Message}", ex) { Provider = BedrockErrors.Provider, IsTransient = true };
            }

            foreach (var item in page.S3Objects ?? [])
            {
                yield return ($"s3://{bucket}/{item.Key}", item.Size ?? 0, item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null);
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    private static FineTuneException Map(AmazonServiceException ex, string operation)
    {
        var status = (int)ex.StatusCode;
        return new FineTuneException($"Bedrock {operation} failed: HTTP {status} ({ex.ErrorCode ?? "error"}). {ex.Message}" + (ex.RequestId is null ? string.Empty : $" (request id {ex.RequestId})"), ex)
        {
            Provider = BedrockErrors.Provider,
            StatusCode = status,
            ProviderCode = ex.ErrorCode,
            RequestId = ex.RequestId,
            IsTransient = FineTuneException.IsTransientStatus(status) || string.Equals(ex.ErrorCode, "SlowDown", StringComparison.Ordinal),
        };
    }
}
