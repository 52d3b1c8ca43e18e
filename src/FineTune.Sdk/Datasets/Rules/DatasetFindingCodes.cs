namespace FineTune.Sdk;

/// <summary>
/// The stable codes of the reader, format and per-row rules (FT1001–FT1099). Documented in docs/dataset-rules.md;
/// a code is never reused or renamed. The whole-file gates use FT11xx.
/// </summary>
internal static class DatasetFindingCodes
{
    // Reader and file level.
    public const string InvalidJson = "FT1001";
    public const string LineTooLong = "FT1002";
    public const string InvalidUtf8 = "FT1003";
    public const string NulByte = "FT1004";
    public const string ByteOrderMarkMidFile = "FT1005";
    public const string TooDeep = "FT1006";
    public const string TruncatedLastLine = "FT1007";
    public const string NoRows = "FT1008";
    public const string TooFewRows = "FT1009";
    public const string FewRows = "FT1010";
    public const string JsonArrayFile = "FT1011";
    public const string CsvFile = "FT1012";
    public const string ForeignRowFormat = "FT1013";
    public const string FormatMismatch = "FT1014";
    public const string UnrecognizedTopLevelKey = "FT1015";
    public const string LoneSurrogate = "FT1016";

    // Chat rows.
    public const string NotAnObject = "FT1020";
    public const string MissingMessages = "FT1021";
    public const string MessageNotAnObject = "FT1022";
    public const string MissingRole = "FT1023";
    public const string UnrecognizedMessageKey = "FT1024";
    public const string UnrecognizedRole = "FT1025";
    public const string ContentWrongType = "FT1026";
    public const string MissingContent = "FT1027";
    public const string EmptyContent = "FT1028";
    public const string InvalidContentPart = "FT1029";
    public const string NoAssistantMessage = "FT1030";
    public const string LastMessageNotAssistant = "FT1031";
    public const string NoUserMessage = "FT1032";
    public const string NoSystemMessage = "FT1033";
    public const string InvalidName = "FT1034";
    public const string InvalidWeight = "FT1035";
    public const string WeightOnNonAssistant = "FT1036";
    public const string AllWeightsZero = "FT1037";

    // Tool calls and function calling.
    public const string InvalidToolCalls = "FT1040";
    public const string ToolCallMissingId = "FT1041";
    public const string ToolCallWrongType = "FT1042";
    public const string ToolCallMissingFunction = "FT1043";
    public const string ArgumentsNotString = "FT1044";
    public const string ArgumentsNotJson = "FT1045";
    public const string DuplicateToolCallId = "FT1046";
    public const string MissingToolCallId = "FT1047";
    public const string UnmatchedToolCallId = "FT1048";
    public const string InvalidFunctionCall = "FT1050";
    public const string InvalidTools = "FT1051";
    public const string InvalidFunctions = "FT1052";
    public const string InvalidParallelToolCalls = "FT1053";
    public const string UndeclaredTool = "FT1054";

    // Preference (DPO) rows.
    public const string InvalidPreferenceInput = "FT1060";
    public const string MissingInputMessages = "FT1061";
    public const string InvalidPreferredOutput = "FT1062";
    public const string InvalidNonPreferredOutput = "FT1063";
    public const string InvalidOutputMessage = "FT1064";
    public const string IdenticalOutputs = "FT1065";
    public const string InputNotEndingWithUser = "FT1066";
}
