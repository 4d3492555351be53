using System.Text;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Splits one CSV record into fields, following RFC 4180 quoting.</summary>
/// <remarks>
/// Fields are separated by commas. A field that starts with a double quote runs to the matching closing quote, may
/// hold commas and line breaks, and writes a double quote as two. A quote inside an unquoted field is kept as text.
/// </remarks>
internal static class CsvFields
{
    /// <summary>The outcome of <see cref="TrySplit"/>.</summary>
    internal enum Result
    {
        /// <summary>The record was split.</summary>
        Complete,

        /// <summary>A quoted field is still open at the end: the record continues on the next line.</summary>
        Unterminated,

        /// <summary>A closing quote is followed by something other than a comma or the end of the record.</summary>
        Malformed,
    }

    /// <summary>Splits <paramref name="record"/> into <paramref name="fields"/>, which is cleared first.</summary>
    public static Result TrySplit(string record, List<string> fields)
    {
        fields.Clear();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            field.Clear();
            if (i < record.Length && record[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= record.Length)
                        return Result.Unterminated;
                    char c = record[i++];
                    if (c != '"')
                    {
                        field.Append(c);
                    }
                    else if (i < record.Length && record[i] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        break;
                    }
                }
                if (i < record.Length && record[i] != ',')
                    return Result.Malformed;
            }
            else
            {
                int comma = record.IndexOf(',', i);
                int end = comma < 0 ? record.Length : comma;
                field.Append(record, i, end - i);
                i = end;
            }
            fields.Add(field.ToString());
            if (i >= record.Length)
                return Result.Complete;
            i++;    // the comma
        }
    }
}
