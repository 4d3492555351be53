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

    /// <summary>
    /// The output columns: <c>PredictedItems</c> in the model's item type (keys keep KeyValues), <c>Scores</c>, and, when
    /// <paramref name="userEmbedding"/> names it, a column of D-wide user vectors.
    /// </summary>
    public static DataViewSchema.DetachedColumn[] OutputColumns(ItemVocabulary vocabulary, (string Name, int Dimension)? userEmbedding = null)
    {
        RawIdType itemType = vocabulary.Type;
        var items = new DataViewSchema.DetachedColumn(ColumnNames.PredictedItems, new VectorDataViewType(itemType.ItemType), itemType.Annotations());
        var scores = new DataViewSchema.DetachedColumn(ColumnNames.Scores, new VectorDataViewType(NumberDataViewType.Single));
        return userEmbedding is var (name, dimension)
            ? [items, scores, new DataViewSchema.DetachedColumn(name, new VectorDataViewType(NumberDataViewType.Single, dimension))]
            : [items, scores];
    }

    /// <summary>The getters of the active output columns, all reading one recommendation per row: a row is scored once, not once per column.</summary>
    /// <param name="input">The row the getters read.</param>
    /// <param name="columnCount">How many output columns there are.</param>
    /// <param name="activeOutput">Which of them are wanted.</param>
    /// <param name="vocabulary">The model's items.</param>
    /// <param name="recommend">Computes the current row's recommendation.</param>
    public static Delegate[] PerRowGetters(DataViewRow input, int columnCount, Func<int, bool> activeOutput, ItemVocabulary vocabulary,
        Func<Recommendation> recommend)
    {
        Recommendation current = null!;
        long cachedPosition = -1;
        Recommendation Current()
        {
            if (cachedPosition != input.Position)
            {
                current = recommend();
                cachedPosition = input.Position;
            }

            return current;
        }

        return [.. Enumerable.Range(0, columnCount).Select(i => activeOutput(i) ? MakeGetter(i, vocabulary, Current) : null!)];
    }

    /// <summary>The getter of output column <paramref name="index"/> (in <see cref="OutputColumns"/> order) over the current recommendation.</summary>
    public static Delegate MakeGetter(int index, ItemVocabulary vocabulary, Func<Recommendation> current) => index switch
    {
        0 => MakeItemGetter(vocabulary, () => current().Items),
        1 => MakeScoreGetter(() => current().Scores),
        _ => MakeScoreGetter(() => current().UserVector!),
    };

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
