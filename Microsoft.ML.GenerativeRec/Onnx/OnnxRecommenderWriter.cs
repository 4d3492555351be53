using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>A fitted HSTU or SASRec model as an ONNX graph: raw history ids in, raw recommended ids and cosine scores out.</summary>
/// <remarks>
/// The one place that puts the pieces together, for ML.NET's converter (<c>mlContext.Model.ConvertToOnnx</c>, through the
/// transformer's row mapper) and for <see cref="RecommenderOnnxExporter"/> alike: ids → indices
/// (<see cref="OnnxItemIdWriter"/>), the batch (<see cref="OnnxHistoryWriter"/>), the encoder
/// (<see cref="OnnxEncoderWriter"/>), the scorer (<see cref="OnnxScorerWriter"/>), indices → ids. The input columns are
/// read from the variables the context holds for them; the output columns become new variables of the same names.
/// docs/onnx.md gives the contract.
/// </remarks>
internal sealed class OnnxRecommenderWriter(NeuralRecommender recommender)
{
    /// <summary>The lowest ai.onnx opset the graph runs on (Clip on int64; ScatterElements, CumSum and Range need 11).</summary>
    public const int MinimumOpSetVersion = 12;

    /// <summary>The prefix of every name the graph adds, so that none shadows a pipeline column.</summary>
    public const string Scope = "GenerativeRec/";

    /// <summary>Writes the graph.</summary>
    /// <param name="context">Where the nodes go; it holds a variable for each input column.</param>
    /// <param name="columns">The model's input columns in the pipeline's schema.</param>
    /// <param name="outputColumns">The model's output columns: predicted items, scores and, optionally, user vectors.</param>
    /// <returns>The variables of the output columns, in the order of <paramref name="outputColumns"/>.</returns>
    /// <exception cref="NotSupportedException">An input column has no variable (a stage before could not be exported) or a
    /// type ONNX cannot read, or the context's opset is below 12.</exception>
    public string[] Write(OnnxContext context, ServingColumns columns, IReadOnlyList<DataViewSchema.DetachedColumn> outputColumns)
    {
        context.CheckOpSetVersion(MinimumOpSetVersion, recommender.Kind == EncoderKind.Hstu ? nameof(HstuTransformer) : nameof(SasRecTransformer));
        var graph = new OnnxGraph(context, Scope);
        var ids = new OnnxItemIdWriter(graph, recommender.Vocabulary);
        var indices = ids.ToIndices(Variable(context, columns.History, "history"), columns.History.Type.GetItemType().RawType);   // [B, n] int64
        var history = new OnnxHistoryWriter(graph, recommender.Shape.MaxSequenceLength).Write(indices,
            columns.HistoryTimestamps is { } times ? Variable(context, times, "history timestamps") : null,
            columns.Timestamp is { } timestamp ? RequestSeconds(graph, Variable(context, timestamp, "request timestamp"), timestamp) : null);
        var outputs = new OnnxEncoderWriter(graph).Write(recommender.Encoder, history);                                           // [B, W, D]
        var recommendations = new OnnxScorerWriter(graph).Write(recommender.Encoder.ItemEmbeddings, outputs, history,
            recommender.ListLength, recommender.FallbackRanking);

        string[] values = [ids.ToIds(recommendations.Items), recommendations.Scores, recommendations.UserVectors];
        var variables = new string[outputColumns.Count];
        for (int i = 0; i < variables.Length; i++)
        {
            variables[i] = context.AddIntermediateVariable(outputColumns[i].Type, outputColumns[i].Name);
            graph.Identity(values[i], variables[i]);
        }

        return variables;
    }

    private static string Variable(OnnxContext context, DataViewSchema.Column column, string role)
        => context.ContainsColumn(column.Name)
            ? context.GetVariableName(column.Name)
            : throw new NotSupportedException(
                $"The {role} column '{column.Name}' has no value in the ONNX graph: the pipeline stage that makes it could not be exported.");

    // The request time in whole seconds, as TimestampReader reads it: integers as they are, Single/Double floored.
    private static string RequestSeconds(OnnxGraph graph, string timestamp, DataViewSchema.Column column)
    {
        Type type = column.Type.RawType;
        if (type == typeof(long))
        {
            return timestamp;
        }

        if (type == typeof(int) || type == typeof(uint) || type == typeof(ulong))
        {
            return graph.Cast(timestamp, typeof(long));
        }

        if (type == typeof(float) || type == typeof(double))
        {
            return graph.Cast(graph.Floor(timestamp), typeof(long));
        }

        throw new NotSupportedException(
            $"The request timestamp column '{column.Name}' holds {column.Type} values, which ONNX cannot read (it has no date or time tensors); " +
            "convert them to Int64 unix seconds before the model.");
    }
}
