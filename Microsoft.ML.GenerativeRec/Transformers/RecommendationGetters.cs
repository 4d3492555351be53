using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>Getters that write recommendations as output columns: item indices back as ids of the model's item type.</summary>
internal static class RecommendationGetters
{
    /// <summary>A <c>ValueGetter&lt;VBuffer&lt;T&gt;&gt;</c> of the ids of the item indices <paramref name="current"/> returns.</summary>
    public static Delegate MakeItemGetter(ItemVocabulary vocabulary, Func<IReadOnlyList<int>> current)
        => vocabulary.Type.Accept(new ItemGetterFactory(vocabulary, current));

    /// <summary>A getter of the scores <paramref name="current"/> returns.</summary>
    public static ValueGetter<VBuffer<float>> MakeScoreGetter(Func<IReadOnlyList<float>> current)
        => (ref VBuffer<float> scores) =>
        {
            var values = current();
            var editor = VBufferEditor.Create(ref scores, values.Count);
            for (int i = 0; i < values.Count; i++)
            {
                editor.Values[i] = values[i];
            }

            scores = editor.Commit();
        };

    /// <summary>The two output columns: <c>PredictedItems</c> in the model's item type (keys keep KeyValues) and <c>Scores</c>.</summary>
    public static DataViewSchema.DetachedColumn[] OutputColumns(ItemVocabulary vocabulary)
    {
        RawIdType itemType = vocabulary.Type;
        return
        [
            new DataViewSchema.DetachedColumn(ColumnNames.PredictedItems, new VectorDataViewType(itemType.ItemType), itemType.Annotations()),
            new DataViewSchema.DetachedColumn(ColumnNames.Scores, new VectorDataViewType(NumberDataViewType.Single)),
        ];
    }

    private sealed class ItemGetterFactory(ItemVocabulary vocabulary, Func<IReadOnlyList<int>> current) : IIdValueVisitor<Delegate>
    {
        public Delegate Visit<T>(IdValueType<T> type)
        {
            var convert = type.Writer;
            return (ValueGetter<VBuffer<T>>)((ref VBuffer<T> items) =>
            {
                var indices = current();
                var editor = VBufferEditor.Create(ref items, indices.Count);
                for (int i = 0; i < indices.Count; i++)
                {
                    editor.Values[i] = convert(vocabulary.IdAt(indices[i]));
                }

                items = editor.Commit();
            });
        }
    }
}
