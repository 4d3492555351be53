namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Column lookups with the error message every public entry point gives for a missing column.</summary>
internal static class SchemaChecks
{
    public static DataViewSchema.Column RequireColumn(DataViewSchema schema, string name, string role, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameterName);
        return schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(parameterName, name,
            $"The {role} column '{name}' was not found in the input schema; it has: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
    }
}
