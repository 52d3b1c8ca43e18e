using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Dataset log messages (event ids 1xxx). Never logs row contents: only names, counts and codes.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, EventName = "DatasetValidationStarted", Level = LogLevel.Debug, Message = "Validating dataset {FileName}.")]
    public static partial void DatasetValidationStarted(ILogger logger, ScrubbedText fileName);

    [LoggerMessage(EventId = 1002, EventName = "DatasetValidated", Level = LogLevel.Information, Message = "Validated dataset {FileName}: {Rows} rows, format {Format}, {Errors} errors, {Warnings} warnings in {ElapsedMs} ms.")]
    public static partial void DatasetValidated(ILogger logger, ScrubbedText fileName, long rows, string format, int errors, int warnings, long elapsedMs);

    [LoggerMessage(EventId = 1003, EventName = "DatasetFormatDetected", Level = LogLevel.Debug, Message = "Dataset {FileName} detected as {Format} at line {Line}.")]
    public static partial void DatasetFormatDetected(ILogger logger, ScrubbedText fileName, string format, long line);

    [LoggerMessage(EventId = 1004, EventName = "DatasetLineRejected", Level = LogLevel.Trace, Message = "Line {Line} of dataset {FileName} rejected with {Code}.")]
    public static partial void DatasetLineRejected(ILogger logger, ScrubbedText fileName, long line, string code);

    [LoggerMessage(EventId = 1005, EventName = "DatasetNotJsonLines", Level = LogLevel.Warning, Message = "Dataset {FileName} is not JSON Lines ({Code}); its rows were not checked.")]
    public static partial void DatasetNotJsonLines(ILogger logger, ScrubbedText fileName, string code);

    [LoggerMessage(EventId = 1006, EventName = "DatasetRedacted", Level = LogLevel.Information, Message = "Redacted a dataset: {Rows} rows, {RedactedRows} changed, {Replacements} values replaced in {ElapsedMs} ms.")]
    public static partial void DatasetRedacted(ILogger logger, long rows, long redactedRows, long replacements, long elapsedMs);

    [LoggerMessage(EventId = 1007, EventName = "DatasetAugmented", Level = LogLevel.Information, Message = "Augmented a dataset: {Rows} rows read, {AugmentedRows} augmented rows written, {RowsWritten} rows in all, in {ElapsedMs} ms.")]
    public static partial void DatasetAugmented(ILogger logger, long rows, long augmentedRows, long rowsWritten, long elapsedMs);

    [LoggerMessage(EventId = 1008, EventName = "DatasetLinesLeftOut", Level = LogLevel.Warning, Message = "The {Tool} left {Lines} lines longer than {MaxLineBytes} bytes out of its output (first at line {FirstLine}); raise MaxLineBytes to keep them.")]
    public static partial void DatasetLinesLeftOut(ILogger logger, string tool, long lines, int maxLineBytes, long firstLine);

    [LoggerMessage(EventId = 1009, EventName = "DatasetManifestBuilt", Level = LogLevel.Information, Message = "Built the manifest of dataset {FileName} {Version}: {Rows} rows, {Bytes} bytes, SHA-256 {Sha256}.")]
    public static partial void DatasetManifestBuilt(ILogger logger, ScrubbedText fileName, ScrubbedText version, long rows, long bytes, string sha256);

    [LoggerMessage(EventId = 1010, EventName = "DatasetSplit", Level = LogLevel.Information, Message = "Split a dataset: {TrainRows} train, {ValidationRows} validation, {HoldoutRows} holdout rows; {MovedRows} moved to keep duplicates together, {SkippedLines} lines left out, in {ElapsedMs} ms.")]
    public static partial void DatasetSplit(ILogger logger, long trainRows, long validationRows, long holdoutRows, long movedRows, long skippedLines, long elapsedMs);
}
