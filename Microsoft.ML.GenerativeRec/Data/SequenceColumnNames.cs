namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>The names of the sequence columns a trainer or evaluator reads; null time columns mean "no timestamps".</summary>
internal sealed record SequenceColumnNames(string History, string Label, string? HistoryTimestamps, string? Timestamp);
