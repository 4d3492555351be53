using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Tests.Data;

[TestClass]
public sealed class ItemVocabularyTests
{
    [TestMethod]
    public void Build_AnyInputOrder_IndexesIdsInAscendingOrderFromOne()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Int64, new long[] { 30, 10, 20, 10 }.Select(RawId.FromNumber));

        Assert.AreEqual(3, vocabulary.Count);
        Assert.AreEqual(1, vocabulary.IndexOf(RawId.FromNumber(10)));
        Assert.AreEqual(3, vocabulary.IndexOf(RawId.FromNumber(30)));
        Assert.AreEqual(RawId.FromNumber(20), vocabulary.IdAt(2));
    }

    [TestMethod]
    public void IndexOf_UnknownId_IsPadding()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Text, new[] { "b", "a" }.Select(RawId.FromText));

        Assert.AreEqual(ItemVocabulary.Padding, vocabulary.IndexOf(RawId.FromText("z")));
        Assert.AreEqual(1, vocabulary.IndexOf(RawId.FromText("a")));
    }

    [TestMethod]
    public void WriteRead_RoundTrip_KeepsTypeAndIndices()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Text, new[] { "é", "b", "a" }.Select(RawId.FromText));
        using var stream = new MemoryStream();
        vocabulary.Write(new BinaryWriter(stream));
        stream.Position = 0;

        var read = ItemVocabulary.Read(new BinaryReader(stream));

        Assert.AreEqual(RawIdType.Text, read.Type);
        Assert.AreEqual(3, read.Count);
        for (int i = 1; i <= 3; i++)
        {
            Assert.AreEqual(vocabulary.IdAt(i), read.IdAt(i));
        }
    }

    // Zips saved before key values of any type (vocabulary format 1) stored text key values as a count and strings.
    [TestMethod]
    public void Read_FirstFormatWithTextKeyValues_KeepsThem()
    {
        using var stream = new MemoryStream();
        var writer = new BinaryWriter(stream);
        writer.Write(1);                                   // format version 1
        writer.Write((byte)RawIdKind.Key);
        writer.Write(typeof(uint).FullName!);
        writer.Write(2UL);                                 // key count
        writer.Write(2);                                   // two key values, as text
        writer.Write("a");
        writer.Write("b");
        writer.Write(2);                                   // two items: keys 1 and 2
        writer.Write(1L);
        writer.Write(2L);
        stream.Position = 0;

        var read = ItemVocabulary.Read(new BinaryReader(stream));

        Assert.AreEqual(TextDataViewType.Instance, read.Type.KeyValues!.ItemType);
        CollectionAssert.AreEqual(new[] { "a", "b" }, read.Type.KeyValues.Values.ToArray());
        Assert.AreEqual(2, read.Count);
    }

    [TestMethod]
    public void WriteRead_KeyValuesOfInt32_KeepTheirType()
    {
        var type = RawIdType.ForKey(new KeyDataViewType(typeof(uint), 2), KeyValuesOf(NumberDataViewType.Int32, new VBuffer<int>(2, [10, 20])));
        var vocabulary = ItemVocabulary.Build(type, [RawId.FromNumber(1), RawId.FromNumber(2)]);
        using var stream = new MemoryStream();
        vocabulary.Write(new BinaryWriter(stream));
        stream.Position = 0;

        var read = ItemVocabulary.Read(new BinaryReader(stream));

        Assert.AreEqual(NumberDataViewType.Int32, read.Type.KeyValues!.ItemType);
        CollectionAssert.AreEqual(new[] { "10", "20" }, read.Type.KeyValues.Values.ToArray());
    }

    private static KeyValueList KeyValuesOf<T>(PrimitiveDataViewType itemType, VBuffer<T> values)
    {
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add(KeyValueList.AnnotationName, new VectorDataViewType(itemType, values.Length), (ref VBuffer<T> v) => values.CopyTo(ref v));
        var schema = new DataViewSchema.Builder();
        schema.AddColumn("Keys", new KeyDataViewType(typeof(uint), (ulong)values.Length), annotations.ToAnnotations());
        return KeyValueList.FromColumn(schema.ToSchema()[0])!;
    }

    [TestMethod]
    public void Read_NewerFormatVersion_ThrowsSayingSo()
    {
        using var stream = new MemoryStream();
        new BinaryWriter(stream).Write(99);
        stream.Position = 0;

        var error = Assert.ThrowsExactly<InvalidDataException>(() => ItemVocabulary.Read(new BinaryReader(stream)));

        StringAssert.Contains(error.Message, "format version 99");
    }

    [TestMethod]
    public void IdAt_OutOfRange_ThrowsNamingTheIndex()
    {
        var vocabulary = ItemVocabulary.Build(RawIdType.Int32, [RawId.FromNumber(5)]);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vocabulary.IdAt(0));

        Assert.AreEqual("index", error.ParamName);
    }
}
