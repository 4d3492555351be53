using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Transformers;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>
/// Writes a fitted HSTU or SASRec model as a stand-alone ONNX file without Microsoft.ML.OnnxConverter: the model's input
/// columns in, its output columns out, nothing else (<c>rec.ConvertToOnnx</c>).
/// </summary>
/// <remarks>
/// It binds the model to the schema it serves (the history in the model's id type, Int64 times), gives each input column a
/// graph input of the same name, writes the graph with <see cref="OnnxRecommenderWriter"/>, the same writer ML.NET's
/// converter calls, and declares the output columns as graph outputs. Dimensions are named: <c>batch</c> rows,
/// <c>historyLength</c> ids per row.
/// </remarks>
internal static class RecommenderOnnxExporter
{
    private const string BatchDimension = "batch";
    private const string HistoryLengthDimension = "historyLength";

    /// <summary>Writes the model to <paramref name="stream"/>.</summary>
    /// <exception cref="NotSupportedException">The weights exceed the 2 GB an ONNX file holds.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public static void Export(SequentialRecommenderTransformer transformer, Stream stream)
    {
        var recommender = transformer.Recommender;
        var columns = new ServingColumns(recommender, ServingSchema(recommender));
        var context = new OnnxModelContext();
        var batch = OnnxDimension.Named(BatchDimension);
        foreach (var column in columns.All)
        {
            OnnxDimension[] shape = column.Type is VectorDataViewType ? [batch, OnnxDimension.Named(HistoryLengthDimension)] : [batch, new(1)];
            context.AddInput(column.Name, OnnxElementType.Of(column.Type.GetItemType().RawType), shape);
        }

        var outputColumns = transformer.OutputColumns();
        string[] outputs = recommender.WriteOnnx(context, columns, outputColumns);
        for (int i = 0; i < outputs.Length; i++)
        {
            var type = (VectorDataViewType)outputColumns[i].Type;
            long width = type.IsKnownSize ? type.Size : recommender.ListLength;
            context.AddOutput(outputs[i], OnnxElementType.Of(type.ItemType.RawType), [batch, new(width)]);
        }

        string description = $"{recommender.Kind} sequential recommender from Microsoft.ML.GenerativeRec: " +
            $"{recommender.Vocabulary.Count} items, top {recommender.ListLength}. Contract: docs/onnx.md.";
        OnnxModelSerializer.Write(context, recommender.Kind.ToString(), description, stream);
    }

    // The columns the model reads, in the types it was trained on: the schema the stand-alone graph serves.
    private static DataViewSchema ServingSchema(NeuralRecommender recommender)
    {
        var settings = recommender.Settings;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(settings.HistoryColumnName, new VectorDataViewType(recommender.Vocabulary.Type.ItemType));
        if (recommender.UsesTimestamps)
        {
            builder.AddColumn(settings.HistoryTimestampsColumnName, new VectorDataViewType(NumberDataViewType.Int64));
            builder.AddColumn(settings.TimestampColumnName, NumberDataViewType.Int64);
        }

        return builder.ToSchema();
    }
}
