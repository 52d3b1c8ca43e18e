using System.Text.Json;
using C = FineTune.Sdk.DatasetFindingCodes;

namespace FineTune.Sdk;

/// <summary>
/// The per-row rules for chat and preference rows. Messages name keys, paths and JSON kinds, never values.
/// </summary>
internal sealed class DatasetRowRules(FindingCollector findings, int maxDepth)
{
    private const FindingSeverity Error = FindingSeverity.Error;
    private const FindingSeverity Warning = FindingSeverity.Warning;
    private const FindingSeverity Info = FindingSeverity.Info;

    private readonly HashSet<string> _callIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _declaredTools = new(StringComparer.Ordinal);
    private long _line;
    private string _messageBase = "$.messages";
    private int _messageIndex;

    /// <summary>Checks a chat row (<c>{"messages": [...], "tools"?, "functions"?, "parallel_tool_calls"?}</c>).</summary>
    /// <param name="root">The row.</param>
    /// <param name="line">Its 1-based line number.</param>
    public void CheckChat(JsonElement root, long line)
    {
        _line = line;
        if (root.ValueKind != JsonValueKind.Object)
        {
            Add(C.NotAnObject, Error, "$", $"Each line must be one JSON object; this line is {Kind(root)}.");
            return;
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            var shape = RowShapes.Classify(root);
            var hint = shape == RowShape.Preference
                ? " This row is in the preference (DPO) format but the file is validated as chat."
                : RowShapes.Describe(shape) is { } description ? $" This row looks like {description}." : string.Empty;
            var what = messages.ValueKind == JsonValueKind.Undefined ? "has no 'messages' key" : messages.ValueKind == JsonValueKind.Array ? "has an empty 'messages' list" : $"has 'messages' as {Kind(messages)}, not an array";
            Add(shape == RowShape.Preference ? C.FormatMismatch : C.MissingMessages, Error, "$.messages", $"The row {what}; a chat row needs a non-empty 'messages' array.{hint}");
            return;
        }

        _declaredTools.Clear();
        var hasTools = false;
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals("messages"u8) || property.NameEquals("metadata"u8))
            {
                continue;
            }

