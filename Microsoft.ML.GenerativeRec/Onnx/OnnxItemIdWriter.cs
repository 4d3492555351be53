using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>Maps raw item ids to the model's item indices and back, in ONNX operators.</summary>
/// <remarks>
/// <para>
/// Ids → indices is an ai.onnx.ml LabelEncoder whose default, 0, is the padding index: an id the model does not know
/// maps to 0 and is skipped downstream, as <c>ServingColumns</c> skips it. Numeric ids (integers, keys, and Single or
/// Double holding integers) are cast to int64 first; a Single or Double that is not a whole number (or is NaN or
/// infinite) maps to 0. Text ids are looked up as strings.
/// </para>
/// <para>
/// Indices → ids is a Gather on a table of the vocabulary's ids in the model's id type; row 0 (padding) holds a
/// placeholder that only an excluded (−∞) entry of a too-short list can show.
/// </para>
/// </remarks>
internal sealed class OnnxItemIdWriter(OnnxGraph graph, ItemVocabulary vocabulary)
{
    // 2^53: beyond it doubles skip integers; the same bound IdValueType puts on floating-point ids.
    private const double LargestExactInteger = 9_007_199_254_740_992d;

    /// <summary>The item index of every id, 0 for an unknown one.</summary>
    /// <param name="ids">[B, n] ids whose elements are <paramref name="rawType"/> values (the history column's item type).</param>
    /// <param name="rawType">The .NET type of one id: a type <see cref="RawIdType"/> reads ids from.</param>
    /// <returns>[B, n] int64 item indices.</returns>
    /// <exception cref="NotSupportedException">Ids of <paramref name="rawType"/> cannot hold the vocabulary's ids.</exception>
    public string ToIndices(string ids, Type rawType)
    {
        bool textIds = vocabulary.Type.Kind == RawIdKind.Text;
        if (textIds != (rawType == typeof(ReadOnlyMemory<char>)))
        {
            throw new NotSupportedException($"The model's items are {vocabulary.Type} ids; an ONNX graph cannot read them from {rawType.Name} values.");
        }

        if (textIds)
        {
            return Encode(ids, n => n.AddAttribute("keys_strings", Ids().Select(id => id.Text!)));
        }

        if (rawType == typeof(float) || rawType == typeof(double))
        {
            return FloatingPointToIndices(ids, rawType);
        }

        return Encode(rawType == typeof(long) ? ids : graph.Cast(ids, typeof(long)), n => n.AddAttribute("keys_int64s", Ids().Select(id => id.Number)));
    }

    /// <summary>The raw id of every item index.</summary>
    /// <param name="indices">[B, K] int64 item indices.</param>
    /// <returns>[B, K] ids in the model's id type (keys as their raw key values).</returns>
    public string ToIds(string indices)
    {
        var context = graph.Context;
        var type = vocabulary.Type;
        long[] dims = [vocabulary.Count + 1];
        string name = graph.Scoped("item_ids");
        // Row 0 is padding; it gets the "missing" value of each type: key 0, the empty string, the number 0.
        string table = type.ValueType switch
        {
            var t when t == typeof(ReadOnlyMemory<char>) => context.AddInitializer(Ids().Select(id => id.Text!).Prepend(""), dims, name),
            var t when t == typeof(long) => context.AddInitializer(Ids().Select(id => id.Number).Prepend(0), dims, name),
            var t when t == typeof(ulong) => context.AddInitializer(Ids().Select(id => (ulong)id.Number).Prepend(0UL), isUint64: true, dims, name),
            var t when t == typeof(uint) => context.AddInitializer(Ids().Select(id => (ulong)id.Number).Prepend(0UL), isUint64: false, dims, name),
            var t when t == typeof(int) || t == typeof(ushort) || t == typeof(byte)
                => context.AddInitializer(Ids().Select(id => checked((int)id.Number)).Prepend(0), t, dims, name),
            var t => throw new NotSupportedException($"Ids of type {t.Name} cannot be written to an ONNX graph."),
        };
        return graph.Gather(table, indices);
    }

    // A Single or Double id is an id only when it is a whole number within ±2^53; anything else is unknown (index 0).
    private string FloatingPointToIndices(string ids, Type rawType)
    {
        var context = graph.Context;
        string largest = rawType == typeof(float)
            ? context.AddInitializer((float)LargestExactInteger, graph.Scoped("largest_exact_integer"))
            : context.AddInitializer(LargestExactInteger, graph.Scoped("largest_exact_integer"));
        string zero = rawType == typeof(float) ? context.AddInitializer(0f, graph.Scoped("zero")) : context.AddInitializer(0d, graph.Scoped("zero"));
        var whole = graph.And(graph.Equal(graph.Floor(ids), ids), graph.Less(graph.Abs(ids), largest));   // [B, n] bool; false for NaN, ±∞
        var asIntegers = graph.Cast(graph.Where(whole, ids, zero), typeof(long));                               // [B, n] int64
        var indices = Encode(asIntegers, n => n.AddAttribute("keys_int64s", Ids().Select(id => id.Number)));
        return graph.Where(whole, indices, graph.Scalar(0L));
    }

    // LabelEncoder: the keys given by setKeys map to 1..N, anything else to 0.
    private string Encode(string keys, Action<Model.OnnxConverter.OnnxNode> setKeys)
        => graph.Node("LabelEncoder", [keys], n =>
        {
            setKeys(n);
            n.AddAttribute("values_int64s", Enumerable.Range(1, vocabulary.Count).Select(i => (long)i));
            n.AddAttribute("default_int64", (long)ItemVocabulary.Padding);
        }, OnnxGraph.MLDomain);

    private IEnumerable<RawId> Ids() => Enumerable.Range(1, vocabulary.Count).Select(vocabulary.IdAt);
}
