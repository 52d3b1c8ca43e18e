using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace FineTune.Sdk.Testing;

/// <summary>An S3 bucket of the emulator.</summary>
internal sealed class S3Bucket(string name, DateTimeOffset created)
{
    public string Name { get; } = name;

    public DateTimeOffset Created { get; } = created;

    public SortedDictionary<string, S3Object> Objects { get; } = new(StringComparer.Ordinal);
}

/// <summary>A stored object.</summary>
internal sealed record S3Object(byte[] Content, string ETag, string ContentType, DateTimeOffset LastModified, IReadOnlyList<KeyValuePair<string, string>> Metadata);

/// <summary>An open multipart upload.</summary>
internal sealed class S3MultipartUpload(string bucket, string key, string contentType, IReadOnlyList<KeyValuePair<string, string>> metadata)
{
    public string Bucket { get; } = bucket;

    public string Key { get; } = key;

    public string ContentType { get; } = contentType;

    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; } = metadata;

    public SortedDictionary<int, (byte[] Content, string ETag)> Parts { get; } = [];
}

/// <summary>The digests S3's protocol fixes: MD5 ETags and Content-MD5, SHA-1 checksums. Integrity checks, not security.</summary>
internal static class S3Digest
{
#pragma warning disable CA5350, CA5351 // S3 defines ETag/Content-MD5 as MD5 and offers SHA-1 checksums; nothing here protects a secret.
    public static byte[] Md5(byte[] content) => MD5.HashData(content);

    public static byte[] Sha1(byte[] content) => SHA1.HashData(content);
#pragma warning restore CA5350, CA5351

    public static string Md5Hex(byte[] content) => Convert.ToHexString(Md5(content)).ToLowerInvariant();

    /// <summary>The quoted ETag of a single-part object.</summary>
    public static string ETag(byte[] content) => "\"" + Md5Hex(content) + "\"";
}

/// <summary>S3 naming rules and the S3 URI pattern of the Bedrock API model.</summary>
internal static partial class S3Names
{
    public static bool IsValidBucket(string name) => BucketPattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>Splits an <c>s3://bucket/key</c> URI that matches the Bedrock <c>S3Uri</c> pattern.</summary>
    public static bool TryParse(string uri, out string bucket, out string key)
    {
        bucket = key = string.Empty;
        if (uri.Length > 1024 || !BedrockS3Uri().IsMatch(uri))
        {
            return false;
        }

        var rest = uri["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        bucket = slash >= 0 ? rest[..slash] : rest;
        key = slash >= 0 ? rest[(slash + 1)..] : string.Empty;
        return true;
    }

    public const string S3UriPattern = @"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?";

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketPattern();

    [GeneratedRegex("^" + S3UriPattern + "$", RegexOptions.CultureInvariant)]
    private static partial Regex BedrockS3Uri();
}

/// <content>A minimal path-style S3: buckets, PutObject (plain, aws-chunked signed or unsigned, with trailers),
/// GetObject, HeadObject, DeleteObject, ListObjectsV2 and multipart uploads.</content>
public sealed partial class BedrockEmulator
{
    private const string S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private const long MinimumPartBytes = 5L * 1024 * 1024;
    private readonly Dictionary<string, S3Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, S3MultipartUpload> _multipartUploads = new(StringComparer.Ordinal);