            if (property.NameEquals("tools"u8))
            {
                hasTools = true;
                CheckTools(property.Value, "$.tools");
            }
            else if (property.NameEquals("functions"u8))
            {
                hasTools = true;
                CheckFunctions(property.Value, "$.functions");
            }
            else if (property.NameEquals("parallel_tool_calls"u8))
            {
                CheckParallelToolCalls(property.Value, "$.parallel_tool_calls");
            }
            else
            {
                UnknownTopLevelKey(property.Name);
            }
        }

        CheckConversation(messages, "$.messages", isPreferenceInput: false, hasTools);
    }

    /// <summary>Checks a preference (DPO) row (<c>input</c>, <c>preferred_output</c>, <c>non_preferred_output</c>).</summary>
    /// <param name="root">The row.</param>
    /// <param name="line">Its 1-based line number.</param>
    public void CheckPreference(JsonElement root, long line)
    {
        _line = line;
        if (root.ValueKind != JsonValueKind.Object)
        {
            Add(C.NotAnObject, Error, "$", $"Each line must be one JSON object; this line is {Kind(root)}.");
            return;
        }

        _declaredTools.Clear();
        if (!root.TryGetProperty("input", out _) && RowShapes.Classify(root) == RowShape.Chat)
        {
            Add(C.FormatMismatch, Error, "$.input", "The row has no 'input' key; it is in the chat format but the file is validated as preference (DPO).");
            return;
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!property.NameEquals("input"u8) && !property.NameEquals("preferred_output"u8) && !property.NameEquals("non_preferred_output"u8) && !property.NameEquals("metadata"u8))
            {
                UnknownTopLevelKey(property.Name);
            }
        }

        if (!root.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
        {
            var shape = RowShapes.Classify(root);
            var hint = shape == RowShape.Chat
                ? " This row is in the chat format but the file is validated as preference (DPO)."
                : RowShapes.Describe(shape) is { } description ? $" This row looks like {description}." : string.Empty;
            var what = input.ValueKind == JsonValueKind.Undefined ? "has no 'input' key" : $"has 'input' as {Kind(input)}";
            Add(shape == RowShape.Chat ? C.FormatMismatch : C.InvalidPreferenceInput, Error, "$.input", $"The row {what}; a preference row needs an 'input' object with 'messages'.{hint}");
        }
        else
        {
            var hasTools = false;
            foreach (var property in input.EnumerateObject())
            {
                if (property.NameEquals("tools"u8))
                {
                    hasTools = true;
                    CheckTools(property.Value, "$.input.tools");
                }
                else if (property.NameEquals("parallel_tool_calls"u8))
                {
                    CheckParallelToolCalls(property.Value, "$.input.parallel_tool_calls");
                }
                else if (!property.NameEquals("messages"u8))
                {
                    Add(C.UnrecognizedTopLevelKey, Warning, "$.input" + Member(property.Name), $"The input key {Quote(property.Name)} is not recognised (expected messages, tools, parallel_tool_calls).");
                }
            }

            if (!input.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            {
                Add(C.MissingInputMessages, Error, "$.input.messages", "The preference input needs a non-empty 'messages' array.");
            }
            else
            {
                CheckConversation(messages, "$.input.messages", isPreferenceInput: true, hasTools);
            }
        }

        var preferred = CheckOutput(root, "preferred_output", C.InvalidPreferredOutput);
        var nonPreferred = CheckOutput(root, "non_preferred_output", C.InvalidNonPreferredOutput);
        if (preferred is not null && nonPreferred is not null && string.Equals(preferred, nonPreferred, StringComparison.Ordinal))
        {
            Add(C.IdenticalOutputs, Warning, "$.non_preferred_output[0].content", "The preferred and non-preferred outputs are identical, so the pair teaches nothing.");
        }
    }

    private string? CheckOutput(JsonElement root, string key, string code)
    {
        var path = "$." + key;
        if (!root.TryGetProperty(key, out var output))
        {
            Add(code, Error, path, $"The row has no '{key}'; it must be an array with exactly one assistant message.");
            return null;
        }

        if (output.ValueKind != JsonValueKind.Array || output.GetArrayLength() != 1)
        {
            var what = output.ValueKind == JsonValueKind.Array ? $"an array of {output.GetArrayLength()} items" : Kind(output);
            Add(code, Error, path, $"'{key}' is {what}; it must be an array with exactly one assistant message.");
            return null;
        }

        var message = output[0];
        path += "[0]";
        if (message.ValueKind != JsonValueKind.Object)
        {
            Add(C.InvalidOutputMessage, Error, path, $"The output message is {Kind(message)}; it must be an object with role 'assistant' and content.");
            return null;
        }

        if (!message.TryGetProperty("role", out var role) || !IsString(role, "assistant"u8))
        {
            Add(C.InvalidOutputMessage, Error, path + ".role", "The output message must have role 'assistant'.");
        }

        foreach (var property in message.EnumerateObject())
        {
            if (!IsKnownMessageKey(property))
            {
                Add(C.UnrecognizedMessageKey, Error, path + Member(property.Name), $"The message key {Quote(property.Name)} is not recognised.");
            }
        }

        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            Add(C.InvalidOutputMessage, Error, path + ".content", "The output message has no content.");
            return null;
        }

        if (content.ValueKind != JsonValueKind.String && content.ValueKind != JsonValueKind.Array)
        {
            Add(C.ContentWrongType, Error, path + ".content", $"The content is {Kind(content)}; it must be a string.");
            return null;
        }

        var text = DatasetRowParser.ContentText(content);
        if (string.IsNullOrWhiteSpace(text))
        {
            Add(C.EmptyContent, Error, path + ".content", "The output message's content is empty.");
            return null;
        }

        return text;
    }

    private void CheckConversation(JsonElement messages, string basePath, bool isPreferenceInput, bool hasTools)
    {
        _callIds.Clear();
        int index = 0, assistants = 0, zeroWeights = 0, users = 0, systems = 0;
        var lastRole = Role.Unknown;
        foreach (var message in messages.EnumerateArray())
        {
            _messageBase = basePath;
            _messageIndex = index;
            index++;
            lastRole = Role.Unknown;
            if (message.ValueKind != JsonValueKind.Object)
            {
                Add(C.MessageNotAnObject, Error, MessagePath(string.Empty), $"The message is {Kind(message)}; it must be an object with 'role' and 'content'.");
                continue;
            }

            var role = Role.Unknown;
            if (!message.TryGetProperty("role", out var roleValue))
            {
                Add(C.MissingRole, Error, MessagePath(".role"), "The message has no 'role'.");
            }
            else if (roleValue.ValueKind != JsonValueKind.String)
            {
                Add(C.UnrecognizedRole, Error, MessagePath(".role"), $"The role is {Kind(roleValue)}; it must be one of the strings system, user, assistant, tool, function.");
            }
            else
            {
                role = RoleOf(roleValue);
                if (role == Role.Unknown)
                {
                    // Role values are data: only well-known foreign roles are named, to give a hint.
                    var name = roleValue.GetString() ?? string.Empty;
                    var described = name is "human" or "gpt" or "model" or "bot" ? $"The ShareGPT-style role '{name}' is not accepted; use user or assistant."
                        : name == "developer" ? "The role 'developer' is accepted only for reinforcement fine-tuning; use system."
                        : "The role is not one of system, user, assistant, tool, function.";
                    Add(C.UnrecognizedRole, Error, MessagePath(".role"), described);
                }
            }

            lastRole = role;
            switch (role)
            {
                case Role.Assistant:
                    assistants++;
                    break;
                case Role.User:
                    users++;
                    break;
                case Role.System:
                    systems++;
                    break;
            }

            var hasCalls = false;
            foreach (var property in message.EnumerateObject())
            {
                if (property.NameEquals("tool_calls"u8))
                {
                    hasCalls = true;
                    CheckToolCalls(property.Value, MessagePath(".tool_calls"), role, hasTools);
                }
                else if (property.NameEquals("function_call"u8))
                {
                    hasCalls = true;
                    CheckFunctionCall(property.Value, MessagePath(".function_call"), role);
                }
                else if (property.NameEquals("name"u8))
                {
                    if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
                    {
                        Add(C.InvalidName, Error, MessagePath(".name"), $"'name' must be a non-empty string; it is {Kind(property.Value)}.");
                    }
                }
                else if (property.NameEquals("weight"u8))
                {
                    if (role != Role.Assistant)
                    {
                        Add(C.WeightOnNonAssistant, Error, MessagePath(".weight"), "'weight' is allowed only on assistant messages.");
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var weight) || weight is not (0 or 1))
                    {
                        Add(C.InvalidWeight, Error, MessagePath(".weight"), $"'weight' must be the number 0 or 1; it is {Kind(property.Value)}{(property.Value.ValueKind == JsonValueKind.Number ? " other than 0 or 1" : string.Empty)}.");
                    }
                    else if (weight == 0)
                    {
                        zeroWeights++;
                    }
                }
                else if (property.NameEquals("tool_call_id"u8))
                {
                    if (role != Role.Tool)
                    {
                        Add(C.MissingToolCallId, Error, MessagePath(".tool_call_id"), "'tool_call_id' is allowed only on tool messages.");
                    }
                }
                else if (!IsKnownMessageKey(property))
                {
                    Add(C.UnrecognizedMessageKey, Error, MessagePath(Member(property.Name)), $"The message key {Quote(property.Name)} is not recognised (expected role, content, name, weight, tool_calls, tool_call_id, function_call, refusal).");
                }
            }

            if (role == Role.Tool)
            {
                CheckToolCallId(message);
            }

            CheckContent(message, role, hasCalls);
        }

        if (isPreferenceInput)
        {
            if (lastRole != Role.User && index > 0)
            {
                Add(C.InputNotEndingWithUser, Warning, $"{basePath}[{index - 1}]", "The preference input should end with a user message; the preferred and non-preferred outputs are the next assistant turn.");
            }

            return;
        }

        if (assistants == 0)
        {
            Add(C.NoAssistantMessage, Error, basePath, "The row has no assistant message, so there is nothing to train on.");
        }
        else
        {
            if (lastRole != Role.Assistant)
            {
                Add(C.LastMessageNotAssistant, Warning, $"{basePath}[{index - 1}]", "The last message is not an assistant message; the turns after the last assistant message are not trained on.");
            }

            if (zeroWeights == assistants)
            {
                Add(C.AllWeightsZero, Warning, basePath, "Every assistant message has weight 0, so the row trains nothing.");
            }
        }

        if (users == 0)
        {
            Add(C.NoUserMessage, Warning, basePath, "The row has no user message.");
        }

        if (systems == 0)
        {
            Add(C.NoSystemMessage, Info, basePath, "The row has no system message.");
        }
    }

    private void CheckContent(JsonElement message, Role role, bool hasCalls)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            if (!(hasCalls && role == Role.Assistant))
            {
                Add(C.MissingContent, Error, MessagePath(".content"), role == Role.Assistant
                    ? "The assistant message has no content and no tool_calls or function_call."
                    : "The message has no content.");
            }

            return;
        }

        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                if (!hasCalls && IsBlank(content))
                {
                    Add(C.EmptyContent, role == Role.System ? Warning : Error, MessagePath(".content"), "The content is empty or only whitespace.");
                }

                break;
            case JsonValueKind.Array:
                CheckContentParts(content, MessagePath(".content"), hasCalls);
                break;
            default:
                Add(C.ContentWrongType, Error, MessagePath(".content"), $"The content is {Kind(content)}; it must be a string or an array of content parts.");
                break;
        }
    }

    private void CheckContentParts(JsonElement parts, string path, bool hasCalls)
    {
        if (parts.GetArrayLength() == 0)
        {
            if (!hasCalls)
            {
                Add(C.EmptyContent, Error, path, "The content is an empty array of parts.");
            }

            return;
        }

        var i = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partPath = $"{path}[{i++}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                Add(C.InvalidContentPart, Error, partPath, $"The content part is {Kind(part)}; it must be an object with a 'type'.");
                continue;
            }

            if (!part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                Add(C.InvalidContentPart, Error, partPath + ".type", "The content part has no string 'type' (text or image_url).");
            }
            else if (type.ValueEquals("text"u8))
            {
                if (!part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    Add(C.InvalidContentPart, Error, partPath + ".text", "A text part needs a string 'text'.");
                }
            }
            else if (type.ValueEquals("image_url"u8))
            {
                if (!part.TryGetProperty("image_url", out var image) || image.ValueKind != JsonValueKind.Object
                    || !image.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String)
                {
                    Add(C.InvalidContentPart, Error, partPath + ".image_url", "An image_url part needs an 'image_url' object with a string 'url'.");
                }
            }
            else
            {
                Add(C.InvalidContentPart, Error, partPath + ".type", "The content part type is not text or image_url.");
            }
        }
    }

    private void CheckToolCalls(JsonElement calls, string path, Role role, bool hasTools)
    {
        if (role != Role.Assistant)
        {
            Add(C.InvalidToolCalls, Error, path, "'tool_calls' is allowed only on assistant messages.");
            return;
        }

        if (calls.ValueKind != JsonValueKind.Array || calls.GetArrayLength() == 0)
        {
            Add(C.InvalidToolCalls, Error, path, $"'tool_calls' is {(calls.ValueKind == JsonValueKind.Array ? "an empty array" : Kind(calls))}; it must be a non-empty array.");
            return;
        }

        var i = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var callPath = $"{path}[{i++}]";
            if (call.ValueKind != JsonValueKind.Object)
            {
                Add(C.InvalidToolCalls, Error, callPath, $"The tool call is {Kind(call)}; it must be an object.");
                continue;
            }

            if (!call.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || IsBlank(id))
            {
                Add(C.ToolCallMissingId, Error, callPath + ".id", "The tool call needs a non-empty string 'id'.");
            }
            else if (!_callIds.Add(id.GetString()!))
            {
                Add(C.DuplicateToolCallId, Error, callPath + ".id", "The tool call id is used twice in this row.");
            }

            if (!call.TryGetProperty("type", out var type) || !IsString(type, "function"u8))
            {
                Add(C.ToolCallWrongType, Error, callPath + ".type", "The tool call 'type' must be \"function\".");
            }

            if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                Add(C.ToolCallMissingFunction, Error, callPath + ".function", "The tool call needs a 'function' object with 'name' and 'arguments'.");
                continue;
            }

            CheckFunctionBody(function, callPath + ".function", legacy: false, hasTools);
        }
    }

    private void CheckFunctionCall(JsonElement call, string path, Role role)
    {
        if (role != Role.Assistant)
        {
            Add(C.InvalidFunctionCall, Error, path, "'function_call' is allowed only on assistant messages.");
            return;
        }

        if (call.ValueKind != JsonValueKind.Object)
        {
            Add(C.InvalidFunctionCall, Error, path, $"'function_call' is {Kind(call)}; it must be an object with 'name' and 'arguments'.");
            return;
        }

        CheckFunctionBody(call, path, legacy: true, hasTools: _declaredTools.Count > 0);
    }

    private void CheckFunctionBody(JsonElement function, string path, bool legacy, bool hasTools)
    {
        var nameCode = legacy ? C.InvalidFunctionCall : C.ToolCallMissingFunction;
        var notString = legacy ? C.InvalidFunctionCall : C.ArgumentsNotString;
        var notJson = legacy ? C.InvalidFunctionCall : C.ArgumentsNotJson;
        if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || IsBlank(name))
        {
            Add(nameCode, Error, path + ".name", "The function needs a non-empty string 'name'.");
        }
        else if (hasTools && _declaredTools.Count > 0 && !_declaredTools.Contains(name.GetString()!))
        {
            Add(C.UndeclaredTool, Warning, path + ".name", "The called function is not declared in the row's tools or functions.");
        }

        if (!function.TryGetProperty("arguments", out var arguments))
        {
            Add(notString, Error, path + ".arguments", "The function call has no 'arguments'; it must be a string holding JSON, for example \"{}\".");
        }
        else if (arguments.ValueKind != JsonValueKind.String)
        {
            Add(notString, Error, path + ".arguments", $"'arguments' is {Kind(arguments)}; it must be a string holding JSON (serialize the object into a string).");
        }
        else if (!IsJson(arguments.GetString()!))
        {
            Add(notJson, Error, path + ".arguments", "'arguments' is a string but it does not parse as JSON.");
        }
    }

    private void CheckToolCallId(JsonElement message)
    {
        var path = MessagePath(".tool_call_id");
        if (!message.TryGetProperty("tool_call_id", out var id) || id.ValueKind != JsonValueKind.String || IsBlank(id))
        {
            Add(C.MissingToolCallId, Error, path, "A tool message needs a non-empty string 'tool_call_id'.");
        }
        else if (!_callIds.Contains(id.GetString()!))
        {
            Add(C.UnmatchedToolCallId, Error, path, "The tool_call_id does not match the id of any earlier tool call in this row.");
        }
    }

    private void CheckTools(JsonElement tools, string path)
    {
        if (tools.ValueKind != JsonValueKind.Array)
        {
            Add(C.InvalidTools, Error, path, $"'tools' is {Kind(tools)}; it must be an array of tool definitions.");
            return;
        }

        var i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var toolPath = $"{path}[{i++}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                Add(C.InvalidTools, Error, toolPath, $"The tool is {Kind(tool)}; it must be an object.");
                continue;
            }

            if (!tool.TryGetProperty("type", out var type) || !IsString(type, "function"u8))
            {
                Add(C.InvalidTools, Error, toolPath + ".type", "The tool 'type' must be \"function\".");
            }

            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                Add(C.InvalidTools, Error, toolPath + ".function", "The tool needs a 'function' object with a 'name'.");
                continue;
            }

            CheckFunctionDefinition(function, toolPath + ".function", C.InvalidTools);
        }
    }

    private void CheckFunctions(JsonElement functions, string path)
    {
        if (functions.ValueKind != JsonValueKind.Array || functions.GetArrayLength() is 0 or > 128)
        {
            Add(C.InvalidFunctions, Error, path, $"'functions' is {(functions.ValueKind == JsonValueKind.Array ? $"an array of {functions.GetArrayLength()} items" : Kind(functions))}; it must be an array of 1 to 128 function definitions.");
            return;
        }

        var i = 0;
        foreach (var function in functions.EnumerateArray())
        {
            var functionPath = $"{path}[{i++}]";
            if (function.ValueKind != JsonValueKind.Object)
            {
                Add(C.InvalidFunctions, Error, functionPath, $"The function definition is {Kind(function)}; it must be an object.");
                continue;
            }

            CheckFunctionDefinition(function, functionPath, C.InvalidFunctions);
        }
    }

    private void CheckFunctionDefinition(JsonElement function, string path, string code)
    {
        if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || IsBlank(name))
        {
            Add(code, Error, path + ".name", "The function definition needs a non-empty string 'name'.");
        }
        else
        {
            _declaredTools.Add(name.GetString()!);
        }

        if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Object)
        {
            Add(code, Error, path + ".parameters", $"'parameters' is {Kind(parameters)}; it must be a JSON Schema object.");
        }
    }

    private void CheckParallelToolCalls(JsonElement value, string path)
    {
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Add(C.InvalidParallelToolCalls, Error, path, $"'parallel_tool_calls' is {Kind(value)}; it must be true or false.");
        }
    }

    private void UnknownTopLevelKey(string name)
    {
        var hint = name switch
        {
            "system" => " A top-level 'system' is the Bedrock/Anthropic layout; OpenAI expects a system message inside 'messages'.",
            "schemaVersion" => " 'schemaVersion' belongs to the Bedrock conversation format.",
            "images" => " Images belong in image_url content parts.",
            _ => string.Empty,
        };
        Add(C.UnrecognizedTopLevelKey, Warning, "$" + Member(name), $"The top-level key {Quote(name)} is not recognised and will be ignored or rejected by the provider.{hint}");
    }

    private bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = maxDepth });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The path of the message being checked, built only when a finding needs it.</summary>
    private string MessagePath(string suffix) => $"{_messageBase}[{_messageIndex}]{suffix}";

    private void Add(string code, FindingSeverity severity, string path, string message) =>
        findings.Add(code, severity, _line, path, message);

    private static bool IsKnownMessageKey(JsonProperty property) =>
        property.NameEquals("role"u8) || property.NameEquals("content"u8) || property.NameEquals("name"u8) || property.NameEquals("weight"u8)
        || property.NameEquals("tool_calls"u8) || property.NameEquals("tool_call_id"u8) || property.NameEquals("function_call"u8) || property.NameEquals("refusal"u8);

    private static bool IsBlank(JsonElement value)
    {
#if NET9_0_OR_GREATER
        // Without a \u escape, an ASCII letter or digit that does not follow a backslash is a literal character of
        // the string, so it is not blank; decided from the raw UTF-8 without building the string.
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
        if (raw.IndexOf("\\u"u8) < 0)
        {
            for (var i = 1; i < raw.Length; i++)
            {
                if (char.IsAsciiLetterOrDigit((char)raw[i]) && raw[i - 1] != (byte)'\\')
                {
                    return false;
                }
            }
        }
#endif
        return value.ValueEquals(""u8) || string.IsNullOrWhiteSpace(value.GetString());
    }

    // ValueEquals throws on anything but a string (a number or true where a type or role belongs).
    private static bool IsString(JsonElement value, ReadOnlySpan<byte> text) => value.ValueKind == JsonValueKind.String && value.ValueEquals(text);

    private static Role RoleOf(JsonElement role) =>
        role.ValueEquals("system"u8) ? Role.System
        : role.ValueEquals("user"u8) ? Role.User
        : role.ValueEquals("assistant"u8) ? Role.Assistant
        : role.ValueEquals("tool"u8) ? Role.Tool
        : role.ValueEquals("function"u8) ? Role.Function
        : Role.Unknown;

    /// <summary>Names a JSON kind for a message ("a number", "an object"), never the value.</summary>
    internal static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };

    /// <summary>Quotes a key or role name when it is a short identifier; otherwise says it is unprintable (it may be data).</summary>
    internal static string Quote(string name) => IsIdentifier(name) ? $"'{name}'" : "(a name that is not a short identifier)";

    /// <summary>A JSON path member for a key: <c>.key</c> when it is a short identifier, otherwise <c>[?]</c>.</summary>
    internal static string Member(string name) => IsIdentifier(name) ? "." + name : "[?]";

    private static bool IsIdentifier(string name)
    {
        if (name.Length is 0 or > 40)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private enum Role
    {
        Unknown,
        System,
        User,
        Assistant,
        Tool,
        Function,
    }
}
