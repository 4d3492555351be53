namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>How ids are represented in an IDataView column (see <see cref="RawIdType"/>).</summary>
internal enum RawIdKind : byte
{
    Int32 = 1,
    UInt32 = 2,
    Int64 = 3,
    Text = 4,
    Key = 5,
}
