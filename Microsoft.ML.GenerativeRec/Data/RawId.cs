namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// One user or item id as read from an IDataView column, in a form that does not depend on the column type:
/// integers and key values live in <see cref="Number"/>, text ids in <see cref="Text"/>.
/// </summary>
/// <remarks>Ordering is numeric for numbers and ordinal for text, so sorting ids is deterministic.</remarks>
internal readonly record struct RawId(long Number, string? Text) : IComparable<RawId>
{
    public static RawId FromNumber(long number) => new(number, null);

    public static RawId FromText(string text) => new(0, text);

    public int CompareTo(RawId other)
        => Text is null && other.Text is null ? Number.CompareTo(other.Number) : string.CompareOrdinal(Text, other.Text);

    public override string ToString() => Text ?? Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