    /// <summary>Gets a copy of an object's bytes, or <see langword="null"/> when there is none (for tests).</summary>
    internal byte[]? GetObjectContent(string bucket, string key)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(bucket, out var b) && b.Objects.TryGetValue(key, out var o) ? [.. o.Content] : null;
        }
    }

    /// <summary>Stores an object as PutObject would (for tests that set up data without an S3 client).</summary>
    internal void PutObject(string bucket, string key, byte[] content)
    {
        lock (_gate)
        {
            Store(Bucket(bucket), key, new S3Object(content, S3Digest.ETag(content), "application/octet-stream", UtcNow(), []));
        }
    }

    private EmulatorResponse RouteS3(EmulatorRequest request, SigV4Authorization auth)
    {
        var path = request.RawPath.TrimStart('/');
        if (path.Length == 0)
        {
            return request.Method == "GET" ? ListBuckets() : throw new AwsApiException(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
        }

        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucketName = Uri.UnescapeDataString(slash >= 0 ? path[..slash] : path);
        var key = slash >= 0 ? Uri.UnescapeDataString(path[(slash + 1)..]) : string.Empty;
        if (key.Length == 0)
        {
            return request.Method switch
            {
                "PUT" => CreateBucket(bucketName),
                "HEAD" => HeadBucket(bucketName),
                "GET" when request.QueryValue("location") is not null => BucketLocation(bucketName),
                "GET" => ListObjectsV2(Bucket(bucketName), request),
                "DELETE" => DeleteBucket(bucketName),
                _ => throw new AwsApiException(405, "MethodNotAllowed", "The specified method is not allowed against this resource."),
            };
        }

        if (key.Length > 1024)
        {
            throw new AwsApiException(400, "KeyTooLongError", "Your key is too long.");
        }

        var bucket = Bucket(bucketName);
        var uploadId = request.QueryValue("uploadId");
        switch (request.Method)
        {
            case "PUT" when uploadId is not null:
                return UploadPart(bucket, key, uploadId, request, auth);
            case "PUT" when request.Headers.ContainsKey("x-amz-copy-source"):
                throw new AwsApiException(501, "NotImplemented", "CopyObject is not emulated.");
            case "PUT":
                return PutObject(bucket, key, request, auth);
            case "GET" or "HEAD":
                // For HEAD the transport sends the headers (Content-Length included) without the body.
                return GetObject(bucket, key, request);
            case "DELETE" when uploadId is not null:
                _ = MultipartUpload(uploadId, bucket, key);
                _multipartUploads.Remove(uploadId);
                return new EmulatorResponse(204, "application/xml", []);
            case "DELETE":
                bucket.Objects.Remove(key);
                Journal("s3-delete", new(StringComparer.Ordinal) { ["bucket"] = bucket.Name, ["key"] = key }, []);
                return new EmulatorResponse(204, "application/xml", []);
            case "POST" when request.QueryValue("uploads") is not null:
                return CreateMultipartUpload(bucket, key, request);
            case "POST" when uploadId is not null:
                return CompleteMultipartUpload(bucket, key, uploadId, request);
            default:
                throw new AwsApiException(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
        }
    }

    private S3Bucket Bucket(string name) =>
        _buckets.TryGetValue(name, out var bucket) ? bucket : throw new AwsApiException(404, "NoSuchBucket", "The specified bucket does not exist") { Resource = name };

    private EmulatorResponse CreateBucket(string name)
    {
        if (!S3Names.IsValidBucket(name))
        {
            throw new AwsApiException(400, "InvalidBucketName", "The specified bucket is not valid.") { Resource = name };
        }

        if (_buckets.ContainsKey(name))
        {
            throw new AwsApiException(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.") { Resource = name };
        }

        _buckets[name] = new S3Bucket(name, UtcNow());
        Journal("s3-create-bucket", new(StringComparer.Ordinal) { ["bucket"] = name }, []);
        var response = S3Ok();
        response.Headers.Add(new("Location", "/" + name));
        return response;
    }

    private EmulatorResponse HeadBucket(string name)
    {
        _ = Bucket(name);
        var response = S3Ok();
        response.Headers.Add(new("x-amz-bucket-region", Options.Region));
        return response;
    }

    private EmulatorResponse BucketLocation(string name)
    {
        _ = Bucket(name);
        return S3Xml(200, "LocationConstraint", root => root.Value = Options.Region == "us-east-1" ? string.Empty : Options.Region);
    }

    private EmulatorResponse DeleteBucket(string name)
    {
        if (Bucket(name).Objects.Count > 0)
        {
            throw new AwsApiException(409, "BucketNotEmpty", "The bucket you tried to delete is not empty") { Resource = name };
        }

        _buckets.Remove(name);
        Journal("s3-delete-bucket", new(StringComparer.Ordinal) { ["bucket"] = name }, []);
        return new EmulatorResponse(204, "application/xml", []);
    }

    private EmulatorResponse ListBuckets() => S3Xml(200, "ListAllMyBucketsResult", root =>
    {
        root.Add(new XElement(XName.Get("Owner", S3Namespace), new XElement(XName.Get("ID", S3Namespace), Options.AccountId)));
        root.Add(new XElement(XName.Get("Buckets", S3Namespace), _buckets.Values.OrderBy(b => b.Name, StringComparer.Ordinal).Select(b =>
            new XElement(XName.Get("Bucket", S3Namespace), S3Element("Name", b.Name), S3Element("CreationDate", Iso(b.Created))))));
    });

    private EmulatorResponse PutObject(S3Bucket bucket, string key, EmulatorRequest request, SigV4Authorization auth)
    {
        var content = DecodePayload(request, auth, out var checksums);
        var etag = S3Digest.ETag(content);
        Store(bucket, key, new S3Object(content, etag, request.ContentType ?? "binary/octet-stream", UtcNow(), UserMetadata(request)));
        var response = S3Ok();
        response.Headers.Add(new("ETag", etag));
        foreach (var checksum in checksums)
        {
            response.Headers.Add(checksum);
        }

        return response;
    }

    private void Store(S3Bucket bucket, string key, S3Object value)
    {
        bucket.Objects[key] = value;
        if (_journal is not null && !_replaying)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["bucket"] = bucket.Name, ["key"] = key, ["etag"] = value.ETag, ["contentType"] = value.ContentType };
            foreach (var (name, metadataValue) in value.Metadata)
            {
                fields["meta:" + name] = metadataValue;
            }

            Journal("s3-put", fields, value.Content);
        }

        if (key.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) && LooksLikeJsonLines(value.Content))
        {
            // Every JSONL object is a possible training or validation file: it becomes the base models' world knowledge.
            _answers.Learn(BedrockTrainingData.ExtractPairs(value.Content));
        }
    }

    /// <summary>A cheap guard before parsing: the first non-blank byte (after a UTF-8 BOM) opens a JSON object.</summary>
    private static bool LooksLikeJsonLines(byte[] content)
    {
        var span = content.AsSpan();
        if (span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }

        var start = span.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && span[start] == (byte)'{';
    }

    private static EmulatorResponse GetObject(S3Bucket bucket, string key, EmulatorRequest request)
    {
        if (!bucket.Objects.TryGetValue(key, out var value))
        {
            throw new AwsApiException(404, "NoSuchKey", "The specified key does not exist.") { Resource = key };
        }

        var content = value.Content;
        var status = 200;
        string? contentRange = null;
        if (request.Headers.TryGetValue("Range", out var range) && TryParseRange(range, content.Length, out var from, out var to))
        {
            content = content[(int)from..(int)(to + 1)];
            status = 206;
            contentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{to}/{value.Content.Length}");
        }

        var response = new EmulatorResponse(status, value.ContentType, content);
        response.Headers.Add(new("ETag", value.ETag));
        response.Headers.Add(new("Last-Modified", value.LastModified.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)));
        response.Headers.Add(new("Accept-Ranges", "bytes"));
        if (contentRange is not null)
        {
            response.Headers.Add(new("Content-Range", contentRange));
        }

        response.Headers.AddRange(value.Metadata);
        return response;
    }

    private static bool TryParseRange(string header, long length, out long from, out long to)
    {
        from = to = 0;
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || length == 0)
        {
            return false;
        }

        var spec = header["bytes=".Length..].Split('-');
        if (spec.Length != 2)
        {
            return false;
        }

        if (spec[0].Length == 0 && long.TryParse(spec[1], NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
        {
            from = Math.Max(0, length - suffix);
            to = length - 1;
            return true;
        }

        if (!long.TryParse(spec[0], NumberStyles.None, CultureInfo.InvariantCulture, out from) || from >= length)
        {
            return false;
        }

        to = spec[1].Length == 0 || !long.TryParse(spec[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end) ? length - 1 : Math.Min(end, length - 1);
        return to >= from;
    }

    private static EmulatorResponse ListObjectsV2(S3Bucket bucket, EmulatorRequest request)
    {
        if (request.QueryValue("list-type") != "2")
        {
            throw new AwsApiException(501, "NotImplemented", "Only ListObjectsV2 (list-type=2) is emulated.");
        }

        var prefix = request.QueryValue("prefix") ?? string.Empty;
        var delimiter = request.QueryValue("delimiter");
        var startAfter = request.QueryValue("start-after");
        var token = request.QueryValue("continuation-token");
        var urlEncoding = request.QueryValue("encoding-type") == "url";
        var maxKeys = 1000;
        if (request.QueryValue("max-keys") is { } maxText && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys > 1000))
        {
            maxKeys = int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? Math.Min(m, 1000) : throw new AwsApiException(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
        }

        string? after = startAfter;
        if (token is not null)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw new AwsApiException(400, "InvalidArgument", "The continuation token provided is incorrect");
            }
        }

        var entries = new List<(string Key, S3Object? Object)>();
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        var truncated = false;
        string? last = null;
        foreach (var (key, value) in bucket.Objects)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || (after is not null && string.CompareOrdinal(key, after) <= 0))
            {
                continue;
            }

            string? common = null;
            if (!string.IsNullOrEmpty(delimiter))
            {
                var cut = key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (cut >= 0)
                {
                    common = key[..(cut + delimiter.Length)];
                    if (prefixes.Contains(common))
                    {
                        continue;
                    }
                }
            }

            if (entries.Count == maxKeys)
            {
                truncated = true;
                break;
            }

            if (common is not null)
            {
                prefixes.Add(common);
                entries.Add((common, null));
                last = common + "\uFFFF";
            }
            else
            {
                entries.Add((key, value));
                last = key;
            }
        }

        string Out(string text) => urlEncoding ? string.Join('/', text.Split('/').Select(SigV4.Encode)) : text;
        return S3Xml(200, "ListBucketResult", root =>
        {
            root.Add(S3Element("Name", bucket.Name), S3Element("Prefix", Out(prefix)), S3Element("KeyCount", entries.Count.ToString(CultureInfo.InvariantCulture)),
                S3Element("MaxKeys", maxKeys.ToString(CultureInfo.InvariantCulture)), S3Element("IsTruncated", truncated ? "true" : "false"));
            if (delimiter is not null)
            {
                root.Add(S3Element("Delimiter", Out(delimiter)));
            }

            if (token is not null)
            {
                root.Add(S3Element("ContinuationToken", token));
            }

            if (startAfter is not null)
            {
                root.Add(S3Element("StartAfter", Out(startAfter)));
            }

            if (truncated && last is not null)
            {
                root.Add(S3Element("NextContinuationToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(last))));
            }

            if (urlEncoding)
            {
                root.Add(S3Element("EncodingType", "url"));
            }

            foreach (var (key, value) in entries)
            {
                root.Add(value is null
                    ? new XElement(XName.Get("CommonPrefixes", S3Namespace), S3Element("Prefix", Out(key)))
                    : new XElement(
                        XName.Get("Contents", S3Namespace),
                        S3Element("Key", Out(key)),
                        S3Element("LastModified", Iso(value.LastModified)),
                        S3Element("ETag", value.ETag),
                        S3Element("Size", value.Content.Length.ToString(CultureInfo.InvariantCulture)),
                        S3Element("StorageClass", "STANDARD")));
            }
        });
    }

    private EmulatorResponse CreateMultipartUpload(S3Bucket bucket, string key, EmulatorRequest request)
    {
        var uploadId = RandomId(32);
        _multipartUploads[uploadId] = new S3MultipartUpload(bucket.Name, key, request.ContentType ?? "binary/octet-stream", UserMetadata(request));
        return S3Xml(200, "InitiateMultipartUploadResult", root => root.Add(S3Element("Bucket", bucket.Name), S3Element("Key", key), S3Element("UploadId", uploadId)));
    }

    private S3MultipartUpload MultipartUpload(string uploadId, S3Bucket bucket, string key) =>
        _multipartUploads.TryGetValue(uploadId, out var upload) && upload.Bucket == bucket.Name && upload.Key == key
            ? upload
            : throw new AwsApiException(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.") { Resource = key };

    private EmulatorResponse UploadPart(S3Bucket bucket, string key, string uploadId, EmulatorRequest request, SigV4Authorization auth)
    {
        var upload = MultipartUpload(uploadId, bucket, key);
        if (!int.TryParse(request.QueryValue("partNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var partNumber) || partNumber is < 1 or > 10_000)
        {
            throw new AwsApiException(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
        }

        var content = DecodePayload(request, auth, out var checksums);
        var etag = S3Digest.ETag(content);
        upload.Parts[partNumber] = (content, etag);
        var response = S3Ok();
        response.Headers.Add(new("ETag", etag));
        response.Headers.AddRange(checksums);
        return response;
    }

    private EmulatorResponse CompleteMultipartUpload(S3Bucket bucket, string key, string uploadId, EmulatorRequest request)
    {
        var upload = MultipartUpload(uploadId, bucket, key);
        XDocument document;
        try
        {
            document = XDocument.Parse(request.BodyText());
        }
        catch (System.Xml.XmlException)
        {
            throw new AwsApiException(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
        }

        var requested = document.Root?.Elements().Where(e => e.Name.LocalName == "Part").Select(e => (
            Number: int.TryParse(e.Elements().FirstOrDefault(x => x.Name.LocalName == "PartNumber")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1,
            ETag: e.Elements().FirstOrDefault(x => x.Name.LocalName == "ETag")?.Value.Trim())).ToList() ?? [];
        if (requested.Count == 0)
        {
            throw new AwsApiException(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
        }

        using var content = new MemoryStream();
        using var md5s = new MemoryStream();
        for (var i = 0; i < requested.Count; i++)
        {
            var (number, etag) = requested[i];
            if (i > 0 && number <= requested[i - 1].Number)
            {
                throw new AwsApiException(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
            }

            if (!upload.Parts.TryGetValue(number, out var part) || !string.Equals(etag?.Trim('"'), part.ETag.Trim('"'), StringComparison.Ordinal))
            {
                throw new AwsApiException(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
            }

            if (i < requested.Count - 1 && part.Content.Length < MinimumPartBytes)
            {
                throw new AwsApiException(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
            }

            content.Write(part.Content);
            md5s.Write(Convert.FromHexString(part.ETag.Trim('"')));
        }

        var etagAll = "\"" + S3Digest.Md5Hex(md5s.ToArray()) + "-" + requested.Count.ToString(CultureInfo.InvariantCulture) + "\"";
        Store(bucket, key, new S3Object(content.ToArray(), etagAll, upload.ContentType, UtcNow(), upload.Metadata));
        _multipartUploads.Remove(uploadId);
        return S3Xml(200, "CompleteMultipartUploadResult", root => root.Add(
            S3Element("Location", $"/{bucket.Name}/{key}"), S3Element("Bucket", bucket.Name), S3Element("Key", key), S3Element("ETag", etagAll)));
    }

    private static List<KeyValuePair<string, string>> UserMetadata(EmulatorRequest request) =>
        request.Headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase)).Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)).ToList();

    /// <summary>
    /// The object bytes of a PUT: the body as sent, or decoded from <c>aws-chunked</c> (each chunk's signature checked
    /// for <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]</c>, the trailer's too). Declared checksums (headers or
    /// trailers, CRC32/CRC32C/SHA1/SHA256, and Content-MD5) are verified.
    /// </summary>
    private byte[] DecodePayload(EmulatorRequest request, SigV4Authorization auth, out List<KeyValuePair<string, string>> checksums)
    {
        var mode = request.Headers.TryGetValue("x-amz-content-sha256", out var m) ? m : string.Empty;
        var trailers = new List<KeyValuePair<string, string>>();
        byte[] content;
        if (mode.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            var signed = mode.StartsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", StringComparison.Ordinal);
            if (!signed && mode != "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            {
                throw new AwsApiException(400, "InvalidArgument", $"x-amz-content-sha256 value '{mode}' is not supported.");
            }

            content = DecodeChunks(request, auth, signed, trailers);
            if (request.Headers.TryGetValue("x-amz-decoded-content-length", out var declared)
                && (!long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length != content.Length))
            {
                throw new AwsApiException(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");
            }
        }
        else
        {
            content = request.Body;
        }

        checksums = [];
        foreach (var (name, value) in request.Headers.Concat(trailers))
        {
            var lower = name.ToLowerInvariant();
            string? actual = lower switch
            {
                "x-amz-checksum-crc32" => Crc32.Base64(Crc32.Compute(content)),
                "x-amz-checksum-crc32c" => Crc32.Base64(Crc32.ComputeC(content)),
                "x-amz-checksum-sha1" => Convert.ToBase64String(S3Digest.Sha1(content)),
                "x-amz-checksum-sha256" => Convert.ToBase64String(SHA256.HashData(content)),
                "content-md5" => Convert.ToBase64String(S3Digest.Md5(content)),
                _ => null,
            };
            if (actual is null)
            {
                continue;
            }

            if (!string.Equals(actual, value.Trim(), StringComparison.Ordinal))
            {
                throw lower == "content-md5"
                    ? new AwsApiException(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
                    : new AwsApiException(400, "BadDigest", $"The {lower["x-amz-checksum-".Length..].ToUpperInvariant()} you specified did not match the calculated checksum.");
            }

            if (lower != "content-md5")
            {
                checksums.Add(new(lower, value.Trim()));
            }
        }

        return content;
    }

    private byte[] DecodeChunks(EmulatorRequest request, SigV4Authorization auth, bool signed, List<KeyValuePair<string, string>> trailers)
    {
        var body = request.Body;
        var amzDate = request.Headers["x-amz-date"];
        var key = SigV4.SigningKey(Options.SecretAccessKey, auth.Date, auth.Region, auth.Service);
        var previous = auth.Signature;
        var output = new MemoryStream();
        var position = 0;
        AwsApiException Malformed() => new(400, "IncompleteBody", "The aws-chunked request body is malformed.");
        string ReadLine()
        {
            var end = body.AsSpan(position).IndexOf("\r\n"u8);
            if (end < 0)
            {
                throw Malformed();
            }

            var line = Encoding.ASCII.GetString(body, position, end);
            position += end + 2;
            return line;
        }

        while (true)
        {
            var header = ReadLine();
            var semicolon = header.IndexOf(';', StringComparison.Ordinal);
            if (!int.TryParse(semicolon >= 0 ? header[..semicolon] : header, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0 || position + size > body.Length)
            {
                throw Malformed();
            }

            var chunk = body.AsSpan(position, size);
            if (signed)
            {
                const string Marker = "chunk-signature=";
                var at = header.IndexOf(Marker, StringComparison.Ordinal);
                var signature = at >= 0 ? header[(at + Marker.Length)..].Trim() : string.Empty;
                var expected = SigV4.Sign(key, SigV4.ChunkStringToSign(amzDate, auth.Scope, previous, chunk));
                if (!SigV4.SignaturesEqual(expected, signature))
                {
                    throw new AwsApiException(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
                }

                previous = expected;
            }

            output.Write(chunk);
            position += size;
            if (size == 0)
            {
                break;
            }

            if (ReadLine().Length != 0)
            {
                throw Malformed();
            }
        }

        // Trailing headers, then an empty line (or the end of the body).
        string? trailerSignature = null;
        var canonicalTrailers = new StringBuilder();
        while (position < body.Length)
        {
            var line = ReadLine();
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Malformed();
            }

            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (name == "x-amz-trailer-signature")
            {
                trailerSignature = value;
            }
            else
            {
                trailers.Add(new(name, value));
                canonicalTrailers.Append(name).Append(':').Append(value).Append('\n');
            }
        }

        if (signed && trailers.Count > 0)
        {
            var expected = SigV4.Sign(key, SigV4.TrailerStringToSign(amzDate, auth.Scope, previous, canonicalTrailers.ToString()));
            if (trailerSignature is null || !SigV4.SignaturesEqual(expected, trailerSignature))
            {
                throw new AwsApiException(403, "SignatureDoesNotMatch", "The trailer signature we calculated does not match the signature you provided.");
            }
        }

        return output.ToArray();
    }

    private static XElement S3Element(string name, string value) => new(XName.Get(name, S3Namespace), value);

    private static EmulatorResponse S3Ok() => new(200, "application/xml", []);

    private static EmulatorResponse S3Xml(int status, string rootName, Action<XElement> fill)
    {
        var root = new XElement(XName.Get(rootName, S3Namespace));
        fill(root);
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting);
        return new EmulatorResponse(status, "application/xml", Encoding.UTF8.GetBytes(text));
    }

    private static EmulatorResponse S3Error(AwsApiException error, bool head)
    {
        var resource = error.Resource is null ? string.Empty : $"<Resource>{SecurityElement.Escape(error.Resource)}</Resource>";
        var xml = $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{error.Code}</Code><Message>{SecurityElement.Escape(error.Message)}</Message>{resource}</Error>";
        return new EmulatorResponse(error.StatusCode, "application/xml", head ? [] : Encoding.UTF8.GetBytes(xml));
    }
}
