namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// The items a model knows: raw ids ↔ dense indices 1..N, with 0 reserved for padding (hstu-spec.md §3.1).
/// </summary>
/// <remarks>
/// Indices follow ascending id order (numeric for numbers and keys, ordinal for text), so the same set of ids
/// always gives the same indices whatever order the data came in.
/// </remarks>
internal sealed class ItemVocabulary
{
    /// <summary>The index that means "no item": padding in batches, unknown ids when reading.</summary>
    public const int Padding = 0;

    // 1: key values were text only. 2: key values of any primitive type (KeyValueList).
    private const int FormatVersion = 2;

    private readonly RawId[] _ids;
    private readonly Dictionary<RawId, int> _indices;

    private ItemVocabulary(RawIdType type, RawId[] sortedDistinctIds)
    {
        Type = type;
        _ids = [default, .. sortedDistinctIds];                 // index 0 is padding
        _indices = Enumerable.Range(1, sortedDistinctIds.Length).ToDictionary(i => _ids[i]);
    }

    /// <summary>The column type of the ids, so outputs can be written in it.</summary>
    public RawIdType Type { get; }

    /// <summary>The number of items N; valid indices are 1..N.</summary>
    public int Count => _ids.Length - 1;

    public static ItemVocabulary Build(RawIdType type, IEnumerable<RawId> ids)
        => new(type, [.. ids.Distinct().Order()]);

    /// <summary>The raw id of the item at <paramref name="index"/> (1..<see cref="Count"/>).</summary>
    public RawId IdAt(int index)
    {
        if (index < 1 || index > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected an item index in 1..{Count}.");
        }

        return _ids[index];
    }

    /// <summary>The index of <paramref name="id"/>, or <see cref="Padding"/> when the id is unknown.</summary>
    public int IndexOf(RawId id) => _indices.GetValueOrDefault(id, Padding);

    public void Write(BinaryWriter writer)
    {
        writer.Write(FormatVersion);
        Type.Write(writer);
        writer.Write(Count);
        bool text = Type.Kind == RawIdKind.Text;
        for (int i = 1; i <= Count; i++)
        {
            if (text)
            {
                writer.Write(_ids[i].Text!);
            }
            else
            {
                writer.Write(_ids[i].Number);
            }
        }
    }

    /// <exception cref="InvalidDataException">The bytes are not a vocabulary this version can read.</exception>
    public static ItemVocabulary Read(BinaryReader reader)
    {
        int version = reader.ReadInt32();
        if (version < 1 || version > FormatVersion)
        {
            throw new InvalidDataException($"The saved item vocabulary has format version {version}; this library reads versions 1 to {FormatVersion}.");
        }

        var type = RawIdType.Read(reader, textKeyValues: version == 1);
        int count = reader.ReadInt32();
        if (count < 0)
        {
            throw new InvalidDataException($"The saved item vocabulary claims {count} items.");
        }

        var ids = new RawId[count];
        bool text = type.Kind == RawIdKind.Text;
        for (int i = 0; i < count; i++)
        {
            ids[i] = text ? RawId.FromText(reader.ReadString()) : RawId.FromNumber(reader.ReadInt64());
        }

        for (int i = 1; i < count; i++)
        {
            if (ids[i - 1].CompareTo(ids[i]) >= 0)
            {
                throw new InvalidDataException($"The saved item vocabulary is not in strictly ascending id order at position {i}.");
            }
        }

        return new ItemVocabulary(type, ids);
    }
}
