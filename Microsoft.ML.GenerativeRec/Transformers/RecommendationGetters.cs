using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>Getters that write recommended item indices back as ids of the model's item type.</summary>
internal static class RecommendationGetters
{
    /// <summary>A getter of <c>VBuffer&lt;T&gt;</c> ids for the indices in <paramref name="top"/>, refreshed by <paramref name="refresh"/>.</summary>
    public static Delegate MakeItemGetter(ItemVocabulary vocabulary, List<int> top, Action refresh) => vocabulary.Type.ValueType switch
    {
        Type t when t == typeof(int) => MakeItemGetter<int>(vocabulary, top, refresh),
        Type t when t == typeof(uint) => MakeItemGetter<uint>(vocabulary, top, refresh),
        Type t when t == typeof(long) => MakeItemGetter<long>(vocabulary, top, refresh),
        Type t when t == typeof(ulong) => MakeItemGetter<ulong>(vocabulary, top, refresh),
        Type t when t == typeof(ushort) => MakeItemGetter<ushort>(vocabulary, top, refresh),
        Type t when t == typeof(byte) => MakeItemGetter<byte>(vocabulary, top, refresh),
        _ => MakeItemGetter<ReadOnlyMemory<char>>(vocabulary, top, refresh),
    };

    private static ValueGetter<VBuffer<T>> MakeItemGetter<T>(ItemVocabulary vocabulary, List<int> top, Action refresh)
    {
        var convert = vocabulary.Type.GetConverter<T>();
        return (ref VBuffer<T> items) =>
        {
            refresh();
            var editor = VBufferEditor.Create(ref items, top.Count);
            for (int i = 0; i < top.Count; i++)
            {
                editor.Values[i] = convert(vocabulary.IdAt(top[i]));
            }

            items = editor.Commit();
        };
    }
}
