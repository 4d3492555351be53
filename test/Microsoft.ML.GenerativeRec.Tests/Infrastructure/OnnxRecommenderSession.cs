using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.GenerativeRec.Tests.Infrastructure;

/// <summary>Runs an exported recommender with ONNX Runtime: every history of a batch in one call, right-padded with an unknown id.</summary>
internal sealed class OnnxRecommenderSession : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxRecommenderSession(byte[] model)
    {
        Model = model;
        _session = new InferenceSession(model);
    }

    public byte[] Model { get; }

    public IReadOnlyList<string> InputNames => [.. _session.InputMetadata.Keys];

    public IReadOnlyList<string> OutputNames => [.. _session.OutputMetadata.Keys];

    public IReadOnlyDictionary<string, NodeMetadata> Inputs => _session.InputMetadata;

    public IReadOnlyDictionary<string, NodeMetadata> Outputs => _session.OutputMetadata;

    /// <summary>Exports <paramref name="model"/> with <c>rec.ConvertToOnnx</c> and opens it.</summary>
    public static OnnxRecommenderSession Export(MLContext mlContext, ITransformer model)
    {
        using var stream = new MemoryStream();
        mlContext.Recommendation().ConvertToOnnx(model, stream);
        return new OnnxRecommenderSession(stream.ToArray());
    }

    /// <summary>Exports <paramref name="model"/> with ML.NET's converter, for rows like <paramref name="data"/>, and opens it.</summary>
    public static OnnxRecommenderSession Convert(MLContext mlContext, ITransformer model, IDataView data, params string[] outputColumns)
    {
        using var stream = new MemoryStream();
        mlContext.Model.ConvertToOnnx(model, data, stream, outputColumns);
        return new OnnxRecommenderSession(stream.ToArray());
    }

    /// <summary>Recommends for numeric ids: one call, rows right-padded with <paramref name="padding"/> (and time 0).</summary>
    public (T[][] Items, float[][] Scores) Run<T>(IReadOnlyList<T[]> histories, T padding, IReadOnlyList<long[]>? times = null,
        IReadOnlyList<long>? requests = null, string itemsOutput = ColumnNames.PredictedItems, string scoresOutput = ColumnNames.Scores)
        where T : unmanaged
    {
        int width = histories.Max(h => h.Length);
        var inputs = new Dictionary<string, OrtValue>
        {
            [ColumnNames.History] = OrtValue.CreateTensorValueFromMemory(Padded(histories, width, padding), [histories.Count, width]),
        };
        AddTimes(inputs, times, requests, width);
        return Run(inputs, itemsOutput, scoresOutput, value => value.GetTensorDataAsSpan<T>().ToArray());
    }

    /// <summary>Recommends for text ids: one call, rows right-padded with <paramref name="padding"/> (and time 0).</summary>
    public (string[][] Items, float[][] Scores) RunText(IReadOnlyList<string[]> histories, string padding, IReadOnlyList<long[]>? times = null,
        IReadOnlyList<long>? requests = null)
    {
        int width = histories.Max(h => h.Length);
        var inputs = new Dictionary<string, OrtValue> { [ColumnNames.History] = Strings(Padded(histories, width, padding), [histories.Count, width]) };
        AddTimes(inputs, times, requests, width);
        return Run(inputs, ColumnNames.PredictedItems, ColumnNames.Scores, value => value.GetStringTensorAsArray());
    }

    /// <summary>A string tensor of <paramref name="shape"/>, row-major.</summary>
    public static OrtValue Strings(string[] values, long[] shape)
    {
        var tensor = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        for (int i = 0; i < values.Length; i++)
        {
            tensor.StringTensorSetElementAt(values[i].AsSpan(), i);
        }

        return tensor;
    }

    /// <summary>Rows of <paramref name="width"/> values, each right-padded with <paramref name="padding"/>, back to back.</summary>
    public static T[] Padded<T>(IReadOnlyList<T[]> rows, int width, T padding)
    {
        var flat = new T[rows.Count * width];
        for (int r = 0; r < rows.Count; r++)
        {
            flat.AsSpan(r * width, width).Fill(padding);
            rows[r].CopyTo(flat, r * width);
        }

        return flat;
    }

    /// <summary>Runs the graph on raw inputs and returns every output as an OrtValue; the caller disposes them.</summary>
    public IDisposableReadOnlyCollection<OrtValue> RunRaw(IReadOnlyDictionary<string, OrtValue> inputs, params string[] outputs)
    {
        using var options = new RunOptions();
        return _session.Run(options, inputs, outputs);
    }

    public void Dispose() => _session.Dispose();

    private static void AddTimes(Dictionary<string, OrtValue> inputs, IReadOnlyList<long[]>? times, IReadOnlyList<long>? requests, int width)
    {
        if (times is null || requests is null)
        {
            return;
        }

        inputs[ColumnNames.HistoryTimestamps] = OrtValue.CreateTensorValueFromMemory(Padded(times, width, 0L), [times.Count, width]);
        inputs[ColumnNames.Timestamp] = OrtValue.CreateTensorValueFromMemory(requests.ToArray(), [requests.Count, 1]);
    }

    /// <summary>Runs the graph on <paramref name="inputs"/> (disposed here) and splits two [B, K] outputs into rows.</summary>
    public (TItem[][] Items, float[][] Scores) Run<TItem>(Dictionary<string, OrtValue> inputs, string itemsOutput, string scoresOutput,
        Func<OrtValue, TItem[]> readItems)
    {
        try
        {
            using var outputs = RunRaw(inputs, itemsOutput, scoresOutput);
            long[] shape = outputs[0].GetTensorTypeAndShape().Shape;
            int rows = (int)shape[0];
            int k = (int)shape[1];
            TItem[] items = readItems(outputs[0]);
            float[] scores = outputs[1].GetTensorDataAsSpan<float>().ToArray();
            return ([.. Enumerable.Range(0, rows).Select(r => items[(r * k)..((r + 1) * k)])],
                [.. Enumerable.Range(0, rows).Select(r => scores[(r * k)..((r + 1) * k)])]);
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }
}
