namespace FineTune.Sdk.Testing;

/// <summary>An error the emulator answers with OpenAI's envelope <c>{"error":{message,type,param,code}}</c>.</summary>
internal sealed class OpenAIApiException : Exception
{
    public OpenAIApiException()
        : this(500, "The server had an error while processing your request.", "server_error")
    {
    }

    public OpenAIApiException(string message)
        : this(400, message)
    {
    }

    public OpenAIApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = 400;
        Type = "invalid_request_error";
    }

    public OpenAIApiException(int statusCode, string message, string type = "invalid_request_error", string? param = null, string? code = null)
        : base(message)
    {
        StatusCode = statusCode;
        Type = type;
        Param = param;
        Code = code;
    }

    public int StatusCode { get; }

    public string Type { get; }

    public string? Param { get; }

    public string? Code { get; }

    public static OpenAIApiException BadRequest(string message, string? param = null, string? code = null) => new(400, message, "invalid_request_error", param, code);

    public static OpenAIApiException NotFound(string message, string? param = null, string? code = null) => new(404, message, "invalid_request_error", param, code);
}
