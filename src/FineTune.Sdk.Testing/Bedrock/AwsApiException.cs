namespace FineTune.Sdk.Testing;

/// <summary>
/// An error the Bedrock emulator answers: restJson1 (<c>x-amzn-ErrorType</c>, <c>__type</c>, <c>message</c>) on the
/// Bedrock routes, the S3 XML <c>&lt;Error&gt;</c> document on the S3 routes (bedrock.md §1.10).
/// </summary>
internal sealed class AwsApiException : Exception
{
    public AwsApiException()
        : this(500, "InternalServerException", "Internal server error.")
    {
    }

    public AwsApiException(string message)
        : this(400, "ValidationException", message)
    {
    }

    public AwsApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = 400;
        Code = "ValidationException";
    }

    public AwsApiException(int statusCode, string code, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
    }

    public int StatusCode { get; }

    /// <summary>Gets the error name (<c>ValidationException</c>, <c>NoSuchKey</c>, …).</summary>
    public string Code { get; }

    /// <summary>Gets the S3 resource the error is about (the key or bucket), when there is one.</summary>
    public string? Resource { get; init; }

    public static AwsApiException Validation(string message) => new(400, "ValidationException", message);

    public static AwsApiException NotFound(string message) => new(404, "ResourceNotFoundException", message);

    public static AwsApiException Conflict(string message) => new(400, "ConflictException", message);

    /// <summary>The Coral wording of a constraint failure: <c>1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: …</c>.</summary>
    public static AwsApiException Constraint(string field, string? value, string constraint) =>
        Validation($"1 validation error detected: Value {(value is null ? "null" : "'" + value + "'")} at '{field}' failed to satisfy constraint: {constraint}");
}
